"""tools/bench/scale.py: what one destructive test costs, by cloud size.

A fake Nova and Placement (allocation_tempest_plugin/tests/fakecloud) on
127.0.0.1, in a process of their own, serve clouds of 10, 100, 1,000 and
5,000 compute hosts: nine in ten run 1-3 servers of other projects, one in
five hundred has a deleted service, Nova's [api] max_limit is 1000 and
Placement does not page. A Keystone in the same fake issues tokens and the
catalog. Against it, the plugin's real test
(LocalDeleteTest.test_local_delete_active_server) runs through Tempest's
own class setup, clients and pre-provisioned credentials; every HTTP call
is counted (calls, bytes read, wall time) per step of the test:

    choose_host, provider_lookup, snapshot_before, boot, recheck_host,
    guard_enter, delete_locally, final_check, guard_exit, test_body

calls_per_test counts every call from host choice through the final check
(all but guard_exit); setup_s is the wall time of the plugin's own reads
before the test acts: choose_host, provider_lookup, snapshot_before and
recheck_host (guard_enter is reported apart: it includes the guard's
fixed claim-settle wait, which would hide any growth). Each size runs
the test --rounds times after one warm-up round (tokens, first
connections) and reports medians.

Run it with a Python that has the plugin and Tempest (the tox env)::

    .tox/py3/bin/python tools/bench/scale.py --json scale.json \
        [--sizes 10,100,1000,5000] [--rounds 3] [--chart scale.png] \
        [--disruptable HOST|last-free] [--no-audit]

With --chart it installs matplotlib==3.11.2 and pillow==12.3.0 into that
Python if missing, pinned (pinned_matplotlib.py). To measure
another checkout of the plugin, put it first on PYTHONPATH (it needs
allocation_tempest_plugin/tests/fakecloud: copy that in).
"""

import argparse
import functools
import json
import multiprocessing
import os
import statistics
import subprocess
import sys
import tempfile
import time
import unittest

import pinned_matplotlib

TEST_CLASS = ('allocation_tempest_plugin.serial_tests.api.admin.'
              'test_local_delete.LocalDeleteTest')
TEST_METHOD = 'test_local_delete_active_server'
STEPS = {
    # attribute of the test class -> step
    'disruptable_host': 'choose_host',
    'provider_for_host': 'provider_lookup',
    'placement_snapshot': 'snapshot_before',
    'boot_server': 'boot',
    '_recheck_host': 'recheck_host',
    'delete_locally': 'delete_locally',
    'assert_placement_clean': 'final_check',
}
SETUP_STEPS = ('choose_host', 'provider_lookup', 'snapshot_before',
               'recheck_host')
AFTER_FINAL_CHECK = ('guard_exit',)

TEMPEST_CONF = """[DEFAULT]
log_file = {workdir}/tempest.log
[auth]
use_dynamic_credentials = false
test_accounts_file = {workdir}/accounts.yaml
# The audit's console script authenticates as the configured admin.
admin_username = admin
admin_password = fakecloud
admin_project_name = admin-project
admin_domain_name = Default
[identity]
uri_v3 = {url}/identity/v3
auth_version = v3
region = RegionOne
[identity-feature-enabled]
api_v2 = false
[service_available]
nova = true
glance = true
neutron = false
cinder = false
swift = false
[compute]
flavor_ref = 1
image_ref = image-1
build_interval = 1
build_timeout = 30
max_microversion = latest
[placement]
max_microversion = latest
[validation]
run_validation = false
[oslo_concurrency]
lock_path = {workdir}/locks
[allocation]
allow_compute_disruption = true
disruptable_hosts = {disruptable}
max_disruption_seconds = 120
"""
ACCOUNTS = """- username: admin
  project_name: admin-project
  password: fakecloud
  roles: [admin]
- username: primary
  project_name: primary-project
  password: fakecloud
  roles: [member]
"""


# -- the cloud, in a process of its own ------------------------------------

