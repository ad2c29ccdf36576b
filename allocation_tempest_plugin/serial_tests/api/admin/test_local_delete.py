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
from tempest.common import compute
from tempest.common import waiters as tempest_waiters
from tempest import config
from tempest.lib import decorators

from allocation_tempest_plugin.common import placement
from allocation_tempest_plugin.serial_tests import base

CONF = config.CONF


@decorators.serial
class LocalDeleteTest(base.DisruptiveTestBase):
    """Nova bug 1679750 on a real cloud, for every state a server can be in.

    A server is deleted while its compute service is forced down, so
    nova-api deletes it "locally" and must delete its allocations in
    Placement itself: the compute cannot. Every state's test proves the
    same three things. Before: the server, brought to its state, holds
    exactly its flavor on its host (or, shelve-offloaded, nothing: the
    offload freed it, asserted there). During: the service reads down and
    the delete's action carries no compute event (nova-api deleted it
    alone). After: the consumer is empty, the held provider is as it was
    when the host was taken (nothing came, went or changed) and the
    projects use what they used before, read once while the compute is
    still held: nova-api frees the allocations before DELETE answers, and
    the forced-down compute's process, which still runs, would heal a leak
    a period later.
    """

    def _local_delete_in_state(self, state, change_state=None,
                               holds_on_host=True):
        """Boot, bring to state, prove what it holds, delete it locally.

        Before the disruption the server's consumer must hold exactly its
        flavor on its host (holds_on_host), or nothing at all where Nova
        frees it on the way to state (shelve offload): an empty consumer
        before and after the delete would prove nothing.
        """
        host = self.disruptable_host()
        rp_uuid = self.provider_for_host(host)
        owned = self.placement_snapshot(host)
        server = self.boot_server(host=host)
        owned.track(server['id'])
        self.assert_flavor_allocated(server, rp_uuid, self.flavor)
        if change_state is not None:
            change_state(server['id'])
            tempest_waiters.wait_for_server_status(
                self.admin_servers_client, server['id'], state,
                raise_on_error=False)
        if holds_on_host:
            self.assert_allocations(
                server['id'],
                {rp_uuid: placement.flavor_resources(self.flavor)},
                'premise: a %s server holds its flavor on %s before its '
                'local delete' % (state, host))
        else:
            self.assert_allocations(
                server['id'], {}, 'the way to %s freed nothing: the '
                'offload must free the allocations on the former host %s '
                '(nova/compute/manager.py _shelve_offload_instance, '
                'delete_allocation_for_shelve_offloaded_instance); the '
                'local delete below would hide it' % (state, host))
        with self.disrupted(host, owned) as guard:
            self.delete_locally(server['id'], guard)
            self.assert_placement_clean(
                owned, 'local delete of a %s server on %s' % (state, host))

    @decorators.idempotent_id('974745be-72fe-42f9-b38b-6a40054f25f6')
    @decorators.related_bug('1679750')
    def test_local_delete_active_server(self):
        """The seed case: an ACTIVE server deleted while its compute is down.

        As in Nova's test_bug_1679750: take the provider's usages, boot,
        force the compute down, delete, and Placement must be as before.
        Before: the server holds exactly its flavor on its host. During:
        the service reads down and the delete goes nova-api's local way
        (its action carries no compute event). After: the consumer empty,
        the provider at its baseline (held exclusively: every consumer on
        it counts), the project using what it used before, all read once
        while the host is still held. One read is enough and the only
        honest one: nova-api deletes the allocations before DELETE
        answers, while a forced-down compute whose process still runs
        would heal a leak with its periodic resource update if the check
        waited.
        """
        host = self.disruptable_host()
        owned = self.placement_snapshot(host)
        server = self.boot_server(host=host)
        owned.track(server['id'])
        self.assert_flavor_allocated(server, self.provider_for_host(host),
                                     self.flavor)

        with self.disrupted(host, owned) as guard:
            self.delete_locally(server['id'], guard)
            self.assert_placement_clean(
                owned, 'local delete of an ACTIVE server on %s' % host)

    @decorators.idempotent_id('4e9e441c-2487-4bf1-85aa-3bf0fdae809a')
    @decorators.related_bug('1679750')
    def test_local_delete_shutoff_server(self):
        """A stopped server keeps its claims; a local delete frees them."""
        self._local_delete_in_state('SHUTOFF',
                                    self.admin_servers_client.stop_server)

    @decorators.idempotent_id('adfe3161-d1de-4795-8198-1b8eacb343d9')
    @decorators.related_bug('1679750')
    def test_local_delete_paused_server(self):
        """A paused server's allocations go with its local delete."""
        if not CONF.compute_feature_enabled.pause:
            raise self.skipException('[compute-feature-enabled] pause is off')
        self._local_delete_in_state('PAUSED',
                                    self.admin_servers_client.pause_server)

    @decorators.idempotent_id('8eff6c2e-83ef-43c4-8a51-4fc2888c81a6')
    @decorators.related_bug('1679750')
    def test_local_delete_error_server(self):
        """A server in ERROR on a down compute still gives its claims back.

        An admin reset-state puts a running server in ERROR (as a failed
        operation would); it keeps its host and its allocations.
        """
        self._local_delete_in_state(
            'ERROR', lambda server_id: self.admin_servers_client.reset_state(
                server_id, state='error'))

    @decorators.idempotent_id('731cc7e6-e518-4a29-8a4e-21f0f41aa221')
    @decorators.related_bug('1679750')
    def test_local_delete_shelved_offloaded_server(self):
        """A shelved-offloaded server has no host and holds nothing.

        Before: it held its flavor on its host, and the offload freed it
        there and then (asserted at that step, not only after the delete).
        Its former host is down when it is deleted: nothing may reappear
        and the project must use nothing more than before afterwards.
        """
        if not CONF.compute_feature_enabled.shelve:
            raise self.skipException('[compute-feature-enabled] shelve is off')
        self._local_delete_in_state(
            'SHELVED_OFFLOADED', lambda server_id: compute.shelve_server(
                self.admin_servers_client, server_id,
                force_shelve_offload=True), holds_on_host=False)

    @decorators.idempotent_id('cc5de8ec-07ac-4303-95ca-ef8ed5d4b2ad')
    @decorators.related_bug('1679750')
    def test_local_delete_suspended_server(self):
        """A suspended server keeps its claims; a local delete frees them."""
        if not CONF.compute_feature_enabled.suspend:
            raise self.skipException(
                '[compute-feature-enabled] suspend is off')
        self._local_delete_in_state('SUSPENDED',
                                    self.admin_servers_client.suspend_server)

    @decorators.idempotent_id('45c547fd-8450-4ff0-b35f-e5507dbd12d2')
    @decorators.related_bug('1679750')
    def test_local_delete_rescued_server(self):
        """A server in rescue holds its flavor; a local delete frees it."""
        if not CONF.compute_feature_enabled.rescue:
            raise self.skipException('[compute-feature-enabled] rescue is off')
        self._local_delete_in_state(
            'RESCUE', lambda server_id:
                self.admin_servers_client.rescue_server(server_id))

    @decorators.idempotent_id('a8d841ac-9af1-4d6b-8bd1-0f401f9d6c35')
    @decorators.related_bug('1679750')
    def test_local_delete_shelved_server(self):
        """A shelved but not offloaded server still holds its host's claims.

        Only where the cloud keeps shelved servers on their host
        ([compute] shelved_offload_time = -1, as nova.conf says); a local
        delete must free them like any other state's.
        """
        if not CONF.compute_feature_enabled.shelve:
            raise self.skipException('[compute-feature-enabled] shelve is off')
        if CONF.compute.shelved_offload_time >= 0:
            raise self.skipException(
                'the cloud offloads shelved servers after %s s ([compute] '
                'shelved_offload_time); a SHELVED server needs -1' %
                CONF.compute.shelved_offload_time)
        self._local_delete_in_state(
            'SHELVED', lambda server_id: compute.shelve_server(
                self.admin_servers_client, server_id))

    @decorators.idempotent_id('24daf3bf-94b0-4e16-9777-64245e6a0a51')
    @decorators.related_bug('1679750')
    def test_local_delete_verify_resize_server(self):
        """A server waiting for resize confirmation, and its migration.

        During a resize Placement holds the old flavor under the
        migration's uuid on the source and the new flavor under the
        server's on the destination. Deleting the server while the
        destination compute is down must free both.
        """
        _, owned, server, _, destination = self.boot_resized_server()

        with self.disrupted(destination, owned) as guard:
            self.delete_locally(server['id'], guard)
            self.assert_placement_clean(
                owned, 'local delete of a VERIFY_RESIZE server on %s' %
                destination)
