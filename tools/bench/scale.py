"""tools/bench/scale.py: what LocalDeleteTest's shared hold costs, by size.

A fake Nova and Placement (allocation_tempest_plugin/fakes/fakecloud) on
127.0.0.1, in a process of their own, serve clouds of 10, 100, 1,000 and
5,000 compute hosts: nine in ten run 1-3 servers of other projects, one in
five hundred has a deleted service, Nova's [api] max_limit is 1000 and
Placement does not page. A Keystone in the same fake issues tokens and the
catalog; the fake keeps shelved servers on their host (shelved_offload_time
-1, here and in tempest.conf), so every state of the shared hold runs.
Against it, the plugin's real class (LocalDeleteTest) runs through
Tempest's own class setup, clients and pre-provisioned credentials: its
resource_setup holds one host for every state's local delete
(serial_tests/shared_hold.py), and each state's test reports its verdict.
Every HTTP call of the shared hold is counted (calls, bytes read, wall
time) per step:

    choose_host      DisruptiveTestBase.choose_disruptable_host
    provider_lookup  provider_for_host (then cached for the class)
    boot             SharedHold._boot: one server per state, one request
    state_changes    SharedHold._bring_to_states: every change, the waits
    premises         allocation_mismatch: what each server holds, read
                     after its boot and again in its state
    guard_enter      the guard's entry (ComputeDisruption.__enter__), but:
    recheck_host       the guard's precheck (recheck_for's closure)
    exclusive_check    the guard's foreign-allocation check
                       (exclusive_check_for's closure), twice
    snapshot_before  SharedHold._snapshot: Placement right before each
                     state's delete (a fresh PlacementSnapshot)
    delete_locally   SharedHold._delete_locally: the held read, the
                     DELETE, its wait, the action's events
    final_check      PlacementSnapshot.leaks: the read after each delete
    guard_exit       the guard's exit (the restore)
    hold             anything of SharedHold.run in no step above

A nested step counts apart from the step around it. calls_per_hold counts
every call from host choice through the guard's exit, for all the states
together (calls_per_state divides it by their number); setup_s is the wall
time of the plugin's own reads before it acts: choose_host,
provider_lookup, recheck_host and every state's snapshot_before
(guard_enter is reported apart: it includes the guard's fixed
claim-settle wait, which would hide any growth). What the class does
before the hold is reported apart: the steps recovery (every compute
service) and class_setup (its other calls: the flavor), and their sum as
class_setup. Each size runs the class --rounds times after one
warm-up round (tokens, first connections) and reports medians.

Run it with a Python that has the plugin and Tempest (the tox env)::

    .tox/py3/bin/python tools/bench/scale.py --json scale.json \
        [--sizes 10,100,1000,5000] [--rounds 3] [--chart scale.png] \
        [--disruptable HOST|last-free] [--no-audit] \
        [--label LABEL] [--compare LABEL=JSON] [--redraw]

--redraw measures nothing: it reports --json and draws --chart from it.
It exits non-zero unless the calls of the whole hold at the largest size
are within 1.2x of the smallest (the same ratio per state: the states are
the same at every size) and setup_s within 2x.

With --chart it installs matplotlib==3.11.2 and pillow==12.3.0 into that
Python if missing, pinned (pinned_matplotlib.py). To measure
another checkout of the plugin, put it first on PYTHONPATH (it needs
allocation_tempest_plugin/fakes/fakecloud: copy that in).
"""

