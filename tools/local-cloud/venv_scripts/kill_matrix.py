#!/usr/bin/env python3
"""Kill a destructive run at every step; the compute must end as found.

For each step of a local-delete test (after disable, after force down,
after the stop command, after the delete, during the restore) a child
process runs the plugin's guard around a real local delete and stops at
that step; this parent sends it SIGTERM, SIGHUP, SIGALRM (with a handler
like Tempest's per-test timeout fixture), or SIGKILL followed by
`allocation-tempest-recover --force`. Then come the restore-phase faults:
the child's guard talks to Nova through the hostile proxy (5xx, slow and
400 "evacuations done" answers to the restore's GETs and PUTs) or gets a
start command that fails once or always; a restore that can never
succeed must leave the service marked, and the recovery command repairs
it.

Then the same for the guard's lend mode (rows lend:STEP, no server;
kill_matrix_lend.py): lend, take back, restore, signalled at each step
(SIGKILL + recovery from the loan record, SIGTERM, SIGINT), the guard's
own deadline, and faults on the take-back PUT and the reads after it.

Every row then reads the service: enabled, not forced down, up, a
heartbeat newer than the last write anyone made (so a heartbeat this
tool or the guard caused never counts as "restarted"), no
disabled_reason left and no loan record left under lock_path.

Honours [allocation] allow_compute_disruption (refuses when off) and
disruptable_hosts (the host must be one of them when set), and the TLS
settings of the tempest.conf. The harness runs it with the local cloud's
venv Python and tempest.conf:

    tools/local-cloud/cloud kill-matrix [--host HOST] [--json OUT] \
        [--steps ...] [--signals ...] [--faults ...] \
        [--lend-steps ...] [--lend-signals ...] [--lend-faults ...]

Each list is comma-separated; an empty one skips its rows (`--steps ''
--faults ''` runs only the lend rows).
"""

import argparse
import contextlib
import json
import os
import select
import signal
import subprocess
import sys
import time
import traceback

import kill_matrix_lend as lend_rows

STEPS = ('disabled', 'forced_down', 'stopped', 'deleted', 'restoring')
SIGNALS = (('SIGTERM', signal.SIGTERM), ('SIGHUP', signal.SIGHUP),
           ('SIGALRM', signal.SIGALRM), ('SIGKILL', signal.SIGKILL))
# Restore-phase faults (fault_child): proxy rules or a failing start.
FAULTS = ('get-500', 'get-slow', 'unforce-503', 'unforce-slow',
          'unforce-400', 'enable-500', 'start-fails-once',
          'start-always-fails')
CHILD_WAIT = 120  # how long a child holds a step before giving up
# The fault children's client timeout; a slow answer outlasts it.
HTTP_TIMEOUT = 30
Plan = lend_rows.Plan


def _reads(provider=None, **overrides):
    """The read layer's clients as tempest.conf's admin, or via provider.

    "networks": "none" and a requested host, as the plugin's tests; bound
    to these clients only (Tempest's module-wide microversion untouched).
    """
    from allocation_tempest_plugin.cmd import admin
    from allocation_tempest_plugin import microversions

    return admin.clients(provider,
                         compute_microversion=microversions.BOOT_ON_HOST,
                         **overrides)


def _clients():
    reads = _reads()
    return reads.compute_services(), reads.servers()


class TempestTimeout(Exception):
    """What fixtures.Timeout (Tempest's per-test timeout) raises."""


def _tempest_timeout(signum, frame):
    raise TempestTimeout('test timed out (SIGALRM)')


