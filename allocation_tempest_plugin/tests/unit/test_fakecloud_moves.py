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

"""The fake Nova's resizes and migrations answer as Nova 34's (moves.py).

What the known-defect tests' unit tests (test_unjudged_leftovers.py) rely
on, each with the Nova behaviour it follows (nova-behaviour.md).
"""

from allocation_tempest_plugin.fakes.fakecloud import cloud
from allocation_tempest_plugin.fakes.fakecloud import nova
from allocation_tempest_plugin.tests.unit import test_fakecloud_nova as base

ALT = '2'
ALT_HELD = {'VCPU': 2, 'MEMORY_MB': 1024, 'DISK_GB': 2}
OLD = nova.Context('admin-project', 'admin', True, '2.58')


class ResizeTestBase(base.FakeNovaTestBase):

    def setUp(self):
        super(ResizeTestBase, self).setUp()
        self.nova.add_compute('compute2')
        self.nova.add_flavor(ALT, vcpus=2, ram=1024, disk=2)
        self.server_id = self.boot()[1]['server']['id']
        self.rp1 = self.nova.node_on['compute1']['uuid']
        self.rp2 = self.nova.node_on['compute2']['uuid']

    def resize(self):
        self.assertEqual(202, self.act(self.server_id, 'resize',
                                       {'flavorRef': ALT})[0])
        [migration] = self.migrations(instance_uuid=self.server_id)
        return migration

    def migrations(self, context=base.ADMIN, **query):
        status, body = self.nova.handle(context, 'GET', '/os-migrations',
                                        query, None)
        self.assertEqual(200, status, body)
        return body['migrations']

    def delete(self):
        return self.nova.handle(base.ADMIN, 'DELETE', '/servers/%s'
                                % self.server_id, {}, None)


class ResizeTest(ResizeTestBase):

    def test_verify_resize_splits_the_claims(self):
        migration = self.resize()
        server = self.server(self.server_id)
        self.assertEqual(('VERIFY_RESIZE', 'compute2'), (
            server['status'], server['OS-EXT-SRV-ATTR:host']))
        self.assertEqual({self.rp2: ALT_HELD}, self.held(self.server_id))
        self.assertEqual({self.rp1: base.FLAVOR_HELD},
                         self.held(migration['uuid']))
        self.assertEqual(('finished', 'resize', 'compute1', 'compute2'), (
            migration['status'], migration['migration_type'],
            migration['source_compute'], migration['dest_compute']))
        self.assertEqual(['compute_prep_resize', 'compute_resize_instance',
                          'compute_finish_resize'],
                         self.events(self.server_id, 'resize'))

    def test_confirm_frees_the_migration(self):
        migration = self.resize()
        self.assertEqual(204, self.act(self.server_id, 'confirmResize')[0])
        self.assertEqual({}, self.held(migration['uuid']))
        self.assertEqual('ACTIVE', self.server(self.server_id)['status'])
        [migration] = self.migrations(instance_uuid=self.server_id)
        self.assertEqual('confirmed', migration['status'])

    def test_same_flavor_and_a_resizing_server_are_refused(self):
        self.assertEqual(400, self.act(self.server_id, 'resize',
                                       {'flavorRef': cloud.FLAVOR})[0])
        self.resize()
        self.assertEqual(409, self.act(self.server_id, 'resize',
                                       {'flavorRef': cloud.FLAVOR})[0])

    def test_deleting_a_resized_server_confirms_first(self):
        migration = self.resize()
        self.assertEqual(204, self.delete()[0])
        self.assertEqual({}, self.held(migration['uuid']))
        self.assertEqual({}, self.held(self.server_id))

    def test_source_stopped_answers_500_and_leaves_it_deleting(self):
        migration = self.resize()
        self.nova.os_services.stop('compute1')
        status, body = self.delete()
        self.assertEqual(500, status)
        self.assertIn('MessagingTimeout', body['computeFault']['message'])
        self.assertEqual('deleting', self.server(self.server_id)[
            'OS-EXT-STS:task_state'])
        self.assertEqual({self.rp1: base.FLAVOR_HELD},
                         self.held(migration['uuid']))
        # Ignored until an admin resets its state.
        self.assertEqual(204, self.delete()[0])
        self.assertEqual('VERIFY_RESIZE', self.server(self.server_id)[
            'status'])

    def test_an_error_server_leaks_its_migration(self):
        # Known defect error-after-resize-delete-leaks-migration.
        migration = self.resize()
        self.act(self.server_id, 'os-resetState', {'state': 'error'})
        self.assertEqual(204, self.delete()[0])
        self.assertEqual({}, self.held(self.server_id))
        self.assertEqual({self.rp1: base.FLAVOR_HELD},
                         self.held(migration['uuid']))


class MigrationListingTest(ResizeTestBase):

    def test_a_deleted_servers_migrations_are_not_listed(self):
        self.resize()
        self.act(self.server_id, 'os-resetState', {'state': 'error'})
        self.delete()
        self.assertEqual([], self.migrations(instance_uuid=self.server_id))
        self.assertEqual([], self.migrations())

    def test_fields_follow_the_microversion(self):
        self.resize()
        [old] = self.migrations(context=OLD)
        self.assertNotIn('uuid', old)
        [new] = self.migrations()
        self.assertIn('uuid', new)
        self.assertNotIn('project_id', new)

    def test_pages_by_uuid_newest_first(self):
        first = self.resize()
        self.act(self.server_id, 'confirmResize')
        self.act(self.server_id, 'resize', {'flavorRef': cloud.FLAVOR})
        second, first_again = self.migrations()
        self.assertEqual(first['uuid'], first_again['uuid'])
        status, body = self.nova.handle(base.ADMIN, 'GET', '/os-migrations',
                                        {'limit': '1'}, None)
        self.assertEqual([second['uuid']],
                         [m['uuid'] for m in body['migrations']])
        self.assertIn('migrations_links', body)
        self.assertEqual([first['uuid']], [m['uuid'] for m in self.migrations(
            limit='1', marker=second['uuid'])])
        self.assertEqual(400, self.nova.handle(
            base.ADMIN, 'GET', '/os-migrations', {'marker': 'unknown'},
            None)[0])

    def test_only_an_admin_lists_them(self):
        self.assertEqual(403, self.nova.handle(
            base.MEMBER, 'GET', '/os-migrations', {}, None)[0])

    def test_an_injected_failure_answers_once(self):
        self.nova.fail_once('GET', '^/os-migrations$')
        self.assertEqual(500, self.nova.handle(
            base.ADMIN, 'GET', '/os-migrations', {}, None)[0])
        self.assertEqual([], self.migrations())
