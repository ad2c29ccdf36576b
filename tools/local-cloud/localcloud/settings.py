"""Paths, ports, credentials and tunables of the local cloud (one place)."""
import collections
import json
import os
import runpy
import secrets

HARNESS_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HARNESS = os.path.join(HARNESS_DIR, 'cloud')
REPO_ROOT = os.path.dirname(os.path.dirname(HARNESS_DIR))

STATE = os.path.abspath(os.environ.get('LOCAL_CLOUD_DIR',
                                       '/var/lib/allocation-local-cloud'))
ETC = os.path.join(STATE, 'etc')
LOGS = os.path.join(STATE, 'logs')
RUN = os.path.join(STATE, 'run')        # pid records, sockets
DATA = os.path.join(STATE, 'data')      # mysql, rabbitmq, glance images
MARKERS = os.path.join(STATE, 'markers')
TEMPEST_DIR = os.path.join(STATE, 'tempest')
TEMPEST_CONF = os.path.join(TEMPEST_DIR, 'etc', 'tempest.conf')
CREDS = os.path.join(STATE, 'credentials.json')
# What `up` recorded about the cloud: the release, nova's max microversion,
# restart mode, shelved_offload_time, virt driver.
CLOUD_JSON = os.path.join(STATE, 'cloud.json')
# The release's: its venv ($STATE/venv for the default release), the venv's
# bin, its constraints file and the packages `up` installs. Set by
# use_release() (below) from the release cloud.json records.
RELEASE = VENV = VBIN = CONSTRAINTS = PIP_PACKAGES = None
# Passwords nobody types (DB, RabbitMQ): generated once per state dir, root
# only (0600), never in the repository, on a command line or in a log.
SECRETS = os.path.join(ETC, 'secrets.json')
# One directory per test run: tempest output, subunit stream, results.json,
# audit files.
RUNS = os.path.join(STATE, 'runs')

COMPUTE_COUNT = int(os.environ.get('LOCAL_CLOUD_COMPUTES', '2'))
COMPUTE_HOSTS = ['compute%d' % i for i in range(1, COMPUTE_COUNT + 1)]

HOST = '127.0.0.1'
PORTS = {
    'mariadb': 13306,
    'rabbitmq': 15673,       # AMQP
    'rabbitmq-dist': 25673,  # Erlang distribution
    'epmd': 14369,
    'keystone': 5000,
    'placement': 8778,
    'glance': 9292,
    'neutron': 9696,
    'nova-api': 8774,
}

# The services' DB account: privileges on DATABASES only (no FILE, nothing
# on *.*); its password is secret('db').
DB_USER = 'openstack'
DATABASES = ['keystone', 'placement', 'glance', 'neutron',
             'nova_api', 'nova', 'nova_cell0']
# The services' RabbitMQ account (the guest account is deleted); its
# password is secret('rabbitmq').
RABBIT_USER = 'openstack'

REGION = 'RegionOne'
ADMIN_PASSWORD = 'localcloud-admin'
SERVICE_PASSWORD = 'localcloud-service'
MEMBER_PROJECT = 'demo'
MEMBER_USER = 'demo'
MEMBER_PASSWORD = 'localcloud-demo'
NETWORK_NAME = 'shared'
IMAGE_NAME = 'tiny-raw'
# Glance properties of the tiny image. Its guest (libvirt) has no operating
# system to answer an ACPI shutdown, so Nova would wait shutdown_timeout
# (60 s) before destroying it on every stop, shelve and resize; 0 tells
# Nova to power it off at once (ComputeManager._get_power_off_values). The
# fake driver ignores it.
IMAGE_PROPERTIES = {'os_shutdown_timeout': '0'}
FLAVORS = [  # name, vcpus, ram MB, disk GB, id
    ('m1.nano', 1, 128, 1, '42'),
    ('m1.micro', 2, 256, 1, '84'),
]

# Nova timing knobs (see README "Settings").
REPORT_INTERVAL = 5
SERVICE_DOWN_TIME = 30
UPDATE_RESOURCES_INTERVAL = 20

