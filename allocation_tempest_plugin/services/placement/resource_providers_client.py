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
from tempest.lib.services.placement import resource_providers_client

from allocation_tempest_plugin.services.placement import base
from allocation_tempest_plugin.services.schemas import placement as schemas


class ResourceProvidersClient(
        base.PlacementClient,
        resource_providers_client.ResourceProvidersClient):
    """Resource providers, with Tempest's method names and strict schemas.

    Tempest's own client has no schemas and no per-provider allocations.
    """

    def list_resource_providers(self, **filters):
        """GET /resource_providers with filters such as name= or uuid=."""
        return self._request_validated(
            'list_resource_providers', 'GET', '/resource_providers',
            schemas.list_resource_providers, params=filters)

    def list_resource_provider_allocations(self, rp_uuid):
        """GET /resource_providers/{uuid}/allocations, by consumer."""
        return self._request_validated(
            'list_resource_provider_allocations', 'GET',
            '/resource_providers/%s/allocations' % rp_uuid,
            schemas.list_resource_provider_allocations)

    def list_resource_provider_inventories(self, rp_uuid):
        """GET /resource_providers/{uuid}/inventories."""
        return self._request_validated(
            'list_resource_provider_inventories', 'GET',
            '/resource_providers/%s/inventories' % rp_uuid,
            schemas.list_resource_provider_inventories)

    def list_resource_provider_traits(self, rp_uuid):
        """GET /resource_providers/{uuid}/traits."""
        return self._request_validated(
            'list_resource_provider_traits', 'GET',
            '/resource_providers/%s/traits' % rp_uuid,
            schemas.list_resource_provider_traits)

    def list_resource_provider_usages(self, rp_uuid):
        """GET /resource_providers/{uuid}/usages, per resource class."""
        return self._request_validated(
            'list_resource_provider_usages', 'GET',
            '/resource_providers/%s/usages' % rp_uuid,
            schemas.list_resource_provider_usages)
