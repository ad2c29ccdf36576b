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
import collections
import os

from localcloud import settings as s
from localcloud import subcommands
from localcloud import util

SCRIPTS = os.path.join(s.HARNESS_DIR, 'venv_scripts')


def _conf():
    return ['--config-file', s.TEMPEST_CONF]


class Tool(collections.namedtuple('Tool', 'script harness_args summary')):
    """A venv script, the harness's arguments for it, its --help line."""


TOOLS = {
    'run-defaults': Tool(
        os.path.join(SCRIPTS, 'run_defaults.py'), list,
        'the suite with no [allocation] options: the destructive tests '
        'skip, no compute service changes'),
    # The first compute, unless the caller names another with --host.
    'kill-matrix': Tool(
        os.path.join(SCRIPTS, 'kill_matrix.py'),
        lambda: _conf() + ['--host', s.COMPUTE_HOSTS[0]],
        'signal a guarded local delete at every step and fault its '
        'restore, then the same for a lent host; every compute must end '
        'as found'),
    'hostile': Tool(
        os.path.join(SCRIPTS, 'hostile.py'), _conf,
        'the hostile-response cases against the real APIs'),
    'crowd': Tool(
        os.path.join(SCRIPTS, 'crowd.py'), _conf,
        "other tenants' servers booted (unpinned) and deleted all the "
        "time, beside a run; SIGTERM deletes them"),
    'bench': Tool(
        os.path.join(s.REPO_ROOT, 'tools', 'bench', 'bench.py'),
        lambda: _conf() + ['--workspace', s.TEMPEST_DIR],
        "the plugin's tests against the bare API sequence "
        "(tools/bench/bench.py)"),
}


def add_parser(subparsers, name):
    # No -h of its own: `cloud TOOL --help` is the tool's, listing its
    # options; the harness declares none.
    parser = subparsers.add_parser(name, add_help=False,
                                   help=TOOLS[name].summary)
    subcommands.pass_rest(parser, 'tool_args',
                          subcommands.everything_passed_on, metavar='ARGS',
                          help='passed on to the tool')
    parser.set_defaults(command=tool_command, tool=name)
    return parser


def tool_command(opts):
    return main(opts.tool, opts.tool_args)


def argv(name, args):
    tool = TOOLS[name]
    return [util.vbin('python'), tool.script] + tool.harness_args() + list(
        args)


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
