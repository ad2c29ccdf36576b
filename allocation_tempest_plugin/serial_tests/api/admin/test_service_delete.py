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

CONF = config.CONF


@decorators.serial
class ServiceDeleteTest(base.MultiComputeTestBase):
    """A compute service cannot be deleted from under its servers.

    DELETE /os-services/{id} deletes the host's resource provider with
    every allocation on it; Nova must answer 409 while the host has
    servers (bug 1763183) or migrations in progress (bug 1852610). If Nova
    has regressed and deletes it, the test fails and the guard reports the
    service gone: restarting that nova-compute registers it again, nothing
    in the run can.
    """

    def _assert_delete_refused(self, host, owned, why):
        """Fails unless DELETE of host's service is refused, changing nothing.

        Read once while the guard holds host.
        """
        rp_uuid = self.provider_for_host(host)
        inventories = self.providers_client.\
            list_resource_provider_inventories(rp_uuid)['inventories']
        with self.disrupted(host, owned) as guard:
            refused = guard.try_delete_service()
            self.assertIsInstance(
                refused, lib_exc.Conflict,
                'DELETE of the nova-compute service of %s, which %s, was '
                'not refused with 409 (answer: %s)' % (host, why,
                                                       refused or 'deleted'))
            guard.confirm_held()
            self.assertEqual(
                inventories, self.providers_client.
                list_resource_provider_inventories(rp_uuid)['inventories'])
            self.assert_placement_clean(
                owned, 'refused delete of the service of %s' % host)

    def _skip_unless_cold_migration(self):
        """Skips when the cloud does not cold-migrate."""
        if not CONF.compute_feature_enabled.cold_migration:
            raise self.skipException(
                '[compute-feature-enabled] cold_migration is off')

    def _cold_migrate_to_b(self, server_id):
        """Migrate server_id to host_b (2.56: a named host), to VERIFY_RESIZE.

        Returns the migration's uuid.
        """
        self.admin_servers_client.migrate_server(server_id,
                                                 host=self.host_b)
        tempest_waiters.wait_for_server_status(
            self.admin_servers_client, server_id, 'VERIFY_RESIZE')
        [migration] = self.os_admin.migrations_client.list_migrations(
            instance_uuid=server_id)['migrations']
        return migration['uuid']

    def _assert_migration_holds_source(self, server, migration_uuid, owned):
        """Fails unless the migration holds the flavor on A, the server on B.

        Then owned expects both to keep it.
        """
        flavor = placement.flavor_resources(self.flavor)
        self.assert_allocations(
            migration_uuid, {self.rp_a: flavor},
            'premise: the migration holds the flavor on %s' % self.host_a)
        self.assert_allocations(
            server['id'], {self.rp_b: flavor},
            'premise: the migrated server holds it on %s' % self.host_b)
        owned.expect(migration_uuid, {self.rp_a: flavor}, 'migration',
                     project_id=server['tenant_id'])
        owned.expect(server['id'], {self.rp_b: flavor},
                     project_id=server['tenant_id'])

    @decorators.idempotent_id('393d7ece-1f5e-4da6-b29d-92eca4292a60')
    @decorators.related_bug('1763183')
    def test_service_with_a_server_is_not_deleted(self):
        """409 while the host runs the test's server; nothing changes.

        Before: the server holds its flavor on the held host (expected to
        keep it). During: DELETE /os-services answers 409 and the service
        still reads as the guard holds it. After, read once while held:
        the provider's inventories are unchanged and the server still holds
        exactly its flavor.
        """
        owned = self.placement_snapshot(self.host_a)
        server = self.boot_server(host=self.host_a)
        self.assert_flavor_allocated(server, self.rp_a, self.flavor)
        owned.expect(server['id'], {
            self.rp_a: placement.flavor_resources(self.flavor)},
            project_id=server['tenant_id'])
        self._assert_delete_refused(self.host_a, owned,
                                    'runs server %s' % server['id'])

    @decorators.idempotent_id('7d71e319-4295-4402-a6fd-831e1c23b360')
    @decorators.related_bug('1852610')
    def test_service_with_a_migration_in_progress_is_not_deleted(self):
        """409 while a migration from the host waits in VERIFY_RESIZE.

        The server is cold-migrated from A to B (2.56: to a named host),
        so A runs no server but is the source of a migration whose
        consumer holds the flavor on A. During: DELETE /os-services of A
        answers 409. After, read once while A is held: the migration still
        holds the flavor on A, the server on B, A's inventories unchanged.
        """
        self._skip_unless_cold_migration()
        owned = self.placement_snapshot(self.host_a, self.host_b)
        server = self.boot_server(host=self.host_a)
        migration_uuid = self._cold_migrate_to_b(server['id'])
        self._assert_migration_holds_source(server, migration_uuid, owned)
        self._assert_delete_refused(
            self.host_a, owned, 'is the source of migration %s' %
            migration_uuid)
