# Licensed under the Apache License, Version 2.0 (the "License"); you may
# not use this file except in compliance with the License. You may obtain
# a copy of the License at
#
#      http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
# WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the
# License for the specific language governing permissions and limitations
# under the License.

"""The fake Placement, a Nova and a Keystone for the audit's unit tests.

Placement is fakes/fakecloud/placement.py's; the servers, migrations and
projects are the audit's scenario. It answers like the real services at
the audit's microversions (Placement 1.28, compute 2.59), and checks
every answer against the schema the real client validates with (the
plugin's for Placement, migrations and projects, Tempest's for servers),
so the fake cannot drift from what a cloud sends:
- GET /allocations/{unknown} answers {"allocations": {}}, no project;
- listings page like Nova: at most min(limit, max_limit) items, a
  rel=next link only when the page is full, 400 for an unknown marker;
- deleted servers are not listed; a deleted project is 404.
It counts calls and the bytes it answered, for the cost measurement.
"""

import collections
import copy
import json
import uuid

import jsonschema
from tempest.lib.api_schema.response.compute.v2_58 import \
    servers as tempest_servers
from tempest.lib import exceptions as lib_exc

from allocation_tempest_plugin.audit import snapshot
from allocation_tempest_plugin.fakes.fakecloud import clients as fakeclients
from allocation_tempest_plugin.fakes.fakecloud import placement as \
    fake_placement
from allocation_tempest_plugin.services.schemas import compute_migrations
from allocation_tempest_plugin.services.schemas import identity
from allocation_tempest_plugin.services.schemas import placement
from allocation_tempest_plugin.services import validation

PLACEMENT = '1.28'
COMPUTE = '2.59'
NOVA = 'http://127.0.0.1:8774/v2.1'
TIMESTAMP = '2026-11-25T12:00:00Z'


def flavor(name='m1.tiny', vcpus=1, ram=128, disk=1, ephemeral=0, swap=0,
           extra_specs=None):
    """A flavor as a server embeds it from compute API 2.47."""
    return {'original_name': name, 'vcpus': vcpus, 'ram': ram,
            'disk': disk, 'ephemeral': ephemeral, 'swap': swap,
            'extra_specs': dict(extra_specs or {})}


def claim(flavor_view, volume_backed=False):
    """What Nova claims for a plain flavor (no resources: extra specs)."""
    resources = {'VCPU': flavor_view['vcpus'],
                 'MEMORY_MB': flavor_view['ram']}
    disk = flavor_view['ephemeral'] + -(-flavor_view['swap'] // 1024) + (
        0 if volume_backed else flavor_view['disk'])
    if disk:
        resources['DISK_GB'] = disk
    return resources


def check(schema, body):
    error = jsonschema.exceptions.best_match(
        jsonschema.Draft4Validator(schema).iter_errors(body))
    if error is not None:
        raise AssertionError('the fake answered what the real service '
                             'would not: %s at %s' % (error.message,
                                                      error.json_path))
    return body


def _versioned(schemas, version):
    return validation.select_schema(schemas, version)


def _page(items, key, url, params, id_key, max_limit):
    limit = min(int(params.get('limit', max_limit)), max_limit)
    start = 0
    marker = params.get('marker')
    if marker:
        ids = [item[id_key] for item in items]
        if marker not in ids:
            raise lib_exc.BadRequest('marker [%s] not found' % marker)
        start = ids.index(marker) + 1
    page = items[start:start + limit]
    body = {key: page}
    if page and len(page) == limit:
        body[key + '_links'] = [{
            'rel': 'next',
            'href': '%s?limit=%d&marker=%s' % (url, limit,
                                               page[-1][id_key])}]
    return body


