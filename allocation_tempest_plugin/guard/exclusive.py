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

"""Whether a disabled host holds anything the test does not own.

Checked after the host is disabled (nothing new is scheduled there
from then on), before it is forced down. Two sources, because neither is
complete alone: the provider's allocations in Placement also show a
build not yet assigned to the host, a migration or evacuation coming in
(the migration's uuid holds the source side, the server's the
destination), and consumers Nova does not know; the server listing shows
servers whose allocations are gone or elsewhere. "Own" means the servers
and migrations this test created, not its project: with pre-provisioned
credentials the admin project holds real servers.
"""

from allocation_tempest_plugin.reads import paging


def _resources(resources):
    return ', '.join('%s=%s' % item for item in sorted(resources.items()))


def foreign_findings(host, provider_allocations, servers_on_host,
                     own_server_ids, own_migration_uuids=()):
    """Human-readable lines, one per foreign consumer or server.

    provider_allocations: {consumer uuid: resources} on host's provider
    (reads/allocations.py on_provider); servers_on_host: every server an
    admin all-tenants listing filtered by host returned, all pages
    followed.
    """
    own = set(own_server_ids) | set(own_migration_uuids)
    servers = {server['id']: server for server in servers_on_host}
    findings = []
    for consumer, resources in sorted(provider_allocations.items()):
        if consumer in own:
            continue
        server = servers.get(consumer)
        if server is not None:
            findings.append(
                'server %s (%s) of project %s, %s, holds %s on %s' % (
                    consumer, server.get('name'), server.get('tenant_id'),
                    server.get('status'), _resources(resources), host))
        else:
            findings.append(
                'consumer %s holds %s on %s\'s provider and is not a '
                'server listed there (a build not yet on a host, a '
                'migration or evacuation, or unknown to Nova; see '
                '"openstack resource provider allocation show %s")' % (
                    consumer, _resources(resources), host, consumer))
    for server_id, server in sorted(servers.items()):
        if server_id in own or server_id in provider_allocations:
            continue
        findings.append('server %s (%s) of project %s, %s, runs on %s' % (
            server_id, server.get('name'), server.get('tenant_id'),
            server.get('status'), host))
    return findings


def servers_on_host(servers_client, host, page_size=1000):
    """Every server on host, all projects, following every page.

    Nova pages at [api] max_limit (1000 by default) even without a
    limit; reads/paging.py follows the pages to the empty one.
    """
    return list(paging.items(servers_client.list_servers, 'servers',
                             page_size, detail=True, all_tenants=True,
                             host=host))
