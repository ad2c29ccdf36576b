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

"""Placement response schemas, by microversion range.

Tempest ships no Placement schemas; these follow its shape: one dict per
API, each response checked before anyone reads it. Each list below holds
``(min, max, schema)`` entries, ``None`` meaning unbounded.
"""

import copy

from allocation_tempest_plugin.services.schemas import types

# GET /allocations/{consumer_uuid}. An unknown consumer answers 200 with
# {"allocations": {}}: the consumer-level check of this plugin.
_consumer_allocation = types.body(
    {'generation': types.generation, 'resources': types.amounts(1)},
    ['resources'])
_allocations_v1_0 = types.body(
    {'allocations': types.map_of(types.UUID_PATTERN, _consumer_allocation)},
    ['allocations'])
# 1.12: project_id and user_id of the consumer (absent when it has none).
_allocations_v1_12 = copy.deepcopy(_allocations_v1_0)
_allocations_v1_12['properties'].update(
    project_id={'type': 'string', 'minLength': 1},
    user_id={'type': 'string', 'minLength': 1})
# 1.28: consumer generation, for consumers that exist.
_allocations_v1_28 = copy.deepcopy(_allocations_v1_12)
_allocations_v1_28['properties']['consumer_generation'] = types.generation
# 1.38: consumer types.
_allocations_v1_38 = copy.deepcopy(_allocations_v1_28)
_allocations_v1_38['properties']['consumer_type'] = {'type': 'string'}

list_allocations = [
    ('1.0', '1.11', _allocations_v1_0),
    ('1.12', '1.27', _allocations_v1_12),
    ('1.28', '1.37', _allocations_v1_28),
    ('1.38', None, _allocations_v1_38),
]

# GET /resource_providers[?filters]
_provider_v1_0 = types.body(
    {'uuid': types.uuid,
     'name': {'type': 'string', 'minLength': 1},
     'generation': types.generation,
     'links': {'type': 'array'}},
    ['uuid', 'name', 'generation'])
# 1.14: nested providers.
_provider_v1_14 = copy.deepcopy(_provider_v1_0)
_provider_v1_14['properties'].update(
    parent_provider_uuid={'anyOf': [types.uuid, {'type': 'null'}]},
    root_provider_uuid=types.uuid)
_provider_v1_14['required'].append('root_provider_uuid')


def _provider_list(provider):
    return types.body(
        {'resource_providers': {'type': 'array', 'items': provider}},
        ['resource_providers'])


list_resource_providers = [
    ('1.0', '1.13', _provider_list(_provider_v1_0)),
    ('1.14', None, _provider_list(_provider_v1_14)),
]


# GET /resource_providers/{uuid}/allocations
def _provider_allocations(consumer):
    return types.body(
        {'allocations': types.map_of(types.UUID_PATTERN, consumer),
         'resource_provider_generation': types.generation},
        ['allocations', 'resource_provider_generation'])


_provider_consumer_v1_0 = types.body({'resources': types.amounts(1)},
                                     ['resources'])
# 1.28: each consumer's generation (null for one created before 1.28).
_provider_consumer_v1_28 = copy.deepcopy(_provider_consumer_v1_0)
_provider_consumer_v1_28['properties']['consumer_generation'] = {
    'anyOf': [types.generation, {'type': 'null'}]}
list_resource_provider_allocations = [
    ('1.0', '1.27', _provider_allocations(_provider_consumer_v1_0)),
    ('1.28', None, _provider_allocations(_provider_consumer_v1_28)),
]

# GET /resource_providers/{uuid}/inventories
_inventory = types.body(
    {'total': types.positive_int,
     'reserved': types.non_negative_int,
     'min_unit': types.positive_int,
     'max_unit': types.positive_int,
     'step_size': types.positive_int,
     'allocation_ratio': {'type': 'number', 'minimum': 0,
                          'exclusiveMinimum': True,
                          'maximum': types.MAX_INT}},
    ['total', 'reserved', 'min_unit', 'max_unit', 'step_size',
     'allocation_ratio'])
list_resource_provider_inventories = [
    ('1.0', None, types.body(
        {'inventories': types.map_of(types.RESOURCE_CLASS_PATTERN,
                                     _inventory),
         'resource_provider_generation': types.generation},
        ['inventories', 'resource_provider_generation'])),
]

# GET /resource_providers/{uuid}/traits, new in 1.6.
list_resource_provider_traits = [
    ('1.6', None, types.body(
        {'traits': {'type': 'array',
                    'items': {'type': 'string',
                              'pattern': types.RESOURCE_CLASS_PATTERN}},
         'resource_provider_generation': types.generation},
        ['traits', 'resource_provider_generation'])),
]

# GET /resource_providers/{uuid}/usages
list_resource_provider_usages = [
    ('1.0', None, types.body(
        {'usages': types.amounts(0),
         'resource_provider_generation': types.generation},
        ['usages', 'resource_provider_generation'])),
]

# GET /usages?project_id=[&user_id=], new in 1.9.
_usages_by_consumer_type = {
    'type': 'object',
    'properties': {'consumer_count': types.non_negative_int},
    'patternProperties': {types.RESOURCE_CLASS_PATTERN:
                          types.non_negative_int},
    'required': ['consumer_count'],
    'additionalProperties': False,
}
list_usages = [
    ('1.9', '1.37', types.body({'usages': types.amounts(0)}, ['usages'])),
    # 1.38: usages grouped by consumer type ("INSTANCE", "MIGRATION", ...).
    ('1.38', None, types.body(
        {'usages': types.map_of('^.+$', _usages_by_consumer_type)},
        ['usages'])),
]
