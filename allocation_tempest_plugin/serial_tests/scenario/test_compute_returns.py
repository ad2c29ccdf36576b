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
from oslo_utils import uuidutils
from tempest import config
from tempest.lib.common.utils import test_utils
from tempest.lib import decorators

from allocation_tempest_plugin.placement_checks import placement
from allocation_tempest_plugin.serial_tests import base

CONF = config.CONF


@decorators.serial
class ComputeReturnsTest(base.DisruptiveTestBase):
    """After a local delete the compute comes back and the cloud is whole.

    Nova's second regression test for bug 1679750 restarts the compute
    and lets its resource tracker run: it must neither resurrect the
    deleted server's allocations nor leak any, must keep what is still
    alive, and the capacity must be usable again.
    """

    def boot_beside_a_neighbour(self, host):
        """(snapshot, neighbour, server) on host; fails unless each holds.

        The neighbour, booted before the snapshot, lives on through the
        delete and the return and must keep exactly its allocations; the
        server is the one to delete. Each must hold exactly its flavor
        on host first.
        """
        neighbour = self.boot_server(host=host)
        # The premise of "keeps exactly": it holds its flavor to begin
        # with, so a neighbour already stripped cannot pass as kept.
        self.assert_flavor_allocated(neighbour, self.provider_for_host(host),
                                     self.flavor)
        owned = self.placement_snapshot(host)
        owned.keep(neighbour['id'], 'neighbour')
        server = self.boot_server(host=host)
        owned.track(server['id'])
        self.assert_flavor_allocated(server, self.provider_for_host(host),
                                     self.flavor)
        return owned, neighbour, server

    @decorators.idempotent_id('c5fa5771-526c-4c1d-aa53-bfd058a51a16')
    @decorators.attr(type='slow')
    @decorators.related_bug('1679750')
    def test_forced_down_compute_returns_whole(self):
        """forced_down cleared: the periodic resource update undoes nothing.

        Before: both servers hold their flavor. During: the local delete
        frees the deleted server's allocations and nothing else, read once
        while the host is held (the compute process runs, so a later read
        could see its heal instead). After: wait until the compute has
        heartbeated, on its own, for a whole
        update_resources_interval after it was restored, so its resource
        tracker has run; nothing of the deleted server is left, the
        neighbour keeps exactly its allocations, and a server sized to all
        the free capacity boots on that host (one leaked unit would make
        it fail).
        """
        host = self.disruptable_host()
        owned, neighbour, server = self.boot_beside_a_neighbour(host)

        with self.disrupted(host, owned) as guard:
            self.delete_locally_beside(neighbour, server, guard, owned)

        self.wait_for_resource_tracker(host, guard.restored_service)
        self.assert_placement_clean(
            owned, 'after the resource tracker of %s ran' % host)
        self.assert_whole_free_capacity_boots(host)

    @decorators.idempotent_id('55b00e31-d8be-4917-aaaa-a80b22418495')
    @decorators.attr(type='slow')
    @decorators.related_bug('1679750')
    def test_restarted_compute_returns_whole(self):
        """The seed's variant: the compute process really stops and starts.

        compute_stop_command stops nova-compute (proven: no heartbeat for
        two report intervals after it, or the test fails naming the
        command), the service is forced down, one of two servers is
        deleted locally (read once while held: freed, the neighbour
        untouched) and
        compute_start_command starts it again. A compute runs its startup
        resource update before its first heartbeat, which the guard waits
        for (one the plugin did not cause); nothing of the deleted server
        is then left, the neighbour keeps exactly its allocations, and the
        whole free capacity boots there, sized from the provider's
        inventory minus what the consumers Nova knows hold (a leaked unit
        is not subtracted, so it makes the boot fail).
        """
        host = self.disruptable_host()
        owned, neighbour, server = self.boot_beside_a_neighbour(host)

        with self.disrupted(host, owned, stop_process=True) as guard:
            self.delete_locally_beside(neighbour, server, guard, owned)

        self.assert_compute_restarted(guard)
        self.assert_placement_clean(
            owned, 'after nova-compute on %s restarted' % host)
        self.assert_whole_free_capacity_boots(host)

    @decorators.idempotent_id('f8c7cbfe-42c5-46ae-812e-e2694236cfd5')
    @decorators.attr(type='slow')
    def test_resource_tracker_heals_only_deleted_servers(self):
        """The compute's resource tracker removes a deleted server's only.

        After a local delete, while the host is still held (its compute
        process runs, forced down, so its periodic resource update runs),
        the test re-creates the deleted server's allocation (PUT
        /allocations, 1.28) and makes one for a uuid that never was a
        server. Within one update_resources_interval the resource tracker
        removes the first (_remove_deleted_instances_allocations: a deleted
        instance) and keeps the second (no instance by that uuid: it could
        be a build). The host stays held meanwhile: to anyone else the
        second is an orphan, and another runner must not meet it. After
        the return, nothing of either is left.
        """
        host = self.disruptable_host()
        owned, neighbour, server = self.boot_beside_a_neighbour(host)

        with self.disrupted(host, owned) as guard:
            self.delete_locally_beside(neighbour, server, guard, owned)
            stranger = self.recreate_allocations_of(host, server)
            self.assert_resource_tracker_removed(host, server['id'])
            self.assert_allocations(stranger, {self.provider_for_host(
                host): placement.flavor_resources(self.flavor)})
            self.allocations_client.delete_allocations(stranger)
            self.assert_placement_clean(
                owned, 'after the resource tracker of %s healed' % host)

        self.assert_placement_clean(owned, 'after %s returned' % host)

    def delete_locally_beside(self, neighbour, server, guard, owned):
        """Delete server locally; fails unless it alone was freed, read once.

        Read while the host is held: the deleted server freed, the
        neighbour untouched. The return that follows must then change
        nothing; a leak here must not wait for a heal to hide it.
        """
        self.delete_locally_and_assert_freed(
            server['id'], guard, owned,
            'local delete beside neighbour %s on %s' % (neighbour['id'],
                                                        guard.host))

    def recreate_allocations_of(self, host, server):
        """The deleted server's flavor on host again, and a stranger's.

        Returns the stranger: a uuid that never was a server, its
        allocation deleted at cleanup if the test does not get there.
        """
        rp_uuid = self.provider_for_host(host)
        flavor = placement.flavor_resources(self.flavor)
        stranger = uuidutils.generate_uuid()
        self.addCleanup(test_utils.call_and_ignore_notfound_exc,
                        self.allocations_client.delete_allocations, stranger)
        # Re-creating needs the consumer gone (a new consumer generation);
        # the delete's check just proved it.
        # The stranger first: the resource tracker pass that removes the
        # server's allocation then listed the stranger's too.
        for consumer in (stranger, server['id']):
            self.allocations_client.update_allocations(
                consumer, {rp_uuid: flavor}, server['tenant_id'],
                self.os_admin.credentials.user_id)
        return stranger

    def assert_resource_tracker_removed(self, host, server_id):
        """Fails unless host's resource tracker removes server_id's in time.

        Within one update_resources_interval past the usual deadline.
        """
        healed = self.wait_until(
            lambda: not self.allocations_client.list_allocations(
                server_id)['allocations'],
            CONF.allocation.resource_tracker_interval)
        self.assertTrue(healed, 'the resource tracker of %s did not remove '
                        'the re-created allocation of deleted server %s '
                        'within %s s' % (host, server_id, self.wait_timeout
                                         + CONF.allocation.
                                         resource_tracker_interval))
