"""`cloud run-defaults`: the suite with default options changes nothing.

Writes a copy of tempest.conf without the [allocation] group (every
destructive step off), reads every nova-compute service, runs the plugin's
suite with that copy, and reads the services again. Exit 0 only when the
destructive classes were skipped naming allow_compute_disruption, no test
failed, and every service's status, disabled_reason and forced_down are as
before. Runs with the venv's python; reads the services as tempest.conf's
admin through the plugin's read layer (cmd/admin.py, reads/clients.py).
"""
import argparse
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(
    __file__))))
from localcloud import settings as s  # noqa: E402

from allocation_tempest_plugin.cmd import admin  # noqa: E402
from allocation_tempest_plugin.reads import services  # noqa: E402

DEFAULTS_CONF = os.path.join(s.TEMPEST_DIR, 'etc', 'tempest-defaults.conf')
DESTRUCTIVE = ('LocalDeleteTest', 'ComputeReturnsTest', 'MultiComputeTest')


def write_defaults_conf():
    kept, skipping = [], False
    with open(s.TEMPEST_CONF) as conf:
        for line in conf:
            if line.startswith('['):
                skipping = line.strip() == '[allocation]'
            if not skipping:
                kept.append(line)
    # 0600: the copy holds the admin password too (issue 12.9).
    fd = os.open(DEFAULTS_CONF, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)
    with os.fdopen(fd, 'w') as conf:
        conf.writelines(kept)


def service_states(services_client):
    """What a destructive test would change, per host."""
    return {svc['host']: {f: svc[f] for f in services.WRITABLE_FIELDS}
            for svc in services.list_all(services_client)}


def main():
    argparse.ArgumentParser(
        prog='cloud run-defaults',
        description=__doc__.split('\n\n')[1].replace('\n', ' ')).parse_args()
    # Tempest's run gets the environment as it was: use_config() points
    # this process's Tempest at tempest.conf through the environment.
    run_environ = dict(os.environ)
    admin.use_config(s.TEMPEST_CONF)
    services_client = admin.clients().compute_services()
    write_defaults_conf()
    before = service_states(services_client)
    print('compute services before: %s' % before, flush=True)
    argv = [os.path.join(s.VBIN, 'tempest'), 'run', '--config-file',
            DEFAULTS_CONF, '--regex', s.plugin_selection('ALL')]
    env = dict(run_environ, HOME=os.path.join(s.STATE, 'home'))
    run = subprocess.run(argv, cwd=s.TEMPEST_DIR, env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         text=True)
    print(run.stdout, flush=True)
    after = service_states(services_client)
    print('compute services after:  %s' % after)
    problems = []
    if run.returncode != 0:
        problems.append('tempest run exited %d' % run.returncode)
    for name in DESTRUCTIVE:
        if not re.search(r'setUpClass \(\S+\.%s\) \.\.\. SKIPPED: .*'
                         r'allow_compute_disruption' % name, run.stdout):
            problems.append('%s was not skipped naming '
                            'allow_compute_disruption' % name)
    if before != after:
        problems.append('compute services changed')
    for problem in problems:
        print('FAILED: %s' % problem)
    if not problems:
        print('defaults: destructive classes skipped, no compute changed')
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(admin.run_main(main))