def _guard(services, host, conf, on_step=None, runner=None, lend=False,
           max_seconds=600):
    import dataclasses
    import subprocess as sp

    from allocation_tempest_plugin.guard import disruption
    from allocation_tempest_plugin import guard_conf

    # The plugin's settings, with the matrix's own bounds: each row's
    # max_seconds (the deadline row's is short), waits sized for the
    # local cloud, the repair command naming this tempest.conf, and no
    # stop proof (each row reads the end state itself).
    settings = dataclasses.replace(
        guard_conf.from_conf(conf), max_disruption_seconds=max_seconds,
        wait_timeout=120, poll_interval=1, compute_report_interval=None,
        config_file=os.path.join(os.environ['TEMPEST_CONFIG_DIR'],
                                 os.environ['TEMPEST_CONFIG']))
    # stop_process: the configured commands run whenever they are set.
    return disruption.ComputeDisruption(
        services, host, settings, stop_process=True, lend=lend,
        on_step=on_step, runner=runner or sp.run)


def _boot(servers, conf, host, name):
    from tempest.common import waiters

    server = servers.create_server(
        name=name, imageRef=conf.compute.image_ref,
        flavorRef=conf.compute.flavor_ref, networks='none',
        host=host)['server']
    waiters.wait_for_server_status(servers, server['id'], 'ACTIVE')
    print('SERVER %s' % server['id'], flush=True)
    return server


def _child_signals():
    # Tempest's per-test timeout: SIGALRM raises in the test.
    signal.signal(signal.SIGALRM, _tempest_timeout)
    # SIGINT as a terminal's Ctrl-C: a child started from a background
    # job inherits it ignored, and the row would then test nothing.
    signal.signal(signal.SIGINT, signal.default_int_handler)


def _holder(step):
    """An on_step that, at `step`, says so and waits to be signalled."""
    def hold(name):
        if name != step:
            return
        print('REACHED %s' % name, flush=True)
        # Blocks until the signal interrupts it, or (during the restore,
        # where the guard holds signals back) until the parent says it
        # has sent one; bounded either way.
        ready, _, _ = select.select([sys.stdin], [], [], CHILD_WAIT)
        if not ready:
            raise SystemExit('no signal came within %s s' % CHILD_WAIT)
        sys.stdin.readline()
    return hold


def child(step, host):
    """Boot, disrupt, delete; at `step` say so and wait to be signalled."""
    from tempest.common import waiters
    from tempest import config

    conf = config.CONF
    _child_signals()
    services, servers = _clients()
    server = _boot(servers, conf, host, 'kill-matrix-%s' % step)
    hold = _holder(step)
    with _guard(services, host, conf, on_step=hold):
        servers.delete_server(server['id'])
        waiters.wait_for_server_termination(servers, server['id'])
        hold('deleted')
    return 0


def lend_child(step, host, max_seconds):
    """Lend, take back, restore; at `step` say so and wait (no server)."""
    from tempest import config

    conf = config.CONF
    _child_signals()
    services, _ = _clients()
    with _guard(services, host, conf, on_step=_holder(step), lend=True,
                max_seconds=max_seconds) as guard:
        # Its on_step('taken_back') is where that step holds.
        guard.take_back()
    return 0


def _fault_rule(fault):
    """The hostile proxy rule for a restore-phase fault, or None."""
    from allocation_tempest_plugin.fakes.hostile import cases
    from allocation_tempest_plugin.fakes.hostile import proxy as hp

    put = dict(method='PUT', path=cases.PUT)
    rules = {
        'get-500': hp.Rule(hp.status_500, path='/os-services\\?',
                           after=cases.FORCED, skip=1, times=2),
        'get-slow': hp.Rule(hp.slow(65), path='/os-services\\?',
                            after=cases.FORCED, skip=1, times=1),
        'unforce-503': hp.Rule(hp.status_503, body=cases.UNFORCE, times=2,
                               **put),
        'unforce-slow': hp.Rule(hp.slow(65), body=cases.UNFORCE, times=1,
                                **put),
        'unforce-400': hp.Rule(hp.evacuations_400, body=cases.UNFORCE,
                               times=3, **put),
        'enable-500': hp.Rule(hp.status_500, body=cases.ENABLE, times=2,
                              **put),
    }
    return rules.get(fault)


