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

import json

import testtools

from allocation_tempest_plugin.audit import snapshot
from allocation_tempest_plugin.tests.unit import audit_fakes


class SnapshotTest(testtools.TestCase):

    def setUp(self):
        super(SnapshotTest, self).setUp()
        self.cloud = audit_fakes.FakeCloud()
        self.node1 = self.cloud.add_provider('node1')
        self.node2 = self.cloud.add_provider('node2')
        self.project = self.cloud.add_project('tempest-ServersTest-42')

    def test_records_consumers_servers_and_moving_migrations(self):
        server = self.cloud.boot('node1', self.project,
                                 audit_fakes.flavor(vcpus=2, ram=256))
        migration = self.cloud.migrate(server, 'node2')
        done = self.cloud.migrate(self.cloud.boot('node1', self.project),
                                  'node2', migration_type='migration')
        self.cloud.finish_migration(done)
        picture = snapshot.take(self.cloud.clients,
                                {'placement': '1.28', 'compute': '2.59'})
        self.assertEqual({migration: {'VCPU': 2, 'MEMORY_MB': 256,
                                      'DISK_GB': 1}},
                         picture['providers'][self.node1]['allocations'])
        self.assertEqual(self.project,
                         picture['consumers'][migration]['project_id'])
        self.assertEqual('node2', picture['servers'][server]['node'])
        self.assertEqual(2, picture['servers'][server]['flavor']['vcpus'])
        # A confirmed migration holds nothing: not recorded.
        self.assertEqual([migration], list(picture['migrations']))
        self.assertEqual('2.59', picture['microversions']['compute'])
        # Plain JSON: the compare step reads it back from a file.
        self.assertEqual(picture, json.loads(json.dumps(picture)))

    def test_reads_each_provider_and_each_consumer_once(self):
        for _ in range(3):
            self.cloud.boot('node1', self.project)
        # One consumer on two providers (an evacuation in progress).
        evacuated = self.cloud.boot('node1', self.project)
        self.cloud.migrate(evacuated, 'node2', status='done',
                           migration_type='evacuation')
        snapshot.take(self.cloud.clients)
        # Each listing ends on an empty page (reads/paging.py).
        self.assertEqual({'GET /resource_providers': 1,
                          'GET /resource_providers/{uuid}/allocations': 2,
                          'GET /allocations/{consumer}': 4,
                          'GET /servers/detail': 2,
                          'GET /os-migrations': 2},
                         dict(self.cloud.calls))

    def test_unknown_consumer_has_no_project(self):
        # Placement answers {} for a consumer gone since its provider was
        # read (GET /allocations/{consumer} never 404s).
        server = self.cloud.boot('node1', self.project)
        real = self.cloud.list_allocations

        def gone_meanwhile(consumer):
            self.cloud.free(consumer)
            return real(consumer)
        self.cloud.clients = self.cloud.clients._replace(
            allocations=type('C', (), {'list_allocations': staticmethod(
                gone_meanwhile)})())
        picture = snapshot.take(self.cloud.clients)
        self.assertEqual({'project_id': None, 'user_id': None,
                          'allocations': {}}, picture['consumers'][server])


class PagingTest(testtools.TestCase):

    def _cloud(self, servers, max_limit):
        cloud = audit_fakes.FakeCloud(max_limit=max_limit)
        cloud.add_provider('node1')
        project = cloud.add_project('admin')
        return cloud, [cloud.boot('node1', project) for _ in range(servers)]

    def test_servers_listing_spans_several_pages(self):
        cloud, servers = self._cloud(5, max_limit=2)
        picture = snapshot.take(cloud.clients)
        self.assertEqual(sorted(servers), sorted(picture['servers']))
        # 2, 2, 1 and the empty page that ends the listing.
        self.assertEqual(4, picture['reads']['server_pages'])
        self.assertEqual(5, picture['reads']['consumers'])

    def test_full_last_page_ends_with_an_empty_one(self):
        cloud, servers = self._cloud(4, max_limit=2)
        picture = snapshot.take(cloud.clients)
        self.assertEqual(4, len(picture['servers']))
        self.assertEqual(3, picture['reads']['server_pages'])

    def test_nova_caps_the_page_whatever_the_limit_asked(self):
        cloud, servers = self._cloud(5, max_limit=2)
        picture = snapshot.take(cloud.clients, page_size=1000)
        self.assertEqual(5, len(picture['servers']))
        self.assertEqual(4, picture['reads']['server_pages'])

    def test_migrations_listing_spans_several_pages(self):
        cloud = audit_fakes.FakeCloud(max_limit=2)
        cloud.add_provider('node1')
        cloud.add_provider('node2')
        project = cloud.add_project('admin')
        moving = [cloud.migrate(cloud.boot('node1', project), 'node2')
                  for _ in range(3)]
        picture = snapshot.take(cloud.clients)
        self.assertEqual(sorted(moving), sorted(picture['migrations']))
        self.assertEqual(3, picture['reads']['migration_pages'])
