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
import contextlib

from tempest.common import waiters as tempest_waiters
from tempest.lib import decorators
from tempest.lib import exceptions as lib_exc

from allocation_tempest_plugin.placement_checks import placement
from allocation_tempest_plugin.serial_tests import base


@decorators.serial
class EvacuationTest(base.MultiComputeTestBase):
    """The whole life of an evacuation, as Placement must see it.

    While the source is down after an evacuation, the server's consumer
    holds its flavor on both providers (bugs 1709902, 1721652); the source
    removes its part when its nova-compute starts again
    (_destroy_evacuated_instances), and until then Nova refuses to clear
    forced_down on it (bug 1922053).

    A is fenced before it is evacuated, as an operator must: its compute
    stopped by [allocation] compute_fence_command, which stops its guests
    too, where one is set. On shared instance storage a guest still
    running on A holds its disk's lock and the rebuild on B fails ("Failed
    to get write lock"); on local storage (devstack) the stop command is
    enough and A's guest keeps running until A returns and destroys it.
    """

    @contextlib.contextmanager
    def evacuated_from_stopped_a(self):
        """(snapshot, server) evacuated from a stopped, held A; may skip, fail.

        Skips when A cannot be held or B was taken; fails when Placement
        does not hold what each step should. Before: the server holds its
        flavor on A only; after the evacuation, while A is down, on both
        A and B (asserted there).
        """
        owned = self.placement_snapshot(self.host_a, self.host_b)
        server = self.boot_server(host=self.host_a)
        owned.track(server['id'])
        self.assert_flavor_allocated(server, self.rp_a, self.flavor)
        flavor = placement.flavor_resources(self.flavor)
        with self.disrupted(self.host_a, owned, fence=True):
            self.evacuate(server['id'], self.host_b)
            self.assert_allocations(
                server['id'], {self.rp_a: flavor, self.rp_b: flavor},
                'premise: the evacuated server holds its flavor on both '
                'hosts while the source is down')
            yield owned, server

    @decorators.idempotent_id('ac206d82-4556-4684-95d4-30da1e37b4b2')
    @decorators.attr(type='slow')
    @decorators.related_bug('1709902')
    @decorators.related_bug('1721652')
    @decorators.related_bug('1922053')
    def test_evacuate_moves_allocations_to_destination(self):
        """Both hosts hold the flavor until the fenced source returns.

        Before: the server holds its flavor on A only. A's nova-compute is
        stopped (proven: no heartbeat since) and forced down and the server is
        evacuated to B. While A is down its consumer holds exactly the
        flavor on A and on B, and the project's usage counts it twice;
        clearing forced_down on A is refused (400). Once A has started
        again (the guard waits for its own heartbeat, then restores), the
        consumer holds the flavor on B only and A is at its baseline.
        """
        owned = self.placement_snapshot(self.host_a, self.host_b)
        server = self.boot_server(host=self.host_a)
        self.assert_flavor_allocated(server, self.rp_a, self.flavor)
        project_before = owned.project_before[server['tenant_id']]

        with self.disrupted(self.host_a, owned, fence=True) as guard:
            server = self.evacuate(server['id'], self.host_b)
            self.assert_held_on_both_hosts(server, project_before)
            self.assert_forced_down_kept(guard, server['id'])

        owned.expect(server['id'], {self.rp_b: placement.flavor_resources(
            self.flavor)}, project_id=server['tenant_id'])
        self.assert_placement_clean(
            owned, 'evacuation of %s from %s to %s, source back' % (
                server['id'], self.host_a, self.host_b))

    @decorators.idempotent_id('690a91a1-ebf7-4576-872c-cbe086a9414c')
    @decorators.attr(type='slow')
    @decorators.related_bug('1794996')
    def test_delete_evacuated_server_while_source_down(self):
        """Deleted while the source is still down: both providers clean.

        The server is evacuated from a stopped A to B (premise: it then
        holds its flavor on both) and deleted there, normally, by B's
        compute, before A returns; read once at the 404. Its consumer,
        which held the flavor on both providers, must be gone everywhere,
        and A's nova-compute must still start and report up (the guard's
        restore proves it) with nothing of the test's left on either
        host.
        """
        with self.evacuated_from_stopped_a() as (owned, server):
            self.delete_server_and_wait(server['id'])
            # B's nova-compute deletes the consumer's allocations (both
            # providers) in _complete_deletion, before instance.destroy()
            # makes the server read 404: no wait. Waiting would also let
            # B's resource tracker heal a leak within one
            # update_resources_interval and hide it.
            self.assert_placement_clean(
                owned, 'evacuated server %s deleted on %s while %s is '
                'down' % (server['id'], self.host_b, self.host_a))

        self.assert_placement_clean(
            owned, 'after %s returned' % self.host_a)

    @decorators.attr(type='slow')
    @decorators.related_bug('1679750')
    @decorators.idempotent_id('1f1cc668-f9c9-447d-8166-54ebf2f01ef8')
    def test_local_delete_frees_both_hosts_of_an_evacuated_server(self):
        """A local delete frees every provider the server holds.

        The server is evacuated from a stopped, forced-down A to B; while
        A is down its consumer holds the flavor on both (asserted). B is
        then forced down too and the server deleted: nova-api deletes it
        locally (proven: the service reads down, no compute event) and
        must free both parts, read once while both hosts are held; a
        delete that frees only the current host's part leaves the
        source's for nobody.
        """
        with self.evacuated_from_stopped_a() as (owned, server):
            with self.disrupted(self.host_b, owned) as guard_b:
                self.delete_locally(server['id'], guard_b)
                self.assert_placement_clean(
                    owned, 'local delete of evacuated server %s, held on '
                    '%s and %s, both down' % (server['id'], self.host_a,
                                              self.host_b))

        self.assert_placement_clean(
            owned, 'after %s and %s returned' % (self.host_a, self.host_b))

    @decorators.idempotent_id('9d8241a7-f02f-4a81-b1e5-4082fd6a282d')
    @decorators.attr(type='slow')
    @decorators.related_bug('1713783')
    def test_evacuation_without_valid_host_keeps_source(self):
        """An evacuation that finds no host changes nothing in Placement.

        Before: the server holds its flavor on A only. During: A is
        stopped (proven) and forced down, and B, the only other compute,
        is forced down too, so the scheduler has no valid destination; the
        evacuation's migration ends in error. After, read once while both
        are held and again once both returned: the server stays on A with
        exactly its flavor there, nothing on B.
        """
        owned = self.placement_snapshot(self.host_a, self.host_b)
        server = self.boot_server(host=self.host_a)
        self.assert_flavor_allocated(server, self.rp_a, self.flavor)
        owned.expect(server['id'], {self.rp_a: placement.flavor_resources(
            self.flavor)}, project_id=server['tenant_id'])

        with self.disrupted(self.host_b, owned), \
                self.disrupted(self.host_a, owned, fence=True):
            server = self.evacuate_to_no_valid_host(server['id'])
            self.assertEqual(self.host_a, server['OS-EXT-SRV-ATTR:host'])
            self.assert_placement_clean(
                owned, 'failed evacuation of %s from %s' % (
                    server['id'], self.host_a))

        self.assert_placement_clean(owned, 'after both computes returned')

    def assert_held_on_both_hosts(self, server, project_before):
        """Fails unless the evacuated server holds its flavor on A and on B.

        It must read on B, its consumer hold exactly the flavor on both
        providers, and its project's usage count it twice.
        """
        flavor = placement.flavor_resources(self.flavor)
        self.assertEqual(self.host_b, server['OS-EXT-SRV-ATTR:host'])
        self.assert_allocations(server['id'], {self.rp_a: flavor,
                                               self.rp_b: flavor})
        self.assert_project_usage(server['tenant_id'], placement.add_resources(
            project_before, flavor, flavor))

    def assert_forced_down_kept(self, guard, server_id):
        """Fails unless Nova refuses to clear forced_down on the source.

        While the evacuation of server_id from it is still "done".
        """
        refused = guard.try_clear_forced_down()
        self.assertIsInstance(
            refused, lib_exc.BadRequest,
            'Nova let forced_down be cleared on %s while the evacuation '
            'of %s from it was still "done" (bug 1922053 guards '
            'against this)' % (self.host_a, server_id))

    def evacuate_to_no_valid_host(self, server_id):
        """Evacuate server_id; fails unless the evacuation fails in time.

        No host is valid for it. Returns the server as it then reads.
        """
        self.admin_servers_client.evacuate_server(server_id)
        self.wait_for_failed_evacuation(server_id)
        return self.admin_servers_client.show_server(server_id)['server']

    def wait_for_failed_evacuation(self, server_id):
        """Wait for server_id's evacuation to fail; fails when it does not."""
        def failed():
            migrations = self.os_admin.migrations_client.list_migrations(
                instance_uuid=server_id,
                migration_type='evacuation')['migrations']
            return bool(migrations) and migrations[-1]['status'] in (
                'error', 'failed')
        if not self.wait_until(failed):
            self.fail('the evacuation of %s did not fail within %s s' % (
                server_id, self.wait_timeout))
        # The conductor puts the server in ERROR when no host is valid.
        tempest_waiters.wait_for_server_status(
            self.admin_servers_client, server_id, 'ERROR',
            raise_on_error=False)
