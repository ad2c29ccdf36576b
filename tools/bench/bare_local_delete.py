"""The API calls of a local-delete test, bare, on keystoneauth.

One function per server state, each making the same calls in the same
order as the plugin's test (host choice, baseline, boot, state change,
guard, delete, three-level check, restore), polling at the same interval
Tempest uses. What it costs is the floor the plugin is measured against.
"""

import time
import uuid

from keystoneauth1 import identity
from keystoneauth1 import session as ks_session

COMPUTE = {'OpenStack-API-Version': 'compute 2.74'}
SERVICES = {'OpenStack-API-Version': 'compute 2.53'}
PLACEMENT = {'OpenStack-API-Version': 'placement 1.28'}


class Cloud(object):
    """Admin session and endpoints, from the tempest.conf in use.

    The login is the one every tool makes (cmd/admin.py: [auth] admin_*,
    [identity] uri_v3); the calls after it are keystoneauth's alone.
    """

    def __init__(self):
        from tempest import config

        from allocation_tempest_plugin.cmd import admin

        conf = config.CONF
        credentials = admin.credentials()
        self.auth_args = dict(
            auth_url=conf.identity.uri_v3,
            username=credentials.username,
            password=credentials.password,
            project_name=credentials.project_name,
            user_domain_name=credentials.user_domain_name,
            project_domain_name=credentials.project_domain_name)
        self.new_token()
        self.image = conf.compute.image_ref
        self.flavor = conf.compute.flavor_ref
        self.flavor_alt = conf.compute.flavor_ref_alt
        self.interval = float(conf.compute.build_interval)
        self.nova = self.session.get_endpoint(service_type='compute',
                                              interface='public')
        self.placement = self.session.get_endpoint(
            service_type='placement', interface='public')
        self.calls = 0

    def new_token(self):
        """A new session and token, as every test process starts with.

        Each service's keystonemiddleware validates a token it has not seen
        against Keystone once (about 0.5 s per service on the local cloud);
        a plugin test always runs with a new token, so the bare sequence
        does too.
        """
        self.session = ks_session.Session(
            auth=identity.Password(**self.auth_args))
        self.project_id = self.session.get_project_id()

    def call(self, method, base, path, headers, json=None, ok=(200,)):
        self.calls += 1
        response = self.session.request(
            base + path, method, headers=headers, json=json,
            raise_exc=False)
        if response.status_code not in ok:
            raise RuntimeError('%s %s: %s %s' % (method, path,
                                                 response.status_code,
                                                 response.text[:300]))
        return response.json() if response.content else {}

    def poll(self, probe, done, timeout=300):
        # Tempest's pattern: look at once, then every build_interval; the
        # plugin's own wait, so both sides of the bench wait alike.
        from allocation_tempest_plugin.reads import polling

        return polling.wait_for(probe, done, timeout, self.interval,
                                'a condition of the bare sequence')


def _service(cloud, host):
    return cloud.call('GET', cloud.nova,
                      '/os-services?binary=nova-compute&host=%s' % host,
                      SERVICES)['services'][0]


def _server(cloud, server_id):
    return cloud.call('GET', cloud.nova, '/servers/%s' % server_id,
                      COMPUTE)['server']


def _wait_status(cloud, server_id, status):
    cloud.poll(lambda: _server(cloud, server_id),
               lambda s: s['status'] == status)


def _choose_host(cloud):
    services = cloud.call('GET', cloud.nova,
                          '/os-services?binary=nova-compute',
                          SERVICES)['services']
    host = sorted(s['host'] for s in services
                  if s['status'] == 'enabled' and s['state'] == 'up')[0]
    cloud.call('GET', cloud.nova,
               '/servers/detail?all_tenants=True&host=%s' % host, COMPUTE)
    return host


def _provider(cloud, host):
    for hypervisor in cloud.call('GET', cloud.nova, '/os-hypervisors/detail',
                                 COMPUTE)['hypervisors']:
        if hypervisor['service']['host'] == host:
            return hypervisor['id']


def _baseline(cloud, rp):
    cloud.call('GET', cloud.placement,
               '/resource_providers/%s/allocations' % rp, PLACEMENT)
    return cloud.call('GET', cloud.placement,
                      '/resource_providers/%s/usages' % rp,
                      PLACEMENT)['usages']


