"""Tools that need Tempest and the plugin, run with the venv's Python.

`cloud run-defaults`, `cloud kill-matrix`, `cloud hostile`, `cloud
crowd` and `cloud bench`: the harness gives each this cloud's
tempest.conf (and workspace) and puts the repository first on
PYTHONPATH, so the checkout's plugin and tools are the ones that run,
whatever the venv has installed. The harness execs the tool: its PID is
the one `cloud TOOL` was started with.
Arguments after the command go to the tool, after the harness's own: a
repeated option (another --config-file) wins.
"""
import os

from localcloud import settings as s
from localcloud import util

SCRIPTS = os.path.join(s.HARNESS_DIR, 'venv_scripts')


def _conf():
    return ['--config-file', s.TEMPEST_CONF]


# command -> (script, the harness's arguments for it)
TOOLS = {
    'run-defaults': (os.path.join(SCRIPTS, 'run_defaults.py'), list),
    # The first compute, unless the caller names another with --host.
    'kill-matrix': (os.path.join(SCRIPTS, 'kill_matrix.py'),
                    lambda: _conf() + ['--host', s.COMPUTE_HOSTS[0]]),
    'hostile': (os.path.join(SCRIPTS, 'hostile.py'), _conf),
    'crowd': (os.path.join(SCRIPTS, 'crowd.py'), _conf),
    'bench': (os.path.join(s.REPO_ROOT, 'tools', 'bench', 'bench.py'),
              lambda: _conf() + ['--workspace', s.TEMPEST_DIR]),
}


def argv(name, args):
    script, harness_args = TOOLS[name]
    return [util.vbin('python'), script] + harness_args() + list(args)


def env():
    path = [s.REPO_ROOT] + [p for p in os.environ.get(
        'PYTHONPATH', '').split(os.pathsep) if p]
    return dict(os.environ, PYTHONPATH=os.pathsep.join(path))


def main(name, args):
    if not os.path.exists(util.vbin('python')):
        util.die('no venv yet: run `%s up` first' % s.HARNESS)
    asks_help = bool({'-h', '--help'} & set(args))
    if not asks_help and not os.path.exists(s.TEMPEST_CONF):
        util.die('no tempest.conf yet: run `%s up` first' % s.HARNESS)
    # Replaced, not a child: a signal to `cloud TOOL`'s PID (the crowd's
    # SIGTERM) reaches the tool itself.
    command = argv(name, args)
    os.execve(command[0], command, env())
