"""One libvirt daemon per compute, started without systemd (issue 26).

`cloud up --virt libvirt` starts one per compute before the computes and
`cloud down` stops them (the fake driver stays the default). See
doc/source/libvirt.rst for what was measured and why this layout.

Debian 12's libvirt 9.0 ships only the monolithic libvirtd (no virtqemud
and no other modular daemon), so each compute gets a libvirtd of its own.
Running as root, libvirtd and its QEMU driver use fixed paths
(/etc/libvirt, /run/libvirt, /var/lib/libvirt, /var/log/libvirt,
/var/cache/libvirt) with no option to move them; so each daemon runs in a
mount namespace of its own (`unshare --mount`) in which those five paths
are bind mounts of its directories under $STATE/libvirt/HOST. Its sockets
are in $STATE/libvirt/HOST/run, reachable from outside the namespace as
qemu+unix:///system?socket=... (nova's [libvirt] connection_uri). The
namespace dies with its last process: nothing stays mounted. Each daemon
has a UTS namespace too, named after its compute: Nova's libvirt driver
names its node (and the node's resource provider) after the hostname
libvirt reports, which would otherwise be the machine's for both.

No virtlogd (qemu.conf stdio_handler = "file": QEMU writes the console
log itself), no virtlockd (no lock manager), no cgroups (this machine's
cgroup v1 memory controller is a container's; libvirt would leave
machine.slice directories in it), no security driver, no polkit (Debian
builds with auth_unix_rw = polkit; there is no polkitd here), no network
(libvirt-daemon-config-network is not installed and each daemon's
/etc/libvirt is ours: no default network, no virbr0, no dnsmasq).
"""
import fcntl
import os
import shlex
import subprocess

from localcloud import procs
from localcloud import settings as s
from localcloud import util

# Installed by `up --virt libvirt` with the harness's own (install.apt).
# --no-install-recommends: libvirt-daemon recommends the lxc, vbox and xen
# drivers and lvm2; libvirt-daemon-system (not needed) pulls polkitd,
# iptables, the default network and the sysv/systemd units.
APT_PACKAGES = ['libvirt-daemon', 'libvirt-daemon-driver-qemu',
                'libvirt-clients', 'qemu-system-x86', 'qemu-utils',
                'libvirt-dev']
# Nova's libvirt driver imports `libvirt` (libvirt-python, not in nova's
# requirements); it builds from source against libvirt-dev with the
# venv's compiler (build-essential, python3-dev are in s.APT_PACKAGES).
PIP_PACKAGES = ['libvirt-python']

LIBVIRTD = '/usr/sbin/libvirtd'
QEMU_USER = 'libvirt-qemu'
# The root-owned paths a privileged libvirtd uses, and the directory of
# $STATE/libvirt/HOST bind-mounted onto each inside its namespace.
MOUNTS = (
    ('etc', '/etc/libvirt'),
    ('run', '/run/libvirt'),
    ('lib', '/var/lib/libvirt'),
    ('log', '/var/log/libvirt'),
    ('cache', '/var/cache/libvirt'),
)
# Interface names libvirt and Nova's os-vif give guests' taps and bridges.
GUEST_NET_PREFIXES = ('tap', 'vnet', 'macvtap', 'virbr')
# _IO(KVMIO, 0x00): answers KVM_API_VERSION (12) on a usable /dev/kvm.
KVM_GET_API_VERSION = 0xAE00
KVM_API_VERSION = 12


def root():
    return os.path.join(s.STATE, 'libvirt')


def host_dir(host, sub=''):
    return os.path.join(root(), host, sub) if sub else os.path.join(
        root(), host)


def instances_path():
    """One instances path for every compute: storage Nova sees as shared.

    Both computes have my_ip 127.0.0.1, so resize and evacuation take the
    shared-storage path when the disk is visible on the destination.
    """
    return os.path.join(s.DATA, 'nova-instances')


def socket_path(host):
    return host_dir(host, 'run') + '/libvirt-sock'


