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

"""Which compute host a destructive test may disrupt."""

from allocation_tempest_plugin.common import compute_services

# Owned by common/compute_services.py; kept here for existing callers.
COMPUTE_BINARY = compute_services.BINARY
is_available = compute_services.is_available


def foreign_servers(servers_on_host, own_project_ids):
    """Servers on the host that belong to a project other than the test's."""
    return [server for server in servers_on_host
            if server['tenant_id'] not in own_project_ids]


def choose_host(services, disruptable_hosts, servers_on, own_project_ids):
    """(host, None) for the first host that qualifies, else (None, why).

    services: the nova-compute services; servers_on(host): every server on
    it across all projects, listed just before the choice.
    """
    candidates = sorted((s for s in services if is_available(s)),
                        key=lambda s: s['host'])
    if disruptable_hosts:
        candidates = [s for s in candidates
                      if s['host'] in disruptable_hosts]
        if not candidates:
            return None, ('none of [allocation] disruptable_hosts %s has an '
                          'up and enabled nova-compute service' %
                          sorted(disruptable_hosts))
        return candidates[0]['host'], None
    if not candidates:
        return None, 'no nova-compute service is up and enabled'
    refused = []
    for service in candidates:
        others = foreign_servers(servers_on(service['host']),
                                 own_project_ids)
        if not others:
            return service['host'], None
        refused.append('%s runs %d server(s) of other projects' % (
            service['host'], len(others)))
    return None, ('no compute host is free of other projects\' servers (%s); '
                  'set [allocation] disruptable_hosts to hosts the tests '
                  'may disrupt' % '; '.join(refused))


def first_available_host(services_client):
    """The first up and enabled compute host by name, or None."""
    services = services_client.list_services(
        binary=COMPUTE_BINARY)['services']
    available = sorted(s['host'] for s in services if is_available(s))
    return available[0] if available else None


def provider_for_host(hypervisor_client, host):
    """The compute node provider uuid of host, or None.

    From compute API 2.53 a hypervisor's id is its compute node's uuid,
    which is the uuid of its resource provider in Placement.
    """
    hypervisors = hypervisor_client.list_hypervisors(
        detail=True)['hypervisors']
    for hypervisor in hypervisors:
        if hypervisor['service']['host'] == host:
            return hypervisor['id']
    return None
