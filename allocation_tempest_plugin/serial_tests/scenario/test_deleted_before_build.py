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

from allocation_tempest_plugin.placement_checks import placement
from allocation_tempest_plugin.reads import polling
from allocation_tempest_plugin.reads import services
from allocation_tempest_plugin.serial_tests import base


@decorators.serial
class DeletedBeforeBuildTest(base.DisruptiveTestBase):
    """A server deleted before the compute it was scheduled to took it.

    The scheduler claims the server's allocation on the host's provider;
    instance.host is set only by the compute's own claim. Until then
    nova-api deletes the server itself, in the branch for a server
    without a host (compute/api.py API._delete), and since Nova bug
    1859496 was fixed frees its allocations there (_local_delete_cleanup).
    """

    @decorators.idempotent_id('79640548-a464-4570-96ea-b4a060972452')
    @decorators.attr(type='slow')
    @decorators.related_bug('1859496')
    def test_server_deleted_before_its_compute_took_it(self):
        """Scheduled to a stopped compute, deleted in BUILD, freed at once.

        Before: the guard lends the host (enabled, its nova-compute
        stopped a moment before, the service still reading up); the server
        is scheduled there and waits in BUILD with no host while Placement
        holds exactly its flavor on the provider (asserted). During: the
        guard takes the host back and the server is deleted, by nova-api
        alone (no compute event). After: nova-api must have freed the
        allocation before the delete answered (read once while held: the
        returning compute would heal a leak); the stop is proven (no
        heartbeat while lent) and the compute starts cleanly; after its
        resource tracker ran, the provider and the project are at their
        baseline.
        """
        host = self.require_lendable_host()
        owned = self.placement_snapshot(host)
        with self.disrupted(host, owned, lend=True) as guard:
            server = self.boot_scheduled_to_lent_host(host, owned)
            self.take_back(guard)
            self.assert_waiting_for_compute(server['id'], host)
            self.delete_server_and_wait(server['id'])
            self.assert_no_compute_deleted(server['id'], host)
            self.assert_placement_clean(
                owned, 'delete of a BUILD server with no host, scheduled to '
                'stopped %s' % host)

        self.assert_compute_restarted(guard)
        self.wait_for_resource_tracker(host, guard.restored_service)
        self.assert_returned_to_baseline(host, owned)

    def boot_scheduled_to_lent_host(self, host, owned):
        """A server scheduled to the lent host; fails when it is not.

        owned tracks it from its boot on.
        """
        server = self.boot_server(host=host, wait_until=None)
        owned.track(server['id'])
        self.wait_for_scheduled(server['id'])
        return server

    def wait_for_scheduled(self, server_id):
        """Wait until server_id's build was sent; fails when it was not.

        Sent to its host by the conductor, within the deadline. The
        scheduler claims the allocation first; the conductor then creates
        the instance in its cell and records the create action, maps it
        and casts build_and_run_instance (conductor/manager.py
        schedule_and_build_instances). A server in ERROR was not
        scheduled (the lent service read down too early, or the host was
        refused).
        """
        def scheduled():
            server = self.admin_servers_client.show_server(
                server_id)['server']
            if server['status'] == 'ERROR':
                return server
            if not self.allocations_client.list_allocations(
                    server_id)['allocations']:
                return None
            actions = self.admin_servers_client.list_instance_actions(
                server_id)['instanceActions']
            return server if any(action['action'] == 'create'
                                 for action in actions) else None
        outcome = polling.poll(scheduled, bool, self.wait_timeout,
                               self.wait_interval,
                               'server %s to be scheduled' % server_id)
        if not outcome.done or outcome.value['status'] == 'ERROR':
            self.fail('premise: server %s was not scheduled to the lent '
                      'host within %s s; last seen: %s' % (
                          server_id, self.wait_timeout, outcome.value))

    def assert_waiting_for_compute(self, server_id, host):
        """Fails unless server_id waits in BUILD, claimed on host, no host.

        The scheduler's allocation is exactly the flavor on host's
        provider; instance.host is set only by the compute's own claim.
        """
        rp_uuid = self.provider_for_host(host)
        server = self.admin_servers_client.show_server(server_id)['server']
        self.assertEqual(
            ('BUILD', None),
            (server['status'], server['OS-EXT-SRV-ATTR:host']),
            'premise: server %s must wait in BUILD with no host for the '
            'stopped nova-compute on %s (status, host)' % (server_id, host))
        self.assert_allocations(
            server_id, {rp_uuid: placement.flavor_resources(self.flavor)},
            'premise: the scheduler\'s claim of server %s, exactly its '
            'flavor on the provider of %s' % (server_id, host))

    def assert_returned_to_baseline(self, host, owned):
        """Placement at its baseline and nova-compute on host up, or fail.

        Called once the compute restarted and its resource tracker ran.
        """
        self.assert_placement_clean(
            owned, 'after nova-compute on %s restarted and its resource '
            'tracker ran' % host)
        service = services.show(self.compute_services_client, host)
        self.assertEqual('up', service['state'],
                         'nova-compute on %s after the restart: %s' % (
                             host, services.summary(service)))

    def assert_no_compute_deleted(self, server_id, host):
        """nova-api deleted server_id alone.

        The branch for a server without a host records no delete action
        at all (compute/api.py API._delete); one carrying events means a
        nova-compute took part, and the checks would prove nothing about
        nova-api.
        """
        action, events = self.delete_action_events(server_id)
        if events:
            self.fail('premise: the delete of server %s (request %s) carries '
                      'events %s, so a nova-compute on %s handled it; see: '
                      'openstack server event show %s %s' % (
                          server_id, action['request_id'], events, host,
                          server_id, action['request_id']))
