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
bodies.GOOD, the good bodies the schema tests use, so a unit test needs
no cloud.
"""

import json
import re
from urllib import parse

from allocation_tempest_plugin.fakes import bodies
from allocation_tempest_plugin.fakes import clock
from allocation_tempest_plugin.fakes.hostile import proxy
from allocation_tempest_plugin.fakes import os_services

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
    """Placement answering every GET with bodies.GOOD's body."""
    route = parse.urlsplit(path).path
    for pattern, name in PLACEMENT_ROUTES:
        if method == 'GET' and re.match(pattern, route):
            return _json(200, bodies.GOOD[name][1])
    return _not_found(path)


class Nova(object):
    """os-services at 2.53 over HTTP: os_services.NovaServices in real

    time, with heartbeats every 0.2 s so a restore sees one soon.
    """

    def __init__(self, *services):
        self.model = os_services.NovaServices(services,
                                              clock=clock.RealClock(),
                                              report_interval=0.2,
                                              startup=0.1, tick=0)
        self.puts = []

    def state(self, service_id):
        record = self.model.view(self.model.records[service_id])
        return {k: record[k] for k in ('status', 'disabled_reason',
                                       'forced_down', 'state')}

    def __call__(self, method, path, headers, body):
        split = parse.urlsplit(path)
        query = dict(parse.parse_qsl(split.query))
        if method == 'GET' and split.path == '/os-services':
            return _json(200, {'services': self.model.list(**query)})
        match = re.match(r'^/os-services/([^/]+)$', split.path)
        if method == 'PUT' and match:
            fields = json.loads(body.decode('utf-8'))
            status, answer = self.model.update(match.group(1), fields)
            if status != 200:
                key = {400: 'badRequest', 404: 'itemNotFound'}[status]
                return _json(status, {key: {'code': status,
                                            'message': answer}})
            self.puts.append(fields)
            return _json(200, {'service': answer})
        return _not_found(path)
