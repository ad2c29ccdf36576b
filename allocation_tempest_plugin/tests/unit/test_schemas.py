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

import copy
import json

import testtools

from allocation_tempest_plugin import exceptions
from allocation_tempest_plugin.fakes import bodies
from allocation_tempest_plugin.services.schemas import compute_services
from allocation_tempest_plugin.services.schemas import placement
from allocation_tempest_plugin.services import validation

RP = bodies.RP
CONSUMER = bodies.CONSUMER
DESCRIBE = {'method': 'Client.call', 'http_method': 'GET',
            'url': 'placement /x', 'status': 200}

GOOD = bodies.GOOD
SCHEMAS = {
    'list_allocations': placement.list_allocations,
    'list_resource_providers': placement.list_resource_providers,
    'list_resource_provider_allocations':
        placement.list_resource_provider_allocations,
    'list_resource_provider_inventories':
        placement.list_resource_provider_inventories,
    'list_resource_provider_usages': placement.list_resource_provider_usages,
    'list_resource_provider_traits': placement.list_resource_provider_traits,
    'list_usages': placement.list_usages,
    'list_services': compute_services.list_services,
    'update_service': compute_services.update_service,
}

# name -> [(description, mutate(body), expected JSON path)]
BAD = {
    'list_allocations': [
        ('missing key', lambda b: b.pop('allocations'), '$.allocations'),
        ('wrong type', lambda b: b['allocations'][RP].update(resources=[]),
         "$.allocations['%s'].resources" % RP),
        ('negative', lambda b: b['allocations'][RP]['resources'].update(
            VCPU=-1), "$.allocations['%s'].resources.VCPU" % RP),
        ('absurd', lambda b: b['allocations'][RP]['resources'].update(
            VCPU=2 ** 40), "$.allocations['%s'].resources.VCPU" % RP),
        ('bad class', lambda b: b['allocations'][RP]['resources'].update(
            vcpu=1), "$.allocations['%s'].resources" % RP),
        ('bad provider', lambda b: b['allocations'].update(x={}),
         '$.allocations'),
        ('extra nesting', lambda b: b.update(allocations={'a': dict(b)}),
         '$.allocations'),
    ],
    'list_resource_providers': [
        ('missing key', lambda b: b['resource_providers'][0].pop('uuid'),
         '$.resource_providers[0].uuid'),
        ('wrong type', lambda b: b.update(resource_providers={}),
         '$.resource_providers'),
        ('negative', lambda b: b['resource_providers'][0].update(
            generation=-3), '$.resource_providers[0].generation'),
        ('not a uuid', lambda b: b['resource_providers'][0].update(
            uuid='compute1'), '$.resource_providers[0].uuid'),
    ],
    'list_resource_provider_allocations': [
        ('missing key', lambda b: b.pop('resource_provider_generation'),
         '$.resource_provider_generation'),
        ('wrong type', lambda b: b['allocations'][CONSUMER].update(
            resources='1'), "$.allocations['%s'].resources" % CONSUMER),
        ('bad consumer generation', lambda b: b['allocations'][
            CONSUMER].update(consumer_generation='1'),
         "$.allocations['%s'].consumer_generation" % CONSUMER),
        ('zero amount', lambda b: b['allocations'][CONSUMER][
            'resources'].update(VCPU=0),
         "$.allocations['%s'].resources.VCPU" % CONSUMER),
    ],
    'list_resource_provider_inventories': [
        ('missing key', lambda b: b['inventories']['VCPU'].pop('total'),
         '$.inventories.VCPU.total'),
        ('wrong type', lambda b: b['inventories']['VCPU'].update(
            allocation_ratio='16'), '$.inventories.VCPU.allocation_ratio'),
        ('negative', lambda b: b['inventories']['VCPU'].update(
            reserved=-1), '$.inventories.VCPU.reserved'),
        ('zero ratio', lambda b: b['inventories']['VCPU'].update(
            allocation_ratio=0), '$.inventories.VCPU.allocation_ratio'),
    ],
    'list_resource_provider_usages': [
        ('missing key', lambda b: b.pop('usages'), '$.usages'),
        ('wrong type', lambda b: b['usages'].update(VCPU='0'),
         '$.usages.VCPU'),
        ('negative', lambda b: b['usages'].update(VCPU=-1), '$.usages.VCPU'),
        ('float', lambda b: b['usages'].update(VCPU=0.5), '$.usages.VCPU'),
    ],
    'list_resource_provider_traits': [
        ('missing key', lambda b: b.pop('traits'), '$.traits'),
        ('wrong type', lambda b: b.update(traits={}), '$.traits'),
        ('not a trait', lambda b: b['traits'].append('compute node'),
         '$.traits[2]'),
    ],
    'list_usages': [
        ('missing key', lambda b: b.pop('usages'), '$.usages'),
        ('wrong type', lambda b: b.update(usages=[]), '$.usages'),
        ('absurd', lambda b: b['usages'].update(VCPU=2 ** 31),
         '$.usages.VCPU'),
    ],
    'list_services': [
        ('missing key', lambda b: b['services'][0].pop('forced_down'),
         '$.services[0].forced_down'),
        ('wrong type', lambda b: b['services'][0].update(forced_down='no'),
         '$.services[0].forced_down'),
        ('unknown state', lambda b: b['services'][0].update(state='maybe'),
         '$.services[0].state'),
        ('null status', lambda b: b['services'][0].update(status=None),
         '$.services[0].status'),
    ],
    'update_service': [
        ('missing key', lambda b: b['service'].pop('status'),
         '$.service.status'),
        ('wrong type', lambda b: b.update(service=[]), '$.service'),
        ('extra nesting', lambda b: b.update(service={'service': {}}),
         '$.service.id'),
    ],
}


