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
from tempest.common import waiters as tempest_waiters
from tempest.lib import decorators

from allocation_tempest_plugin.common import placement
from allocation_tempest_plugin.serial_tests import base


@decorators.serial
class MultiComputeTest(base.DisruptiveTestBase):
    """With two computes, disrupting one must not touch the other."""

    def setUp(self):
        super(MultiComputeTest, self).setUp()
        self.host_a = self.disruptable_host()
        others = [host for host in self.available_hosts()
                  if host != self.host_a]
        if not others:
            raise self.skipException('needs a second up and enabled '
                                     'compute besides %s' % self.host_a)
        self.host_b = others[0]

    @decorators.idempotent_id('86e6758e-2da6-4f84-845f-e5d2c1e49c44')
    def test_local_delete_leaves_other_host_untouched(self):
        """A local delete on host A changes nothing on host B.

        B runs a server of the test's own, booted before the snapshot: it
        must keep exactly its allocations while A's server is deleted
        locally, and nothing of the test's may be left on A.
        """
        self.boot_server(host=self.host_b)
        owned = self.placement_snapshot(self.host_a, self.host_b)
        server = self.boot_server(host=self.host_a)
        owned.track(server['id'])

        with self.disrupted(self.host_a, owned) as guard:
            self.delete_locally(server['id'], guard)
            self.assert_placement_clean(
                owned, 'local delete on %s beside %s' % (self.host_a,
                                                         self.host_b),
                immediately=True)

    @decorators.idempotent_id('ac206d82-4556-4684-95d4-30da1e37b4b2')
    @decorators.attr(type='slow')
    def test_evacuate_moves_allocations_to_destination(self):
        """Evacuating from a fenced host leaves allocations on B only.

        A's nova-compute is stopped and forced down, the server is
        evacuated to B. When A starts again it cleans up the evacuated
        instance: the server's allocations are then only on B, for its
        flavor, and A is back at its baseline.
        """
        owned = self.placement_snapshot(self.host_a)
        server = self.boot_server(host=self.host_a)
        owned.expect_held(server['tenant_id'],
                          placement.flavor_resources(self.flavor))

        with self.disrupted(self.host_a, owned, stop_process=True):
            self.admin_servers_client.evacuate_server(server['id'],
                                                      host=self.host_b)
            tempest_waiters.wait_for_server_status(
                self.admin_servers_client, server['id'],
                self.evacuated_status())
        server = self.admin_servers_client.show_server(
            server['id'])['server']
        self.assertEqual(self.host_b, server['OS-EXT-SRV-ATTR:host'])

        self.assert_placement_clean(
            owned, 'evacuation of %s from %s to %s' % (
                server['id'], self.host_a, self.host_b))
        self.assert_flavor_allocated(
            server, self.provider_for_host(self.host_b), self.flavor)
