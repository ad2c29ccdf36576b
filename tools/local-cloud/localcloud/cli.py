"""`cloud`'s command line: one argparse subcommand per command (issue 24).

Each command is declared by the module that does it (its add_parser:
options, help, and the function that runs it); this module only lists
them, in the order `cloud --help` shows, and runs the one asked for.
"""
import argparse
import os

from localcloud import beside
from localcloud import break_check
from localcloud import break_nova
from localcloud import class_times
from localcloud import compute
from localcloud import control
from localcloud import run_command
from localcloud import soak
from localcloud import subcommands
from localcloud import two_runners
from localcloud import up
from localcloud import util
from localcloud import venv_tools

DESCRIPTION = """\
A real OpenStack on 127.0.0.1 for the allocation Tempest plugin.
`cloud COMMAND --help` shows a command's options."""
EPILOG = """\
`run` and `run-beside` run allocation-tempest-audit (snapshot before,
compare after) when it is installed in the venv. run-defaults,
kill-matrix, hostile, crowd and bench run with the venv's Python and its
tempest.conf; their ARGS go to the tool (`cloud TOOL --help` shows
them).

State dir: $LOCAL_CLOUD_DIR (default /var/lib/allocation-local-cloud).
Number of computes: $LOCAL_CLOUD_COMPUTES (default 2).
Uses only the Python 3 standard library; OpenStack runs in its own venv.
"""


def _add_commands(subparsers):
    up.add_parser(subparsers)
    control.add_down_parser(subparsers)
    control.add_status_parser(subparsers)
    run_command.add_run_parser(subparsers)
    beside.add_parser(subparsers)
    soak.add_parser(subparsers)
    two_runners.add_parser(subparsers)
    run_command.add_smoke_parser(subparsers)
    venv_tools.add_parser(subparsers, 'run-defaults')
    compute.add_stop_parser(subparsers)
    compute.add_start_parser(subparsers)
    compute.add_fence_parser(subparsers)
    # Tools against this cloud.
    venv_tools.add_parser(subparsers, 'kill-matrix')
    venv_tools.add_parser(subparsers, 'hostile')
    venv_tools.add_parser(subparsers, 'crowd')
    class_times.add_parser(subparsers)
    venv_tools.add_parser(subparsers, 'bench')
    break_nova.add_parser(subparsers)
    break_check.add_parser(subparsers)


def build():
    """(the top-level parser, its subcommands by name)."""
    parser = argparse.ArgumentParser(
        prog=subcommands.PROG, description=DESCRIPTION, epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    subparsers = parser.add_subparsers(dest='command_name',
                                       metavar='COMMAND', required=True)
    _add_commands(subparsers)
    return parser, subparsers.choices


def parse(argv):
    """`cloud`'s arguments -> the options of the command they name."""
    parser, commands = build()

    def parse_own(own):
        opts, unknown = parser.parse_known_args(argv[:1] + own)
        if unknown:  # told with the command's usage, not with cloud's
            commands[opts.command_name].error(
                'unrecognized arguments: %s' % ' '.join(unknown))
        return opts

    command = commands.get(argv[0]) if argv else None
    if command is None or subcommands.split_of(command) is None:
        return parse_own(argv[1:])
    # A command that passes its rest on: argparse sees only its own part.
    return subcommands.parse(command, argv[1:], parse_own=parse_own)


def main(argv):
    if not argv or argv[0] == 'help':  # as before: the overview, exit 0
        build()[0].print_help()
        return 0
    opts = parse(argv)
    if getattr(opts, 'needs_root', False) and os.geteuid() != 0:
        util.die('%s needs root (apt-get, system packages)'
                 % opts.command_name)
    try:
        return opts.command(opts)
    except util.Failure as e:
        util.die('FAILED: %s' % e)
    except KeyboardInterrupt:
        util.die('interrupted', rc=130)
