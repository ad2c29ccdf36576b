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
from unittest import mock

from tempest.lib import exceptions as lib_exc

from allocation_tempest_plugin import exceptions
from allocation_tempest_plugin.services import compute
from allocation_tempest_plugin.services import identity
from allocation_tempest_plugin.tests.unit import audit_fakes
from allocation_tempest_plugin.tests.unit import fakes
from allocation_tempest_plugin.tests.unit import test_clients

MIGRATION = '0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9'


def _migrations_page():
    cloud = audit_fakes.FakeCloud(max_limit=1)
    cloud.add_provider('node1')
    cloud.add_provider('node2')
    project = cloud.add_project('admin')
    cloud.migrate(cloud.boot('node1', project), 'node2')
    cloud.migrate(cloud.boot('node1', project), 'node2')
    return cloud.list_migrations(limit=1)


class MigrationsClientTest(test_clients.ClientTestBase):

    def setUp(self):
        super(MigrationsClientTest, self).setUp()
        self.client = test_clients._client(compute.MigrationsClient,
                                           'compute')

    def test_full_page_with_its_next_link(self):
        # Tempest's own schemas refuse migrations_links: this one pages.
        page = _migrations_page()
        self.assertIn('migrations_links', page)
        self._check(self.client,
                    lambda: self.client.list_migrations(limit=1,
                                                        marker=MIGRATION),
                    'GET', '/os-migrations?limit=1&marker=%s' % MIGRATION,
                    'compute 2.59', page)

    def test_migration_without_uuid_is_refused(self):
        page = _migrations_page()
        del page['migrations'][0]['uuid']
        request = mock.Mock(return_value=(fakes.FakeResponse(200),
                                          json.dumps(page)))
        with mock.patch.object(self.client, 'request', request):
            error = self.assertRaises(exceptions.InvalidResponse,
                                      self.client.list_migrations)
        self.assertIn('$.migrations[0].uuid', str(error))


class ProjectsClientTest(test_clients.ClientTestBase):

    def setUp(self):
        super(ProjectsClientTest, self).setUp()
        self.client = test_clients._client(identity.ProjectsClient,
                                           'identity')

    def _request(self, status, body):
        return mock.Mock(return_value=(fakes.FakeResponse(status),
                                       json.dumps(body)))

    def test_show_project_sends_no_version_header(self):
        body = {'project': {'id': 'p1', 'name': 'tempest-X-1',
                            'domain_id': 'default', 'enabled': True,
                            'tags': [], 'options': {}}}
        request = self._request(200, body)
        with mock.patch.object(self.client, 'request', request):
            self.assertEqual(body, dict(self.client.show_project('p1')))
        request.assert_called_once_with('GET', '/projects/p1',
                                        extra_headers=True, headers={},
                                        body=None)

    def test_project_without_name_is_refused(self):
        request = self._request(200, {'project': {'id': 'p1'}})
        with mock.patch.object(self.client, 'request', request):
            error = self.assertRaises(exceptions.InvalidResponse,
                                      self.client.show_project, 'p1')
        self.assertIn('$.project.name', str(error))

    def test_deleted_project_is_not_found(self):
        request = mock.Mock(side_effect=lib_exc.NotFound('gone'))
        with mock.patch.object(self.client, 'request', request):
            self.assertRaises(lib_exc.NotFound, self.client.show_project,
                              'p1')