import argparse
import functools
import importlib
import inspect
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
# Its tests other than these report the shared hold's verdicts.
OWN_HOLD_TESTS = ('test_local_delete_verify_resize_server',)
PLUGIN = 'allocation_tempest_plugin.'
# (owner, attribute, step): owner is the test class ('test') or a dotted
# name under the plugin. A classmethod is wrapped on the test class, bound
# to it as before; "attribute()" wraps the callable the attribute returns
# (the guard's precheck and exclusive check are closures).
STEPS = (
    ('test', 'choose_disruptable_host', 'choose_host'),
    ('test', 'provider_for_host', 'provider_lookup'),
    ('serial_tests.shared_hold.SharedHold', 'run', 'hold'),
    ('serial_tests.shared_hold.SharedHold', '_boot', 'boot'),
    ('serial_tests.shared_hold.SharedHold', '_bring_to_states',
     'state_changes'),
    ('test', 'allocation_mismatch', 'premises'),
    ('guard.disruption.ComputeDisruption', '__enter__', 'guard_enter'),
    ('test', 'recheck_for()', 'recheck_host'),
    ('test', 'exclusive_check_for()', 'exclusive_check'),
    ('serial_tests.shared_hold.SharedHold', '_snapshot', 'snapshot_before'),
    ('serial_tests.shared_hold.SharedHold', '_delete_locally',
     'delete_locally'),
    ('placement_checks.snapshot.PlacementSnapshot', 'leaks', 'final_check'),
    ('guard.disruption.ComputeDisruption', '__exit__', 'guard_exit'),
    ('guard.recovery', 'recover', 'recovery'),
)
SETUP_STEPS = ('choose_host', 'provider_lookup', 'recheck_host',
               'snapshot_before')
# Calls of resource_setup in no step (the flavor), and the recovery
# before the hold: the class's, reported apart from the hold.
CLASS_SETUP = 'class_setup'
OUTSIDE_HOLD = (CLASS_SETUP, 'recovery')

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
# The fake keeps shelved servers on their host: the SHELVED state runs.
shelved_offload_time = -1
[compute-feature-enabled]
pause = true
suspend = true
rescue = true
shelve = true
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
    from allocation_tempest_plugin.fakes.fakecloud import cloud
    from allocation_tempest_plugin.fakes.fakecloud import http
    started = time.monotonic()
    fake = cloud.build(hosts)
    # Nova's [DEFAULT] shelved_offload_time, as tempest.conf says.
    fake.nova.shelved_offload_time = -1
    server = http.serve(fake)
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
                              else CLASS_SETUP)
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


def wrap(owner, name, wrapper):
    """owner.name = wrapper(its function); a classmethod stays one.

    On a class, the wrapped attribute is set on owner itself: a
    classmethod inherited from a base is wrapped for owner and its
    subclasses only, and still bound to the class it is called on.
    """
    try:
        raw = inspect.getattr_static(owner, name)
    except AttributeError:
        raise SystemExit('tools/bench/scale.py: %s has no %s any more: '
                         'the plugin changed; update STEPS' % (
                             getattr(owner, '__name__', owner), name))
    if isinstance(raw, (classmethod, staticmethod)):
        setattr(owner, name, type(raw)(wrapper(raw.__func__)))
    else:
        setattr(owner, name, wrapper(raw))


def _resolve(dotted):
    """A module, or a module's attribute, by its dotted name."""
    try:
        return importlib.import_module(dotted)
    except ImportError:
        module_name, _, attribute = dotted.rpartition('.')
        return getattr(importlib.import_module(module_name), attribute)