# `cloud up --restart-mode`: what compute_start_command in tempest.conf
# does. 'wait': return after the restarted compute's first heartbeat.
# 'immediate': return right after launching nova-compute, like `systemctl
# start` of a Type=simple unit in a gate (the plugin has to wait itself).
RESTART_MODES = ('wait', 'immediate')
DEFAULT_RESTART_MODE = 'wait'

# `cloud up --shelved-offload-time N`: [DEFAULT] shelved_offload_time of
# every nova service (the compute's decides) and [compute] of tempest.conf.
# 0, Nova's default, offloads a shelved server at once, which Tempest's own
# unshelve tests need; -1 keeps shelved servers on their host, which the
# plugin's SHELVED local-delete test needs (CI runs it in a stage of its
# own). Recorded in cloud.json like the restart mode.
DEFAULT_SHELVED_OFFLOAD_TIME = 0

# `cloud up --virt`: the computes' virt driver. 'fake': Nova's
# FakeDriverWithoutFakeNodes (no guest at all; the default). 'libvirt':
# one libvirtd per compute (localcloud/libvirt.py, doc/source/libvirt.rst),
# KVM, or TCG where /dev/kvm is not usable. Recorded in cloud.json like
# the release.
VIRTS = ('fake', 'libvirt')
DEFAULT_VIRT = 'fake'
# On libvirt each compute reports the real machine (2 VCPU here) and the
# plugin's classes hold up to 8 m1.nano servers on one host at once (the
# shared hold), Tempest's beside them more: Nova's cpu_allocation_ratio
# before Stein (16.0) makes 32 VCPU a compute. Memory and disk keep 1.0:
# a whole-host flavor still fails on one leaked allocation (README
# "Settings", doc/source/libvirt.rst "Capacity").
LIBVIRT_CPU_ALLOCATION_RATIO = 16.0

# The plugin's test selections are the plugin's own (selection.py: plain
# constants, read without importing the package): one owner.
PLUGIN_SELECTION_FILE = os.path.join(REPO_ROOT, 'allocation_tempest_plugin',
                                     'selection.py')


def plugin_selection(name):
    """A regex from the plugin's selection.py (ALL, DESTRUCTIVE, ...)."""
    return runpy.run_path(PLUGIN_SELECTION_FILE)[name]


# `cloud run-beside`: Tempest's own tests run in the same `tempest run` as
# the plugin. FULL is issue 11.2's selection: 407 tests, 21 min at
# concurrency 4 on this 2-core machine (README "Measured"). CI is the
# default and what .ci/run runs: the servers and admin modules that move
# allocations (boot, delete in every state, resize/revert, shelve, cold
# migrate, admin delete/reset-state, scheduling on several hosts) plus the
# services and hypervisors listings the plugin's guard reads.
BESIDE_TEMPEST_FULL = [r'tempest\.api\.compute\.servers\.',
                       r'tempest\.api\.compute\.admin\.']
BESIDE_TEMPEST_CI = [
    r'tempest\.api\.compute\.servers\.test_create_server\.',
    r'tempest\.api\.compute\.servers\.test_delete_server\.',
    r'tempest\.api\.compute\.servers\.test_server_actions\.',
    r'tempest\.api\.compute\.servers\.test_multiple_create\.',
    r'tempest\.api\.compute\.admin\.test_servers\.',
    r'tempest\.api\.compute\.admin\.test_delete_server\.',
    r'tempest\.api\.compute\.admin\.test_migrations\.',
    r'tempest\.api\.compute\.admin\.test_servers_on_multinodes\.',
    r'tempest\.api\.compute\.admin\.test_services\.',
    r'tempest\.api\.compute\.admin\.test_hypervisor\.',
]
BESIDE_CONCURRENCY = 4
# Tempest tests that cannot work on this cloud, and why (one place). They
# are excluded from run-beside with and without the plugin alike.
BESIDE_EXCLUDED = [
    (r'tempest\.api\.compute\.admin\.test_hypervisor\.'
     r'HypervisorAdminTestJSON\.test_get_hypervisor_uptime',
     'fake virt driver: no host uptime, so no hypervisor has one '
     '("None of the hypervisors had a valid uptime"); local-cloud-notes'),
]

