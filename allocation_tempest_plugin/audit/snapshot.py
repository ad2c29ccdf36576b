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

"""One picture of who holds what in Placement, and who should.

take(clients) reads, through validated clients:
- every resource provider once, and its allocations once;
- every consumer found there once (GET /allocations/{consumer}: its
  project and user, and what it holds on every provider);
- every live server of every project (all_tenants; Nova leaves deleted
  ones out), page by page, with its node and, from compute API 2.47,
  the flavor it embeds;
- the migrations that may hold allocations, page by page (2.59+: each
  has the uuid Placement knows it by).
The result is plain JSON: two pictures compare with no cloud at hand.
Its cost is one read per provider and per consumer plus one per page
of servers and of migrations (the empty page that ends each included).
"""

import collections
import datetime
import time

from allocation_tempest_plugin.reads import allocations
from allocation_tempest_plugin.reads import paging

FORMAT = 1
# Nova's [api] max_limit default: a page never holds more.
PAGE_SIZE = 1000

# Migration statuses after which the migration holds nothing in
# Placement (nova/db/main/api.py migration_get_in_progress_by_host_and_
# node). Nova also counts 'done' as finished, but a 'done' evacuation
# still holds the source's resources under the server's own consumer
# until the source compute starts again (bugs 1709902, 1721652).
FINISHED_MIGRATION = frozenset(['confirmed', 'reverted', 'error', 'failed',
                                'completed', 'cancelled'])

Clients = collections.namedtuple(
    'Clients', ['resource_providers', 'allocations', 'servers',
                'migrations'])


def _providers(clients, reads):
    body = clients.resource_providers.list_resource_providers()
    reads['resource_providers'] += 1
    providers = {}
    for provider in body['resource_providers']:
        held = allocations.on_provider(clients.resource_providers,
                                       provider['uuid'])
        reads['provider_allocations'] += 1
        providers[provider['uuid']] = {
            'name': provider['name'],
            'root': provider.get('root_provider_uuid', provider['uuid']),
            'allocations': held,
        }
    return providers


def _consumers(clients, providers, reads):
    consumers = {}
    uuids = set()
    for provider in providers.values():
        uuids.update(provider['allocations'])
    for consumer in sorted(uuids):
        body = clients.allocations.list_allocations(consumer)
        reads['consumers'] += 1
        consumers[consumer] = {
            # Absent when the consumer went away since its provider was
            # read: then it holds nothing anywhere.
            'project_id': body.get('project_id'),
            'user_id': body.get('user_id'),
            'allocations': allocations.by_provider(body),
        }
    return consumers


def _flavor(server):
    flavor = server.get('flavor') or {}
    return {key: flavor.get(key) for key in
            ('original_name', 'vcpus', 'ram', 'disk', 'ephemeral', 'swap',
             'extra_specs')}


def _all_pages(reads, counter, *args, **kwargs):
    """Every item of a paged listing; each page read counted in reads."""
    listed = []
    for page in paging.pages(*args, **kwargs):
        reads[counter] += 1
        listed.extend(page)
    return listed


def _servers(clients, reads, page_size):
    listed = _all_pages(reads, 'server_pages', clients.servers.list_servers,
                        'servers', page_size, detail=True, all_tenants=True)
    servers = {}
    for server in listed:
        servers[server['id']] = {
            'name': server.get('name'),
            'project_id': server.get('tenant_id'),
            'user_id': server.get('user_id'),
            'status': server.get('status'),
            'task_state': server.get('OS-EXT-STS:task_state'),
            'host': server.get('OS-EXT-SRV-ATTR:host'),
            # The node is the compute node's provider name in Placement.
            'node': server.get('OS-EXT-SRV-ATTR:hypervisor_hostname'),
            'flavor': _flavor(server),
            # Nova shows image "" for a volume-backed server and then
            # claims no DISK_GB for its root disk.
            'volume_backed': server.get('image') in ('', None),
        }
    return servers


def _migrations(clients, reads, page_size):
    # Nova takes a migration's uuid as marker (2.59+), not its id.
    listed = _all_pages(reads, 'migration_pages',
                        clients.migrations.list_migrations, 'migrations',
                        page_size, marker_key='uuid')
    return {
        migration['uuid']: {
            'instance_uuid': migration['instance_uuid'],
            'status': migration['status'],
            'type': migration.get('migration_type'),
            'source_node': migration['source_node'],
            'dest_node': migration['dest_node'],
            'source_compute': migration['source_compute'],
            'dest_compute': migration['dest_compute'],
        }
        for migration in listed
        if migration['status'] not in FINISHED_MIGRATION}


def take(clients, microversions=None, page_size=PAGE_SIZE, now=None):
    """The picture as a dict (see the module's docstring)."""
    started = time.monotonic()
    reads = collections.Counter(resource_providers=0,
                                provider_allocations=0, consumers=0,
                                server_pages=0, migration_pages=0)
    # The reads are not one transaction: a server booted or deleted
    # while they run can look like a finding. Compare after the run.
    servers = _servers(clients, reads, page_size)
    migrations = _migrations(clients, reads, page_size)
    providers = _providers(clients, reads)
    consumers = _consumers(clients, providers, reads)
    taken_at = now or datetime.datetime.now(datetime.timezone.utc)
    return {
        'format': FORMAT,
        'taken_at': taken_at.isoformat(),
        'microversions': dict(microversions or {}),
        'providers': providers,
        'consumers': consumers,
        'servers': servers,
        'migrations': migrations,
        'reads': dict(reads),
        'seconds': round(time.monotonic() - started, 3),
    }


def empty(microversions=None, now=None):
    """The picture of a cloud that does not exist yet.

    For a single-use node (a Zuul devstack job) whose pre-run comes
    before the cloud is deployed: Placement held nothing then, so every
    allocation found after the run appeared during the job.
    """
    taken_at = now or datetime.datetime.now(datetime.timezone.utc)
    return {'format': FORMAT, 'taken_at': taken_at.isoformat(),
            'microversions': dict(microversions or {}), 'providers': {},
            'consumers': {}, 'servers': {}, 'migrations': {}, 'reads': {},
            'seconds': 0, 'empty': True}
