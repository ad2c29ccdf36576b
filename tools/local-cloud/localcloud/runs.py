"""One `tempest run` into its own run directory, with results as JSON.

Every run (cloud run, run-beside, soak, two-runners) gets
$STATE/runs/<time>-<kind>/ holding:
  tempest.log    what tempest printed
  subunit.v2     the run's subunit stream (`tempest run --subunit`, shown
                 through stestr's subunit_trace as `tempest run` would)
  results.json   per test id: status (pass/fail/skip), duration, reason
  summary.json   selection, wall time, exit code, counts, failed tests,
                 expected failures, skips grouped by reason, audit outcome
and, when the audit is installed, audit-before.json and audit.json.
"""
import contextlib
import json
import os
import subprocess
import sys
import threading
import time

from localcloud import audit
from localcloud import settings as s
from localcloud import util

# stestr's subunit_trace, as `tempest run` shows a stream; run as a module
# it misses an import that stestr's own entry point makes first.
TRACE = ('import subunit.test_results; from stestr import subunit_trace; '
         'subunit_trace.main()')
RESULTS_SCRIPT = os.path.join(s.HARNESS_DIR, 'venv_scripts',
                              'subunit_results.py')


def new_dir(kind):
    os.makedirs(s.RUNS, exist_ok=True)
    base = os.path.join(s.RUNS, time.strftime('%Y%m%d-%H%M%S-') + kind)
    path, n = base, 1
    while os.path.exists(path):
        n += 1
        path = '%s-%d' % (base, n)
    os.makedirs(path)
    return path


def tempest_env():
    return dict(os.environ, HOME=os.path.join(s.STATE, 'home'),
                PATH=s.VBIN + ':' + os.environ.get('PATH', ''))


def results(stream, out):
    """Per-test results of a stream ({} if it cannot be read)."""
    rc = subprocess.call([util.vbin('python'), RESULTS_SCRIPT, stream, out])
    if rc != 0:
        util.say('WARNING: could not read the subunit stream %s' % stream)
        return {}
    with open(out) as f:
        return json.load(f)