# `cloud two-runners` runs plugin_selection('DESTRUCTIVE') (local delete +
# scenario) in two runners.
TWO_RUNNERS_DIR = os.path.join(STATE, 'two-runners')

# The allocation audit (issue 15), run around `run` and `run-beside` when
# the console script is installed in the venv.
AUDIT_SCRIPT = 'allocation-tempest-audit'

# -- Releases (`cloud up --release R`; doc/source/releases.rst) -----------
#
# One release's services: Keystone, Placement, Glance, Neutron and Nova at
# that release's versions (the newest point release of the series on PyPI)
# and its own constraints file; Tempest and the plugin stay at master (one
# Tempest for every release, as a gate runs them). The default release is
# what `up` brought up before releases existed: its venv ($STATE/venv),
# constraints file (constraints.txt), markers ('pip', 'plugin') and
# package list are today's, so a cloud made before is used as it is.
Release = collections.namedtuple('Release', [
    'name',
    # keystone, openstack-placement, glance, neutron, nova (in that order)
    'services',
    # pins of everything the venv holds (a `pip freeze`; its header says
    # where it came from)
    'constraints',
    # the venv's directory under $STATE
    'venv',
    # what `up` writes into tempest.conf's [allocation] known_nova_defects:
    # the plugin's known defects (placement_checks/known_defects.py) this
    # release's Nova has (evidence in doc/source/releases.rst)
    'known_nova_defects',
    # True where Nova's API monkey-patches eventlet at import (nova 31 and
    # 32: nova/__init__.py; from 33.0 nova/wsgi/osapi_compute.py asks for
    # native threads). uwsgi's threads would then share one eventlet hub:
    # on 2025.1 the first POST /servers after `up` got no answer in 60 s
    # (its RPC cast hung). Such a nova-api runs one thread per process, as
    # devstack's uwsgi files run it.
    'nova_api_eventlet',
])

# Both of the plugin's known defects: nova/compute/api.py API._delete and
# _confirm_resize_on_deleting are the same in nova 31.3.1, 32.2.1, 33.0.2
# and 34.0.0 (compared in the released wheels, releases.rst); Nova 34's
# were seen reproducing on this cloud.
_BOTH_DEFECTS = ('verify-resize-delete-source-down',
                 'error-after-resize-delete-leaks-migration')

CONSTRAINTS_DIR = os.path.join(HARNESS_DIR, 'constraints')
RELEASES = collections.OrderedDict((r.name, r) for r in [
    Release('2026.2', ('keystone==30.0.0', 'openstack-placement==16.0.0',
                       'glance==33.0.0', 'neutron==29.0.0', 'nova==34.0.0'),
            os.path.join(HARNESS_DIR, 'constraints.txt'), 'venv',
            _BOTH_DEFECTS, False),
    Release('2026.1', ('keystone==29.1.0', 'openstack-placement==15.0.0',
                       'glance==32.0.0', 'neutron==28.0.2', 'nova==33.0.2'),
            os.path.join(CONSTRAINTS_DIR, '2026.1.txt'), 'venv-2026.1',
            _BOTH_DEFECTS, False),
    Release('2025.2', ('keystone==28.1.0', 'openstack-placement==14.0.0',
                       'glance==31.1.0', 'neutron==27.0.4', 'nova==32.2.1'),
            os.path.join(CONSTRAINTS_DIR, '2025.2.txt'), 'venv-2025.2',
            _BOTH_DEFECTS, True),
    Release('2025.1', ('keystone==27.1.0', 'openstack-placement==13.0.1',
                       'glance==30.2.0', 'neutron==26.0.6', 'nova==31.3.1'),
            os.path.join(CONSTRAINTS_DIR, '2025.1.txt'), 'venv-2025.1',
            _BOTH_DEFECTS, True),
])
DEFAULT_RELEASE = '2026.2'

