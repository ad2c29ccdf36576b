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
from tempest.lib.services.placement import base_placement_client
import testtools

from allocation_tempest_plugin import exceptions
from allocation_tempest_plugin.fakes import bodies
from allocation_tempest_plugin.services import compute
from allocation_tempest_plugin.services import placement
from allocation_tempest_plugin.tests.unit import fakes

RP = bodies.RP
CONSUMER = bodies.CONSUMER


def _client(cls, service):
    return cls(mock.Mock(), service, 'RegionOne')


class ClientTestBase(testtools.TestCase):

    def _check(self, client, call, http_method, url, header, good_body,
               body=None):
        request = mock.Mock(return_value=(fakes.FakeResponse(200),
                                          json.dumps(good_body)))
        with mock.patch.object(client, 'request', request):
            result = call()
        request.assert_called_once_with(
            http_method, url, extra_headers=True,
            headers={'OpenStack-API-Version': header}, body=body)
        self.assertEqual(good_body, dict(result))
        return result


class PlacementClientsTest(ClientTestBase):

    def setUp(self):
        super(PlacementClientsTest, self).setUp()
        self.allocations = _client(placement.AllocationsClient, 'placement')
        self.providers = _client(placement.ResourceProvidersClient,
                                 'placement')
        self.usages = _client(placement.UsagesClient, 'placement')

    def test_list_allocations(self):
        self._check(self.allocations,
                    lambda: self.allocations.list_allocations(CONSUMER),
                    'GET', '/allocations/%s' % CONSUMER, 'placement 1.28',
                    bodies.GOOD['list_allocations'][1])

    def test_microversion_bound_where_built(self):
        client = placement.AllocationsClient(mock.Mock(), 'placement',
                                             'RegionOne', microversion='1.12')
        self._check(client, lambda: client.list_allocations(CONSUMER),
                    'GET', '/allocations/%s' % CONSUMER, 'placement 1.12',
                    {'allocations': {}})

    def test_microversion_from_tempest_fixture(self):
        # What APIMicroversionFixture sets from placement_min_microversion.
        with mock.patch.object(base_placement_client,
                               'PLACEMENT_MICROVERSION', '1.12'):
            self._check(self.allocations,
                        lambda: self.allocations.list_allocations(CONSUMER),
                        'GET', '/allocations/%s' % CONSUMER,
                        'placement 1.12', {'allocations': {}})

    def test_list_resource_providers_with_filters(self):
        self._check(self.providers,
                    lambda: self.providers.list_resource_providers(
                        name='compute1', uuid=RP),
                    'GET', '/resource_providers?name=compute1&uuid=%s' % RP,
                    'placement 1.28',
                    bodies.GOOD['list_resource_providers'][1])

    def test_list_resource_provider_allocations(self):
        providers = self.providers
        self._check(providers,
                    lambda: providers.list_resource_provider_allocations(RP),
                    'GET', '/resource_providers/%s/allocations' % RP,
                    'placement 1.28',
                    bodies.GOOD['list_resource_provider_allocations'][1])

    def test_list_resource_provider_inventories(self):
        providers = self.providers
        self._check(providers,
                    lambda: providers.list_resource_provider_inventories(RP),
                    'GET', '/resource_providers/%s/inventories' % RP,
                    'placement 1.28',
                    bodies.GOOD['list_resource_provider_inventories'][1])

    def test_list_resource_provider_usages(self):
        self._check(self.providers,
                    lambda: self.providers.list_resource_provider_usages(RP),
                    'GET', '/resource_providers/%s/usages' % RP,
                    'placement 1.28',
                    bodies.GOOD['list_resource_provider_usages'][1])

    def test_list_resource_provider_traits(self):
        self._check(self.providers,
                    lambda: self.providers.list_resource_provider_traits(RP),
                    'GET', '/resource_providers/%s/traits' % RP,
                    'placement 1.28',
                    bodies.GOOD['list_resource_provider_traits'][1])

    def test_list_project_usages(self):
        self._check(self.usages,
                    lambda: self.usages.list_usages('proj', 'user'),
                    'GET', '/usages?project_id=proj&user_id=user',
                    'placement 1.28', bodies.GOOD['list_usages'][1])

    def test_list_project_usages_without_user(self):
        self._check(self.usages,
                    lambda: self.usages.list_usages('proj'),
                    'GET', '/usages?project_id=proj', 'placement 1.28',
                    bodies.GOOD['list_usages'][1])

    def test_invalid_body_names_method_url_status_and_path(self):
        request = mock.Mock(return_value=(
            fakes.FakeResponse(200), '{"usages": {"VCPU": -4}}'))
        with mock.patch.object(self.usages, 'request', request):
            error = self.assertRaises(exceptions.InvalidResponse,
                                      self.usages.list_usages, 'proj')
        self.assertEqual(
            'UsagesClient.list_usages: GET placement /usages?project_id=proj'
            ' answered 200 with an invalid body at $.usages.VCPU: -4 is '
            'less than the minimum of 0', str(error))

    def test_unexpected_success_code(self):
        request = mock.Mock(return_value=(fakes.FakeResponse(202), '{}'))
        with mock.patch.object(self.usages, 'request', request):
            self.assertRaises(lib_exc.InvalidHttpSuccessCode,
                              self.usages.list_usages, 'proj')


class ComputeServicesClientTest(ClientTestBase):

    def setUp(self):
        super(ComputeServicesClientTest, self).setUp()
        self.client = _client(compute.ComputeServicesClient, 'compute')

    def test_list_services(self):
        self._check(self.client,
                    lambda: self.client.list_services(
                        binary='nova-compute', host='compute1'),
                    'GET', '/os-services?binary=nova-compute&host=compute1',
                    'compute 2.53', bodies.GOOD['list_services'][1])

    def test_update_service(self):
        service_id = bodies.GOOD['update_service'][1]['service']['id']
        self._check(self.client,
                    lambda: self.client.update_service(
                        service_id, forced_down=True),
                    'PUT', '/os-services/%s' % service_id, 'compute 2.53',
                    bodies.GOOD['update_service'][1],
                    body='{"forced_down": true}')
