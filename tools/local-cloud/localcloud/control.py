"""`down` and `status`."""
import configparser
import os
import shutil
import time

from localcloud import cloudstate
from localcloud import compute
from localcloud import libvirt
from localcloud import nova_conf
from localcloud import procs
from localcloud import services
from localcloud import settings as s
from localcloud import tempest_conf
from localcloud import util


def _stop_order():
    """Computes first, then daemons and APIs, then the backends.

    Without the libvirt daemons: down stops them through libvirt.stop,
    after the computes (its guests destroyed first).
    """
    recs = [r for r in procs.records()
            if not r['name'].startswith(libvirt.daemon_name(''))]
    first = [r for r in recs if r['name'].startswith('nova-compute-')]
    rest = [r for r in recs if r not in first]
    backends = ['rabbitmq', 'epmd', 'mariadb']
    mid = [r for r in rest if r['name'] not in backends]
    last = sorted([r for r in rest if r['name'] in backends],
                  key=lambda r: backends.index(r['name']))
    return first + list(reversed(mid)) + last


def down(wipe=False):
    t0 = time.monotonic()
    recs = _stop_order()
    # Computes, daemons and APIs stop in parallel; backends after them.
    front = [r for r in recs if r['name'] not in ('rabbitmq', 'epmd',
                                                  'mariadb')]
    back = [r for r in recs if r not in front]
    live = [r for r in front + back if procs.alive(r)]
    for r in front:
        if procs.alive(r):
            procs._signal(r['pid'], 15)
    for r in front:
        procs.stop(r['name'], timeout=60)
        if r in live:
            util.say('stopped %-24s pid %d' % (r['name'], r['pid']))
    for host in libvirt.hosts_running():
        pid = procs.load(libvirt.daemon_name(host))['pid']
        libvirt.stop(host)
        util.say('stopped %-24s pid %d' % (libvirt.daemon_name(host), pid))
    for r in back:
        procs.stop(r['name'], timeout=60)
        if r in live:
            util.say('stopped %-24s pid %d' % (r['name'], r['pid']))
    util.say('down in %.1fs' % (time.monotonic() - t0))
    # Before a wipe: it would remove the files that name a running
    # domain, and QEMU may still hold disks in the instances path.
    check_libvirt_leftovers(wipe)
    if wipe:
        for d in (s.DATA, s.ETC, s.MARKERS, s.RUN, s.TEMPEST_DIR,
                  os.path.join(s.STATE, 'home'), libvirt.root()):
            shutil.rmtree(d, ignore_errors=True)
        for f in ('objects.json', 'objects.json.identity', 'cloud.json'):
            try:
                os.unlink(os.path.join(s.STATE, f))
            except OSError:
                pass
        util.say('wiped data (the venv is kept): %s' % s.STATE)


def check_libvirt_leftovers(wipe=False):
    """Failure naming each thing libvirt left, if the cloud ever used it.

    Only where this state dir ran libvirt ($STATE/libvirt exists): on a
    fake-driver cloud the machine's tap devices are none of ours.
    """
    if not os.path.isdir(libvirt.root()):
        return
    found = libvirt.leftovers()
    if found:
        raise util.Failure(leftovers_message(found, wipe))
    util.say('libvirt: no domain, tap device or daemon left')


def leftovers_message(found, wipe=False):
    return ('libvirt left %d thing%s behind after down%s:\n%s\nLook with: '
            'ps -o pid,args -p PID; ip link show NAME; ls %s/*/run/qemu' % (
                len(found), '' if len(found) == 1 else 's',
                ' (nothing wiped)' if wipe else '',
                '\n'.join('  ' + item for item in found), libvirt.root()))


