"""Config files of Keystone, Placement, Glance and Neutron (Nova: nova_conf).

All files go under $STATE/etc/<service>/ and are rewritten on every `up`.
"""
import os

from localcloud import inifile
from localcloud import settings as s
from localcloud import util


def venv_etc(*parts):
    """A file under the release venv's etc/ (installed by the packages)."""
    return os.path.join(s.VENV, 'etc', *parts)


def etc(service, name):
    return os.path.join(s.ETC, service, name)


def data(*parts):
    return os.path.join(s.DATA, *parts)


def authtoken(user):
    return {
        'www_authenticate_uri': s.url('keystone'),
        'auth_url': s.url('keystone'),
        'auth_type': 'password',
        'project_domain_name': 'Default',
        'user_domain_name': 'Default',
        'project_name': 'service',
        'username': user,
        'password': s.SERVICE_PASSWORD,
        'region_name': s.REGION,
    }


def service_auth(user):
    """[placement]/[neutron]-style keystoneauth section for a client."""
    d = authtoken(user)
    d.pop('www_authenticate_uri')
    return d


def lock_path(service):
    return {'lock_path': data(service, 'locks')}


def keystone():
    return {
        'DEFAULT': {'debug': False},
        'database': {'connection': s.db_url('keystone')},
        'token': {'provider': 'fernet'},
        'fernet_tokens': {'key_repository': data('keystone', 'fernet-keys')},
        'credential': {'key_repository': data('keystone',
                                              'credential-keys')},
        # As devstack configures Keystone for the gate (lib/keystone:
        # KEYSTONE_PASSWORD_HASH_ROUNDS=4, KEYSTONE_ENABLE_CACHE=True).
        # Without them every request that validates a token reads its
        # role assignments from the database (0.34 s for GET /v3/roles
        # here, 0.02 s cached) and every password check costs bcrypt's
        # default 12 rounds: a test class's dynamic credentials took
        # ~12 s of its setup and teardown, a gate node's a fraction.
        # One Keystone worker process: an in-process cache stays coherent
        # (Keystone invalidates its own regions on every write).
        'identity': {'password_hash_rounds': 4},
        'cache': {'enabled': True, 'backend': 'dogpile.cache.memory'},
    }


def placement():
    return {
        'DEFAULT': {'debug': False},
        'placement_database': {'connection': s.db_url('placement')},
        'api': {'auth_strategy': 'keystone'},
        'keystone_authtoken': authtoken('placement'),
        'oslo_concurrency': lock_path('placement'),
    }


def glance():
    return {
        'DEFAULT': {
            'debug': False,
            'enabled_backends': 'fs:file',
            'worker_self_reference_url': s.url('glance'),
        },
        'database': {'connection': s.db_url('glance')},
        'keystone_authtoken': authtoken('glance'),
        'paste_deploy': {
            'flavor': 'keystone',
            'config_file': venv_etc('glance', 'glance-api-paste.ini'),
        },
        'glance_store': {'default_backend': 'fs'},
        'fs': {'filesystem_store_datadir': data('glance', 'images')},
        'os_glance_staging_store': {
            'filesystem_store_datadir': data('glance', 'staging')},
        'os_glance_tasks_store': {
            'filesystem_store_datadir': data('glance', 'tasks')},
        'oslo_concurrency': lock_path('glance'),
    }


def neutron():
    return {
        'DEFAULT': {
            'debug': False,
            'core_plugin': 'ml2',
            'service_plugins': '',
            'auth_strategy': 'keystone',
            'transport_url': s.rabbit_url(),
            'api_paste_config': venv_etc('neutron', 'api-paste.ini'),
            'state_path': data('neutron'),
            'notify_nova_on_port_status_changes': False,
            'notify_nova_on_port_data_changes': False,
        },
        'database': {'connection': s.db_url('neutron')},
        'keystone_authtoken': authtoken('neutron'),
        'oslo_concurrency': lock_path('neutron'),
    }


def ml2():
    # No agents: the tiny 'bindall' mechanism driver (ml2-bindall/) marks
    # every port bound so servers with ports boot (notes, gotcha 7).
    return {
        'ml2': {
            'type_drivers': 'flat,vlan',
            'tenant_network_types': 'vlan',
            'mechanism_drivers': 'bindall',
            'extension_drivers': 'port_security',
        },
        'ml2_type_flat': {'flat_networks': '*'},
        'ml2_type_vlan': {'network_vlan_ranges': 'physnet1:100:999'},
        'securitygroup': {'firewall_driver': 'noop',
                          'enable_security_group': True},
    }


FILES = {
    ('keystone', 'keystone.conf'): keystone,
    ('placement', 'placement.conf'): placement,
    ('glance', 'glance-api.conf'): glance,
    ('neutron', 'neutron.conf'): neutron,
    ('neutron', 'ml2_conf.ini'): ml2,
}


def write_all():
    for (service, name), fn in FILES.items():
        util.write(etc(service, name),
                   inifile.render(fn(), inifile.GENERATED))
    for d in ('keystone/fernet-keys', 'keystone/credential-keys',
              'glance/images', 'glance/staging', 'glance/tasks',
              'neutron', 'placement/locks', 'glance/locks',
              'neutron/locks'):
        os.makedirs(data(d), exist_ok=True)
