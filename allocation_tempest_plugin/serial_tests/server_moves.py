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
"""A destructive test's server moves: a resize to confirm, an evacuation.

Each move asserts where Nova has put the allocations once it is done, so
that a later delete that frees everything cannot hide a move that never
claimed. Mixed into DisruptiveTestBase (serial_tests/base.py); the
evacuations themselves are the shared stop's (evacuation_stop.py).
"""

import collections

from tempest.lib.common import api_version_request

from allocation_tempest_plugin import microversions


class ResizedServer(collections.namedtuple(
        'ResizedServer', 'source owned server migration_uuid destination')):
    """A server in VERIFY_RESIZE: its hosts, its migration, the snapshot.

    owned was taken before the boot and tracks both consumers.
    """


class ServerMoves(object):
    """Needs AdminAllocationTestBase and the host choice of HostChoice."""

    @classmethod
    def evacuated_status(cls):
        """An evacuated server ends SHUTOFF from compute API 2.95."""
        if (api_version_request.APIVersionRequest(cls.request_microversion)
                >= api_version_request.APIVersionRequest(
                    microversions.EVACUATED_SHUTOFF)):
            return 'SHUTOFF'
        return 'ACTIVE'

    def boot_resized_server(self):
        """A server in VERIFY_RESIZE, on a host it may hold; may skip or fail.

        Skips when the cloud cannot resize or no host is free; fails when
        Placement does not hold what each step should. Returns a
        ResizedServer (it unpacks as (source host, snapshot, server,
        migration uuid, destination host)).
        """
        self.skip_unless_resize()
        source = self.disruptable_host()
        owned = self.placement_snapshot(source)
        server = self.boot_server(host=source)
        owned.track(server['id'])
        self.assert_flavor_allocated(server, self.provider_for_host(source),
                                     self.flavor)
        migration_uuid, destination = self.resize_to_verify(
            server['id'], owned, source)
        return ResizedServer(source, owned, server, migration_uuid,
                             destination)