def _failing_start(times):
    """A runner whose start command fails `times` times, then works."""
    import subprocess as sp

    left = {'failures': times}

    def runner(argv, **kwargs):
        if left['failures'] and 'start' in ' '.join(argv):
            left['failures'] -= 1
            return sp.CompletedProcess(argv, 1, '', 'injected failure')
        return sp.run(argv, **kwargs)
    return runner


def fault_child(fault, host):
    """Disrupt and restore host with one fault in the restore phase."""
    from tempest import config

    conf = config.CONF
    services, servers = _clients()
    runner = None
    if fault == 'start-fails-once':
        runner = _failing_start(1)
    elif fault == 'start-always-fails':
        runner = _failing_start(10 ** 6)
    rule = _fault_rule(fault)
    if rule is None:
        guard = _guard(services, host, conf, runner=runner)
        with guard:
            print('REACHED held', flush=True)
        return 0
    with _hostile_services(services, conf, rule) as hostile:
        with _guard(hostile, host, conf, runner=runner):
            print('REACHED held', flush=True)
        print('FAULT applied %d time(s)' % rule.applied, flush=True)
    return 0


@contextlib.contextmanager
def _hostile_services(services, conf, rule):
    """A services client whose answers pass the hostile proxy's rule."""
    from allocation_tempest_plugin.cmd import admin
    from allocation_tempest_plugin.fakes.hostile import loopback
    from allocation_tempest_plugin.fakes.hostile import proxy as hp

    provider = services.auth_provider
    compute_url = provider.base_url({'service': 'compute',
                                     'endpoint_type': 'publicURL',
                                     'region': conf.identity.region})
    upstream = hp.url_upstream(hp.origin(compute_url), timeout=120,
                               ssl_context=hp.tls_context(**admin.tls()))
    with hp.HostileProxy(upstream, [rule]) as proxy:
        yield _reads(loopback.RedirectingAuth(provider, proxy.url),
                     http_timeout=HTTP_TIMEOUT).compute_services()


def lend_fault_child(fault, host):
    """Lend, take back through the hostile proxy, leave the block."""
    from tempest import config

    conf = config.CONF
    services, _ = _clients()
    rule = lend_rows.fault_rule(fault)
    try:
        with _hostile_services(services, conf, rule) as hostile:
            with _guard(hostile, host, conf, lend=True) as guard:
                guard.take_back()
    finally:
        # The row counts only if the fault hit: a rule that matched
        # nothing (the take-back's body changed) would prove nothing.
        if rule.applied:
            print('REACHED take_back, fault applied %d time(s)'
                  % rule.applied, flush=True)
        else:
            print('FAULT %s never applied' % fault, flush=True)
    return 0


# Nova's report_interval is 10 s by default: looking every 2 s sees a
# heartbeat soon after it lands without flooding os-services.
RESTORE_POLL_INTERVAL = 2


def _wait_restored(services_client, host, timeout=240):
    """As found: enabled, not forced down, up, and heartbeating again.

    Once the service reads as found nobody writes it any more; a
    heartbeat is then an updated_at newer than that reading. A PUT by
    the guard or the recovery command moves updated_at too, so the
    reading that first looks restored never counts as the heartbeat.
    """
    from allocation_tempest_plugin.reads import polling
    from allocation_tempest_plugin.reads import services

    restored_at = None

    def heartbeating_as_found(record):
        nonlocal restored_at
        if not services.is_usable(record):
            restored_at = None
            return False
        if restored_at is None:
            restored_at = services.parse_updated_at(record['updated_at'])
            return False
        return services.heartbeat_after(record, restored_at)

    seen = polling.poll(lambda: services.show(services_client, host),
                        heartbeating_as_found, timeout, RESTORE_POLL_INTERVAL,
                        'nova-compute on %s as found and heartbeating' % host)
    return seen.value, seen.done


