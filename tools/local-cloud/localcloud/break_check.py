"""`cloud break-check`: each destructive class's check, seen red (issue 21).

    cloud break-check [--only CLASS[,CLASS]] [--list]

A check that never failed proves nothing. For each row of ROWS: break
what the row names (break-nova faults, and `conf:SECTION.KEY=VALUE`
tempest.conf overrides for that run only), run the row's one test as
`cloud run REGEX` does (a run directory each), ALWAYS restore Nova, and
wait until every compute reads up, enabled and not forced down again. A
row is red only if its test FAILED: a pass, an expected failure (the
plugin judging a known Nova defect "reproduced"), a skip, a class-level
error or a test that did not run leave it not red. Prints the table and
writes it to $STATE/runs/break-check-<time>.json; exit 1 unless every
row went red.
"""
import argparse
import json
import os
import re
import time

from localcloud import api
from localcloud import break_nova
from localcloud import leftovers
from localcloud import run_command
from localcloud import runs
from localcloud import settings as s
from localcloud import util

PACKAGE = 'allocation_tempest_plugin.'
CONF = 'conf:'

# (test id below PACKAGE, what breaks). One row per destructive class of
# the plugin, plus the normal delete's, a second for a check that a fault
# of its own exists for.
ROWS = [
    # The normal delete must find the leak at once: the resource tracker
    # heals it one update_resources_interval later.
    ('api.admin.test_allocations.AllocationsTest.'
     'test_boot_and_delete_releases_allocations', ['compute-delete-keeps']),
    ('serial_tests.api.admin.test_local_delete.LocalDeleteTest.'
     'test_local_delete_active_server', ['local-delete']),
    # The deleted server's consumer reads empty; what it freed besides is
    # a neighbour's, seen on the held provider and in the project.
    ('serial_tests.api.admin.test_local_delete.LocalDeleteTest.'
     'test_local_delete_active_server', ['local-delete-frees-neighbour']),
    ('serial_tests.scenario.test_multi_compute.MultiComputeTest.'
     'test_local_delete_leaves_other_host_untouched', ['local-delete']),
    # One unit no consumer explains, left by the returning compute.
    ('serial_tests.scenario.test_compute_returns.ComputeReturnsTest.'
     'test_restarted_compute_returns_whole', ['rt-leaks-unit']),
    # A stop command that stops nothing: the "restarted" compute never
    # stopped, which the test must notice rather than pass.
    ('serial_tests.scenario.test_compute_returns.ComputeReturnsTest.'
     'test_restarted_compute_returns_whole',
     [CONF + 'allocation.compute_stop_command=/bin/true {host}']),
    ('serial_tests.scenario.test_evacuation.EvacuationTest.'
     'test_evacuate_moves_allocations_to_destination', ['evacuate-src']),
    # Freed when on one provider, kept when on two: only a local delete
    # of a server evacuated away from a host that is down too sees it.
    ('serial_tests.scenario.test_evacuation.EvacuationTest.'
     'test_local_delete_frees_both_hosts_of_an_evacuated_server',
     ['local-delete-two-providers']),
    ('serial_tests.scenario.test_deleted_before_build.DeletedBeforeBuildTest.'
     'test_server_deleted_before_its_compute_took_it',
     ['build-delete-keeps']),
    # The server's allocations stay too: the known defect (the migration's
    # alone) must not count as reproduced, so no expected failure.
    ('serial_tests.api.admin.test_resize_defects.ResizeDeleteDefectsTest.'
     'test_delete_error_server_after_resize', ['compute-delete-keeps']),
    ('serial_tests.api.admin.test_service_delete.ServiceDeleteTest.'
     'test_service_with_a_server_is_not_deleted', ['service-delete-400']),
]


def class_of(test):
    return test.split('.')[-2]


def regex(test):
    """Like selection.py's: anchored, the test's name ends at \\b."""
    return '^' + re.escape(PACKAGE + test) + r'\b'


def add_parser(subparsers):
    parser = subparsers.add_parser(
        'break-check', help="each destructive class's test against its "
                            "fault (Nova restored after each); exit 1 "
                            "unless every row's test failed",
        description=__doc__.split('\n\n')[2])
    parser.add_argument('--only', metavar='CLASS[,CLASS]', type=_rows_of,
                        default=ROWS, dest='rows',
                        help='only the rows of these test classes')
    parser.add_argument('--list', action='store_true', help='print the table')
    parser.set_defaults(command=main)
    return parser


def _rows_of(text):
    """--only's classes -> their rows; an unknown class is a usage error."""
    wanted = set(text.split(','))
    classes = sorted({class_of(t) for t, _ in ROWS})
    unknown = wanted - set(classes)
    if unknown:
        raise argparse.ArgumentTypeError(
            'unknown class(es) %s; the table has: %s' % (
                sorted(unknown), ', '.join(classes)))
    return [r for r in ROWS if class_of(r[0]) in wanted]