def uri(host):
    """nova.conf [libvirt] connection_uri and virsh -c for HOST's daemon."""
    return 'qemu+unix:///system?socket=' + socket_path(host)


def daemon_name(host):
    return 'libvirtd-' + host


def pid_file(host):
    return host_dir(host, 'run') + '/libvirtd.pid'


def hosts_file(host):
    """The /etc/hosts HOST's daemon sees: its hostname resolves locally.

    libvirt canonicalizes a short hostname with getaddrinfo; with the name
    in the file no DNS server is asked.
    """
    return host_dir(host, 'etc') + '/hosts'


def kvm_usable(dev='/dev/kvm'):
    """True when /dev/kvm opens read-write and answers its API version."""
    try:
        fd = os.open(dev, os.O_RDWR | os.O_CLOEXEC)
    except OSError:
        return False
    try:
        return fcntl.ioctl(fd, KVM_GET_API_VERSION) == KVM_API_VERSION
    except OSError:
        return False
    finally:
        os.close(fd)


def virt_type():
    """nova.conf [libvirt] virt_type: kvm, or qemu (TCG) without /dev/kvm."""
    return 'kvm' if kvm_usable() else 'qemu'


def describe(virt_type_):
    """What `up` and `status` print for a [libvirt] virt_type."""
    return 'KVM' if virt_type_ == 'kvm' else 'TCG (no usable /dev/kvm)'


def _conf_value(value):
    if isinstance(value, bool):
        return '1' if value else '0'
    if isinstance(value, int):
        return str(value)
    if isinstance(value, (list, tuple)):
        return '[ %s ]' % ', '.join(_conf_value(v) for v in value) \
            if value else '[ ]'
    return '"%s"' % value


def render(settings_):
    """libvirt's config syntax: key = "string" | number | [ list ]."""
    lines = ['# Generated by tools/local-cloud (localcloud/libvirt.py).']
    lines += ['%s = %s' % (key, _conf_value(value))
              for key, value in settings_.items()]
    return '\n'.join(lines) + '\n'


def libvirtd_settings(host):
    return {
        # Outside the namespace's mounts too: the same path on both sides.
        'unix_sock_dir': host_dir(host, 'run'),
        'unix_sock_group': 'root',
        'unix_sock_ro_perms': '0700',
        'unix_sock_rw_perms': '0700',
        'unix_sock_admin_perms': '0700',
        # Debian's default is polkit, and there is no polkitd: root only,
        # enforced by the socket's mode.
        'auth_unix_ro': 'none',
        'auth_unix_rw': 'none',
        'listen_tls': False,
        'listen_tcp': False,
        # Warnings and errors to stderr, which procs.launch logs.
        'log_outputs': '3:stderr',
    }


def qemu_settings():
    return {
        # No libvirt-qemu user (libvirt-daemon-system is not installed) and
        # /dev/kvm is root's alone here.
        'user': 'root',
        'group': 'root',
        'dynamic_ownership': False,
        'remember_owner': False,
        'security_driver': 'none',
        # No cgroups and no per-domain /dev namespace: nothing created
        # outside our directories, nothing to clean after a crash.
        'cgroup_controllers': [],
        'namespaces': [],
        # QEMU writes the console log itself: no virtlogd to run.
        'stdio_handler': 'file',
        'vnc_listen': s.HOST,
        'spice_listen': s.HOST,
    }


def config_files(host):
    """{path: text} of HOST's daemon."""
    etc = host_dir(host, 'etc')
    return {
        os.path.join(etc, 'libvirtd.conf'): render(libvirtd_settings(host)),
        os.path.join(etc, 'qemu.conf'): render(qemu_settings()),
        hosts_file(host): '127.0.0.1 localhost\n127.0.1.1 %s\n' % host,
    }


def write_config(host):
    for sub, _target in MOUNTS:
        os.makedirs(host_dir(host, sub), mode=0o700, exist_ok=True)
    os.makedirs(instances_path(), exist_ok=True)
    for path, text in config_files(host).items():
        util.write(path, text)


