"""`cloud run` and `cloud smoke`: one tempest run into a run directory.

`run [--set SECTION.KEY=VALUE ...] [REGEX] [ARGS...]`: the leading --set
options and REGEX (the first word that is no option) are run's own, the
rest goes to `tempest run` untouched (`--concurrency 2`, `--serial`, ...).
"""
import os

from localcloud import conf_override
from localcloud import runs
from localcloud import settings as s
from localcloud import subcommands
from localcloud import util


def add_run_parser(subparsers):
    parser = subparsers.add_parser(
        'run', help='tempest run --regex REGEX into a run directory',
        description='tempest run --regex REGEX in the workspace, with the '
                    "venv's tempest. Results in $STATE/runs/<time>-run/ "
                    '(results.json, subunit.v2, summary.json, audit files); '
                    'the summary groups skips by reason. Exit code is '
                    "tempest's.")
    parser.add_argument(
        '--set', action='append', default=[], type=conf_override.parse,
        metavar='SECTION.KEY=VALUE',
        help='a tempest.conf override for this run only (a copy); '
             'repeatable, before REGEX')
    parser.add_argument(
        'regex', nargs='?', metavar='REGEX',
        help="default: the plugin's selection.ALL")
    subcommands.pass_rest(parser, 'tempest_args', _split_run_line,
                          metavar='ARGS', help='passed on to tempest run')
    parser.set_defaults(command=run)
    return parser


def _split_run_line(args):
    """Leading --set options and REGEX are run's; the rest is tempest's."""
    own = subcommands.leading_options(
        args, with_value=('--set',), flags=subcommands.HELP)
    # REGEX is the first word that is no option, as it always was.
    if own < len(args) and not args[own].startswith('-'):
        own += 1
    return args[:own], args[own:]


def parse_run_line(args):
    """`[--set SECTION.KEY=VALUE ...] [REGEX] [ARGS...]` -> run's options.

    For a run line met inside another command (soak, break-check).
    """
    return subcommands.parse(subcommands.standalone(add_run_parser), args)


def add_smoke_parser(subparsers):
    parser = subparsers.add_parser(
        'smoke', help="`run` of the plugin's seed test (selection.SEED): "
                      "a local delete frees the server's allocations",
        description="`cloud run` of the plugin's seed test alone "
                    "(selection.SEED: LocalDeleteTest."
                    "test_local_delete_active_server).")
    subcommands.pass_rest(parser, 'tempest_args',
                          subcommands.help_then_rest, metavar='ARGS',
                          help='passed on to tempest run')
    parser.set_defaults(command=smoke)
    return parser


def smoke(opts):
    return run(parse_run_line([s.plugin_selection('SEED')] +
                              opts.tempest_args))


def run(opts):
    """`cloud run`: returns tempest's exit code."""
    summary = run_once(opts)
    runs.report(summary)
    return summary['rc']


def run_once(opts, kind='run'):
    """One run of a parsed run line (parse_run_line): its summary."""
    if not os.path.exists(s.TEMPEST_CONF):
        util.die('no tempest.conf yet: run `%s up` first' % s.HARNESS)
    regex = s.plugin_selection('ALL') if opts.regex is None else opts.regex
    with conf_override.copy_with(opts.set) as conf:
        return runs.run(kind, regex, args=opts.tempest_args, conf=conf,
                        extra={'tempest_conf_overrides':
                               conf_override.describe(opts.set)})
