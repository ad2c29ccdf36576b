"""tools/bench: what the plugin's tests cost beyond the API calls they need.

Alternately (A B A B ...) the bare API sequence (bare_local_delete.py)
and the plugin through `tempest run`: first LocalDeleteTest's shared hold
(every state's server on one host, one hold; its cost is the line
serial_tests/shared_hold.py logs), then each local-delete test with a
hold of its own (VERIFY_RESIZE), whose duration is read from its subunit
result and its polls from the "poll stats" line it logs. Then the whole
suite at concurrency 1 and 2. Writes JSON and a PNG chart.

    tools/local-cloud/cloud bench [--rounds 5] [--states VERIFY_RESIZE] \
        [--out doc/source/_static/bench] [--no-suite] [--no-shared]

The harness runs it with the local cloud's venv Python and gives it the
cloud's tempest.conf (--config-file) and Tempest workspace (--workspace).
"""

import argparse
import csv
import json
import os
import re
import statistics
import subprocess
import sys
import time

import bare_local_delete
import pinned_matplotlib

from allocation_tempest_plugin.cmd import admin
from allocation_tempest_plugin import selection

BIN = os.path.dirname(sys.executable)
TEST_CLASS = ('allocation_tempest_plugin.serial_tests.api.admin.'
              'test_local_delete.LocalDeleteTest')
# Tests with a hold of their own, measured one by one.
TESTS = {
    'VERIFY_RESIZE': 'test_local_delete_verify_resize_server',
}
# The states LocalDeleteTest's resource_setup serves in one hold
# (serial_tests/shared_hold.py), measured together; SHELVED needs a cloud
# that keeps shelved servers ([compute] shelved_offload_time = -1).
SHARED_STATES = ['ACTIVE', 'SHUTOFF', 'PAUSED', 'ERROR', 'SUSPENDED',
                 'RESCUE', 'SHELVED_OFFLOADED']
SHARED_REGEX = '^%s\\.test_local_delete_(?!verify_resize)' % re.escape(
    TEST_CLASS)
# The line the shared hold logs (shared_hold.SHARED_HOLD_LOG).
SHARED_LINE = re.compile(r'allocation_tempest_plugin shared hold: (\d+) '
                         r'states on \S+ in ([\d.]+) s: (.*)$')
# One line per wait (reads/polling.py COST_LOG).
WAIT_LINE = re.compile(r'allocation_tempest_plugin wait: (\d+) polls, '
                       r'([\d.]+) s')


class Workspace(object):
    """tempest.conf, the directory `tempest run` runs in, and its log."""

    def __init__(self, config_file, path):
        self.conf = admin.use_config(config_file)
        self.path = os.path.abspath(path)
        from tempest import config
        self.log_file = os.path.join(config.CONF.log_dir or self.path,
                                     config.CONF.log_file or 'tempest.log')


