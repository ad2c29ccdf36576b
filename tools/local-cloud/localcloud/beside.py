"""`cloud run-beside`: the plugin inside a run of Tempest's own tests.

One `tempest run` at concurrency 4 selects the plugin's tests together with
Tempest's compute API tests (settings.BESIDE_TEMPEST_CI by default,
BESIDE_TEMPEST_FULL with --full). --without-plugin runs the same Tempest
selection alone: Tempest's own failures must be no more with the plugin than
without it (--compare-with RUN_DIR prints the difference, and the wall
time the plugin added beside its own serial hold: issue 23's target is
added <= hold).
"""
import json
import os

from localcloud import class_times
from localcloud import runs
from localcloud import settings as s
from localcloud import subcommands
from localcloud import util


def add_parser(subparsers):
    parser = subparsers.add_parser(
        'run-beside', help="the plugin's tests and Tempest's compute "
                           "servers + admin tests in one tempest run",
        description=__doc__.split('\n\n')[1].replace('\n', ' '))
    parser.add_argument('--without-plugin', action='store_true',
                        help="Tempest's selection only, for comparison")
    parser.add_argument('--concurrency', type=int, metavar='N',
                        default=s.BESIDE_CONCURRENCY,
                        help='tempest run --concurrency (default: '
                             '%(default)s)')
    parser.add_argument('--full', action='store_true',
                        help='BESIDE_TEMPEST_FULL instead of '
                             'BESIDE_TEMPEST_CI')
    parser.add_argument('--compare-with', metavar='RUN_DIR',
                        help="a run directory whose Tempest failures to "
                             "compare with (e.g. a --without-plugin run)")
    parser.set_defaults(command=main)
    return parser


def parse(args):
    """run-beside's options alone: soak repeats a run-beside."""
    return subcommands.standalone(add_parser).parse_args(args)


def selection(without_plugin, full):
    tempest = s.BESIDE_TEMPEST_FULL if full else s.BESIDE_TEMPEST_CI
    parts = ['^' + t for t in tempest]
    if not without_plugin:
        parts.insert(0, s.plugin_selection('ALL'))
    return '(%s)' % '|'.join(parts)


def excluded():
    return '|'.join(regex for regex, _why in s.BESIDE_EXCLUDED) or None


def run_once(opts):
    if not os.path.exists(s.TEMPEST_CONF):
        util.die('no tempest.conf yet: run `%s up` first' % s.HARNESS)
    for regex, why in s.BESIDE_EXCLUDED:
        util.say('excluded: %s  (%s)' % (regex, why))
    kind = 'beside' + ('-without-plugin' if opts.without_plugin else '') + \
        ('-full' if opts.full else '')
    return runs.run(kind, selection(opts.without_plugin, opts.full),
                    exclude=excluded(),
                    args=['--concurrency', str(opts.concurrency)])


def compare(summary, other_dir):
    """Tempest failures of this run that the other run did not have."""
    with open(os.path.join(other_dir, 'summary.json')) as f:
        other = json.load(f)
    mine, theirs = set(summary['tempest_failed']), set(
        other['tempest_failed'])
    util.say("Tempest's own failures: %d here, %d in %s" % (
        len(mine), len(theirs), other_dir))
    for test_id in sorted(mine - theirs):
        util.say('    only here:  ' + test_id)
    for test_id in sorted(theirs - mine):
        util.say('    only there: ' + test_id)
    say_added_time(summary, other)
    return sorted(mine - theirs)


def serial_hold(run_dir):
    """Seconds the plugin's serial classes held Tempest's lock in a run."""
    tests = runs.load_results(os.path.join(run_dir, 'results.json'))
    costs, _wall = class_times.class_costs(tests)
    return sum(v for cls, v in costs.items() if class_times.is_serial(cls))


def say_added_time(summary, other):
    """What the plugin cost the run it joined, beside its own hold.

    A serial class waits for every worker to drain before it starts and
    leaves three of four idle while it runs, so what a gate pays is the
    difference of the two runs' wall times, not the plugin's test times.
    """
    added = summary['wall_seconds'] - other['wall_seconds']
    hold = serial_hold(summary['run_dir'])
    util.say('wall time: %.1f s with the plugin, %.1f s without: the '
             'plugin added %.1f s; its serial hold here %.1f s (target: '
             'added <= hold: %s)' % (
                 summary['wall_seconds'], other['wall_seconds'], added,
                 hold, 'met' if added <= hold else 'NOT met'))


def main(opts):
    summary = run_once(opts)
    runs.report(summary)
    if opts.compare_with:
        compare(summary, opts.compare_with)
    return summary['rc']