def main(opts):
    rows = opts.rows
    if opts.list:
        table([(class_of(t), ' + '.join(f), t.split('.')[-1])
               for t, f in rows], ('class', 'fault', 'test'))
        return 0
    if not os.path.exists(s.TEMPEST_CONF):
        util.die('no tempest.conf yet: run `%s up` first' % s.HARNESS)
    if break_nova.applied():
        util.die('Nova is broken already (%s): `%s break-nova restore` '
                 'first' % (', '.join(break_nova.applied()), s.HARNESS))
    t0 = time.monotonic()
    done = []
    for number, (test, faults) in enumerate(rows, 1):
        util.say('==== break-check %d/%d: %s with %s' % (
            number, len(rows), test, ' + '.join(faults)))
        row = run_row(test, faults)
        done.append(row)
        if row.get('cloud'):
            util.say('the computes did not come back whole; stopping: %s'
                     % row['cloud'])
            break
    out = os.path.join(s.RUNS, time.strftime('break-check-%Y%m%d-%H%M%S'
                                             '.json'))
    util.write(out, json.dumps(done, indent=1), mode=0o644)
    show(done, rows)
    util.say('break-check: %d of %d rows red in %.0fs; %s' % (
        sum(r['red'] for r in done), len(rows), time.monotonic() - t0, out))
    return 0 if len(done) == len(rows) and all(r['red'] for r in done) \
        else 1


def run_row(test, faults):
    nova = [f for f in faults if not f.startswith(CONF)]
    sets = [f[len(CONF):] for f in faults if f.startswith(CONF)]
    row = dict(test=PACKAGE + test, faults=faults, red=False,
               outcome='error', reason='', run_dir=None)
    try:
        if nova:
            break_nova.apply(nova)
        line = [a for item in sets for a in ('--set', item)] + [regex(test)]
        summary = run_command.run_once(run_command.parse_run_line(line),
                                       kind='break-check')
        row['run_dir'] = summary['run_dir']
        row['outcome'], row['reason'] = outcome(
            PACKAGE + test, runs.load_results(
                os.path.join(summary['run_dir'], 'results.json')))
    except Exception as e:
        row['reason'] = 'harness: %s' % e
    except SystemExit as e:  # util.die in a step (a compute not starting)
        row['reason'] = 'harness: exited %s (see above)' % e.code
    finally:
        if nova:
            break_nova.restore()
        # The next row must meet its own break, not this one's leak.
        leftovers.clear()
    row['red'] = row['outcome'] == 'fail'
    row['cloud'] = computes_whole()
    return row


def outcome(test_id, results):
    """(fail|pass|xfail|skip|class error|not run, one line of why)."""
    r = results.get(test_id)
    if r is None:
        cls = test_id.rsplit('.', 1)[0]
        for key, other in sorted(results.items()):
            if key.endswith('(%s)' % cls) and other['status'] != 'pass':
                return 'class error', '%s: %s' % (key.split()[0],
                                                  why(other['reason']))
        return 'not run', ''
    if r.get('expected_failure'):
        return 'xfail', why(r['reason'])
    return r['status'], why(r.get('message') or r['reason'])


def why(reason, width=160):
    """The one line of a reason that says what happened.

    For a traceback: where the exception's message starts (results.json
    keeps a traceback's tail, so its first line is rarely a whole one);
    else the first line.
    """
    lines = [line for line in (reason or '').splitlines() if line.strip()]
    frames = [i for i, line in enumerate(lines)
              if line.startswith('  File ')]
    after = lines[frames[-1] + 1:] if frames else lines
    start = [line for line in after if not line.startswith(' ')]
    text = (start or after or [''])[0].strip()
    return text if len(text) <= width else text[:width - 3] + '...'


def computes_whole(timeout=2 * s.SERVICE_DOWN_TIME):
    """None once every compute reads up/enabled/not forced down, else why.

    The next row must start from a whole cloud, or its verdict is noise.
    """
    seen = ['']

    def whole():
        try:
            svcs = {svc['host']: svc for svc in api.compute_services()}
        except Exception as e:
            seen[0] = 'GET /os-services: %s' % e
            return False
        bad = [h for h in s.COMPUTE_HOSTS if h not in svcs or
               svcs[h]['state'] != 'up' or svcs[h]['status'] != 'enabled' or
               svcs[h].get('forced_down')]
        seen[0] = ', '.join('%s %s/%s%s' % (
            h, svcs[h]['state'], svcs[h]['status'],
            ' forced_down' if svcs[h].get('forced_down') else '')
            if h in svcs else h + ' missing' for h in bad)
        return not bad
    try:
        util.wait_for(whole, timeout, interval=2, what='computes whole')
        return None
    except util.Failure:
        return seen[0]


def show(done, rows):
    """The verdict table; the reason under each row."""
    lines = []
    for row in done:
        lines.append((class_of(row['test']), ' + '.join(row['faults']),
                      row['test'].split('.')[-1],
                      'RED' if row['red'] else 'NO', row['outcome']))
        if row['reason']:
            lines.append('    ' + row['reason'])
    for test, faults in rows[len(done):]:
        lines.append((class_of(test), ' + '.join(faults), test.split('.')[-1],
                      'NO', 'not run (the cloud was not whole)'))
    util.say('')
    table(lines, ('class', 'fault', 'test', 'red?', 'outcome'))


def table(lines, header):
    """Columns as wide as their widest cell; a str line is printed as is."""
    cells = [header] + [line for line in lines if not isinstance(line, str)]
    widths = [max(len(c[i]) for c in cells) for i in range(len(header) - 1)]
    for line in [header] + lines:
        if isinstance(line, str):
            util.say(line)
        else:
            util.say('  '.join([c.ljust(w) for c, w in zip(line, widths)] +
                               [line[-1]]))