def instrument(meter, test_class):
    """Count every call per STEPS step; one record per class setup.

    Returns the list the records go to: what test_class's resource_setup
    cost each time Tempest's setUpClass ran it.
    """
    from tempest.lib.common import rest_client

    raw_request = rest_client.RestClient.raw_request

    def counted(self, url, method, *args, **kwargs):
        resp, body = raw_request(self, url, method, *args, **kwargs)
        if '/identity/' not in url:
            meter.request(method, body)
        return resp, body
    rest_client.RestClient.raw_request = counted

    def step_of_result(step):
        def wrapper(factory):
            @functools.wraps(factory)
            def measured_factory(*args, **kwargs):
                return meter.step(step, factory(*args, **kwargs))
            return measured_factory
        return wrapper

    for owner, attribute, step in STEPS:
        owner = test_class if owner == 'test' else _resolve(PLUGIN + owner)
        if attribute.endswith('()'):
            wrap(owner, attribute[:-2], step_of_result(step))
        else:
            wrap(owner, attribute, functools.partial(meter.step, step))

    records = []

    def measured(resource_setup):
        @functools.wraps(resource_setup)
        def measured_setup(cls):
            meter.begin()
            try:
                resource_setup(cls)
            finally:
                records.append(meter.end())
        return measured_setup
    wrap(test_class, 'resource_setup', measured)
    return records


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
    from allocation_tempest_plugin.fakes.fakecloud import cloud
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
        names = [name for name in
                 unittest.TestLoader().getTestCaseNames(test_class)
                 if name not in OWN_HOLD_TESTS]
        round_seconds = []
        # A suite per round: each runs Tempest's setUpClass (and with it
        # the shared hold) and tearDownClass anew.
        for _ in range(rounds + 1):
            suite = unittest.TestSuite([test_class(name) for name in names])
            started = time.monotonic()
            result = unittest.TextTestRunner(stream=sys.stderr,
                                             verbosity=0).run(suite)
            round_seconds.append(time.monotonic() - started)
            if (not result.wasSuccessful() or result.skipped or
                    result.testsRun != len(names)):
                problems = result.errors + result.failures + result.skipped
                raise SystemExit(
                    'the class did not pass against the fake cloud (%d '
                    'hosts; %d of %d tests run): %s' % (
                        hosts, result.testsRun, len(names),
                        str(problems[0][1])[-3000:] if problems else ''))
        states = [state.name for state in test_class.shared_states()
                  if not state.skip_reason]
        figures = summarise(hosts, states, records[1:], round_seconds[1:],
                            build_seconds)
        figures['audit'] = (measure_audit(meter) if audit else None) or (
            'not measured (--no-audit, or no audit on this checkout)')
        return figures
    finally:
        connection.send('stop')
        process.join(10)


def _hold_seconds(record):
    return sum(totals['seconds'] for step, totals in record.items()
               if step not in OUTSIDE_HOLD)


def summarise(hosts, states, records, round_seconds, build_seconds):
    steps = {}
    for step in sorted({s for r in records for s in r}):
        steps[step] = {key: statistics.median(
            r.get(step, {}).get(key, 0) for r in records)
            for key in ('calls', 'reads', 'bytes', 'seconds')}
        steps[step]['seconds'] = round(steps[step]['seconds'], 4)
    hold = [s for s in steps if s not in OUTSIDE_HOLD]
    outside = [s for s in steps if s in OUTSIDE_HOLD]
    calls = sum(steps[s]['calls'] for s in hold)
    return {
        'hosts': hosts,
        'states': len(states),
        'state_names': states,
        'calls_per_hold': calls,
        'reads_per_hold': sum(steps[s]['reads'] for s in hold),
        'bytes_per_hold': sum(steps[s]['bytes'] for s in hold),
        'calls_per_state': round(calls / float(len(states)), 2),
        'setup_s': round(sum(steps.get(s, {}).get('seconds', 0)
                             for s in SETUP_STEPS), 4),
        'hold_s': round(statistics.median(
            _hold_seconds(r) for r in records), 4),
        'steps': steps,
        'class_setup': {key: sum(steps[s][key] for s in outside)
                        for key in ('calls', 'reads', 'bytes')},
        'rounds': len(records),
        # Tempest's class setup and cleanup around the hold: credentials,
        # clients, the recovery, the flavor, the cleanups' 404s.
        'class_and_cleanup_s': round(statistics.median(
            seconds - _hold_seconds(r)
            for seconds, r in zip(round_seconds, records)), 3),
        'cloud_build_s': round(build_seconds, 2),
    }


# -- the report ------------------------------------------------------------

def _figure(size, key):
    """size[key]; runs before the shared hold measured one state's test."""
    old = {'calls_per_hold': 'calls_per_test',
           'bytes_per_hold': 'bytes_per_test'}
    return size[key] if key in size else size[old[key]]


