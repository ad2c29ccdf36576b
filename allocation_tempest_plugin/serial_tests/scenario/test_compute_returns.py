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
class ComputeReturnsTest(base.DisruptiveTestBase):
    """After a local delete the compute comes back and the cloud is whole.

    Nova's second regression test for bug 1679750 restarts the compute
    and lets its resource tracker run: it must neither resurrect the
    deleted server's allocations nor leak any, and the capacity must be
    usable again.
    """

    @decorators.idempotent_id('c5fa5771-526c-4c1d-aa53-bfd058a51a16')
    @decorators.attr(type='slow')
    @decorators.related_bug('1679750')
    def test_forced_down_compute_returns_whole(self):
        """forced_down cleared: the periodic resource update undoes nothing.

        Wait until the compute has heartbeated, on its own, for a whole
        update_resources_interval after it was restored, so its resource
        tracker has run; nothing of the test's is left in Placement, and a
        server sized to all the free capacity boots on that host (one
        leaked unit would make it fail).
        """
        host = self.disruptable_host()
        owned = self.placement_snapshot(host)
        server = self.boot_server(host=host)
        owned.track(server['id'])
        with self.disrupted(host, owned) as guard:
            self.delete_locally(server['id'], guard)

        self.wait_for_resource_tracker(host, guard.restored_service)
        self.assert_placement_clean(
            owned, 'after the resource tracker of %s ran' % host)
        self.boot_into_whole_free_capacity(host)

    @decorators.idempotent_id('55b00e31-d8be-4917-aaaa-a80b22418495')
    @decorators.attr(type='slow')
    @decorators.related_bug('1679750')
    def test_restarted_compute_returns_whole(self):
        """The seed's variant: the compute process really stops and starts.

        compute_stop_command stops nova-compute, the service is forced
        down, the server is deleted locally and compute_start_command
        starts it again. A compute runs its startup resource update before
        its first heartbeat, which the guard waits for (one the plugin did
        not cause); nothing of the test's is then left in Placement and the
        whole free capacity boots there.
        """
        host = self.disruptable_host()
        owned = self.placement_snapshot(host)
        server = self.boot_server(host=host)
        owned.track(server['id'])
        with self.disrupted(host, owned, stop_process=True) as guard:
            self.delete_locally(server['id'], guard)

        self.assert_placement_clean(
            owned, 'after nova-compute on %s restarted' % host)
        self.boot_into_whole_free_capacity(host)
