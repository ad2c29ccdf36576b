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

"""os-services response schemas from compute API 2.53 on.

Tempest's own schemas accept any string for status and state and let a
missing forced_down through on the list; the guard restores what it reads,
so these are strict about exactly the fields it records.
"""

from allocation_tempest_plugin.services.schemas import types

_service = types.body(
    {'id': types.uuid,
     'binary': {'type': 'string', 'minLength': 1},
     'host': {'type': 'string', 'minLength': 1},
     'zone': {'type': 'string'},
     'status': {'enum': ['enabled', 'disabled']},
     'state': {'enum': ['up', 'down']},
     'updated_at': types.nullable_string,
     'disabled_reason': types.nullable_string,
     'forced_down': {'type': 'boolean'}},
    ['id', 'binary', 'host', 'zone', 'status', 'state', 'updated_at',
     'disabled_reason', 'forced_down'])

list_services = [
    ('2.53', None, types.body(
        {'services': {'type': 'array', 'items': _service}}, ['services'])),
]

update_service = [
    ('2.53', None, types.body({'service': _service}, ['service'])),
]
