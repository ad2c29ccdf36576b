"""nova-compute hosts: wait for heartbeats, discover, stop/start one host.

stop-compute/start-compute run from inside Tempest (the plugin's
compute_stop_command/compute_start_command): no TTY, quick, exit 0 on
success, non-zero with a message otherwise, idempotent.
"""
import calendar
import math
import time

from localcloud import api
from localcloud import cloudstate
from localcloud import libvirt
from localcloud import nova_conf
from localcloud import procs
from localcloud import services
from localcloud import settings as s
from localcloud import util


def _epoch(ts):
    if not ts:
        return 0
    ts = ts.split('.')[0].rstrip('Z')
    return calendar.timegm(time.strptime(ts, '%Y-%m-%dT%H:%M:%S'))


def service(host):
    svcs = api.compute_services(host)
    return svcs[0] if svcs else None


def wait_up(host, timeout=120):
    """Wait for a heartbeat of the host's nova-compute after its launch.

    Returns the service record.
    """
    name = services.compute_name(host)
    rec = procs.load(name)
    # updated_at has whole seconds: only a beat in a later second than the
    # launch is surely from this process (not the last one of a stopped one).
    since = math.ceil(rec['launched']) if rec else 0

    def beat():
        services.check_alive(name)
        svc = service(host)
        if svc and _epoch(svc.get('updated_at')) > since:
            return svc
        return None
    try:
        return util.wait_for(beat, timeout, interval=1,
                             what='%s to heartbeat' % name)
    except util.Failure as e:
        raise util.Failure('%s\n%s' % (e, util.tail(procs.log_path(name))))


def discover_hosts():
    util.run([util.vbin('nova-manage'), '--config-file',
              nova_conf.path('nova'), 'cell_v2', 'discover_hosts'],
             log=procs.log_path('discover-hosts'))


def provider(host):
    status, data = api.call('placement', '/resource_providers?name=' + host,
                            microversion='placement 1.14')
    if status == 200 and data['resource_providers']:
        return data['resource_providers'][0]
    return None


def inventories(rp_uuid):
    status, data = api.call('placement', '/resource_providers/%s/inventories'
                            % rp_uuid, microversion='placement 1.14')
    return data['inventories'] if status == 200 else {}


def wait_provider(host, timeout=120):
    def ready():
        rp = provider(host)
        return rp if rp and inventories(rp['uuid']) else None
    rp = util.wait_for(ready, timeout, interval=1,
                       what='resource provider %s' % host)
    inv = inventories(rp['uuid'])
    util.say('    %s: provider %s %s' % (host, rp['uuid'], ', '.join(
        '%s=%s' % (rc, inv[rc]['total']) for rc in sorted(inv))))
    return rp


def _check_host(host):
    if host not in s.COMPUTE_HOSTS:
        util.die('unknown compute host %r (hosts: %s)' % (
            host, ', '.join(s.COMPUTE_HOSTS)), rc=2)


def stop(host, timeout=60):
    _check_host(host)
    name = services.compute_name(host)
    if not procs.running(name):
        util.say('%s: nova-compute already stopped' % host)
        return 0
    t0 = time.monotonic()
    procs.stop(name, timeout=timeout)
    if procs.running(name):
        util.die('%s: nova-compute did not stop' % host)
    util.say('%s: nova-compute stopped (%.1fs)' % (
        host, time.monotonic() - t0))
    return 0


def fence(host, timeout=60):
    """Stop HOST's nova-compute, then its guests: a host that lost power.

    What tempest.conf's compute_fence_command runs before the plugin
    evacuates from HOST: the computes share one instances path
    (libvirt.instances_path), and a guest still running on the source
    holds its disk's write lock, so the rebuild on the destination would
    fail. The domains stay defined, shut off, as after a power loss: the
    returning compute's init_host finds them (_destroy_evacuated_instances).
    On the fake driver there are no guests: a fence is a stop.
    """
    stop(host, timeout=timeout)
    if cloudstate.virt() != 'libvirt':
        util.say('%s: no guests to stop (fake driver)' % host)
        return 0
    stopped = libvirt.destroy_running(host)
    util.say('%s: guests stopped: %s' % (host, ', '.join(stopped) or
                                         'none was running'))
    return 0


def start(host, timeout=120, wait=True):
    """Launch HOST's nova-compute; wait=False returns right after the fork.

    wait=False is `up --restart-mode immediate`'s compute_start_command: a
    gate's `systemctl start devstack@n-cpu` (Type=simple) returns as soon
    as the process is forked, long before init_host or the first heartbeat.
    """
    _check_host(host)
    name = services.compute_name(host)
    t0 = time.monotonic()
    if procs.running(name):
        util.say('%s: nova-compute already running (pid %d)' % (
            host, procs.load(name)['pid']))
        return 0
    rec = services.start_compute(host)
    if not wait:
        util.say('%s: nova-compute launched (pid %d), not waiting for its '
                 'heartbeat (%.2fs)' % (host, rec['pid'],
                                        time.monotonic() - t0))
        return 0
    try:
        svc = wait_up(host, timeout=timeout)
    except util.Failure as e:
        util.die('%s: nova-compute did not come up: %s' % (host, e))
    util.say('%s: nova-compute started (pid %d), heartbeat seen, state=%s '
             'status=%s forced_down=%s (%.1fs)' % (
                 host, rec['pid'], svc['state'], svc['status'],
                 svc.get('forced_down'), time.monotonic() - t0))
    return 0


def add_stop_parser(subparsers):
    parser = subparsers.add_parser(
        'stop-compute', help="stop HOST's nova-compute (SIGTERM, wait for "
                             "exit)",
        description="Stop HOST's nova-compute and wait for it to exit: "
                    "what tempest.conf's compute_stop_command runs.")
    parser.add_argument('host', metavar='HOST', choices=s.COMPUTE_HOSTS,
                        help='one of %s' % ', '.join(s.COMPUTE_HOSTS))
    parser.set_defaults(command=stop_command)
    return parser


def stop_command(opts):
    return stop(opts.host)


def add_fence_parser(subparsers):
    parser = subparsers.add_parser(
        'fence-compute', help="stop HOST's nova-compute and its guests",
        description="Stop HOST's nova-compute, then destroy the running "
                    "domains of its libvirt daemon (a host that lost "
                    "power): what tempest.conf's compute_fence_command "
                    "runs before an evacuation. A stop on the fake driver.")
    parser.add_argument('host', metavar='HOST', choices=s.COMPUTE_HOSTS,
                        help='one of %s' % ', '.join(s.COMPUTE_HOSTS))
    parser.set_defaults(command=fence_command)
    return parser


def fence_command(opts):
    return fence(opts.host)


def add_start_parser(subparsers):
    parser = subparsers.add_parser(
        'start-compute', help="start HOST's nova-compute again and wait "
                              "for its heartbeat",
        description="Start HOST's nova-compute again and wait for its "
                    "heartbeat: what tempest.conf's compute_start_command "
                    "runs.")
    parser.add_argument('--no-wait', dest='wait', action='store_false',
                        help='return right after the launch (what `up '
                             '--restart-mode immediate` writes)')
    parser.add_argument('host', metavar='HOST', choices=s.COMPUTE_HOSTS,
                        help='one of %s' % ', '.join(s.COMPUTE_HOSTS))
    parser.set_defaults(command=start_command)
    return parser


def start_command(opts):
    return start(opts.host, wait=opts.wait)