def command(host):
    """argv: mount and UTS namespaces for HOST, then libvirtd.

    In them: the hostname HOST (Nova's node name for this compute, as the
    fake driver's is), HOST's directories on libvirt's fixed paths and its
    hosts file on /etc/hosts. `unshare` without --fork execs the shell,
    which execs libvirtd: the recorded PID is libvirtd's. No --daemon
    (procs.launch keeps it in the foreground), no --timeout (nova-compute
    reconnects, but an idle exit would leave a compute without its
    hypervisor between tests).
    """
    binds = ['mount --bind %s %s' % (shlex.quote(host_dir(host, sub)),
                                     shlex.quote(target))
             for sub, target in MOUNTS]
    binds.append('mount --bind %s /etc/hosts' % shlex.quote(
        hosts_file(host)))
    script = ' && '.join(['hostname %s' % shlex.quote(host)] + binds + [
        'exec %s --config %s --pid-file %s' % (
            LIBVIRTD,
            shlex.quote(os.path.join(host_dir(host, 'etc'), 'libvirtd.conf')),
            shlex.quote(pid_file(host)))])
    return ['unshare', '--mount', '--uts', '--propagation', 'private',
            '--', '/bin/sh', '-ec', script]


def ensure_qemu_user():
    """The build's QEMU user and group (libvirt-qemu), as Debian makes them.

    libvirtd 9.0 resolves its build-time default user before it reads
    qemu.conf and fails without it ("Failed to parse user 'libvirt-qemu'"),
    even though qemu.conf runs QEMU as root. libvirt-daemon-system's
    postinst would create it; that package is not installed.
    """
    if subprocess.run(['getent', 'group', QEMU_USER],
                      capture_output=True).returncode != 0:
        util.run(['groupadd', '--system', QEMU_USER])
    if subprocess.run(['getent', 'passwd', QEMU_USER],
                      capture_output=True).returncode != 0:
        util.run(['useradd', '--system', '--gid', QEMU_USER,
                  '--no-create-home', '--home-dir', '/var/lib/libvirt',
                  '--shell', '/usr/sbin/nologin', QEMU_USER])


def _mountpoints():
    # The bind targets must exist on the host; libvirt-daemon-system would
    # have created them, libvirt-daemon alone does not. Empty, never used
    # outside the namespaces.
    for _sub, target in MOUNTS:
        os.makedirs(target, mode=0o755, exist_ok=True)


def virsh(host, *args, check=True, timeout=30):
    return util.run(['virsh', '-q', '-c', uri(host)] + list(args),
                    check=check, timeout=timeout)


def domains(host, running_only=False):
    """Names of the domains HOST's daemon knows (all, or running ones)."""
    out = virsh(host, 'list', '--name', *([] if running_only else ['--all']))
    return sorted(line.strip() for line in out.splitlines() if line.strip())


def healthy(host):
    """True when HOST's daemon answers `virsh list` on its own socket."""
    if not procs.running(daemon_name(host)):
        return False
    try:
        domains(host)
    except (util.Failure, subprocess.TimeoutExpired):
        return False
    return True


def start(host, timeout=60):
    """Start HOST's libvirtd (idempotent) and wait until it answers."""
    write_config(host)
    ensure_qemu_user()
    _mountpoints()
    name = daemon_name(host)
    rec = procs.launch(name, command(host),
                       config=util.digest(*sorted(config_files(host))))
    try:
        util.wait_for(lambda: healthy(host), timeout, interval=0.5,
                      what='%s to answer on %s' % (name, socket_path(host)))
    except util.Failure as e:
        procs.stop(name, timeout=10)
        raise util.Failure('%s\n%s' % (e, util.tail(procs.log_path(name))))
    return rec


def destroy_running(host):
    """Destroy HOST's running domains (hard power-off); their names."""
    stopped = []
    for domain in domains(host, running_only=True):
        virsh(host, 'destroy', domain)
        stopped.append(domain)
    return stopped