def _serve_cloud(hosts, connection):
    from allocation_tempest_plugin.tests.fakecloud import cloud
    from allocation_tempest_plugin.tests.fakecloud import http
    started = time.monotonic()
    server = http.serve(cloud.build(hosts))
    connection.send((server.server_address[1], time.monotonic() - started))
    connection.recv()   # anything: stop
    server.shutdown()


def start_cloud(hosts):
    parent, child = multiprocessing.Pipe()
    process = multiprocessing.get_context('fork').Process(
        target=_serve_cloud, args=(hosts, child), daemon=True)
    process.start()
    port, build_seconds = parent.recv()
    return process, parent, port, build_seconds


# -- counting -----------------------------------------------------------------

class Meter(object):
    """Calls, bytes and seconds per step; a nested step counts apart."""

    def __init__(self):
        self.stack = []
        self.record = None

    def begin(self):
        self.record = {}

    def end(self):
        record, self.record = self.record, None
        return record

    def _totals(self, step):
        return self.record.setdefault(step, {
            'calls': 0, 'reads': 0, 'bytes': 0, 'seconds': 0.0})

    def request(self, method, body):
        if self.record is None:
            return
        totals = self._totals(self.stack[-1][0] if self.stack
                              else 'test_body')
        totals['calls'] += 1
        totals['reads'] += method == 'GET'
        totals['bytes'] += len(body or b'')

    def step(self, name, function):
        @functools.wraps(function)
        def timed(*args, **kwargs):
            if self.record is None:
                return function(*args, **kwargs)
            frame = [name, time.monotonic(), 0.0]
            self.stack.append(frame)
            try:
                return function(*args, **kwargs)
            finally:
                self.stack.pop()
                elapsed = time.monotonic() - frame[1]
                self._totals(name)['seconds'] += elapsed - frame[2]
                if self.stack:
                    self.stack[-1][2] += elapsed
        return timed


def instrument(meter, test_class):
    from tempest.lib.common import rest_client

    from allocation_tempest_plugin.common import disruption

    raw_request = rest_client.RestClient.raw_request

    def counted(self, url, method, *args, **kwargs):
        resp, body = raw_request(self, url, method, *args, **kwargs)
        if '/identity/' not in url:
            meter.request(method, body)
        return resp, body
    rest_client.RestClient.raw_request = counted
    for attribute, step in STEPS.items():
        setattr(test_class, attribute,
                meter.step(step, getattr(test_class, attribute)))
    guard = disruption.ComputeDisruption
    guard.__enter__ = meter.step('guard_enter', guard.__enter__)
    guard.__exit__ = meter.step('guard_exit', guard.__exit__)
    test_method = getattr(test_class, TEST_METHOD)

    @functools.wraps(test_method)
    def measured(self):
        # The class caches host -> provider; every round pays the lookup
        # as the first test of a class does.
        type(self).host_providers = {}
        meter.begin()
        started = time.monotonic()
        try:
            test_method(self)
        finally:
            record = meter.end()
            record['_wall'] = time.monotonic() - started
            measured.records.append(record)
    measured.records = []
    setattr(test_class, TEST_METHOD, measured)
    return measured.records


def measure_audit(meter):
    """Two audit snapshots of the whole cloud and their compare.

    Taken as allocation-tempest-audit takes them; None when this checkout
    has no audit.
    """
    try:
        from allocation_tempest_plugin.audit import compare
        from allocation_tempest_plugin.audit import snapshot
        from allocation_tempest_plugin.cmd import audit
    except ImportError:
        return None
    clients, _ = audit.build_clients()
    meter.begin()
    started = time.monotonic()
    take = meter.step('audit_snapshot', audit._take)
    before = take(clients, snapshot.PAGE_SIZE)
    after = take(clients, snapshot.PAGE_SIZE)
    findings = compare.compare(before, after)
    record = meter.end()['audit_snapshot']
    return {'calls_per_snapshot': record['calls'] // 2,
            'bytes_per_snapshot': record['bytes'] // 2,
            'seconds_per_snapshot': round(record['seconds'] / 2, 3),
            'snapshot_and_compare_s': round(time.monotonic() - started, 3),
            'reads': after['reads'],
            'clean': not findings.get('findings')}


