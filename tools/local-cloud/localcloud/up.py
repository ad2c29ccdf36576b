"""`cloud up`: install what is missing, start everything, write tempest.conf.

Idempotent: running services are kept, finished steps are skipped by marker.
"""
import concurrent.futures
import json
import os
import time

from localcloud import api
from localcloud import cells
from localcloud import cloudstate
from localcloud import compute
from localcloud import configs
from localcloud import dbsync
from localcloud import install
from localcloud import libvirt
from localcloud import mariadb
from localcloud import nova_conf
from localcloud import procs
from localcloud import rabbitmq
from localcloud import secrecy
from localcloud import services
from localcloud import settings as s
from localcloud import tempest_conf
from localcloud import util

OBJECTS = os.path.join(s.STATE, 'objects.json')
SCRIPT = os.path.join(s.HARNESS_DIR, 'venv_scripts', 'create_objects.py')


def create_objects(phase):
    key = util.digest(SCRIPT, phase, sorted(s.PORTS.items()), s.FLAVORS,
                      mariadb.identity())
    out = OBJECTS if phase == 'resources' else OBJECTS + '.identity'
    if util.marker_ok('objects-' + phase, key) and os.path.exists(out):
        util.say('    %s objects exist (marker), skipped' % phase)
        return
    log = procs.log_path('create-objects')
    util.run([util.vbin('python'), SCRIPT, phase, out], log=log)
    util.say(util.tail(log, 4))
    util.marker_set('objects-' + phase, key)


def neutron_ports_ok():
    # Gotcha 4: the first GET /v2.0/ports could answer 500 on some
    # SQLAlchemy versions; do not call neutron up before it answers 200.
    status, _ = api.call('neutron', '/ports?limit=1')
    return status == 200


def up(restart_mode=None, shelved_offload_time=None, release=None,
       virt=None):
    """None: the mode (release, virt) recorded by the last `up`."""
    t0 = time.monotonic()
    release = cloudstate.release(release)
    cloudstate.check_release(release)
    s.use_release(release)
    util.ensure_dirs()
    # Recorded before anything is installed: a later command (or an `up`
    # that retries after a failure) uses this release's venv.
    cloudstate.update(release=release)
    util.say('release: %s (%s; constraints %s)' % (
        release, ', '.join(s.RELEASE.services),
        os.path.relpath(s.CONSTRAINTS, s.REPO_ROOT)))
    restart_mode = cloudstate.restart_mode(restart_mode)
    util.say('restart mode: %s (compute_start_command %s)' % (
        restart_mode, 'returns right after the launch'
        if restart_mode == 'immediate' else 'waits for the heartbeat'))
    shelved = cloudstate.shelved_offload_time(shelved_offload_time)
    # A changed value changes nova's config files: the launches below
    # restart every nova service that runs with the old ones.
    util.say('shelved_offload_time: %d (%s)' % (shelved, describe_shelved(
        shelved)))
    virt = cloudstate.virt(virt)
    # A new cloud has no other driver to switch from.
    switched = virt != cloudstate.virt() and cloudstate.databases_present()
    # Recorded now, as the release: a retried `up` and `down` act on it.
    cloudstate.update(virt=virt)
    util.say('virt: %s' % describe_virt(virt))
    if switched:
        # nova_conf.write_all below changes the computes' files: their
        # launches restart both (procs.launch compares the digests).
        util.say('    virt changes: both computes restart on the %s '
                 'driver%s' % (virt, SWITCH_NOTE))
    # Side by side: apt waits on dpkg and the disk, the venv on downloads
    # and a compile; neither needs the other (~25 s of a cold up).
    with util.step('Debian packages (mariadb, rabbitmq%s) beside the '
                   'virtualenv + pinned PyPI packages' % (
                       ', libvirt, qemu' if virt == 'libvirt' else '')):
        with concurrent.futures.ThreadPoolExecutor(max_workers=1) as side:
            debian = side.submit(install.apt, virt)
            install.venv()
            install.bindall()
            debian.result()
        if virt == 'libvirt':
            # Builds against libvirt-dev: after apt.
            install.libvirt_python()
    with util.step('config files'):
        configs.write_all()
        nova_conf.write_all(shelved, virt)
    # Side by side again: RabbitMQ's Erlang node boots and takes its
    # account (~7 s, four VM starts) and the plugin's editable install is
    # checked (~3.5 s) while MariaDB, the schemas and the API services
    # start. Only the nova daemons need RabbitMQ, only tempest.conf's
    # step needs the plugin; each is awaited there, in its own step.
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as side:
        rabbit = side.submit(rabbitmq.start)
        plugin = side.submit(install.plugin)
        cmax = _services(rabbit, plugin, restart_mode, shelved, virt)
    with util.step('secrets out of logs'):
        scrubbed = secrecy.scrub_logs()
        util.say('    %s' % ('passwords overwritten in: ' + ', '.join(
            scrubbed) if scrubbed else 'no password in %s' % s.LOGS))
    summary(time.monotonic() - t0, cmax, restart_mode, shelved, virt)


