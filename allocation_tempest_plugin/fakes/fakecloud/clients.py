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

"""In-process clients with Tempest's method names over the fake cloud.

Query values become strings as urlencode makes them; errors become
Tempest's exceptions. Every call is recorded in calls, for tests that
count what a lookup reads.
"""

from tempest.lib import exceptions as lib_exc

from allocation_tempest_plugin.fakes.fakecloud import nova

ERRORS = {400: lib_exc.BadRequest, 403: lib_exc.Forbidden,
          404: lib_exc.NotFound, 409: lib_exc.Conflict,
          500: lib_exc.ServerFault}


class _Client(object):
    prefix = ''

    def __init__(self, cloud, calls, context):
        self.cloud = cloud
        self.calls = calls
        self.context = context

    def _get(self, service, path, params):
        query = {k: str(v) for k, v in params.items()}
        self.calls.append((path, query))
        status, body = service(self.context, 'GET', path, query, None)
        if status in ERRORS:
            raise ERRORS[status](body)
        return body


class HypervisorClient(_Client):
    def list_hypervisors(self, detail=False, **params):
        return self._get(self.cloud.nova.handle, '/os-hypervisors%s' % (
            '/detail' if detail else ''), params)

    def show_hypervisor(self, hypervisor_id):
        return self._get(self.cloud.nova.handle,
                         '/os-hypervisors/%s' % hypervisor_id, {})


class ServersClient(_Client):
    def list_servers(self, detail=False, **params):
        return self._get(self.cloud.nova.handle, '/servers%s' % (
            '/detail' if detail else ''), params)

    def show_server(self, server_id):
        return self._get(self.cloud.nova.handle, '/servers/%s' % server_id,
                         {})


class MigrationsClient(_Client):
    def list_migrations(self, **params):
        return self._get(self.cloud.nova.handle, '/os-migrations', params)


class ServicesClient(_Client):
    def list_services(self, **params):
        return self._get(self.cloud.nova.handle, '/os-services', params)


class ResourceProvidersClient(_Client):
    def list_resource_providers(self, **params):
        return self._get(
            lambda c, *a: self.cloud.placement.handle(*a),
            '/resource_providers', params)


class PlacementClient(object):
    """The plugin's Placement clients' reads and delete, over a Placement.

    One object for the allocations, resource providers and usages clients
    the placement checks and the audit take as arguments.
    """

    def __init__(self, placement):
        self.placement = placement

    def _call(self, method, path, params=None):
        status, body = self.placement.handle(
            method, path, {k: str(v) for k, v in (params or {}).items()},
            None)
        if status in ERRORS:
            raise ERRORS[status](body)
        return body

    def list_allocations(self, consumer_uuid):
        return self._call('GET', '/allocations/%s' % consumer_uuid)

    def delete_allocations(self, consumer_uuid):
        return self._call('DELETE', '/allocations/%s' % consumer_uuid)

    def list_resource_providers(self, **params):
        return self._call('GET', '/resource_providers', params)

    def list_resource_provider_allocations(self, rp_uuid):
        return self._call('GET', '/resource_providers/%s/allocations'
                          % rp_uuid)

    def list_usages(self, project_id):
        return self._call('GET', '/usages', {'project_id': project_id})


def admin_clients(cloud, microversion='2.74'):
    """(calls, {name: client}) for an admin at microversion."""
    calls = []
    context = nova.Context('admin-project', 'admin', True, microversion)
    return calls, {
        'hypervisors': HypervisorClient(cloud, calls, context),
        'servers': ServersClient(cloud, calls, context),
        'services': ServicesClient(cloud, calls, context),
        'migrations': MigrationsClient(cloud, calls, context),
        'providers': ResourceProvidersClient(cloud, calls, context)}