def _boot(cloud, host):
    server = cloud.call('POST', cloud.nova, '/servers', COMPUTE, json={
        'server': {'name': 'bench-%s' % uuid.uuid4().hex[:8],
                   'imageRef': cloud.image, 'flavorRef': cloud.flavor,
                   'networks': 'none', 'host': host}}, ok=(202,))['server']
    _wait_status(cloud, server['id'], 'ACTIVE')
    _server(cloud, server['id'])
    return server['id']


def _action(cloud, server_id, body, status):
    cloud.call('POST', cloud.nova, '/servers/%s/action' % server_id,
               COMPUTE, json=body, ok=(202,))
    _wait_status(cloud, server_id, status)


def _disrupt(cloud, host):
    cloud.call('GET', cloud.nova, '/os-services?binary=nova-compute',
               SERVICES)
    cloud.call('GET', cloud.nova,
               '/servers/detail?all_tenants=True&host=%s' % host, COMPUTE)
    service = _service(cloud, host)
    cloud.call('PUT', cloud.nova, '/os-services/%s' % service['id'],
               SERVICES, json={'status': 'disabled',
                               'disabled_reason': 'bench'})
    cloud.call('PUT', cloud.nova, '/os-services/%s' % service['id'],
               SERVICES, json={'forced_down': True})
    cloud.poll(lambda: _service(cloud, host), lambda s: s['state'] == 'down')
    return service['id']


def _delete_and_check(cloud, server_id, rp, usages_before):
    cloud.call('DELETE', cloud.nova, '/servers/%s' % server_id, COMPUTE,
               ok=(204,))

    def gone():
        response = cloud.session.get(cloud.nova + '/servers/%s' % server_id,
                                     headers=COMPUTE, raise_exc=False)
        cloud.calls += 1
        return response.status_code == 404
    cloud.poll(gone, bool)
    cloud.poll(lambda: cloud.call('GET', cloud.placement,
                                  '/allocations/%s' % server_id, PLACEMENT),
               lambda body: not body['allocations'])
    if usages_before is None:
        # Other servers of the story still hold: one read of each, as the
        # plugin's snapshot makes them.
        cloud.call('GET', cloud.placement,
                   '/resource_providers/%s/allocations' % rp, PLACEMENT)
        cloud.call('GET', cloud.placement,
                   '/usages?project_id=%s' % cloud.project_id, PLACEMENT)
        return
    cloud.poll(lambda: cloud.call('GET', cloud.placement,
                                  '/resource_providers/%s/usages' % rp,
                                  PLACEMENT)['usages'],
               lambda usages: usages == usages_before)
    cloud.poll(lambda: cloud.call('GET', cloud.placement,
                                  '/usages?project_id=%s' % cloud.project_id,
                                  PLACEMENT)['usages'],
               lambda usages: not any(usages.values()))


def _restore(cloud, host, service_id):
    cloud.call('PUT', cloud.nova, '/os-services/%s' % service_id, SERVICES,
               json={'status': 'enabled', 'forced_down': False})
    cloud.poll(lambda: _service(cloud, host),
               lambda s: s['state'] == 'up' and s['status'] == 'enabled')


STATE_CHANGES = {
    'ACTIVE': None,
    'SHUTOFF': ({'os-stop': None}, 'SHUTOFF'),
    'PAUSED': ({'pause': None}, 'PAUSED'),
    'ERROR': ({'os-resetState': {'state': 'error'}}, 'ERROR'),
    'SUSPENDED': ({'suspend': None}, 'SUSPENDED'),
    'RESCUE': ({'rescue': None}, 'RESCUE'),
    'SHELVED_OFFLOADED': ({'shelve': None}, 'SHELVED_OFFLOADED'),
}