# Installed into every release's venv after its services (pinned further
# by the release's constraints): Tempest at master's pin, the clients, the
# WSGI server, the DB driver.
# The installer that fills a venv: pip installs it (pinned) into the
# venv, then it installs everything else. On a new machine it fills the
# venv in ~36 s where pip took 108 s (downloads in parallel, one
# resolution): the same packages at the same versions (`pip freeze`
# compared).
UV = 'uv==0.13.9'

COMMON_PACKAGES = (
    'tempest==47.0.0',
    'python-openstackclient', 'osc-placement', 'uwsgi==2.0.31', 'PyMySQL',
    'openstacksdk',
    # neutron 28 and 29 no longer require pyroute2 but neutron 29's DB
    # migrations and server still import it (seen); 26 and 27 require it.
    'pyroute2',
)


def release_names():
    return list(RELEASES)


def recorded_release(path=None):
    """The release the last `up` brought up (cloud.json), else the default.

    A state dir from before releases existed records none: it is the
    default release's (the only one there was).
    """
    try:
        with open(path or CLOUD_JSON) as f:
            return json.load(f).get('release') or DEFAULT_RELEASE
    except (OSError, ValueError, AttributeError):
        return DEFAULT_RELEASE


def use_release(name):
    """Point the venv, constraints and packages at release `name`.

    Done once at import for the recorded release, and by `up --release`
    before it installs anything. Nothing may copy these names at import
    time (read them as settings.VENV when needed).
    """
    global RELEASE, VENV, VBIN, CONSTRAINTS, PIP_PACKAGES
    if name not in RELEASES:
        raise ValueError('unknown release %r (known: %s)' % (
            name, ', '.join(RELEASES)))
    RELEASE = RELEASES[name]
    VENV = os.path.join(STATE, RELEASE.venv)
    VBIN = os.path.join(VENV, 'bin')
    CONSTRAINTS = RELEASE.constraints
    PIP_PACKAGES = list(RELEASE.services) + list(COMMON_PACKAGES)
    return RELEASE


def venv_marker(name):
    """A marker about the venv ('pip', 'plugin'): one per release's venv.

    The default release keeps the names it always had.
    """
    if RELEASE.venv == 'venv':
        return name
    return '%s-%s' % (name, RELEASE.name)


# build-essential + python3-dev: uwsgi compiles; python3-venv: a venv from
# Debian's python3.11 when no other 3.11 is there.
APT_PACKAGES = ['mariadb-server', 'mariadb-client', 'rabbitmq-server',
                'build-essential', 'python3-dev', 'python3-venv']


def nondefault_env():
    """The LOCAL_CLOUD_* settings that differ from the defaults."""
    out = {}
    if STATE != '/var/lib/allocation-local-cloud':
        out['LOCAL_CLOUD_DIR'] = STATE
    if COMPUTE_COUNT != 2:
        out['LOCAL_CLOUD_COMPUTES'] = str(COMPUTE_COUNT)
    return out


def secret(name):
    """The generated password `name`, created on first use (file 0600)."""
    try:
        with open(SECRETS) as f:
            values = json.load(f)
    except (OSError, ValueError):
        values = {}
    if name not in values:
        values[name] = secrets.token_hex(24)
        os.makedirs(os.path.dirname(SECRETS), exist_ok=True)
        tmp = SECRETS + '.tmp'
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, 'w') as f:
            json.dump(values, f, indent=1)
        os.replace(tmp, SECRETS)
    return values[name]


def db_url(name):
    return 'mysql+pymysql://%s:%s@%s:%d/%s?charset=utf8' % (
        DB_USER, secret('db'), HOST, PORTS['mariadb'], name)


def rabbit_url():
    return 'rabbit://%s:%s@%s:%d/' % (RABBIT_USER, secret('rabbitmq'), HOST,
                                      PORTS['rabbitmq'])


def url(service, path=''):
    return 'http://%s:%d%s' % (HOST, PORTS[service], path)


KEYSTONE_URL = url('keystone', '/v3')


# The recorded release (cloud.json): every command uses its venv. One this
# harness does not know (recorded by another version of it) falls back to
# the default here; `up` refuses to go on with that state dir
# (cloudstate.check_release).
use_release(recorded_release() if recorded_release() in RELEASES
            else DEFAULT_RELEASE)
