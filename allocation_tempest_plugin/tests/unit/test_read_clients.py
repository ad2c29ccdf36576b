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

"""reads/clients.py: one login, its microversions, per client.

Against the fake cloud served over HTTP, reading the version headers of
the requests as they leave each client, and the answers validated.
"""

from unittest import mock

from tempest.lib.common import api_microversion_fixture
from tempest.lib.services.compute import base_compute_client
from tempest.lib.services.placement import base_placement_client
import testtools

from allocation_tempest_plugin.fakes.fakecloud import cloud
from allocation_tempest_plugin.fakes.fakecloud import http
from allocation_tempest_plugin.fakes.fakecloud import tempest_clients
from allocation_tempest_plugin import microversions
from allocation_tempest_plugin.reads import clients


def _params(service):
    return {'service': service, 'region': tempest_clients.REGION}


def sent_version(client, read, *args):
    """The microversion client sent for read(*args), from its headers."""
    with mock.patch.object(client.http_obj, 'request',
                           wraps=client.http_obj.request) as request:
        getattr(client, read)(*args)
    headers = request.call_args.kwargs['headers']
    # The plugin's clients send OpenStack-API-Version ("compute 2.53"),
    # Tempest's compute clients X-OpenStack-Nova-API-Version ("2.74").
    if 'X-OpenStack-Nova-API-Version' in headers:
        return headers['X-OpenStack-Nova-API-Version']
    return headers.get('OpenStack-API-Version', 'none').split()[-1]


class FactoryTest(testtools.TestCase):

    def setUp(self):
        super(FactoryTest, self).setUp()
        fake_cloud = cloud.Cloud()
        fake_cloud.nova.add_compute('compute1')
        server = http.serve(fake_cloud)
        self.addCleanup(server.server_close)
        self.addCleanup(server.shutdown)
        url = 'http://127.0.0.1:%d' % server.server_address[1]
        self.auth_provider = tempest_clients.Manager(
            url, 'admin').auth_provider

    def factory(self, **microversions):
        return clients.Clients(self.auth_provider, _params, **microversions)

    def sent_compute(self, factory):
        """The compute microversions of a services and a servers read."""
        return (sent_version(factory.compute_services(), 'list_services'),
                sent_version(factory.servers(), 'list_servers'))

    def sent_placement(self, factory):
        return sent_version(factory.resource_providers(),
                            'list_resource_providers')

    def assertGlobalsUntouched(self):
        self.assertIsNone(base_compute_client.COMPUTE_MICROVERSION)
        self.assertIsNone(base_placement_client.PLACEMENT_MICROVERSION)

    def test_two_factories_keep_their_own_microversions(self):
        older = self.factory(compute_microversion='2.53',
                             placement_microversion='1.14')
        newer = self.factory(compute_microversion='2.74',
                             placement_microversion='1.28')
        # Interleaved: building or using one changes nothing of the other.
        self.assertEqual(('2.74', '2.74'), self.sent_compute(newer))
        self.assertEqual(('2.53', '2.53'), self.sent_compute(older))
        self.assertEqual('1.28', self.sent_placement(newer))
        self.assertEqual('1.14', self.sent_placement(older))
        self.assertEqual({'compute': '2.53', 'placement': '1.14'},
                         older.microversions)
        self.assertGlobalsUntouched()

    def test_bound_microversion_wins_over_tempest_fixture(self):
        # A tool's factory inside a process where a test class set one.
        self.useFixture(api_microversion_fixture.APIMicroversionFixture(
            compute_microversion='2.74', placement_microversion='1.14'))
        bound = self.factory(compute_microversion='2.59',
                             placement_microversion='1.28')
        self.assertEqual(('2.59', '2.59'), self.sent_compute(bound))
        self.assertEqual('1.28', self.sent_placement(bound))
        self.assertEqual('2.74', base_compute_client.COMPUTE_MICROVERSION)

    def test_unbound_factory_follows_the_test_class_fixture(self):
        # What a test's setup_clients builds: the class attributes rule.
        self.useFixture(api_microversion_fixture.APIMicroversionFixture(
            compute_microversion='2.74', placement_microversion='1.14'))
        unbound = self.factory()
        self.assertEqual(('2.74', '2.74'), self.sent_compute(unbound))
        self.assertEqual('1.14', self.sent_placement(unbound))

    def test_unbound_factory_outside_a_test_sends_the_floors(self):
        unbound = self.factory()
        # Tempest's own client, unbound, sends no version at all.
        self.assertEqual((microversions.SERVICE_UUIDS, 'none'),
                         self.sent_compute(unbound))
        self.assertEqual(microversions.CONSUMER_GENERATIONS,
                         self.sent_placement(unbound))
        self.assertGlobalsUntouched()

    def test_every_client_logs_in_through_the_factory_login(self):
        factory = self.factory(compute_microversion='2.74',
                               placement_microversion='1.28')
        built = [factory.compute_services(), factory.migrations(),
                 factory.servers(), factory.flavors(),
                 factory.resource_providers(), factory.allocations(),
                 factory.usages(), factory.projects()]
        for client in built:
            self.assertIs(self.auth_provider, client.auth_provider)

    def test_pinned_flavors_client_reads_with_tempest_schemas(self):
        flavors = self.factory(compute_microversion='2.74').flavors()
        self.assertEqual('2.74', sent_version(flavors, 'show_flavor',
                                              cloud.FLAVOR))
        self.assertEqual(cloud.FLAVOR,
                         flavors.show_flavor(cloud.FLAVOR)['flavor']['id'])
        self.assertGlobalsUntouched()
