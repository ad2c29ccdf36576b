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

"""Fakes for the unit tests: no cloud, no network."""

import copy
import datetime
import json
import uuid

from tempest.lib import exceptions as lib_exc


class FakeResponse(dict):
    def __init__(self, status, headers=None):
        super(FakeResponse, self).__init__(headers or {})
        self.status = status


def fake_request(status, body):
    """A RestClient.request replacement answering status and body."""
    if not isinstance(body, (str, bytes)):
        body = json.dumps(body)

    def request(method, url, extra_headers=False, headers=None, body_=None,
                **kwargs):
        return FakeResponse(status), body
    return request


def service(host='compute1', **overrides):
    record = {'id': str(uuid.uuid4()), 'binary': 'nova-compute',
              'host': host, 'zone': 'nova', 'status': 'enabled',
              'state': 'up', 'updated_at': '2026-11-24T12:00:00.000000',
              'disabled_reason': None, 'forced_down': False}
    record.update(overrides)
    return record


class FakeServicesClient(object):
    """Nova's os-services at 2.53, enough of it for the guard.

    state follows forced_down (as Nova reports it) unless process_up is
    False, which stands for a stopped nova-compute.
    """

    def __init__(self, *services):
        self.services = {s['id']: s for s in services}
        self.updates = []
        self.process_up = True
        self.heartbeats = 0
        # 0-based indices of update_service calls that answer 500.
        self.failing_updates = set()
        self.update_calls = 0

    def _refresh(self, record):
        if self.process_up:
            # A running compute heartbeats: every look sees a newer one.
            self.heartbeats += 1
            record['updated_at'] = (
                datetime.datetime(2026, 11, 24, 12, 0) +
                datetime.timedelta(seconds=self.heartbeats)).isoformat()
        record['state'] = ('up' if self.process_up and
                           not record['forced_down'] else 'down')

    def list_services(self, **filters):
        found = []
        for record in self.services.values():
            if all(record.get(k) == v for k, v in filters.items()):
                self._refresh(record)
                found.append(copy.deepcopy(record))
        return {'services': found}

    def update_service(self, service_id, **fields):
        call = self.update_calls
        self.update_calls += 1
        if call in self.failing_updates:
            raise lib_exc.ServerFault('injected failure')
        self.updates.append(dict(fields))
        record = self.services[service_id]
        if fields.get('status') == 'enabled':
            record['disabled_reason'] = None
        record.update(fields)
        self._refresh(record)
        return {'service': copy.deepcopy(record)}


class ManualTimer(object):
    """threading.Timer stand-in that fires only when the test says so."""

    instances = []

    def __init__(self, interval, function):
        self.interval = interval
        self.function = function
        self.cancelled = False
        self.daemon = False
        ManualTimer.instances.append(self)

    def start(self):
        pass

    def cancel(self):
        self.cancelled = True

    def fire(self):
        if not self.cancelled:
            self.function()
