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
from tempest.lib.services.placement import placement_client

from allocation_tempest_plugin.services.placement import base
from allocation_tempest_plugin.services.schemas import placement as schemas


class AllocationsClient(base.PlacementClient,
                        placement_client.PlacementClient):
    """A consumer's allocations (Tempest names, stricter schemas)."""

    def list_allocations(self, consumer_uuid):
        """GET /allocations/{consumer_uuid}: {} for an unknown consumer."""
        return self._request_validated(
            'list_allocations', 'GET', '/allocations/%s' % consumer_uuid,
            schemas.list_allocations)

    def update_allocations(self, consumer_uuid, allocations, project_id,
                           user_id, consumer_generation=None):
        """PUT /allocations/{consumer_uuid} (1.28 body; 204, no body).

        allocations maps provider uuid to {resource class: amount};
        consumer_generation is None for a consumer Placement does not know.
        """
        body = {'allocations': {rp: {'resources': resources}
                                for rp, resources in allocations.items()},
                'project_id': project_id, 'user_id': user_id,
                'consumer_generation': consumer_generation}
        return self._request_validated(
            'update_allocations', 'PUT', '/allocations/%s' % consumer_uuid,
            None, body=json.dumps(body), expected_status=204)

    def delete_allocations(self, consumer_uuid):
        """DELETE /allocations/{consumer_uuid} (204; 404 if it holds none)."""
        return self._request_validated(
            'delete_allocations', 'DELETE',
            '/allocations/%s' % consumer_uuid, None, expected_status=204)