# -- one size, in a fresh process (Tempest reads its config once) ----------

def last_free_host(hosts):
    """The free host furthest down Nova's listing of a cloud.build() cloud."""
    from allocation_tempest_plugin.tests.fakecloud import cloud
    number = hosts - hosts % 10
    while number % 500 == 0:
        number -= 10
    return cloud.host_name(number)


def measure_one(hosts, rounds, disruptable, audit=True):
    if disruptable == 'last-free':
        disruptable = last_free_host(hosts)
    process, connection, port, build_seconds = start_cloud(hosts)
    try:
        workdir = tempfile.mkdtemp(prefix='scale-%d-' % hosts)
        os.makedirs(os.path.join(workdir, 'locks'))
        with open(os.path.join(workdir, 'accounts.yaml'), 'w') as out:
            out.write(ACCOUNTS)
        with open(os.path.join(workdir, 'tempest.conf'), 'w') as out:
            out.write(TEMPEST_CONF.format(
                workdir=workdir, url='http://127.0.0.1:%d' % port,
                disruptable=disruptable or ''))
        os.environ['TEMPEST_CONFIG_DIR'] = workdir
        os.environ['TEMPEST_CONFIG'] = 'tempest.conf'
        module_name, class_name = TEST_CLASS.rsplit('.', 1)
        module = __import__(module_name, fromlist=[class_name])
        test_class = getattr(module, class_name)
        meter = Meter()
        records = instrument(meter, test_class)
        suite = unittest.TestSuite(
            [test_class(TEST_METHOD) for _ in range(rounds + 1)])
        class_started = time.monotonic()
        result = unittest.TextTestRunner(stream=sys.stderr,
                                         verbosity=0).run(suite)
        class_seconds = time.monotonic() - class_started
        if not result.wasSuccessful() or result.skipped:
            problems = result.errors + result.failures + result.skipped
            raise SystemExit('the test did not pass against the fake cloud '
                             '(%d hosts): %s' % (hosts, str(problems[0][1])[
                                 -3000:]))
        figures = summarise(hosts, records[1:], build_seconds,
                            class_seconds - sum(r['_wall'] for r in records))
        figures['audit'] = (measure_audit(meter) if audit else None) or (
            'not measured (--no-audit, or no audit on this checkout)')
        return figures
    finally:
        connection.send('stop')
        process.join(10)


def summarise(hosts, records, build_seconds, outside_tests_seconds):
    steps = {}
    for step in sorted({s for r in records for s in r if s != '_wall'}):
        steps[step] = {key: statistics.median(
            r.get(step, {}).get(key, 0) for r in records)
            for key in ('calls', 'reads', 'bytes', 'seconds')}
        steps[step]['seconds'] = round(steps[step]['seconds'], 4)
    through_final = [s for s in steps if s not in AFTER_FINAL_CHECK]
    return {
        'hosts': hosts,
        'calls_per_test': sum(steps[s]['calls'] for s in through_final),
        'reads_per_test': sum(steps[s]['reads'] for s in through_final),
        'bytes_per_test': sum(steps[s]['bytes'] for s in through_final),
        'setup_s': round(sum(steps.get(s, {}).get('seconds', 0)
                             for s in SETUP_STEPS), 4),
        'test_s': round(statistics.median(r['_wall'] for r in records), 4),
        'steps': steps,
        'rounds': len(records),
        'class_and_cleanup_s': round(outside_tests_seconds, 3),
        'cloud_build_s': round(build_seconds, 2),
    }


# -- the report ------------------------------------------------------------