# Said when `up` changes the virt driver of a cloud with data.
SWITCH_NOTE = (
    '; servers booted on the other driver stay in the database without a '
    'guest (delete them first, or `down --wipe` for a clean cloud); each '
    'compute keeps its node and provider ($state_path/compute_id, the '
    'same node name)')


def describe_virt(virt):
    """'fake' or 'libvirt (KVM)' / 'libvirt (TCG ...)'."""
    if virt != 'libvirt':
        return 'fake (nova FakeDriverWithoutFakeNodes, no guests)'
    return 'libvirt (%s; one libvirtd per compute)' % libvirt.describe(
        libvirt.virt_type())


def _libvirt_daemons(virt):
    """Start each compute's libvirtd, or stop those a switch left over."""
    if virt == 'libvirt':
        for host in s.COMPUTE_HOSTS:
            t0 = time.monotonic()
            rec = libvirt.start(host)
            util.say('    %s: pid %d, answers on %s (%.1fs)' % (
                libvirt.daemon_name(host), rec['pid'],
                libvirt.socket_path(host), time.monotonic() - t0))
        return
    for host in libvirt.hosts_running():
        libvirt.stop(host)
        util.say('    stopped %s (the computes run the fake driver)'
                 % libvirt.daemon_name(host))


def _services(rabbit, plugin, restart_mode, shelved, virt):
    """From MariaDB to tempest.conf; rabbit and plugin run beside."""
    with util.step('mariadb'):
        mariadb.start()
    with util.step('db schemas, fernet keys, keystone bootstrap'):
        # Before any nova-manage: old mappings carry the old password.
        removed = cells.use_templates()
        if removed:
            util.say('    removed unused duplicate cell mappings: %s'
                     % removed)
        dbsync.run_all()
    with util.step('API services under uwsgi (started together)'):
        for name in services.APIS:
            services.start_api(name)
        services.wait_api('keystone')
    with util.step('keystone: projects, users, roles, catalog'):
        create_objects('identity')
    with util.step('wait for placement, glance, neutron, nova-api'):
        for name in services.APIS:
            services.wait_api(name)
        try:
            util.wait_for(neutron_ports_ok, 60, interval=1,
                          what='GET /v2.0/ports 200')
        except util.Failure as e:
            raise util.Failure('%s\n%s' % (e, util.tail(
                procs.log_path('neutron'))))
    with util.step('rabbitmq (booted beside the steps above)'):
        rabbit.result()
    if virt == 'libvirt':
        with util.step('libvirtd x%d (one per compute, before them)'
                       % len(s.COMPUTE_HOSTS)):
            _libvirt_daemons(virt)
    with util.step('nova-conductor, nova-scheduler, nova-compute x%d'
                   % len(s.COMPUTE_HOSTS)):
        for name in services.DAEMONS:
            services.start_daemon(name)
        for host in s.COMPUTE_HOSTS:
            services.start_compute(host)
        for host in s.COMPUTE_HOSTS:
            svc = compute.wait_up(host, timeout=180)
            if svc.get('forced_down') or svc['status'] != 'enabled':
                util.say('    WARNING: %s is %s, forced_down=%s, reason %r '
                         '(left by an interrupted test?)' % (
                             host, svc['status'], svc.get('forced_down'),
                             svc.get('disabled_reason')))
        for name in services.DAEMONS:
            services.check_alive(name)
    if virt != 'libvirt' and libvirt.hosts_running():
        # Back from libvirt: the computes run the fake driver now.
        with util.step('libvirtd: stop the daemons of the last --virt '
                       'libvirt'):
            _libvirt_daemons(virt)
            _say_leftovers()
    with util.step('cell_v2 discover_hosts + resource providers'):
        compute.discover_hosts()
        for host in s.COMPUTE_HOSTS:
            compute.wait_provider(host, timeout=120)
    with util.step('flavors, image, shared network'):
        create_objects('resources')
    with util.step('plugin (uv pip install -e %s, beside the steps '
                   'above)' % s.REPO_ROOT):
        plugin.result()
    with util.step('tempest workspace + tempest.conf'):
        with open(OBJECTS) as f:
            return tempest_conf.write(json.load(f), restart_mode, shelved)


