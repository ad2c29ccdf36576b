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

from allocation_tempest_plugin import microversions
from allocation_tempest_plugin.services import base
from allocation_tempest_plugin.services.schemas import identity


class ProjectsClient(base.ValidatingClient):
    """Keystone v3 projects, validated (Tempest's client validates none).

    Keystone has no microversions: the one schema range starts at 3.0
    and no version header is sent.
    """

    api_version = 'v3'
    default_microversion = microversions.IDENTITY_V3

    def _version_headers(self, microversion):
        return {}

    def show_project(self, project_id):
        """GET /v3/projects/{id}: 404 once the project is deleted."""
        return self._request_validated(
            'show_project', 'GET', '/projects/%s' % project_id,
            identity.show_project)
