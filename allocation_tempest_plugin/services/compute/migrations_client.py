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

from tempest.lib.services.compute import base_compute_client

from allocation_tempest_plugin import microversions
from allocation_tempest_plugin.services import base
from allocation_tempest_plugin.services.schemas import compute_migrations


class MigrationsClient(base.ValidatingClient):
    """GET /os-migrations at compute API 2.59+, one page per call.

    2.59 gives each migration its uuid (the Placement consumer that holds
    the source's resources during a move) and pages by limit/marker.
    """

    version_header = 'OpenStack-API-Version'
    version_format = 'compute %s'
    default_microversion = microversions.MIGRATION_UUIDS

    @staticmethod
    def tempest_microversion():
        return base_compute_client.COMPUTE_MICROVERSION

    def list_migrations(self, **filters):
        """GET /os-migrations with filters such as limit= and marker=."""
        return self._request_validated(
            'list_migrations', 'GET', '/os-migrations',
            compute_migrations.list_migrations, params=filters)