def describe_shelved(value):
    if value < 0:
        return 'shelved servers stay on their host'
    if value == 0:
        return 'shelved servers are offloaded at once'
    return 'shelved servers are offloaded after %d s' % value


def _say_leftovers():
    found = libvirt.leftovers()
    if found:
        util.say('    WARNING: libvirt left behind:\n' + '\n'.join(
            '      ' + item for item in found))


def summary(elapsed, cmax, restart_mode, shelved, virt=s.DEFAULT_VIRT):
    kb = total_rss_kb()
    util.say('')
    util.say('cloud is up in %.1fs (targets: cold <= 180s, warm <= 40s)'
             % elapsed)
    util.say('RSS of all services: %.2f GiB (target <= 2.5 GiB)'
             % (kb / 1024.0 / 1024.0))
    util.say('release: %s (%s)' % (s.RELEASE.name,
                                   ', '.join(s.RELEASE.services)))
    util.say('nova max microversion: %s; computes: %s' % (
        cmax, ', '.join(s.COMPUTE_HOSTS)))
    util.say('virt: %s' % describe_virt(virt))
    util.say('restart mode: %s' % restart_mode)
    util.say('shelved_offload_time: %d (%s)' % (shelved,
                                                describe_shelved(shelved)))
    util.say('tempest workspace: %s\ntempest.conf: %s' % (
        s.TEMPEST_DIR, s.TEMPEST_CONF))
    util.say('run tests: %s run [REGEX]' % s.HARNESS)


def total_rss_kb():
    kids = procs._children_map()
    pids = set()
    for rec in procs.records():
        if procs.alive(rec):
            pids.update(procs.tree(rec['pid'], kids))
    return procs.rss_kb(pids)


def add_parser(subparsers):
    parser = subparsers.add_parser(
        'up', help='install what is missing, start all services, write '
                   'the Tempest workspace (idempotent; root)',
        description='Install what is missing, start all services and '
                    'write the Tempest workspace (idempotent; needs root). '
                    'Each option is recorded: a later `up` without it '
                    'keeps the value.')
    parser.add_argument(
        '--restart-mode', choices=s.RESTART_MODES,
        help="what tempest.conf's compute_start_command does: wait (the "
             "default for a new cloud) for the compute's heartbeat, or "
             "return right after the launch (immediate, like systemctl "
             "start)")
    parser.add_argument(
        '--shelved-offload-time', type=int, metavar='N',
        help="nova.conf's and tempest.conf's shelved_offload_time in "
             "seconds (0, Nova's, for a new cloud; -1 keeps shelved "
             "servers on their host); a change restarts the nova services")
    parser.add_argument(
        '--release', choices=s.release_names(), metavar='R',
        help="the OpenStack release's services (%s; %s by default) in a "
             "venv of its own; Tempest and the plugin stay at master. A "
             "state dir holding another release's databases needs `down "
             "--wipe` first" % (', '.join(s.release_names()),
                                s.DEFAULT_RELEASE))
    parser.add_argument(
        '--virt', choices=s.VIRTS,
        help="the computes' virt driver: fake (the default for a new "
             "cloud; no guests) or libvirt (one libvirtd per compute, KVM "
             "or TCG where /dev/kvm is not usable; installs libvirt, QEMU "
             "and libvirt-python). A change restarts both computes")
    parser.set_defaults(command=command, needs_root=True)
    return parser


def command(opts):
    up(restart_mode=opts.restart_mode,
       shelved_offload_time=opts.shelved_offload_time, release=opts.release,
       virt=opts.virt)
    return 0