def load_results(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return {}


def is_plugin_test(test_id):
    return 'allocation_tempest_plugin.' in test_id


def summarize(tests):
    counts = {'pass': 0, 'fail': 0, 'skip': 0}
    for r in tests.values():
        counts[r['status']] += 1
    failed = sorted(t for t, r in tests.items() if r['status'] == 'fail')
    return {
        'counts': counts,
        'plugin_failed': [t for t in failed if is_plugin_test(t)],
        'tempest_failed': [t for t in failed if not is_plugin_test(t)],
        'expected_failures': sorted(t for t, r in tests.items()
                                    if r.get('expected_failure')),
        'skipped_by_reason': skips_by_reason(tests),
    }


# A skip reason as the summary shows it: one line, this long at most.
SKIP_REASON_CHARS = 160
# Test names shown per skip reason; the rest are counted.
SKIP_NAMES_SHOWN = 8


def skips_by_reason(tests):
    """{reason: [short test names]}: a run that mostly skipped shows it."""
    out = {}
    for test_id, r in sorted(tests.items()):
        if r['status'] != 'skip':
            continue
        reason = ' '.join((r.get('reason') or 'no reason given').split())
        if len(reason) > SKIP_REASON_CHARS:
            reason = reason[:SKIP_REASON_CHARS - 3] + '...'
        out.setdefault(reason, []).append(short_name(test_id))
    return out


def short_name(test_id):
    """Class.test of a test id ("Class (setUpClass)" for a class's own)."""
    if test_id.endswith(')') and ' (' in test_id:
        fixture, where = test_id[:-1].split(' (', 1)
        return '%s (%s)' % (where.rsplit('.', 1)[-1], fixture)
    return '.'.join(test_id.split('.')[-2:])


def run(kind, regex, exclude=None, args=(), workspace=s.TEMPEST_DIR,
        conf=s.TEMPEST_CONF, echo=True, with_audit=True, extra=None):
    """Run tempest once; returns the summary dict (also in summary.json).

    extra: more keys for the summary (what the run changed, e.g. the
    tempest.conf overrides of `cloud run --set`).
    """
    run_dir = new_dir(kind)
    argv = [util.vbin('tempest'), 'run', '--config-file', conf,
            '--regex', regex]
    if exclude:
        argv += ['--exclude-regex', exclude]
    argv += list(args)
    audit_before = audit.before(run_dir, conf) if with_audit else None
    util.say('$ ' + ' '.join(argv))
    util.say('run directory: %s' % run_dir)
    stream = os.path.join(run_dir, 'subunit.v2')
    t0 = time.monotonic()
    rc = _tempest(argv, workspace, stream,
                  os.path.join(run_dir, 'tempest.log'), echo)
    wall = time.monotonic() - t0
    tests = {}
    if os.path.getsize(stream):
        tests = results(stream, os.path.join(run_dir, 'results.json'))
    summary = dict(kind=kind, run_dir=run_dir, regex=regex, exclude=exclude,
                   args=list(args), rc=rc, wall_seconds=round(wall, 1),
                   started=time.strftime('%Y-%m-%dT%H:%M:%SZ',
                                         time.gmtime(time.time() - wall)),
                   **summarize(tests))
    summary.update(extra or {})
    if rc == 0 and (summary['counts']['fail'] or not tests):
        # `tempest run --subunit` exits 0 whatever the tests did: the
        # verdict is the stream's. No result at all is no pass either.
        summary['rc'] = 1
    if audit_before:
        summary['audit'] = audit.after(run_dir, conf, audit_before, stream)
    with open(os.path.join(run_dir, 'summary.json'), 'w') as f:
        json.dump(summary, f, indent=1)
    return summary


def _tempest(argv, workspace, stream, log, echo):
    """Run tempest writing the run's own subunit stream to `stream`.

    The stream comes from tempest's stdout (--subunit), not from the
    workspace's .stestr repository: stestr numbers a run when it ends, so
    with another run in the same workspace "the next id" or "the last run"
    can be someone else's. subunit_trace turns it into tempest's usual
    output, which goes to `log` (and stdout when echo).
    """
    with open(stream, 'wb') as raw, open(log, 'wb') as out:
        tempest = subprocess.Popen(argv + ['--subunit'], cwd=workspace,
                                   env=tempest_env(), stdout=subprocess.PIPE,
                                   stderr=out)
        trace = subprocess.Popen(
            [util.vbin('python'), '-c', TRACE, '--fails'],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, env=tempest_env())
        shown = threading.Thread(target=_show, args=(trace.stdout, out,
                                                     echo))
        shown.start()
        feeding = True
        for chunk in iter(lambda: tempest.stdout.read1(65536), b''):
            raw.write(chunk)
            if feeding:
                try:
                    trace.stdin.write(chunk)
                except BrokenPipeError:  # the stream is kept regardless
                    feeding = False
        with contextlib.suppress(BrokenPipeError):
            trace.stdin.close()
        rc = tempest.wait()
        trace.wait()
        shown.join()
    return rc


def _show(lines, out, echo):
    for line in lines:
        out.write(line)
        out.flush()
        if echo:
            sys.stdout.buffer.write(line)
            sys.stdout.flush()


def report(summary):
    """A few lines for the end of a run."""
    c = summary['counts']
    util.say('')
    xfail = len(summary.get('expected_failures', ()))
    util.say('%s: %d passed%s, %d failed, %d skipped in %.0fs (exit %d)' % (
        summary['kind'], c['pass'],
        ' (%d of them expected failures)' % xfail if xfail else '',
        c['fail'], c['skip'], summary['wall_seconds'], summary['rc']))
    for key, label in (('plugin_failed', 'plugin tests failed'),
                       ('tempest_failed', 'Tempest tests failed'),
                       ('expected_failures', 'expected failures')):
        if summary.get(key):
            util.say('%s (%d):' % (label, len(summary[key])))
            for test_id in summary[key]:
                util.say('    ' + test_id)
    _report_skips(summary.get('skipped_by_reason') or {})
    util.say('results: %s' % os.path.join(summary['run_dir'],
                                          'results.json'))
    if summary.get('audit'):
        audit.show(summary['audit'])


def _report_skips(by_reason):
    if not by_reason:
        return
    util.say('skipped (%d), by reason:' % sum(map(len, by_reason.values())))
    for reason, names in sorted(by_reason.items(),
                                key=lambda item: (-len(item[1]), item[0])):
        util.say('  %3d x %s' % (len(names), reason))
        shown = names[:SKIP_NAMES_SHOWN]
        more = len(names) - len(shown)
        util.say('        %s%s' % (', '.join(shown), ' and %d more' % more
                                   if more else ''))
