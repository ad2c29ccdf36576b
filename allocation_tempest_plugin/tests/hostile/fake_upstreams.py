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

"""In-process stand-ins for Placement and Nova behind the hostile proxy.

Each is a callable (method, path, headers, body) -> proxy.Reply serving
the good bodies the schema tests use, so a unit test needs no cloud.
"""

import copy
import datetime
import json
import re
from urllib import parse

from allocation_tempest_plugin.tests.hostile import proxy
from allocation_tempest_plugin.tests.unit import test_schemas

JSON = {'Content-Type': 'application/json'}


def _json(status, data):
    return proxy.Reply(status, JSON, json.dumps(data).encode('utf-8'))


def _not_found(path):
    return _json(404, {'errors': [{'status': 404, 'title': 'Not Found',
                                   'detail': path}]})


PLACEMENT_ROUTES = [
    (r'^/allocations/[^/?]+$', 'list_allocations'),
    (r'^/resource_providers$', 'list_resource_providers'),
    (r'^/resource_providers/[^/]+/allocations$',
     'list_resource_provider_allocations'),
    (r'^/resource_providers/[^/]+/inventories$',
     'list_resource_provider_inventories'),
    (r'^/resource_providers/[^/]+/usages$', 'list_resource_provider_usages'),
    (r'^/usages$', 'list_usages'),
]


def placement(method, path, headers, body):
    """Placement answering every GET with test_schemas.GOOD's body."""
    route = parse.urlsplit(path).path
    for pattern, name in PLACEMENT_ROUTES:
        if method == 'GET' and re.match(pattern, route):
            return _json(200, test_schemas.GOOD[name][1])
    return _not_found(path)


class Nova(object):
    """os-services at 2.53: GET lists (binary=, host=), PUT updates.

    state follows forced_down, as Nova reports it for a running compute,
    and every look sees a newer heartbeat.
    """

    def __init__(self, *services):
        self.services = {s['id']: copy.deepcopy(s) for s in services}
        self.heartbeats = 0
        self.puts = []

    def _refresh(self, record):
        self.heartbeats += 1
        record['updated_at'] = (datetime.datetime(2026, 11, 24, 12, 0) +
                                datetime.timedelta(
                                    seconds=self.heartbeats)).isoformat()
        record['state'] = 'down' if record['forced_down'] else 'up'

    def state(self, service_id):
        record = self.services[service_id]
        return {k: record[k] for k in ('status', 'disabled_reason',
                                       'forced_down', 'state')}

    def __call__(self, method, path, headers, body):
        split = parse.urlsplit(path)
        query = dict(parse.parse_qsl(split.query))
        if method == 'GET' and split.path == '/os-services':
            found = []
            for record in self.services.values():
                if all(record.get(k) == v for k, v in query.items()):
                    self._refresh(record)
                    found.append(copy.deepcopy(record))
            return _json(200, {'services': found})
        match = re.match(r'^/os-services/([^/]+)$', split.path)
        if method == 'PUT' and match and match.group(1) in self.services:
            fields = json.loads(body.decode('utf-8'))
            self.puts.append(fields)
            record = self.services[match.group(1)]
            if fields.get('status') == 'enabled':
                record['disabled_reason'] = None
            record.update(fields)
            self._refresh(record)
            return _json(200, {'service': copy.deepcopy(record)})
        return _not_found(path)
