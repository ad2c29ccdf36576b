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

"""A test's own leftovers, found and released by uuid (own_leftovers.py).

Against the fake Nova and Placement: a server resized to VERIFY_RESIZE,
reset to ERROR and deleted leaves its migration's old flavor on the
source, as Nova 34 does.
"""

import testtools

from allocation_tempest_plugin.fakes.fakecloud import clients as fakeclients
from allocation_tempest_plugin.fakes.fakecloud import cloud
from allocation_tempest_plugin.fakes.fakecloud import nova
from allocation_tempest_plugin.placement_checks import own_leftovers

ADMIN = nova.Context('admin-project', 'admin', True, '2.74')
PROJECTS = ['admin-project', 'primary-project']
OLD_FLAVOR = {'VCPU': 1, 'MEMORY_MB': 512, 'DISK_GB': 1}


class OwnLeftoversTest(testtools.TestCase):

    def setUp(self):
        super(OwnLeftoversTest, self).setUp()
        self.cloud = cloud.Cloud(max_limit=1)
        self.nova = self.cloud.nova
        self.placement = self.cloud.placement
        self.nova.add_compute('compute1')
        self.nova.add_compute('compute2')
        self.nova.add_flavor('2', vcpus=2, ram=1024, disk=2)
        self.rp1 = self.nova.node_on['compute1']['uuid']
        self.calls, clients = fakeclients.admin_clients(self.cloud)
        self.servers = clients['servers']
        self.migrations = clients['migrations']
        self.allocations = fakeclients.PlacementClient(self.placement)

    def _resized(self, project='admin-project'):
        """(server id, migration uuid) of a server in VERIFY_RESIZE."""
        server_id = self.nova.boot(project, 'admin', 'compute1',
                                   cloud.FLAVOR)['id']
        self._act(server_id, 'resize', {'flavorRef': '2'})
        [migration_uuid] = own_leftovers.migrations_of(self.migrations,
                                                       server_id)
        return server_id, migration_uuid

    def _act(self, server_id, action, params=None):
        self.nova.handle(ADMIN, 'POST', '/servers/%s/action' % server_id,
                         {}, {action: params})

    def _defect(self, project='admin-project'):
        """Reset to ERROR and deleted: the migration keeps the old flavor."""
        server_id, migration_uuid = self._resized(project)
        self._act(server_id, 'os-resetState', {'state': 'error'})
        self.nova.handle(ADMIN, 'DELETE', '/servers/%s' % server_id, {},
                         None)
        return server_id, migration_uuid

    def _release(self, server_ids, migrations):
        return own_leftovers.release(
            self.allocations, self.servers.show_server, server_ids,
            migrations, PROJECTS, hosts={self.rp1: 'compute1'})

    def _held(self, consumer):
        return self.allocations.list_allocations(consumer)['allocations']

    def test_migrations_are_read_while_the_server_exists(self):
        server_id, migration_uuid = self._resized()
        # Nova's max_limit of 1: the listing is followed to its end.
        self.assertEqual([migration_uuid], own_leftovers.migrations_of(
            self.migrations, server_id))
        self._act(server_id, 'os-resetState', {'state': 'error'})
        self.nova.handle(ADMIN, 'DELETE', '/servers/%s' % server_id, {},
                         None)
        self.assertEqual([], own_leftovers.migrations_of(self.migrations,
                                                         server_id))

    def test_the_migration_of_a_gone_server_is_released_and_reported(self):
        server_id, migration_uuid = self._defect()
        outcome = self._release([server_id], {migration_uuid: server_id})
        self.assertEqual({}, self._held(migration_uuid))
        self.assertEqual(['released: migration of server %s %s (project '
                          'admin-project): DISK_GB=1, MEMORY_MB=512, VCPU=1 '
                          'on provider %s (host compute1)' % (
                              server_id, migration_uuid, self.rp1)],
                         outcome.lines())
        # The server held nothing: read, not deleted.
        self.assertEqual([migration_uuid], self.placement.deletes)

    def test_only_own_consumers_are_touched(self):
        server_id, migration_uuid = self._defect()
        # Another test's server on the same provider, and one of the same
        # project this test did not create (pre-provisioned credentials).
        theirs = self.nova.boot('other-project', 'other', 'compute1',
                                cloud.FLAVOR)['id']
        same_project = self.nova.boot('admin-project', 'admin', 'compute1',
                                      cloud.FLAVOR)['id']
        self._release([server_id], {migration_uuid: server_id})
        self.assertEqual({self.rp1: {'resources': OLD_FLAVOR}},
                         self._without_generations(theirs))
        self.assertEqual({self.rp1: {'resources': OLD_FLAVOR}},
                         self._without_generations(same_project))
        self.assertEqual([migration_uuid], self.placement.deletes)

    def _without_generations(self, consumer):
        return {rp: {'resources': held['resources']}
                for rp, held in self._held(consumer).items()}

    def test_a_server_that_still_exists_keeps_everything(self):
        server_id, migration_uuid = self._resized()
        outcome = self._release([server_id], {migration_uuid: server_id})
        self.assertEqual([], self.placement.deletes)
        self.assertNotEqual({}, self._held(migration_uuid))
        [line] = outcome.lines()
        self.assertTrue(line.startswith(
            'kept: server %s still exists (status VERIFY_RESIZE, '
            'task_state None)' % server_id), line)

    def test_a_consumer_of_another_project_is_left_alone(self):
        server_id, migration_uuid = self._defect(project='other-project')
        [line] = self._release([server_id],
                               {migration_uuid: server_id}).lines()
        self.assertIn('holds allocations of project other-project, not one '
                      'of this test\'s', line)
        self.assertEqual([], self.placement.deletes)
        self.assertNotEqual({}, self._held(migration_uuid))

    def test_released_twice_is_released_once(self):
        server_id, migration_uuid = self._defect()
        self._release([server_id], {migration_uuid: server_id})
        self.assertEqual([], self._release(
            [server_id], {migration_uuid: server_id}).lines())
        self.assertEqual([migration_uuid], self.placement.deletes)

    def test_freed_between_the_read_and_the_delete_is_fine(self):
        server_id, migration_uuid = self._defect()
        delete = self.allocations.delete_allocations

        def freed_meanwhile(consumer):
            self.placement.free(consumer)
            return delete(consumer)   # 404: it holds nothing any more
        self.allocations.delete_allocations = freed_meanwhile
        outcome = self._release([server_id], {migration_uuid: server_id})
        self.assertEqual([], outcome.lines())

    def test_a_failed_release_is_reported_and_the_others_go_on(self):
        server_id, migration_uuid = self._defect()
        other_id, other_migration = self._defect()
        self.placement.fail_once('DELETE', '^/allocations/%s$'
                                 % migration_uuid)
        outcome = self._release([server_id, other_id],
                                {migration_uuid: server_id,
                                 other_migration: other_id})
        [failed] = outcome.failed
        self.assertTrue(failed.startswith('migration of server %s %s: '
                                          % (server_id, migration_uuid)))
        self.assertNotEqual({}, self._held(migration_uuid))
        self.assertEqual({}, self._held(other_migration))
        self.assertEqual(1, len(outcome.released))