def stop(host, timeout=60):
    """Destroy HOST's running domains, then stop its libvirtd.

    libvirtd leaves its guests running when it exits (by design, so that
    it can restart under them); `cloud down` must leave no QEMU behind.
    The definitions stay (in $STATE/libvirt/HOST/etc/qemu), like the
    databases: `down --wipe` removes them.
    """
    if healthy(host):
        for domain in domains(host, running_only=True):
            virsh(host, 'destroy', domain, check=False)
    return procs.stop(daemon_name(host), timeout=timeout)


def _read(path, mode='r'):
    try:
        with open(path, mode) as f:
            return f.read()
    except OSError:
        return None


def _ours(pid, markers):
    """Does process PID belong to one of our daemons' namespaces or disks?"""
    cmdline = _read('/proc/%s/cmdline' % pid, 'rb')
    if cmdline is None:
        return False
    cmdline = cmdline.replace(b'\0', b' ').decode(errors='replace')
    if any(marker in cmdline for marker in markers):
        return True
    # Bind mounts of $STATE/libvirt/HOST/*: libvirtd and the QEMUs it
    # started, whose command lines only show the namespace's paths.
    mountinfo = _read('/proc/%s/mountinfo' % pid) or ''
    return root() + '/' in mountinfo


def _ancestors(pid):
    chain = set()
    while pid > 1 and str(pid) not in chain:
        chain.add(str(pid))
        stat = _read('/proc/%d/stat' % pid)
        if stat is None:
            break
        pid = int(stat[stat.rindex(')') + 2:].split()[1])
    return chain


def leftovers():
    """What our libvirt left behind: processes, running domains, taps.

    A list of one-line descriptions, empty when nothing is left. Run after
    stop() of every compute; while daemons run it lists them too.
    """
    found = []
    markers = (root() + '/', instances_path() + '/')
    # This process and the ones that started it may name the state dir.
    mine = _ancestors(os.getpid())
    for pid in sorted((d for d in os.listdir('/proc') if d.isdigit()),
                      key=int):
        if pid not in mine and _ours(pid, markers):
            comm = (_read('/proc/%s/comm' % pid) or '?').strip()
            found.append('process %s %s' % (pid, comm))
    if os.path.isdir(root()):
        for host in sorted(os.listdir(root())):
            # libvirt keeps a running domain's status XML here (in the
            # namespace: /run/libvirt/qemu) and removes it when it stops.
            status_dir = os.path.join(host_dir(host, 'run'), 'qemu')
            if os.path.isdir(status_dir):
                found += ['domain %s on %s' % (fn[:-4], host)
                          for fn in sorted(os.listdir(status_dir))
                          if fn.endswith('.xml')]
    if os.path.isdir('/sys/class/net'):
        found += ['interface %s' % name
                  for name in sorted(os.listdir('/sys/class/net'))
                  if name.startswith(GUEST_NET_PREFIXES)]
    return found


def hosts_running():
    """The computes whose daemon runs (by its procs record), in order."""
    prefix = daemon_name('')
    return sorted(rec['name'][len(prefix):] for rec in procs.records()
                  if rec['name'].startswith(prefix) and procs.alive(rec))


def nova_settings(host):
    """What a compute's nova.conf gets on libvirt.

    {section: {key: value}}, merged into nova_conf.compute(host) by
    `up --virt libvirt` (with the capacity and privsep settings there).
    """
    return {
        'DEFAULT': {
            'compute_driver': 'libvirt.LibvirtDriver',
            'instances_path': instances_path(),
        },
        'libvirt': {
            'virt_type': virt_type(),
            'connection_uri': uri(host),
            # No CPU model to compare between computes (one machine) and
            # the only mode TCG takes.
            'cpu_mode': 'none',
            # qcow2 overlays on the image in _base: a server's disk costs
            # a few hundred KB whatever the flavor's root_gb.
            'images_type': 'qcow2',
        },
        # Two computes manage one _base: neither may remove a base image
        # the other's servers use.
        'image_cache': {'remove_unused_base_images': False},
        'vnc': {'enabled': False},
        'spice': {'enabled': False},
        'serial_console': {'enabled': False},
    }
