"""Paths, ports, credentials and tunables of the local cloud (one place)."""
import os

HARNESS_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HARNESS = os.path.join(HARNESS_DIR, 'cloud')
REPO_ROOT = os.path.dirname(os.path.dirname(HARNESS_DIR))
CONSTRAINTS = os.path.join(HARNESS_DIR, 'constraints.txt')

STATE = os.path.abspath(os.environ.get('LOCAL_CLOUD_DIR',
                                       '/var/lib/allocation-local-cloud'))
VENV = os.path.join(STATE, 'venv')
VBIN = os.path.join(VENV, 'bin')
ETC = os.path.join(STATE, 'etc')
LOGS = os.path.join(STATE, 'logs')
RUN = os.path.join(STATE, 'run')        # pid records, sockets
DATA = os.path.join(STATE, 'data')      # mysql, rabbitmq, glance images
MARKERS = os.path.join(STATE, 'markers')
TEMPEST_DIR = os.path.join(STATE, 'tempest')
TEMPEST_CONF = os.path.join(TEMPEST_DIR, 'etc', 'tempest.conf')
CREDS = os.path.join(STATE, 'credentials.json')

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

DB_USER = 'openstack'
DB_PASSWORD = 'localcloud-db'
DATABASES = ['keystone', 'placement', 'glance', 'neutron',
             'nova_api', 'nova', 'nova_cell0']
RABBIT_URL = 'rabbit://guest:guest@%s:%d/' % (HOST, PORTS['rabbitmq'])

REGION = 'RegionOne'
ADMIN_PASSWORD = 'localcloud-admin'
SERVICE_PASSWORD = 'localcloud-service'
MEMBER_PROJECT = 'demo'
MEMBER_USER = 'demo'
MEMBER_PASSWORD = 'localcloud-demo'
NETWORK_NAME = 'shared'
IMAGE_NAME = 'tiny-raw'
FLAVORS = [  # name, vcpus, ram MB, disk GB, id
    ('m1.nano', 1, 128, 1, '42'),
    ('m1.micro', 2, 256, 1, '84'),
]

# Nova timing knobs (see README "Settings").
REPORT_INTERVAL = 5
SERVICE_DOWN_TIME = 30
UPDATE_RESOURCES_INTERVAL = 20

# Packages installed into the venv (pinned further by constraints.txt).
PIP_PACKAGES = [
    'keystone==30.0.0', 'openstack-placement==16.0.0', 'glance==33.0.0',
    'neutron==29.0.0', 'nova==34.0.0', 'tempest==47.0.0',
    'python-openstackclient', 'osc-placement', 'uwsgi==2.0.31', 'PyMySQL',
    'openstacksdk',
    # neutron 29 no longer requires pyroute2 but its DB migrations and
    # server still import it.
    'pyroute2',
]
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


def db_url(name):
    return 'mysql+pymysql://%s:%s@%s:%d/%s?charset=utf8' % (
        DB_USER, DB_PASSWORD, HOST, PORTS['mariadb'], name)


def url(service, path=''):
    return 'http://%s:%d%s' % (HOST, PORTS[service], path)


KEYSTONE_URL = url('keystone', '/v3')
