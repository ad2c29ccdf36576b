"""`cloud soak N [--json OUT] -- SELECTION...`: one selection, N times.

SELECTION is `run-beside [its options]`, or `run [REGEX] [ARGS...]` (or
just REGEX [ARGS...], as `cloud run` takes them). Writes a JSON summary:
the runs, each run's counts, wall time and directory, and the failures
per test id. Exits 1 if any plugin test failed in any run, else 0.
"""
import collections
import json
import os
import time

from localcloud import beside
from localcloud import run_command
from localcloud import runs
from localcloud import settings as s
from localcloud import subcommands
from localcloud import util


USAGE = ('%(prog)s [-h] N [--json OUT] -- run-beside [OPTS] | '
         'run [REGEX] [ARGS...]')


def add_parser(subparsers):
    parser = subparsers.add_parser(
        'soak', usage=USAGE,
        help='repeat a selection N times, JSON summary; exit 1 if any '
             'plugin test failed',
        description=__doc__.split('\n\n')[1].replace('\n', ' '))
    parser.add_argument('n', type=int, metavar='N', help='how many runs')
    parser.add_argument('--json', metavar='OUT',
                        help='the summary (default: runs/soak-<time>.json '
                             'in the state dir)')
    subcommands.pass_rest(
        parser, 'selection', subcommands.before_double_dash,
        metavar='SELECTION',
        help='after --: `run-beside [OPTS]`, or `run [REGEX] [ARGS...]` '
             '(or just REGEX [ARGS...])')
    parser.set_defaults(command=main)
    return parser


def runner(selection):
    """A function that runs the selection once and returns its summary.

    The selection is parsed here, before the first run: a wrong option
    fails at once, not after hours of soaking.
    """
    if selection and selection[0] == 'run-beside':
        opts = beside.parse(selection[1:])
        return lambda: beside.run_once(opts)
    if selection and selection[0] == 'run':
        selection = selection[1:]
    opts = run_command.parse_run_line(selection)
    return lambda: run_command.run_once(opts)


def main(opts):
    selection = opts.selection
    once = runner(selection)
    out = opts.json or os.path.join(
        s.RUNS, time.strftime('soak-%Y%m%d-%H%M%S.json'))
    per_run, failures = [], collections.Counter()
    plugin_failures = collections.Counter()
    t0 = time.monotonic()
    for i in range(1, opts.n + 1):
        util.say('==== soak run %d/%d: %s' % (i, opts.n, ' '.join(selection)))
        summary = once()
        runs.report(summary)
        per_run.append({'run': i, 'run_dir': summary['run_dir'],
                        'rc': summary['rc'],
                        'passed': summary['counts']['pass'],
                        'failed': summary['counts']['fail'],
                        'skipped': summary['counts']['skip'],
                        'wall_seconds': summary['wall_seconds'],
                        'audit_rc': (summary.get('audit') or {}).get('rc')})
        failures.update(summary['plugin_failed'] + summary['tempest_failed'])
        plugin_failures.update(summary['plugin_failed'])
        _write(out, selection, per_run, failures, plugin_failures,
               time.monotonic() - t0)
    util.say('')
    util.say('soak: %d runs of %s in %.0fs' % (opts.n, ' '.join(selection),
                                               time.monotonic() - t0))
    for r in per_run:
        util.say('  run %(run)d: %(passed)d passed, %(failed)d failed, '
                 '%(skipped)d skipped, %(wall_seconds).0fs, exit %(rc)d'
                 % r)
    for test_id, count in failures.most_common():
        util.say('  failed %d/%d: %s' % (count, opts.n, test_id))
    util.say('summary: %s' % out)
    if plugin_failures:
        util.say('soak FAILED: %d plugin test failure(s)'
                 % sum(plugin_failures.values()))
        return 1
    return 0


def _write(out, selection, per_run, failures, plugin_failures, wall):
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    with open(out, 'w') as f:
        json.dump({'selection': selection, 'runs': len(per_run),
                   'wall_seconds': round(wall, 1), 'per_run': per_run,
                   'failures': dict(failures.most_common()),
                   'plugin_failures': dict(plugin_failures.most_common())},
                  f, indent=1)
