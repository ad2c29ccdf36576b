"""nova.conf (api, conductor, scheduler) and one file per nova-compute.

nova-compute files have NO [database]/[api_database] sections: nova checks
`is not None`, so even an empty value makes compute try the DB (gotcha 3).
On `up --virt libvirt` each compute's file gets libvirt.nova_settings
merged in (and the capacity and privsep settings of libvirt_settings).
"""
import os
import shutil

from localcloud import configs
from localcloud import inifile
from localcloud import libvirt
from localcloud import settings as s
from localcloud import util


def _common(state_path, shelved_offload_time):
    return {
        'DEFAULT': {
            'debug': False,
            'transport_url': s.rabbit_url(),
            'my_ip': s.HOST,
            'state_path': state_path,
            # Heartbeat every 5 s, down after 30 s: tests see a stopped
            # compute as down quickly without flapping.
            'report_interval': s.REPORT_INTERVAL,
            'service_down_time': s.SERVICE_DOWN_TIME,
            'allow_resize_to_same_host': True,
            'graceful_shutdown_timeout': 10,
            # `up --shelved-offload-time` (settings): the compute acts on
            # it; the other services get the same value so no file says
            # otherwise.
            'shelved_offload_time': shelved_offload_time,
        },
        'placement': configs.service_auth('placement'),
        'neutron': configs.service_auth('neutron'),
        'glance': {'region_name': s.REGION},
        # Neutron's policy lets only a caller with a service token (role
        # 'service') delete a compute port; nova sends one with this.
        'service_user': dict(configs.service_auth('nova'),
                             send_service_user_token=True),
        'oslo_concurrency': {'lock_path': os.path.join(state_path, 'locks')},
        'oslo_messaging_notifications': {'driver': 'noop'},
    }


def controller(shelved_offload_time=s.DEFAULT_SHELVED_OFFLOAD_TIME):
    conf = _common(configs.data('nova'), shelved_offload_time)
    conf['DEFAULT'].update({
        'enabled_apis': 'osapi_compute',
        'osapi_compute_workers': 1,
    })
    conf['placement']['username'] = 'nova'
    conf['neutron']['username'] = 'nova'
    conf.update({
        'api': {'auth_strategy': 'keystone'},
        'wsgi': {'api_paste_config': configs.etc('nova', 'api-paste.ini')},
        'api_database': {'connection': s.db_url('nova_api')},
        'database': {'connection': s.db_url('nova')},
        'keystone_authtoken': configs.authtoken('nova'),
        'conductor': {'workers': 1},
        # Hosts are mapped by an explicit discover_hosts in `up`.
        'scheduler': {'workers': 1,
                      'discover_hosts_in_cells_interval': -1},
    })
    return conf


def compute_state(host):
    return configs.data('nova-' + host)


# oslo.privsep contexts nova-compute may start on libvirt: nova's own
# (utime of a cached base image on every boot, console logs) and
# os-vif's plugs.
PRIVSEP_SECTIONS = ('nova_sys_admin', 'vif_plug_ovs_privileged',
                    'vif_plug_linux_bridge_privileged')


def libvirt_settings(host):
    """What a compute's file gets on libvirt besides libvirt.nova_settings."""
    # Nova starts its privsep daemons with `sudo nova-rootwrap ...`; there
    # is no sudo here and nova-compute already runs as root.
    helper = '%s --config-file %s' % (util.vbin('privsep-helper'),
                                      path(host))
    conf = {section: {'helper_command': helper}
            for section in PRIVSEP_SECTIONS}
    # The real machine's 2 VCPU a compute (settings). RAM and disk keep
    # the fake driver's 1.0.
    conf['DEFAULT'] = {
        'cpu_allocation_ratio': s.LIBVIRT_CPU_ALLOCATION_RATIO}
    return conf


def merge(conf, *overrides):
    """conf with each {section: {key: value}} laid over it, in order."""
    for override in overrides:
        for section, values in override.items():
            conf.setdefault(section, {}).update(values)
    return conf


def compute(host, shelved_offload_time=s.DEFAULT_SHELVED_OFFLOAD_TIME,
            virt=s.DEFAULT_VIRT):
    conf = _common(compute_state(host), shelved_offload_time)
    conf['DEFAULT'].update({
        'host': host,
        'compute_driver': 'fake.FakeDriverWithoutFakeNodes',
        'instances_path': os.path.join(compute_state(host), 'instances'),
        # Resource tracker period: usage in Placement converges in ~20 s
        # after a compute comes back instead of the default 60 s.
        'update_resources_interval': s.UPDATE_RESOURCES_INTERVAL,
        # Ratios of 1.0: free capacity is exactly total - reserved - used,
        # never capped by max_unit, so the capacity-reuse scenario's
        # whole-host flavor fails on a single leaked unit of any class.
        'cpu_allocation_ratio': 1.0,
        'ram_allocation_ratio': 1.0,
        'disk_allocation_ratio': 1.0,
        'vif_plugging_is_fatal': False,
        'vif_plugging_timeout': 0,
    })
    conf['placement']['username'] = 'nova'
    conf['neutron']['username'] = 'nova'
    if virt == 'libvirt':
        merge(conf, libvirt.nova_settings(host), libvirt_settings(host))
    return conf


def path(name):
    return configs.etc('nova', name + '.conf')


def write_all(shelved_offload_time=s.DEFAULT_SHELVED_OFFLOAD_TIME,
              virt=s.DEFAULT_VIRT):
    """Every nova config file.

    A running service started with other contents is restarted by `up`'s
    next launch of it (procs.launch compares the files' digest): another
    --virt restarts both computes on the other driver.
    """
    util.write(path('nova'), inifile.render(controller(shelved_offload_time),
                                            inifile.GENERATED))
    shutil.copyfile(configs.venv_etc('nova', 'api-paste.ini'),
                    configs.etc('nova', 'api-paste.ini'))
    os.makedirs(os.path.join(configs.data('nova'), 'locks'), exist_ok=True)
    for host in s.COMPUTE_HOSTS:
        util.write(path(host), inifile.render(
            compute(host, shelved_offload_time, virt), inifile.GENERATED))
        os.makedirs(os.path.join(compute_state(host), 'locks'),
                    exist_ok=True)
