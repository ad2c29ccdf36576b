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
from allocation_tempest_plugin.services.placement import base
from allocation_tempest_plugin.services.schemas import placement as schemas


class UsagesClient(base.PlacementClient):
    """A project's (and user's) usage; Tempest has no client for it."""

    def list_usages(self, project_id, user_id=None):
        """GET /usages?project_id=[&user_id=] (microversion >= 1.9)."""
        params = {'project_id': project_id}
        if user_id:
            params['user_id'] = user_id
        return self._request_validated(
            'list_usages', 'GET', '/usages', schemas.list_usages,
            params=params)
