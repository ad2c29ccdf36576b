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

"""One answer a real service gives to each client call, per its schema.

name -> (microversion, body): what the schema tests start from (and break
one field at a time) and what the hostile proxy's fake upstreams serve.
"""

from allocation_tempest_plugin.fakes import os_services

RP = '4e8e5957-649f-477b-9e5b-f1f75b21c03c'
CONSUMER = '7d9a1e58-2a5c-4b35-9b0f-1b3c6f0e2a11'
SERVICE_ID = '0ec3c9ac-0d8f-4a6b-9a0c-2a3c1e2f1a00'

GOOD = {
    'list_allocations': ('1.28', {
        'allocations': {RP: {'generation': 3,
                             'resources': {'VCPU': 1, 'MEMORY_MB': 128}}},
        'project_id': 'p', 'user_id': 'u', 'consumer_generation': 1}),
    'list_resource_providers': ('1.14', {
        'resource_providers': [{
            'uuid': RP, 'name': 'compute1', 'generation': 2, 'links': [],
            'parent_provider_uuid': None, 'root_provider_uuid': RP}]}),
    'list_resource_provider_allocations': ('1.28', {
        'allocations': {CONSUMER: {'resources': {'VCPU': 1},
                                   'consumer_generation': 1}},
        'resource_provider_generation': 5}),
    'list_resource_provider_inventories': ('1.28', {
        'inventories': {'VCPU': {
            'total': 8, 'reserved': 0, 'min_unit': 1, 'max_unit': 8,
            'step_size': 1, 'allocation_ratio': 16.0}},
        'resource_provider_generation': 5}),
    'list_resource_provider_usages': ('1.28', {
        'usages': {'VCPU': 0, 'MEMORY_MB': 512},
        'resource_provider_generation': 5}),
    'list_resource_provider_traits': ('1.28', {
        'traits': ['COMPUTE_NODE', 'COMPUTE_STATUS_DISABLED'],
        'resource_provider_generation': 5}),
    'list_usages': ('1.9', {'usages': {'VCPU': 2}}),
    'list_services': ('2.53', {'services': [os_services.service(
        id=SERVICE_ID)]}),
    'update_service': ('2.53', {'service': os_services.service(
        id=SERVICE_ID)}),
}