def status():
    kids = procs._children_map()
    any_running = False
    known = {r['name']: r for r in procs.records()}
    names = services.all_names() + [n for n in known
                                    if n not in services.all_names()]
    for name in names:
        rec = known.get(name)
        if not procs.alive(rec):
            util.say('%-24s %-8s %s' % (name, '-', 'stopped'))
            continue
        any_running = True
        rss = procs.rss_kb(procs.tree(rec['pid'], kids)) / 1024.0
        health = 'running'
        if name.startswith('nova-compute-'):
            health = _compute_state(name[len('nova-compute-'):])
        if name.startswith(libvirt.daemon_name('')):
            host = name[len(libvirt.daemon_name('')):]
            health = 'answers on its socket' if libvirt.healthy(host) \
                else 'NOT ANSWERING'
        if name in services.APIS:
            health = 'healthy' if services.api_healthy(name) \
                else 'NOT ANSWERING'
            health += ' (%s)' % s.url(name)
        util.say('%-24s %-8d %-40s rss %4.0f MiB' % (
            name, rec['pid'], health, rss))
    if any_running:
        util.say('release: %s (%s; venv %s)' % (
            s.RELEASE.name, ', '.join(s.RELEASE.services), s.VENV))
        util.say('tempest.conf: %s' % s.TEMPEST_CONF)
        util.say('virt: %s (recorded by up)' % describe_virt())
        util.say('restart mode: %s (recorded by up: %s)' % (
            tempest_conf.written_restart_mode() or 'no tempest.conf yet',
            cloudstate.load().get('restart_mode', s.DEFAULT_RESTART_MODE)))
        util.say('shelved_offload_time: %s in %s (recorded by up: %s)' % (
            _conf_value(nova_conf.path(s.COMPUTE_HOSTS[0]), 'DEFAULT',
                        'shelved_offload_time') or "unset (Nova's 0)",
            nova_conf.path(s.COMPUTE_HOSTS[0]),
            cloudstate.shelved_offload_time()))
    else:
        util.say('nothing running')
    return 0


def describe_virt():
    """The recorded driver, as the computes' files have it."""
    virt = cloudstate.virt()
    if virt != 'libvirt':
        return virt
    virt_type = _conf_value(nova_conf.path(s.COMPUTE_HOSTS[0]), 'libvirt',
                            'virt_type')
    return 'libvirt (%s)' % (libvirt.describe(virt_type) if virt_type
                             else 'no [libvirt] virt_type in %s yet'
                             % nova_conf.path(s.COMPUTE_HOSTS[0]))


def _conf_value(path, section, key):
    conf = configparser.RawConfigParser()
    conf.read(path)  # root only: status is run as root like up
    return conf.get(section, key, fallback=None)


def _compute_state(host):
    try:
        svc = compute.service(host)
    except Exception:
        return 'running (API not answering)'
    if not svc:
        return 'running (not registered)'
    return 'running, %s/%s%s' % (svc['state'], svc['status'],
                                 ' forced_down' if svc.get('forced_down')
                                 else '')


def add_down_parser(subparsers):
    parser = subparsers.add_parser(
        'down', help='stop what `up` started (data kept unless --wipe)',
        description='Stop exactly the processes `up` recorded (needs '
                    'root).')
    parser.add_argument('--wipe', action='store_true',
                        help='also remove data, configs, markers, the '
                             'libvirt daemons\' state and the Tempest '
                             'workspace (the venvs are kept); not when '
                             'libvirt left something running')
    parser.set_defaults(command=down_command, needs_root=True)
    return parser


def down_command(opts):
    down(wipe=opts.wipe)
    return 0


def add_status_parser(subparsers):
    parser = subparsers.add_parser(
        'status', help='each service, its PID and health; release, '
                       'restart mode, shelved_offload_time, virt',
        description='Every service, its PID, health (HTTP check for APIs, '
                    'process alive for the rest, `virsh list` for a '
                    'libvirtd) and RSS; the release, the restart mode '
                    'tempest.conf is in, the compute\'s '
                    'shelved_offload_time and the virt driver (KVM or '
                    'TCG).')
    parser.set_defaults(command=status_command)
    return parser


def status_command(opts):
    return status()