def chart(series, path):
    """series: {label: {"sizes": [...]}}; calls, setup time, bytes."""
    pyplot = pinned_matplotlib.pyplot()
    figure, axes = pyplot.subplots(1, 3, figsize=(13, 4))
    for label, figures in series.items():
        sizes = [s['hosts'] for s in figures['sizes']]
        for axis, key in zip(axes, ('calls_per_test', 'setup_s',
                                    'bytes_per_test')):
            axis.plot(sizes, [s[key] for s in figures['sizes']],
                      marker='o', label=label)
    titles = ('API calls per destructive test', 'per-test setup, wall s',
              'bytes read per test')
    for axis, title in zip(axes, titles):
        axis.set_xscale('log')
        axis.set_xlabel('compute hosts')
        axis.set_title(title)
        axis.legend()
    axes[0].set_ylim(bottom=0)
    axes[1].set_ylim(bottom=0)
    axes[2].set_yscale('log')
    figure.tight_layout()
    figure.savefig(path, dpi=90)


def table(figures):
    lines = ['%7s %6s %6s %10s %8s %8s' % (
        'hosts', 'calls', 'reads', 'bytes', 'setup_s', 'test_s')]
    for size in figures['sizes']:
        lines.append('%7d %6d %6d %10d %8.3f %8.3f' % (
            size['hosts'], size['calls_per_test'], size['reads_per_test'],
            size['bytes_per_test'], size['setup_s'], size['test_s']))
    return '\n'.join(lines)


def verdict(figures):
    first, last = figures['sizes'][0], figures['sizes'][-1]
    calls = last['calls_per_test'] / float(first['calls_per_test'])
    setup = last['setup_s'] / first['setup_s']
    return calls, setup, calls <= 1.2 and setup <= 2.0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--json', required=True, help='write figures here')
    parser.add_argument('--sizes', default='10,100,1000,5000')
    parser.add_argument('--rounds', type=int, default=3)
    parser.add_argument('--disruptable', default='',
                        help='[allocation] disruptable_hosts for the run; '
                             '"last-free": the free host last in Nova\'s '
                             'listing at each size')
    parser.add_argument('--chart', help='PNG of --json and --compare')
    parser.add_argument('--compare', action='append', default=[],
                        metavar='LABEL=JSON',
                        help='another run to draw beside this one')
    parser.add_argument('--label', default='this checkout')
    parser.add_argument('--no-audit', action='store_true',
                        help='skip the audit (two whole-cloud snapshots)')
    parser.add_argument('--one', type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        with open(args.json, 'w') as out:
            json.dump(measure_one(args.one, args.rounds, args.disruptable,
                                  not args.no_audit), out)
        return 0
    sizes = []
    for hosts in [int(s) for s in args.sizes.split(',')]:
        with tempfile.NamedTemporaryFile(suffix='.json') as one:
            subprocess.run([sys.executable, os.path.abspath(__file__),
                            '--one', str(hosts), '--json', one.name,
                            '--rounds', str(args.rounds), '--disruptable',
                            args.disruptable] +
                           (['--no-audit'] if args.no_audit else []),
                           check=True)
            with open(one.name) as result:
                sizes.append(json.load(result))
        print('%d hosts: %d calls, %.3f s setup' % (
            hosts, sizes[-1]['calls_per_test'], sizes[-1]['setup_s']),
            flush=True)
    figures = {'sizes': sizes, 'test': '%s.%s' % (TEST_CLASS, TEST_METHOD),
               'disruptable_hosts': args.disruptable}
    with open(args.json, 'w') as out:
        json.dump(figures, out, indent=2)
    print(table(figures))
    calls, setup, flat = verdict(figures)
    print('largest / smallest cloud: calls x%.2f (<= 1.2), setup x%.2f '
          '(<= 2.0): %s' % (calls, setup, 'flat' if flat else 'GROWS'))
    if args.chart:
        series = {args.label: figures}
        for item in args.compare:
            label, path = item.split('=', 1)
            with open(path) as other:
                series[label] = json.load(other)
        chart(series, args.chart)
    return 0 if flat else 1


if __name__ == '__main__':
    sys.exit(main())