def chart(series, path):
    """series: {label: {"sizes": [...]}}; calls, setup time, kB read."""
    pyplot = pinned_matplotlib.pyplot()
    figure, axes = pyplot.subplots(1, 3, figsize=(13, 4))
    scale = {'calls_per_hold': 1, 'setup_s': 1, 'bytes_per_hold': 1000.0}
    for label, figures in series.items():
        sizes = [s['hosts'] for s in figures['sizes']]
        for axis, key in zip(axes, scale):
            axis.plot(sizes, [_figure(s, key) / scale[key]
                              for s in figures['sizes']],
                      marker='o', label=label)
    states = series[next(iter(series))]['sizes'][0].get('states')
    titles = ('API calls per shared hold (%s states)' % states if states
              else 'API calls per run',
              'setup reads, wall s', 'kB read per shared hold')
    for axis, title in zip(axes, titles):
        axis.set_xscale('log')
        axis.set_xlabel('compute hosts')
        axis.set_title(title)
        axis.set_ylim(bottom=0)
        axis.legend(loc='lower right')
    read = [_figure(s, 'bytes_per_hold') for figures in series.values()
            for s in figures['sizes']]
    if max(read) > 10 * min(read):
        # Growth by orders of magnitude: a log scale shows it.
        axes[2].set_yscale('log')
    figure.tight_layout()
    figure.savefig(path, dpi=90)


def table(figures):
    lines = ['%7s %6s %7s %6s %10s %8s %8s' % (
        'hosts', 'calls', '/state', 'reads', 'bytes', 'setup_s', 'hold_s')]
    for size in figures['sizes']:
        lines.append('%7d %6d %7.1f %6d %10d %8.3f %8.3f' % (
            size['hosts'], size['calls_per_hold'], size['calls_per_state'],
            size['reads_per_hold'], size['bytes_per_hold'], size['setup_s'],
            size['hold_s']))
    return '\n'.join(lines)


def verdict(figures):
    """Largest / smallest cloud: the whole hold's calls, setup seconds."""
    first, last = figures['sizes'][0], figures['sizes'][-1]
    calls = last['calls_per_hold'] / float(first['calls_per_hold'])
    setup = last['setup_s'] / first['setup_s']
    return calls, setup, calls <= 1.2 and setup <= 2.0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--json', required=True,
                        help='write figures here (with --redraw: read them)')
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
    parser.add_argument('--redraw', action='store_true',
                        help='measure nothing: report --json, and draw '
                             '--chart from it (and --compare)')
    parser.add_argument('--one', type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        with open(args.json, 'w') as out:
            json.dump(measure_one(args.one, args.rounds, args.disruptable,
                                  not args.no_audit), out)
        return 0
    if args.redraw:
        with open(args.json) as measured:
            figures = json.load(measured)
    else:
        figures = measure(args)
    print(table(figures))
    calls, setup, flat = verdict(figures)
    print('largest / smallest cloud: calls of the whole hold x%.2f '
          '(<= 1.2), setup x%.2f (<= 2.0): %s' % (
              calls, setup, 'flat' if flat else 'GROWS'))
    if args.chart:
        series = {args.label: figures}
        for item in args.compare:
            # The path is after the last "=": a label may hold one.
            label, path = item.rsplit('=', 1)
            with open(path) as other:
                series[label] = json.load(other)
        chart(series, args.chart)
    return 0 if flat else 1


def measure(args):
    """Each size in a process of its own; writes and returns --json."""
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
        print('%d hosts: %d calls for %d states, %.3f s setup' % (
            hosts, sizes[-1]['calls_per_hold'], sizes[-1]['states'],
            sizes[-1]['setup_s']), flush=True)
    figures = {'sizes': sizes,
               'test': '%s.resource_setup (the shared hold)' % TEST_CLASS,
               'disruptable_hosts': args.disruptable}
    with open(args.json, 'w') as out:
        json.dump(figures, out, indent=2)
    return figures


if __name__ == '__main__':
    sys.exit(main())