def _validate(name, body, microversion=None):
    version, _ = GOOD[name]
    schema = validation.select_schema(SCHEMAS[name], microversion or version)
    return validation.parse_and_validate(schema, body, DESCRIBE)


class SchemaTest(testtools.TestCase):

    def test_every_schema_has_cases(self):
        self.assertEqual(set(SCHEMAS), set(GOOD))
        self.assertEqual(set(SCHEMAS), set(BAD))
        for name, cases in BAD.items():
            self.assertGreaterEqual(len(cases), 3, name)

    def test_good_bodies_pass(self):

        for name, (_, body) in GOOD.items():
            self.assertEqual(body, _validate(name, json.dumps(body)), name)

    def test_bad_bodies_name_the_field(self):

        for name, cases in BAD.items():
            for description, mutate, path in cases:
                body = copy.deepcopy(GOOD[name][1])
                mutate(body)
                error = self.assertRaises(
                    exceptions.InvalidResponse, _validate, name,
                    json.dumps(body))
                message = str(error)
                self.assertIn(' at %s:' % path, message,
                              '%s: %s' % (name, description))
                self.assertIn('Client.call: GET placement /x answered 200',
                              message)

    def test_empty_and_non_json_bodies(self):
        for name in SCHEMAS:
            for raw, reason in [('', 'empty body'), (b'  ', 'empty body'),
                                ('<html>502</html>', 'not JSON'),
                                ('{"usages": {"VCPU"', 'not JSON')]:
                error = self.assertRaises(exceptions.InvalidResponse,
                                          _validate, name, raw)
                self.assertIn(' at $: %s' % reason, str(error))

    def test_allocations_fields_follow_microversion(self):

        body = {'allocations': {}, 'consumer_generation': 1}
        _validate('list_allocations', json.dumps(body), '1.28')
        error = self.assertRaises(exceptions.InvalidResponse, _validate,
                                  'list_allocations', json.dumps(body),
                                  '1.27')
        self.assertIn('consumer_generation', str(error))

    def test_project_usages_grouped_by_consumer_type_from_1_38(self):

        grouped = {'usages': {'INSTANCE': {'consumer_count': 1, 'VCPU': 2}}}
        _validate('list_usages', json.dumps(grouped), '1.38')
        self.assertRaises(exceptions.InvalidResponse, _validate,
                          'list_usages', json.dumps(grouped), '1.9')

    def test_no_schema_below_first_range(self):
        self.assertRaises(ValueError, validation.select_schema,
                          placement.list_usages, '1.8')
