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

"""GET /os-migrations response schemas from compute API 2.59 on.

Tempest has schemas for this API, but none accepts ``migrations_links``,
which Nova adds (2.59+) whenever a page is full: a listing that pages
cannot be read through them. The audit pages, so it reads with these.
"""

import copy

from allocation_tempest_plugin.services.schemas import types

links = {
    'type': 'array',
    'items': types.body({'href': {'type': 'string', 'minLength': 1},
                         'rel': {'type': 'string', 'minLength': 1}},
                        ['href', 'rel']),
}

_host = types.nullable_string
_migration_v2_59 = types.body(
    {'id': {'type': 'integer'},
     'uuid': types.uuid,
     'status': types.nullable_string,
     'instance_uuid': types.nullable_string,
     'source_node': _host,
     'source_compute': _host,
     'dest_node': _host,
     'dest_compute': _host,
     'dest_host': _host,
     'old_instance_type_id': {'type': ['integer', 'null']},
     'new_instance_type_id': {'type': ['integer', 'null']},
     'created_at': {'type': 'string'},
     'updated_at': types.nullable_string,
     'migration_type': types.nullable_string,
     # Nova links only in-progress live migrations.
     'links': links},
    ['id', 'uuid', 'status', 'instance_uuid', 'source_node',
     'source_compute', 'dest_node', 'dest_compute', 'dest_host',
     'old_instance_type_id', 'new_instance_type_id', 'created_at',
     'updated_at', 'migration_type'])
# 2.80: the project and user that own the migration.
_migration_v2_80 = copy.deepcopy(_migration_v2_59)
_migration_v2_80['properties'].update(
    project_id={'type': 'string'}, user_id={'type': 'string'})
_migration_v2_80['required'] += ['project_id', 'user_id']


def _migration_list(migration):
    return types.body(
        {'migrations': {'type': 'array', 'items': migration},
         # Only when the page is full: the next page starts after it.
         'migrations_links': links},
        ['migrations'])


list_migrations = [
    ('2.59', '2.79', _migration_list(_migration_v2_59)),
    ('2.80', None, _migration_list(_migration_v2_80)),
]
