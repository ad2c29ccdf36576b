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
from tempest.lib import decorators

from allocation_tempest_plugin.serial_tests import base


@decorators.serial
class MultiComputeTest(base.MultiComputeTestBase):
    """With two computes, disrupting one must not touch the other."""

    @decorators.idempotent_id('86e6758e-2da6-4f84-845f-e5d2c1e49c44')
    def test_local_delete_leaves_other_host_untouched(self):
        """A local delete on host A changes nothing on host B.

        Before: B runs a server of the test's own, booted before the
        snapshot, and A the one to delete, each holding exactly its flavor.
        B's must keep exactly its allocations while A's server is deleted
        locally, and nothing of the test's may be left on A, read once
        while A is held.
        """
        server_b = self.boot_server(host=self.host_b)
        self.assert_flavor_allocated(server_b, self.rp_b, self.flavor)
        owned = self.placement_snapshot(self.host_a, self.host_b)
        owned.keep(server_b['id'])
        server = self.boot_server(host=self.host_a)
        owned.track(server['id'])
        self.assert_flavor_allocated(server, self.rp_a, self.flavor)

        with self.disrupted(self.host_a, owned) as guard:
            self.delete_locally(server['id'], guard)
            self.assert_placement_clean(
                owned, 'local delete on %s beside %s' % (self.host_a,
                                                         self.host_b))
