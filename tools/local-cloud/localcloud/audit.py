"""The allocation audit around a run (issue 15), when it is installed.

Contract with allocation-tempest-audit (a console script of the plugin):
  before: --config-file CONF snapshot --out RUN/audit-before.json
  after:  --config-file CONF compare --before RUN/audit-before.json
          --json RUN/audit.json --subunit RUN/subunit.v2
compare exits 0 when clean, 3 with findings, 1 on error. Findings are
printed prominently; they never change the run's exit code.
"""
import os
import subprocess

from localcloud import settings as s
from localcloud import util

FINDINGS = 3


def script():
    path = util.vbin(s.AUDIT_SCRIPT)
    return path if os.path.exists(path) else None


def _call(argv, log):
    p = subprocess.run(argv, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT)
    output = p.stdout.decode(errors='replace')
    with open(log, 'a') as f:
        f.write('$ %s\n%s\n' % (' '.join(argv), output))
    return p.returncode, output


def before(run_dir, conf):
    """Snapshot before the run; returns the snapshot path or None."""
    exe = script()
    if not exe:
        util.say('audit: %s is not installed in %s; no allocation audit'
                 % (s.AUDIT_SCRIPT, s.VBIN))
        return None
    out = os.path.join(run_dir, 'audit-before.json')
    rc, output = _call([exe, '--config-file', conf, 'snapshot', '--out',
                        out], os.path.join(run_dir, 'audit.log'))
    if rc != 0:
        util.say('audit: snapshot failed (exit %d), no audit for this run:'
                 '\n%s' % (rc, output.rstrip()))
        return None
    util.say('audit: snapshot before the run in %s' % out)
    return out


def after(run_dir, conf, snapshot, stream):
    """Compare with the snapshot; returns {rc, output, json}."""
    out = os.path.join(run_dir, 'audit.json')
    argv = [script(), '--config-file', conf, 'compare', '--before',
            snapshot, '--json', out]
    if os.path.exists(stream):
        argv += ['--subunit', stream]
    rc, output = _call(argv, os.path.join(run_dir, 'audit.log'))
    return {'rc': rc, 'output': output, 'json': out}


def show(result):
    rc, output = result['rc'], result['output'].rstrip()
    if rc == 0:
        util.say('audit: clean\n%s' % output)
    elif rc == FINDINGS:
        bar = '!' * 72
        util.say('\n'.join([bar, 'AUDIT FOUND ALLOCATION PROBLEMS '
                            '(the run\'s exit code is unchanged)', bar,
                            output, bar, 'audit JSON: ' + result['json']]))
    else:
        util.say('audit: compare failed (exit %d):\n%s' % (rc, output))
