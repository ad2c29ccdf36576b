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

from allocation_tempest_plugin.api import base

CONF = config.CONF


@decorators.serial
class LocalDeleteTest(base.DisruptiveTestBase):
    """Nova bug 1679750 on a real cloud, for every state a server can be in.

    A server is deleted while its compute service is forced down, so
    nova-api deletes it "locally" and must delete its allocations in
    Placement itself: the compute cannot. Checked while the compute is
    still down, so nothing the compute does later can hide a leak.
    """

    def _assert_local_delete_releases(self, server, host, baselines,
                                      consumers, context,
                                      project_usages_before):
        with self.disrupted(host):
            self.delete_server_and_wait(server['id'])
            # Read at once: Nova must have released everything before the
            # DELETE answered; the compute's own periodic clean-up (its
            # process still runs) must not get the chance to do it.
            self.assert_released(consumers, baselines, server['tenant_id'],
                                 'local delete of a %s server on %s' % (
                                     context, host), project_usages_before,
                                 immediately=True)

    def _boot_in_state(self, state, change_state=None):
        host = self.disruptable_host()
        baseline = self.take_baseline(host)
        # Each test answers for its own server: a leak of an earlier test
        # in this project is that test's failure, not this one's.
        self.project_usages_before = self.project_usages(
            self.os_admin.credentials.project_id)
        server = self.boot_server(host=host)
        if change_state is not None:
            change_state(server['id'])
            tempest_waiters.wait_for_server_status(
                self.admin_servers_client, server['id'], state,
                raise_on_error=False)
        return server, host, baseline

    def _local_delete_in_state(self, state, change_state=None):
        server, host, baseline = self._boot_in_state(state, change_state)
        self._assert_local_delete_releases(
            server, host, [baseline], {server['id']: 'server'}, state,
            self.project_usages_before)

    @decorators.idempotent_id('974745be-72fe-42f9-b38b-6a40054f25f6')
    @decorators.related_bug('1679750')
    def test_local_delete_active_server(self):
        """The seed case: an ACTIVE server deleted while its compute is down.

        Consumer empty, provider usages at the pre-boot baseline and the
        project using nothing, all while the compute is still forced down.
        """
        self._local_delete_in_state('ACTIVE')

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

        Its former host is down when it is deleted: nothing may reappear
        and the project must use nothing afterwards.
        """
        if not CONF.compute_feature_enabled.shelve:
            raise self.skipException('[compute-feature-enabled] shelve is off')
        server, host, baseline = self._boot_in_state('ACTIVE')
        compute.shelve_server(self.admin_servers_client, server['id'],
                              force_shelve_offload=True)
        self._assert_local_delete_releases(
            server, host, [baseline], {server['id']: 'server'},
            'SHELVED_OFFLOADED', self.project_usages_before)

    @decorators.idempotent_id('24daf3bf-94b0-4e16-9777-64245e6a0a51')
    @decorators.related_bug('1679750')
    def test_local_delete_verify_resize_server(self):
        """A server waiting for resize confirmation, and its migration.

        During a resize Placement holds the old flavor under the
        migration's uuid on the source and the new flavor under the
        server's on the destination. Deleting the server while the
        destination compute is down must free both.
        """
        if not CONF.compute_feature_enabled.resize:
            raise self.skipException('[compute-feature-enabled] resize is off')
        if CONF.compute.flavor_ref_alt == CONF.compute.flavor_ref:
            raise self.skipException('resize needs [compute] flavor_ref_alt '
                                     'to differ from flavor_ref')
        host = self.disruptable_host()
        # The scheduler may pick any host as destination: baseline them all.
        baselines = [self.take_baseline(service['host'])
                     for service in self.compute_services()
                     if service['state'] == 'up']
        project_usages_before = self.project_usages(
            self.os_admin.credentials.project_id)
        server = self.boot_server(host=host)
        self.admin_servers_client.resize_server(server['id'],
                                                CONF.compute.flavor_ref_alt)
        tempest_waiters.wait_for_server_status(
            self.admin_servers_client, server['id'], 'VERIFY_RESIZE')
        migration_uuid = self.os_admin.migrations_client.list_migrations(
            instance_uuid=server['id'],
            migration_type='resize')['migrations'][0]['uuid']
        destination = self.admin_servers_client.show_server(
            server['id'])['server']['OS-EXT-SRV-ATTR:host']
        self._assert_local_delete_releases(
            server, destination, baselines,
            {server['id']: 'server', migration_uuid: 'migration'},
            'VERIFY_RESIZE', project_usages_before)
