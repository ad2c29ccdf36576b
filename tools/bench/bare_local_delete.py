"""The API calls of a local-delete test, bare, on Tempest's REST client.

One function per server state, each making the same calls in the same
order as the plugin's test (host choice, baseline, boot, state change,
guard, delete, three-level check, restore), polling at the same interval
Tempest uses. What it costs is the floor the plugin is measured against:
the plugin's login and HTTP stack, without its schemas and helpers.
"""

import json as jsonlib
import time
import uuid

from tempest.lib.common import rest_client
from tempest.lib import exceptions as lib_exc

from allocation_tempest_plugin import microversions
from allocation_tempest_plugin.reads import services

# The plugin's tests' microversions, sent per request as they send them.
COMPUTE = {'OpenStack-API-Version': 'compute %s' % microversions.BOOT_ON_HOST}
SERVICES = {'OpenStack-API-Version':
            'compute %s' % microversions.SERVICE_UUIDS}
PLACEMENT = {'OpenStack-API-Version':
             'placement %s' % microversions.CONSUMER_GENERATIONS}
# A server action's answer: 202, but rescue answers 200 with the rescue
# password (nova/api/openstack/compute/rescue.py).
ACCEPTED = (200, 202)


class Cloud(object):
    """Admin login and endpoints, from the tempest.conf in use.

    The login is the one every tool makes (cmd/admin.py: [auth] admin_*,
    the read layer's factory); the calls after it are bare: Tempest's
    REST client, no schema, no helper. nova and placement are those
    clients, each on its catalog endpoint.
    """

    def __init__(self):
        from tempest import config

        from allocation_tempest_plugin.cmd import admin

        conf = config.CONF
        self.auth_provider = admin.clients().auth_provider
        self.new_token()
        self.image = conf.compute.image_ref
        self.flavor = conf.compute.flavor_ref
        self.flavor_alt = conf.compute.flavor_ref_alt
        self.interval = float(conf.compute.build_interval)
        self.nova = rest_client.RestClient(self.auth_provider,
                                           **admin.client_params('compute'))
        self.placement = rest_client.RestClient(
            self.auth_provider, **admin.client_params('placement'))
        self.calls = 0

    def new_token(self):
        """A new token, as every test process starts with.

        Each service's keystonemiddleware validates a token it has not seen
        against Keystone once (about 0.5 s per service on the local cloud);
        a plugin test always runs with a new token, so the bare sequence
        does too.
        """
        self.auth_provider.clear_auth()
        self.auth_provider.set_auth()
        self.project_id = self.auth_provider.auth_data[1]['project']['id']

    def call(self, method, client, path, headers, json=None, ok=(200,)):
        """One request's JSON; an error status raises Tempest's error."""
        self.calls += 1
        response, body = client.request(
            method, path, extra_headers=True, headers=dict(headers),
            body=None if json is None else jsonlib.dumps(json))
        if response.status not in ok:
            raise RuntimeError('%s %s: %s %s' % (method, path,
                                                 response.status,
                                                 body[:300]))
        return jsonlib.loads(body) if body else {}

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
    listed = cloud.call('GET', cloud.nova, '/os-services?binary=nova-compute',
                        SERVICES)['services']
    host = sorted(s['host'] for s in listed if services.is_usable(s))[0]
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
               COMPUTE, json=body, ok=ACCEPTED)
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
        try:
            cloud.call('GET', cloud.nova, '/servers/%s' % server_id,
                       COMPUTE)
        except lib_exc.NotFound:
            return True
        return False
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
    cloud.poll(lambda: _service(cloud, host), services.is_usable)


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
    listed = cloud.call('GET', cloud.nova, '/os-services?binary=nova-compute',
                        SERVICES)['services']
    providers = {s['host']: _provider(cloud, s['host']) for s in listed
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
    try:
        _hold_and_delete(cloud, states, servers, host, rp)
    except BaseException:
        # A failed round must not leave its servers to fill the quota of
        # the rounds after it (the admin project's 10 instances).
        for server_id in servers:
            cloud.call('DELETE', cloud.nova, '/servers/%s' % server_id,
                       COMPUTE, ok=(204, 404))
        raise
    return time.monotonic() - started, cloud.calls - calls_before


def _hold_and_delete(cloud, states, servers, host, rp):
    """local_delete_shared from the servers' states to the restore."""
    for server_id in servers:
        _wait_status(cloud, server_id, 'ACTIVE')
        cloud.call('GET', cloud.placement, '/allocations/%s' % server_id,
                   PLACEMENT)
    for state, server_id in zip(states, servers):
        if STATE_CHANGES[state]:
            cloud.call('POST', cloud.nova, '/servers/%s/action' % server_id,
                       COMPUTE, json=STATE_CHANGES[state][0], ok=ACCEPTED)
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