def local_delete_verify_resize(cloud):
    """VERIFY_RESIZE: baselines of every host, resize, migration, delete."""
    calls_before = cloud.calls
    started = time.monotonic()
    host = _choose_host(cloud)
    services = cloud.call('GET', cloud.nova,
                          '/os-services?binary=nova-compute',
                          SERVICES)['services']
    providers = {s['host']: _provider(cloud, s['host']) for s in services
                 if s['state'] == 'up'}
    baselines = {h: _baseline(cloud, rp) for h, rp in providers.items()}
    cloud.call('GET', cloud.placement,
               '/usages?project_id=%s' % cloud.project_id, PLACEMENT)
    server_id = _boot(cloud, host)
    _action(cloud, server_id, {'resize': {'flavorRef': cloud.flavor_alt}},
            'VERIFY_RESIZE')
    cloud.call('GET', cloud.nova, '/os-migrations?instance_uuid=%s'
               '&migration_type=resize' % server_id, COMPUTE)
    destination = _server(cloud, server_id)['OS-EXT-SRV-ATTR:host']
    service_id = _disrupt(cloud, destination)
    try:
        _delete_and_check(cloud, server_id, providers[destination],
                          baselines[destination])
    finally:
        _restore(cloud, destination, service_id)
    return time.monotonic() - started, cloud.calls - calls_before


def local_delete(cloud, state):
    """The whole sequence for one state; returns (seconds, API calls)."""
    cloud.new_token()
    # Untimed, like the test class's setup, which reads its flavor with
    # the same new token: Nova has then already validated the token.
    cloud.call('GET', cloud.nova, '/flavors/%s' % cloud.flavor, COMPUTE)
    if state == 'VERIFY_RESIZE':
        return local_delete_verify_resize(cloud)
    calls_before = cloud.calls
    started = time.monotonic()
    host = _choose_host(cloud)
    rp = _provider(cloud, host)
    usages_before = _baseline(cloud, rp)
    cloud.call('GET', cloud.placement,
               '/usages?project_id=%s' % cloud.project_id, PLACEMENT)
    server_id = _boot(cloud, host)
    if STATE_CHANGES[state]:
        _action(cloud, server_id, *STATE_CHANGES[state])
    service_id = _disrupt(cloud, host)
    try:
        _delete_and_check(cloud, server_id, rp, usages_before)
    finally:
        _restore(cloud, host, service_id)
    return time.monotonic() - started, cloud.calls - calls_before


def local_delete_shared(cloud, states):
    """One server per state, one hold, each deleted and read at once.

    The same story as LocalDeleteTest's shared hold
    (serial_tests/shared_hold.py): one multi-create request onto the
    host, every state change sent before any is awaited, one force-down,
    then per state the reads right before its delete, the delete, and
    the reads right after. Returns (seconds, API calls).
    """
    cloud.new_token()
    cloud.call('GET', cloud.nova, '/flavors/%s' % cloud.flavor, COMPUTE)
    calls_before = cloud.calls
    started = time.monotonic()
    host = _choose_host(cloud)
    rp = _provider(cloud, host)
    name = 'bench-%s' % uuid.uuid4().hex[:8]
    cloud.call('POST', cloud.nova, '/servers', COMPUTE, json={
        'server': {'name': name, 'imageRef': cloud.image,
                   'flavorRef': cloud.flavor, 'networks': 'none',
                   'host': host, 'min_count': len(states),
                   'max_count': len(states)}}, ok=(202,))
    servers = [server['id'] for server in cloud.call(
        'GET', cloud.nova, '/servers', COMPUTE)['servers']
        if server['name'].startswith(name)]
    for server_id in servers:
        _wait_status(cloud, server_id, 'ACTIVE')
        cloud.call('GET', cloud.placement, '/allocations/%s' % server_id,
                   PLACEMENT)
    for state, server_id in zip(states, servers):
        if STATE_CHANGES[state]:
            cloud.call('POST', cloud.nova, '/servers/%s/action' % server_id,
                       COMPUTE, json=STATE_CHANGES[state][0], ok=(202,))
    for state, server_id in zip(states, servers):
        _wait_status(cloud, server_id, STATE_CHANGES[state][1]
                     if STATE_CHANGES[state] else 'ACTIVE')
        cloud.call('GET', cloud.placement, '/allocations/%s' % server_id,
                   PLACEMENT)
    service_id = _disrupt(cloud, host)
    try:
        for server_id in servers:
            _baseline(cloud, rp)
            cloud.call('GET', cloud.placement,
                       '/usages?project_id=%s' % cloud.project_id, PLACEMENT)
            _service(cloud, host)
            _delete_and_check(cloud, server_id, rp, None)
    finally:
        _restore(cloud, host, service_id)
    return time.monotonic() - started, cloud.calls - calls_before
