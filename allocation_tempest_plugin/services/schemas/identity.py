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

"""Identity v3 response schemas (Keystone has no microversions).

Only what the audit reads: a project's name, which Tempest's dynamic
credentials build from the test class (tempest-<Class>-<digits>).
Keystone lets deployments store extra project attributes, so the
project object admits more than the fields named here.
"""

from allocation_tempest_plugin.services.schemas import types

_project = types.body(
    {'id': {'type': 'string', 'minLength': 1},
     'name': {'type': 'string', 'minLength': 1},
     'domain_id': {'type': 'string'},
     'enabled': {'type': 'boolean'}},
    ['id', 'name'], additional=True)

show_project = [
    ('3.0', None, types.body({'project': _project}, ['project'])),
]