def _recover(args):
    recover = subprocess.run(
        [os.path.join(os.path.dirname(sys.executable),
                      'allocation-tempest-recover'),
         '--config-file', args.config_file, '--host', args.host, '--force'],
        capture_output=True, text=True, timeout=900)
    return recover.stdout.strip().replace('\n', '; ')


def _spawn(args, *child_args):
    return subprocess.Popen(
        [sys.executable, os.path.abspath(__file__), '--host', args.host,
         '--config-file', args.config_file] + list(child_args),
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)


def _read_until_reached(proc):
    server_id, reached = None, False
    for line in proc.stdout:
        if line.startswith('SERVER '):
            server_id = line.split()[1]
        if line.startswith('REACHED '):
            reached = True
            break
    return server_id, reached


def _left_behind(record, lock_path):
    """What a restored host must not carry: a marker, a loan record."""
    left = ['disabled_reason %r' % record['disabled_reason']
            ] if record['disabled_reason'] is not None else []
    return left + ['loan record %s' % name
                   for name in lend_rows.loan_records(lock_path)]


def _row(services, servers, args, plan, proc, server_id, reached, started):
    try:
        proc.wait(timeout=CHILD_WAIT + 900)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    recovered = _recover(args) if plan.recover else ''
    record, ok = _wait_restored(services, args.host)
    left = _left_behind(record, args.lock_path)
    if server_id:
        try:
            servers.delete_server(server_id)
        except Exception:
            pass
    return {'step': plan.step, 'signal': plan.kind, 'reached': reached,
            'exit': proc.returncode, 'status': record['status'],
            'forced_down': record['forced_down'], 'state': record['state'],
            'disabled_reason': record['disabled_reason'], 'left': left,
            'restored': ok and reached and not left, 'recovery': recovered,
            'seconds': round(time.monotonic() - started, 1)}


def _run(services, servers, args, plan):
    """One row: spawn its child, signal it at its step, check the host."""
    started = time.monotonic()
    proc = _spawn(args, *plan.child_args)
    server_id, reached = _read_until_reached(proc)
    if reached and plan.signum is not None:
        proc.send_signal(plan.signum)
        if plan.signum != signal.SIGKILL:
            # Wakes a child whose guard holds signals (the restore).
            proc.stdin.write('sent\n')
            proc.stdin.flush()
    return _row(services, servers, args, plan, proc, server_id, reached,
                started)


def _hold_plans(args):
    plans = [Plan(step, name, ('--child', step), signum,
                  signum == signal.SIGKILL)
             for step in args.steps for name, signum in SIGNALS
             if name in args.signals]
    # A restore that can never succeed leaves the service marked: the
    # recovery command is what repairs it.
    return plans + [Plan('restore', fault, ('--fault-child', fault), None,
                         fault == 'start-always-fails')
                    for fault in args.faults]


def parent(args):
    lend_plans = lend_rows.plans(args.lend_steps, args.lend_signals,
                                 args.lend_faults)
    if lend_plans and not args.lock_path:
        print('lend rows need [oslo_concurrency] lock_path in %s: the guard '
              'records its loan there' % args.config_file, file=sys.stderr)
        return 2
    services, servers = _clients()
    rows = []
    for plan in _hold_plans(args) + lend_plans:
        rows.append(_run(services, servers, args, plan))
        _print_row(rows[-1])
    if args.json:
        with open(args.json, 'w') as out:
            json.dump(rows, out, indent=2)
    return 0 if all(row['restored'] for row in rows) else 1


ROW_FORMAT = '%-15s %-20s %-6s %-9s %-12s %-6s %-9s %-7s %s'


def _print_row(row):
    if not getattr(_print_row, 'header', False):
        print(ROW_FORMAT % ('step', 'signal/fault', 'exit', 'status',
                            'forced_down', 'state', 'restored', 'seconds',
                            'left'))
        _print_row.header = True
    print(ROW_FORMAT % (
        row['step'], row['signal'], row['exit'], row['status'],
        row['forced_down'], row['state'],
        'yes' if row['restored'] else 'NO', row['seconds'],
        '; '.join(row['left'])), flush=True)


