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
from tempest import config
from tempest.lib import decorators

from allocation_tempest_plugin.serial_tests import base
from allocation_tempest_plugin.serial_tests import shared_hold

CONF = config.CONF


def _shelve_to_offloaded(test_class, server_id):
    """Shelve server_id so that it ends SHELVED_OFFLOADED.

    A cloud that offloads at once ([compute] shelved_offload_time = 0,
    nova's compute offloads within the shelve) gets the shelve alone,
    awaited with the other states' changes. Any other must show SHELVED
    before the offload is asked, or offloads later by itself: Tempest's
    helper waits for each step.
    """
    if CONF.compute.shelved_offload_time == 0:
        test_class.admin_servers_client.shelve_server(server_id)
    else:
        compute.shelve_server(test_class.admin_servers_client, server_id,
                              force_shelve_offload=True)


def _off(feature, enabled):
    """Why a state needing [compute-feature-enabled] feature is skipped."""
    return None if enabled else (
        '[compute-feature-enabled] %s is off' % feature)


@decorators.serial
class LocalDeleteTest(shared_hold.SharedVerdicts, base.DisruptiveTestBase):
    """Nova bug 1679750 on a real cloud, for every state a server can be in.

    A server is deleted while its compute service is forced down, so
    nova-api deletes it "locally" and must delete its allocations in
    Placement itself: the compute cannot. Every state's test proves the
    same three things. Before: the server, brought to its state, holds
    exactly its flavor on its host (or, shelve-offloaded, nothing: the
    offload freed it, asserted there). During: the service reads down and
    the delete's action carries no compute event (nova-api deleted it
    alone). After: the consumer is empty, the held provider lost exactly
    what the server held (nothing else came, went or changed) and its
    project uses exactly that much less, read once while the compute is
    still held: nova-api frees the allocations before DELETE answers, and
    the forced-down compute's process, which still runs, would heal a leak
    a period later.

    The states share one hold of one host (serial_tests/shared_hold.py):
    resource_setup boots one server per state in one request, brings them
    to their states together, forces the host down once and deletes them
    one by one, judging each against Placement read just before its
    delete. Each test reports its own state's verdict. VERIFY_RESIZE
    holds its destination on its own.

    On a real hypervisor (libvirt) the deleted server's guest keeps
    running on the held host: nova-api cannot reach it, and its compute
    reaps it later (_cleanup_running_deleted_instances). That is Nova's
    design, not a leak in Placement, and the plugin, which reads only the
    APIs, does not judge it.
    """

    @classmethod
    def resource_setup(cls):
        super(LocalDeleteTest, cls).resource_setup()
        cls.verdicts = shared_hold.SharedHold(cls, cls.shared_states()).run()

    @classmethod
    def shared_states(cls):
        """The states the shared hold serves, in the order deleted.

        Every change is sent before any is awaited; the shelves come last,
        as an offload that must wait for SHELVED first
        (_shelve_to_offloaded) holds up only the changes sent after it.
        """
        feature = CONF.compute_feature_enabled
        shelved_kept = _off('shelve', feature.shelve)
        if not shelved_kept and CONF.compute.shelved_offload_time >= 0:
            shelved_kept = (
                'the cloud offloads shelved servers after %s s ([compute] '
                'shelved_offload_time); a SHELVED server needs -1' %
                CONF.compute.shelved_offload_time)
        state = shared_hold.State
        return [
            state('ACTIVE', 'test_local_delete_active_server', None, True,
                  None),
            state('SHUTOFF', 'test_local_delete_shutoff_server',
                  lambda c, server_id: c.admin_servers_client.stop_server(
                      server_id), True, None),
            state('PAUSED', 'test_local_delete_paused_server',
                  lambda c, server_id: c.admin_servers_client.pause_server(
                      server_id), True, _off('pause', feature.pause)),
            # An admin reset-state puts a running server in ERROR (as a
            # failed operation would); it keeps its host and allocations.
            state('ERROR', 'test_local_delete_error_server',
                  lambda c, server_id: c.admin_servers_client.reset_state(
                      server_id, state='error'), True, None),
            state('SUSPENDED', 'test_local_delete_suspended_server',
                  lambda c, server_id: c.admin_servers_client.suspend_server(
                      server_id), True, _off('suspend', feature.suspend)),
            state('RESCUE', 'test_local_delete_rescued_server',
                  lambda c, server_id: c.admin_servers_client.rescue_server(
                      server_id), True, _off('rescue', feature.rescue)),
            state('SHELVED_OFFLOADED',
                  'test_local_delete_shelved_offloaded_server',
                  _shelve_to_offloaded, False,
                  _off('shelve', feature.shelve)),
            # Only where shelved servers stay (shelved_kept): the shelve
            # alone, awaited with the others.
            state('SHELVED', 'test_local_delete_shelved_server',
                  lambda c, server_id: c.admin_servers_client.shelve_server(
                      server_id), True, shelved_kept),
        ]

    @decorators.idempotent_id('974745be-72fe-42f9-b38b-6a40054f25f6')
    @decorators.related_bug('1679750')
    def test_local_delete_active_server(self):
        """The seed case: an ACTIVE server deleted while its compute is down.

        As in Nova's test_bug_1679750: read the provider's usages, force
        the compute down, delete, and Placement must be as it was before
        the server. The provider is held exclusively: every consumer on
        it counts.
        """
        self.report_shared_verdict()

    @decorators.idempotent_id('4e9e441c-2487-4bf1-85aa-3bf0fdae809a')
    @decorators.related_bug('1679750')
    def test_local_delete_shutoff_server(self):
        """A stopped server keeps its claims; a local delete frees them."""
        self.report_shared_verdict()

    @decorators.idempotent_id('adfe3161-d1de-4795-8198-1b8eacb343d9')
    @decorators.related_bug('1679750')
    def test_local_delete_paused_server(self):
        """A paused server's allocations go with its local delete."""
        self.report_shared_verdict()

    @decorators.idempotent_id('8eff6c2e-83ef-43c4-8a51-4fc2888c81a6')
    @decorators.related_bug('1679750')
    def test_local_delete_error_server(self):
        """A server in ERROR on a down compute still gives its claims back.

        An admin reset-state puts a running server in ERROR (as a failed
        operation would); it keeps its host and its allocations.
        """
        self.report_shared_verdict()

    @decorators.idempotent_id('731cc7e6-e518-4a29-8a4e-21f0f41aa221')
    @decorators.related_bug('1679750')
    def test_local_delete_shelved_offloaded_server(self):
        """A shelved-offloaded server has no host and holds nothing.

        Before: it held its flavor on its host, and the offload freed it
        there and then (asserted at that step, not only after the delete).
        Its former host is down when it is deleted: nothing may reappear
        and the project must use nothing more than before afterwards.
        """
        self.report_shared_verdict()

    @decorators.idempotent_id('cc5de8ec-07ac-4303-95ca-ef8ed5d4b2ad')
    @decorators.related_bug('1679750')
    def test_local_delete_suspended_server(self):
        """A suspended server keeps its claims; a local delete frees them."""
        self.report_shared_verdict()

    @decorators.idempotent_id('45c547fd-8450-4ff0-b35f-e5507dbd12d2')
    @decorators.related_bug('1679750')
    def test_local_delete_rescued_server(self):
        """A server in rescue holds its flavor; a local delete frees it."""
        self.report_shared_verdict()

    @decorators.idempotent_id('a8d841ac-9af1-4d6b-8bd1-0f401f9d6c35')
    @decorators.related_bug('1679750')
    def test_local_delete_shelved_server(self):
        """A shelved but not offloaded server still holds its host's claims.

        Only where the cloud keeps shelved servers on their host
        ([compute] shelved_offload_time = -1, as nova.conf says); a local
        delete must free them like any other state's.
        """
        self.report_shared_verdict()

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