class FakeCloud(object):
    """State of the fake cloud and its clients (see the module)."""

    def __init__(self, max_limit=1000, validate=True):
        self.max_limit = max_limit
        # Off only to time big clouds: jsonschema is slower than the
        # audit itself.
        self.validate = validate
        self.placement = fake_placement.Placement()
        self._placement_client = fakeclients.PlacementClient(self.placement)
        self.servers = collections.OrderedDict()     # uuid -> API view
        self.migrations = collections.OrderedDict()  # uuid -> API view
        self.projects = {}      # id -> name
        self.calls = collections.Counter()
        self.bytes = 0
        self._migration_ids = 0
        self.clients = snapshot.Clients(resource_providers=self,
                                        allocations=self, servers=self,
                                        migrations=self)

    def _check(self, schema, body):
        return check(schema, body) if self.validate else body

    def _answer(self, call, body):
        # Over the wire and back, as a real client gets it.
        raw = json.dumps(body)
        self.calls[call] += 1
        self.bytes += len(raw)
        return json.loads(raw)

    # -- building the cloud ------------------------------------------------

    def add_provider(self, name, parent=None):
        rp_uuid = str(uuid.uuid4())
        self.placement.add_provider(rp_uuid, name, parent=parent)
        return rp_uuid

    def provider_of(self, node):
        return self.placement.by_name[node]

    def add_project(self, name):
        project_id = uuid.uuid4().hex
        self.projects[project_id] = name
        return project_id

    def allocate(self, consumer, project_id, rp_uuid, resources,
                 user_id='u1'):
        self.placement.allocate(consumer, rp_uuid, resources, project_id,
                                user_id)

    def free(self, consumer, rp_uuid=None):
        self.placement.free(consumer, rp_uuid)

    def boot(self, node, project_id, flavor_view=None, name=None,
             volume_backed=False, allocate=True, **fields):
        """A server on node holding its flavor there, as Nova leaves it."""
        flavor_view = flavor_view or flavor()
        server_uuid = str(uuid.uuid4())
        self.servers[server_uuid] = self._server_view(
            server_uuid, name or 'server-%s' % server_uuid[:8], node,
            project_id, flavor_view, volume_backed, **fields)
        if allocate and node:
            self.allocate(server_uuid, project_id, self.provider_of(node),
                          claim(flavor_view, volume_backed))
        return server_uuid

    def _server_view(self, server_uuid, name, node, project_id, flavor_view,
                     volume_backed, status='ACTIVE', task_state=None):
        return {
            'id': server_uuid, 'name': name, 'status': status,
            'tenant_id': project_id, 'user_id': 'u1', 'metadata': {},
            'hostId': 'h' if node else '', 'created': TIMESTAMP,
            'updated': TIMESTAMP, 'addresses': {}, 'tags': [],
            'description': None, 'locked': False,
            'links': [{'rel': 'self', 'href': '%s/servers/%s'
                       % (NOVA, server_uuid)}],
            'image': '' if volume_backed else {
                'id': 'f0e1d2c3-b4a5-4697-8899-aabbccddeeff',
                'links': [{'rel': 'bookmark', 'href': 'http://image'}]},
            'flavor': copy.deepcopy(flavor_view),
            'OS-EXT-SRV-ATTR:host': node, 'OS-EXT-SRV-ATTR:hypervisor_'
            'hostname': node, 'OS-EXT-STS:task_state': task_state,
            'OS-EXT-STS:vm_state': status.lower(),
            'OS-EXT-STS:power_state': 1,
        }

    def delete_server(self, server_uuid, free=True):
        """Nova deletes the server; free=False is the leak under test."""
        del self.servers[server_uuid]
        if free:
            self.free(server_uuid)

    def migrate(self, server_uuid, dest_node, status='finished',
                migration_type='resize', new_flavor=None):
        """A move in progress: the migration's uuid holds the source."""
        server = self.servers[server_uuid]
        source_node = server['OS-EXT-SRV-ATTR:hypervisor_hostname']
        migration_uuid = str(uuid.uuid4())
        self._migration_ids += 1
        self.migrations[migration_uuid] = {
            'id': self._migration_ids, 'uuid': migration_uuid,
            'status': status, 'instance_uuid': server_uuid,
            'source_node': source_node, 'source_compute': source_node,
            'dest_node': dest_node, 'dest_compute': dest_node,
            'dest_host': '127.0.0.1', 'old_instance_type_id': 1,
            'new_instance_type_id': 2, 'created_at': TIMESTAMP,
            'updated_at': TIMESTAMP, 'migration_type': migration_type}
        source_rp = self.provider_of(source_node)
        held = self.placement.consumers[server_uuid]['allocations'][
            source_rp]
        # An evacuation's server consumer holds both nodes until the
        # source compute starts again (bug 1709902); other moves hand the
        # source to the migration's consumer.
        if migration_type != 'evacuation':
            self.free(server_uuid, source_rp)
            self.allocate(migration_uuid, server['tenant_id'], source_rp,
                          held)
        if new_flavor:
            server['flavor'] = copy.deepcopy(new_flavor)
        self.allocate(server_uuid, server['tenant_id'],
                      self.provider_of(dest_node), claim(server['flavor']))
        server['OS-EXT-SRV-ATTR:host'] = dest_node
        server['OS-EXT-SRV-ATTR:hypervisor_hostname'] = dest_node
        return migration_uuid

    def finish_migration(self, migration_uuid, status='confirmed',
                         free=True):
        self.migrations[migration_uuid]['status'] = status
        if free:
            self.free(migration_uuid)

    # -- the APIs --------------------------------------------------------

    def list_resource_providers(self, **filters):
        body = self._placement_client.list_resource_providers(**filters)
        self._check(_versioned(placement.list_resource_providers,
                               PLACEMENT), body)
        return self._answer('GET /resource_providers', body)

    def list_resource_provider_allocations(self, rp_uuid):
        body = self._placement_client.list_resource_provider_allocations(
            rp_uuid)
        self._check(_versioned(
            placement.list_resource_provider_allocations, PLACEMENT), body)
        return self._answer('GET /resource_providers/{uuid}/allocations',
                            body)

    def list_allocations(self, consumer):
        body = self._placement_client.list_allocations(consumer)
        self._check(_versioned(placement.list_allocations, PLACEMENT), body)
        return self._answer('GET /allocations/{consumer}', body)

    def list_servers(self, detail=False, **params):
        assert detail and params.get('all_tenants'), params
        body = _page(list(self.servers.values()), 'servers',
                     NOVA + '/servers/detail', params, 'id', self.max_limit)
        self._check(tempest_servers.list_servers_detail['response_body'],
                    body)
        return self._answer('GET /servers/detail', body)

    def list_migrations(self, **params):
        body = _page(list(self.migrations.values()), 'migrations',
                     NOVA + '/os-migrations', params, 'uuid',
                     self.max_limit)
        self._check(_versioned(compute_migrations.list_migrations,
                               COMPUTE), body)
        return self._answer('GET /os-migrations', body)

    def show_project(self, project_id):
        if project_id not in self.projects:
            self.calls['GET /v3/projects/{id}'] += 1
            raise lib_exc.NotFound('project %s' % project_id)
        body = {'project': {'id': project_id,
                            'name': self.projects[project_id],
                            'domain_id': 'default', 'enabled': True}}
        self._check(_versioned(identity.show_project, '3.0'), body)
        return self._answer('GET /v3/projects/{id}', body)