def _refuse_unless_allowed(args):
    """The tool disrupts a real compute: only where the plugin may."""
    from tempest import config

    allocation = config.CONF.allocation
    if not allocation.allow_compute_disruption:
        return ('[allocation] allow_compute_disruption is off in %s; the '
                'kill matrix disrupts %s, refusing' % (
                    args.config_file, args.host))
    if (allocation.disruptable_hosts and
            args.host not in allocation.disruptable_hosts):
        return ('%s is not in [allocation] disruptable_hosts %s' % (
            args.host, allocation.disruptable_hosts))
    return None


def _names(known):
    """An argparse type: a comma list of known names; '' is none."""
    def parse(text):
        names = [name.strip() for name in text.split(',') if name.strip()]
        unknown = [name for name in names if name not in known]
        if unknown:
            raise argparse.ArgumentTypeError('unknown %s; known: %s' % (
                ', '.join(unknown), ','.join(known)))
        return names
    return parse


def _parser():
    from allocation_tempest_plugin.cmd import admin

    parser = argparse.ArgumentParser(
        prog='cloud kill-matrix', description=__doc__.split('\n')[0],
        epilog="Each list is comma-separated; '' skips its rows.")
    admin.add_config_file(parser)
    parser.add_argument('--host', required=True,
                        help='the compute to disrupt (the harness: its '
                             'first compute)')
    parser.add_argument('--json', help='write the rows here too')
    signals = [name for name, _ in SIGNALS]
    lists = (('--steps', STEPS, STEPS), ('--signals', signals, signals),
             ('--faults', FAULTS, FAULTS),
             ('--lend-steps', lend_rows.LEND_STEPS, lend_rows.LEND_STEPS),
             ('--lend-signals', lend_rows.KNOWN_SIGNALS,
              lend_rows.DEFAULT_SIGNALS),
             ('--lend-faults', lend_rows.FAULTS, lend_rows.FAULTS))
    for option, known, default in lists:
        parser.add_argument(option, type=_names(known),
                            default=','.join(default),
                            help='default: %(default)s')
    # The children the parent spawns, one per row.
    hidden = argparse.SUPPRESS
    parser.add_argument('--child', choices=STEPS, help=hidden)
    parser.add_argument('--fault-child', choices=FAULTS, help=hidden)
    parser.add_argument('--lend-child', choices=lend_rows.LEND_STEPS,
                        help=hidden)
    parser.add_argument('--lend-fault-child', choices=lend_rows.FAULTS,
                        help=hidden)
    parser.add_argument('--max-seconds', type=int, default=600, help=hidden)
    return parser


def _child_main(args):
    if args.child:
        return child(args.child, args.host)
    if args.fault_child:
        return fault_child(args.fault_child, args.host)
    if args.lend_child:
        return lend_child(args.lend_child, args.host, args.max_seconds)
    return lend_fault_child(args.lend_fault_child, args.host)


def main():
    from tempest import config

    from allocation_tempest_plugin.cmd import admin

    args = _parser().parse_args()
    args.config_file = admin.use_config(args.config_file)
    refusal = _refuse_unless_allowed(args)
    if refusal:
        print(refusal, file=sys.stderr)
        return 2
    # Where the guard records loans: every row ends with none there.
    args.lock_path = config.CONF.oslo_concurrency.lock_path
    if (args.child or args.fault_child or args.lend_child or
            args.lend_fault_child):
        try:
            return _child_main(args)
        except BaseException:
            # TerminatedBySignal too (what the matrix sends): oslo.log's
            # hook would only log it; the parent reads stderr.
            traceback.print_exc()
            return 1
    return admin.run_main(parent, args)


if __name__ == '__main__':
    sys.exit(main())
