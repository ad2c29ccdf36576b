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
from tempest import config
from tempest.lib import decorators
from tempest.lib import exceptions as lib_exc

from allocation_tempest_plugin.placement_checks import placement
from allocation_tempest_plugin.serial_tests import base
from allocation_tempest_plugin.services import internals

CONF = config.CONF


@decorators.serial
class ResizeDeleteDefectsTest(base.DisruptiveTestBase):
    """Deletes of a resized server that Nova 34 gets wrong.

    Each test expects what a user needs; where Nova does not deliver it,
    the test reports the defect by name (placement_checks/known_defects.py)
    and, when the cloud lists it in [allocation] known_nova_defects, is
    an expected failure only while the defect reproduces as described.
    A test that ends before its verdict (a waiter that raised, a
    timeout) keeps its failure, and what its own servers and their
    migrations still hold is released at cleanup and reported, so that
    the defect's leftovers do not meet the later tests as orphans.
    """

    # vocabulary/unjudged_leftovers.py: each test here makes Nova leave
    # allocations behind on purpose.
    release_leftovers_unjudged = True

    @decorators.idempotent_id('0149c07c-352d-48e6-8a4a-835762af87c4')
    @decorators.attr(type='slow')
    def test_delete_verify_resize_server_with_source_stopped(self):
        """The source compute is stopped: the delete must not leak.

        A user needs the delete to succeed with the server's and the
        migration's allocations released, or to be refused cleanly. Nova
        34 first confirms the resize with a synchronous RPC to the source
        compute; with it stopped, DELETE answers 500 (MessagingTimeout)
        after rpc_response_timeout and both consumers keep their
        allocations (known defect verify-resize-delete-source-down).

        Before: the server holds the new flavor on the destination, the
        migration the old one on the source, and the source's nova-compute
        is proven stopped (no heartbeat since the stop command), or the
        RPC would be answered and the test would call the defect fixed.
        The defect is matched exactly: the answer (500 naming
        MessagingTimeout) and Placement as a whole (each consumer, each
        provider, each amount, the project); anything else fails naming
        the difference. After an expected failure the source returns and
        the story goes on: reset and deleted normally (or, where the
        resize stayed on its host, deleted by the returning compute
        itself), and the server's own allocation is freed at once.
        """
        resized = self.boot_resized_server()
        defect_shape = self._verify_resize_shape(resized)

        with self.disrupted(resized.source, resized.owned,
                            stop_process=True) as guard:
            self.assert_compute_stopped(guard)
            self.assert_service_reads_down(guard)
            answer = self._delete_once_waiting_long(resized.server['id'])
            findings = resized.owned.leaks()
            differences = resized.owned.leaks_against(defect_shape)

        if isinstance(answer, lib_exc.ServerFault):
            self._finish_the_delete_and_assert_freed(resized)
        self._judge_source_down_delete(resized, answer, findings, differences)

    def _delete_once_waiting_long(self, server_id):
        """DELETE server_id once, through a client that waits long.

        Returns 'accepted' once the server is gone, the ServerFault Nova
        answered, or 'refused cleanly (status)' for a 4xx.
        """
        try:
            self._slow_servers_client().delete_server(server_id)
        except lib_exc.ServerFault as error:
            return error
        except lib_exc.ClientRestClientException as error:
            return 'refused cleanly (%s)' % error.resp.status
        tempest_waiters.wait_for_server_termination(
            self.admin_servers_client, server_id)
        return 'accepted'

    def _finish_the_delete_and_assert_freed(self, resized):
        """Delete the server whose DELETE failed, now that its source is back.

        Fails unless its own allocation is then freed at once. The failed
        delete left task_state "deleting", so Nova ignores another DELETE
        (204, nothing done): the server is reset and deleted. Unless the
        resize stayed on its host (allow_resize_to_same_host, as on a
        single-node devstack): the returning compute is then the server's
        host too, and finishes the interrupted delete itself before its
        first heartbeat (ComputeManager._init_instance, "Service started
        deleting the instance during the previous run"), which the guard
        awaited.
        """
        server_id = resized.server['id']
        self._finish_the_delete(server_id, resized.source,
                                resized.destination)
        self.assert_allocations(
            server_id, {}, 'after its source returned, the normal '
            'delete of server %s (reset to active)' % server_id)

    def _finish_the_delete(self, server_id, source, destination):
        """Reset and delete server_id, unless its returned host did."""
        if source == destination:
            try:
                self.admin_servers_client.show_server(server_id)
            except lib_exc.NotFound:
                return
        self.admin_servers_client.reset_state(server_id, state='active')
        self.delete_server_and_wait(server_id)

    def _judge_source_down_delete(self, resized, answer, findings,
                                  differences):
        """Fails unless defect verify-resize-delete-source-down explains it.

        Or passes, where Nova did what a user needs. The defect is
        matched exactly: the answer (500 naming MessagingTimeout) and
        Placement as a whole.
        """
        timed_out = (isinstance(answer, lib_exc.ServerFault) and
                     'MessagingTimeout' in str(answer))
        self.remember_leftovers(findings)
        self.judge_known_defect(
            'verify-resize-delete-source-down',
            needs_met=not findings and not isinstance(answer,
                                                      lib_exc.ServerFault),
            reproduces=timed_out and not differences,
            report=self._defect_report(
                'DELETE answered: %s' % answer, resized.owned, findings,
                differences, timed_out, 'a 500 naming MessagingTimeout',
                'delete of VERIFY_RESIZE server %s with its source %s '
                'stopped' % (resized.server['id'], resized.source)),
            owned=resized.owned)

    def _verify_resize_shape(self, resized):
        """{consumer: {rp: resources}} as at VERIFY_RESIZE (asserted)."""
        new_flavor = self.flavors_client.show_flavor(
            CONF.compute.flavor_ref_alt)['flavor']
        return {
            resized.server['id']: {
                self.provider_for_host(resized.destination):
                placement.flavor_resources(new_flavor)},
            resized.migration_uuid: {
                self.provider_for_host(resized.source):
                placement.flavor_resources(self.flavor)}}

    def _error_after_resize_shape(self, resized):
        """What defect error-after-resize-delete-leaks-migration leaves.

        Exactly the migration's old flavor on the source; the server's
        own allocation is freed.
        """
        defect_shape = self._verify_resize_shape(resized)
        defect_shape[resized.server['id']] = {}
        return defect_shape

    @staticmethod
    def _defect_report(answer, owned, findings, differences, answer_ok,
                       answer_expected, context):
        """What was seen, and how it differs from the defect described."""
        lines = [answer]
        lines.append(owned.report(findings, context) if findings
                     else 'nothing leaked')
        if not answer_ok:
            lines.append('differs from the known defect: the answer is not '
                         '%s' % answer_expected)
        if differences:
            lines.append('differs from the known defect as described '
                         '(Placement compared with what the defect leaves):')
            lines.append(owned.report(differences, context))
        return '\n'.join(lines)

    def _slow_servers_client(self):
        """A servers client that sends a request once and waits long.

        nova-api answers this DELETE only after its RPC to the stopped
        source times out (rpc_response_timeout, 60 s by default), about
        Tempest's http_timeout; Tempest's client would then send the
        DELETE again, up to ten times.
        """
        client = self.os_admin.compute.ServersClient(
            http_timeout=max(CONF.service_clients.http_timeout, 180))
        internals.without_read_retries(client.http_obj)
        return client

    def _reset_to_error(self, server_id):
        """An admin's reset-state to ERROR, awaited."""
        self.admin_servers_client.reset_state(server_id, state='error')
        tempest_waiters.wait_for_server_status(
            self.admin_servers_client, server_id, 'ERROR',
            raise_on_error=False)

    def _judge_error_after_resize_delete(self, resized, how, findings,
                                         differences):
        """Fails unless known defect error-after-resize-... explains it.

        The defect is error-after-resize-delete-leaks-migration. Passes
        where nothing leaked. how is 'normal' or 'local'.
        """
        context = '%s delete of server %s reset to ERROR in VERIFY_RESIZE ' \
            '(from %s to %s)' % (how, resized.server['id'], resized.source,
                                 resized.destination)
        self.remember_leftovers(findings)
        self.judge_known_defect(
            'error-after-resize-delete-leaks-migration',
            needs_met=not findings,
            reproduces=not differences,
            report=self._defect_report(
                'DELETE went through', resized.owned, findings, differences,
                True, None, context),
            owned=resized.owned)

    @decorators.idempotent_id('b3b5057b-8260-4316-9435-0519dc144276')
    def test_delete_error_server_after_resize(self):
        """Reset to ERROR during VERIFY_RESIZE, then deleted normally.

        Nova confirms a resize on delete only for vm_state RESIZED; for a
        server an admin put in ERROR, something must still free the
        migration's allocation of the old flavor on the source. Before:
        both consumers hold their flavors (asserted at VERIFY_RESIZE).
        After, read once at the 404: the defect is matched exactly (the
        server freed, the migration holding exactly the old flavor on the
        source, nothing else changed); a Nova that leaks more or elsewhere
        fails naming the difference.
        """
        resized = self.boot_resized_server()
        self._reset_to_error(resized.server['id'])
        defect_shape = self._error_after_resize_shape(resized)

        # One read at the 404: the compute frees the server's allocations
        # before its row goes (delete_and_assert_freed).
        self.delete_server_and_wait(resized.server['id'], in_error=True)
        findings = resized.owned.leaks()
        differences = resized.owned.leaks_against(defect_shape)

        self._judge_error_after_resize_delete(resized, 'normal', findings,
                                              differences)

    @decorators.idempotent_id('31b05cbc-6650-40c2-a4bc-7b2b6824ec6e')
    def test_local_delete_error_server_after_resize(self):
        """Reset to ERROR during VERIFY_RESIZE, then deleted locally.

        The destination compute is forced down; nova-api's local delete
        frees the server's allocations and must free the migration's too.
        Matched like the normal delete's defect, read once while the
        destination is still held.
        """
        resized = self.boot_resized_server()
        self._reset_to_error(resized.server['id'])
        defect_shape = self._error_after_resize_shape(resized)

        with self.disrupted(resized.destination, resized.owned) as guard:
            self.delete_locally(resized.server['id'], guard)
            findings = resized.owned.leaks()
            differences = resized.owned.leaks_against(defect_shape)

        self._judge_error_after_resize_delete(resized, 'local', findings,
                                              differences)