def tempest_run(ws, regex, concurrency=1):
    """Run tempest; {test id: seconds} from its subunit stream, and wall."""
    started = time.monotonic()
    subprocess.run([os.path.join(BIN, 'tempest'), 'run', '--config-file',
                    ws.conf, '--regex', regex, '--concurrency',
                    str(concurrency)], cwd=ws.path,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.monotonic() - started
    stream = subprocess.run([os.path.join(BIN, 'stestr'), 'last',
                             '--subunit'], cwd=ws.path,
                            capture_output=True).stdout
    listed = subprocess.run([os.path.join(BIN, 'subunit2csv')],
                            input=stream, capture_output=True
                            ).stdout.decode().splitlines()
    durations, statuses, spans = {}, {}, {}
    # test,status,start_time,stop_time; ids hold commas ("[id-...,slow]").
    for fields in list(csv.reader(listed))[1:]:
        name = fields[0].split('[')[0]
        statuses[name] = fields[1]
        spans[name] = (_seconds(fields[2]), _seconds(fields[3]))
        durations[name] = spans[name][1] - spans[name][0]
    tempest_run.last_spans = spans
    return durations, statuses, wall


def serial_hold(spans):
    """Seconds serial classes held the run, from their tests' spans.

    A serial class takes the write side of Tempest's lock for its whole
    life, so nothing else runs from its first test's start to its last
    test's stop (its class fixtures add a little more, not counted).
    """
    classes = {}
    for test_id, (start, stop) in spans.items():
        if '.serial_tests.' not in test_id:
            continue
        class_id = test_id.rsplit('.', 1)[0]
        first, last = classes.get(class_id, (start, stop))
        classes[class_id] = (min(first, start), max(last, stop))
    return {class_id: round(stop - start, 1)
            for class_id, (start, stop) in sorted(classes.items())}


def _seconds(stamp):
    import datetime
    return datetime.datetime.fromisoformat(
        stamp.replace('Z', '+00:00')).timestamp()


def log_size(ws):
    return (os.path.getsize(ws.log_file) if os.path.exists(ws.log_file)
            else 0)


def poll_stats(ws, since):
    """The plugin's waits logged after byte offset since (one test ran)."""
    stats = {'waits': 0, 'polls': 0, 'seconds_waiting': 0.0}
    with open(ws.log_file) as log:
        log.seek(since)
        for line in log:
            match = WAIT_LINE.search(line)
            if match:
                stats['waits'] += 1
                stats['polls'] += int(match.group(1))
                stats['seconds_waiting'] += float(match.group(2))
    stats['seconds_waiting'] = round(stats['seconds_waiting'], 3)
    return stats


def bench_state(ws, cloud, state, rounds):
    test_id = '%s.%s' % (TEST_CLASS, TESTS[state])
    bare, plugin, polls = [], [], []
    for _ in range(rounds):
        seconds, calls = bare_local_delete.local_delete(cloud, state)
        bare.append(seconds)
        since = log_size(ws)
        durations, statuses, _ = tempest_run(ws,
                                             '^%s' % re.escape(test_id))
        if statuses.get(test_id) != 'success':
            raise SystemExit('%s did not pass: %s' % (test_id, statuses))
        plugin.append(durations[test_id])
        polls.append(poll_stats(ws, since))
        print('  %-18s bare %.2fs (%d calls)  plugin %.2fs  %s' % (
            state, seconds, calls, durations[test_id], polls[-1]),
            flush=True)
    ratio = statistics.median(plugin) / statistics.median(bare)
    return {'state': state, 'test': test_id, 'bare': bare, 'plugin': plugin,
            'bare_median': statistics.median(bare),
            'plugin_median': statistics.median(plugin),
            'ratio': ratio, 'pair_ratios': [p / b for p, b in
                                            zip(plugin, bare)],
            'plugin_polls': polls}


def shared_seconds(ws, since):
    """(seconds, verdicts) of the shared hold logged after offset since."""
    found = None
    with open(ws.log_file) as log:
        log.seek(since)
        for line in log:
            match = SHARED_LINE.search(line)
            if match:
                found = (float(match.group(2)), match.group(3).strip())
    if found is None:
        raise SystemExit('the shared hold logged no "%s" line' %
                         SHARED_LINE.pattern)
    return found


def bench_shared(ws, cloud, rounds):
    """The shared hold's story against its bare API calls, alternating."""
    bare, plugin = [], []
    for _ in range(rounds):
        seconds, calls = bare_local_delete.local_delete_shared(
            cloud, SHARED_STATES)
        bare.append(seconds)
        since = log_size(ws)
        _, statuses, _ = tempest_run(ws, SHARED_REGEX)
        failed = {t: st for t, st in statuses.items()
                  if st not in ('success', 'skip')}
        if failed:
            raise SystemExit('the shared-hold tests did not pass: %s' %
                             failed)
        held, verdicts = shared_seconds(ws, since)
        plugin.append(held)
        print('  shared hold (%d states) bare %.2fs (%d calls)  plugin '
              '%.2fs  %s' % (len(SHARED_STATES), seconds, calls, held,
                             verdicts), flush=True)
    return {'state': 'shared (%d states)' % len(SHARED_STATES),
            'test': SHARED_REGEX, 'bare': bare, 'plugin': plugin,
            'bare_median': statistics.median(bare),
            'plugin_median': statistics.median(plugin),
            'ratio': statistics.median(plugin) / statistics.median(bare),
            'pair_ratios': [p / b for p, b in zip(plugin, bare)]}


def chart(results, suite, path):
    pyplot = pinned_matplotlib.pyplot()
    states = [r['state'] for r in results]
    figure, (left, right) = pyplot.subplots(
        1, 2, figsize=(11, 4), gridspec_kw={'width_ratios': [3, 1]})
    positions = range(len(states))
    left.bar([p - 0.2 for p in positions],
             [r['bare_median'] for r in results], 0.4, label='bare API calls')
    left.bar([p + 0.2 for p in positions],
             [r['plugin_median'] for r in results], 0.4,
             label='plugin test')
    for p, r in zip(positions, results):
        left.text(p, max(r['bare_median'], r['plugin_median']) + 0.1,
                  'x%.2f' % r['ratio'], ha='center')
    left.set_xticks(list(positions))
    left.set_xticklabels(states, fontsize=8)
    left.set_ylabel('median seconds')
    left.set_title('local-delete tests: plugin vs bare API sequence')
    left.legend()
    right.bar(['c=1', 'c=2'], [suite['1'], suite['2']])
    right.set_title('whole suite, wall s')
    figure.tight_layout()
    figure.savefig(path, dpi=90)


def main():
    parser = argparse.ArgumentParser(prog='cloud bench',
                                     description=__doc__.splitlines()[0])
    admin.add_config_file(parser)
    parser.add_argument('--workspace', required=True,
                        help='the Tempest workspace to run tests in')
    parser.add_argument('--rounds', type=int, default=5)
    parser.add_argument('--states', default=','.join(TESTS))
    parser.add_argument('--out', default='bench-results')
    parser.add_argument('--no-suite', action='store_true')
    parser.add_argument('--no-shared', action='store_true',
                        help='leave out the shared hold of LocalDeleteTest')
    args = parser.parse_args()
    ws = Workspace(args.config_file, args.workspace)
    os.makedirs(args.out, exist_ok=True)
    cloud = bare_local_delete.Cloud()
    results = []
    if not args.no_shared:
        print('shared hold: %d rounds, A (bare) B (plugin) alternating' %
              args.rounds, flush=True)
        results.append(bench_shared(ws, cloud, args.rounds))
    for state in filter(None, args.states.split(',')):
        print('%s: %d rounds, A (bare) B (plugin) alternating' % (
            state, args.rounds), flush=True)
        results.append(bench_state(ws, cloud, state, args.rounds))
    suite = {}
    if not args.no_suite:
        for concurrency in (1, 2):
            _, statuses, wall = tempest_run(ws, selection.ALL, concurrency)
            suite[str(concurrency)] = round(wall, 1)
            held = serial_hold(tempest_run.last_spans)
            suite['serial_hold_c%d' % concurrency] = held
            print('whole suite at concurrency %d: %.1fs (%s); serial '
                  'classes held it %.1fs (%s)' % (
                      concurrency, wall, _count(statuses),
                      sum(held.values()), held), flush=True)
    print('\n%-20s %8s %8s %6s' % ('test', 'bare', 'plugin', 'ratio'))
    for r in results:
        print('%-20s %7.2fs %7.2fs %6.2f' % (
            r['state'], r['bare_median'], r['plugin_median'], r['ratio']))
    hypervisors = hypervisor_types(cloud)
    print('hypervisors: %s' % hypervisors)
    with open(os.path.join(args.out, 'bench.json'), 'w') as out:
        json.dump({'rounds': args.rounds, 'tests': results,
                   'suite_wall_seconds': suite,
                   'hypervisor_types': hypervisors}, out, indent=2)
    if suite:
        chart(results, suite, os.path.join(args.out, 'bench.png'))
    worst = max(r['ratio'] for r in results)
    return 0 if worst <= 1.15 else 1


def hypervisor_types(cloud):
    """{host: hypervisor_type} as Nova reports it: fake, or QEMU (libvirt).

    Read from the cloud, not from the harness, so that the figures say
    which driver they were measured on.
    """
    body = cloud.call('GET', cloud.nova, '/os-hypervisors/detail',
                      bare_local_delete.COMPUTE)
    return {hypervisor['service']['host']: hypervisor['hypervisor_type']
            for hypervisor in body['hypervisors']}


def _count(statuses):
    counts = {}
    for status in statuses.values():
        counts[status] = counts.get(status, 0) + 1
    return ', '.join('%s %d' % item for item in sorted(counts.items()))


if __name__ == '__main__':
    sys.exit(admin.run_main(main))
