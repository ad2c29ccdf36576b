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
from tempest.lib.services.placement import base_placement_client

from allocation_tempest_plugin import microversions
from allocation_tempest_plugin.services import base


class PlacementClient(base.ValidatingClient,
                      base_placement_client.BasePlacementClient):
    """Tempest's Placement client, every answer validated.

    Built on Tempest's base so that Tempest's own header check and its
    per-class microversion (APIMicroversionFixture, from the test class's
    placement_min_microversion) apply unchanged.
    """

    version_header = 'OpenStack-API-Version'
    version_format = 'placement %s'
    # The newest version whose responses all the plugin's schemas know in
    # full (consumer generations, flat project usages).
    default_microversion = microversions.CONSUMER_GENERATIONS

    @staticmethod
    def tempest_microversion():
        return base_placement_client.PLACEMENT_MICROVERSION
