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

from oslo_serialization import jsonutils as json
from tempest.lib.services.compute import base_compute_client
from tempest.lib.services.compute import services_client

from allocation_tempest_plugin import microversions
from allocation_tempest_plugin.services import base
from allocation_tempest_plugin.services.schemas import compute_services


class ComputeServicesClient(base.ValidatingClient,
                            services_client.ServicesClient):
    """os-services at compute API 2.53+.

    From 2.53 services have UUIDs and one PUT changes status,
    disabled_reason and forced_down.
    """

    version_header = 'OpenStack-API-Version'
    version_format = 'compute %s'
    default_microversion = microversions.SERVICE_UUIDS

    @staticmethod
    def tempest_microversion():
        return base_compute_client.COMPUTE_MICROVERSION

    def list_services(self, **filters):
        """GET /os-services with filters such as binary= and host=."""
        return self._request_validated(
            'list_services', 'GET', '/os-services',
            compute_services.list_services, params=filters)

    def update_service(self, service_id, **fields):
        """PUT /os-services/{id}: status, disabled_reason, forced_down."""
        return self._request_validated(
            'update_service', 'PUT', '/os-services/%s' % service_id,
            compute_services.update_service, body=json.dumps(fields))

    def delete_service(self, service_id):
        """DELETE /os-services/{id} (204); only the guard may call it."""
        return self._request_validated(
            'delete_service', 'DELETE', '/os-services/%s' % service_id,
            None, expected_status=204)
