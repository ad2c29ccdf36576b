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

import json

from tempest.lib import exceptions as lib_exc

from allocation_tempest_plugin.fakes import os_services
from allocation_tempest_plugin.guard import settings


def guard_settings(**overrides):
    """GuardSettings as a default [allocation] gives, on the fake clock.

    The options' own defaults (GuardSettings'), waits sized for the fake
    clock (a 1 s wait for "down", no pause between tries) and no stop
    proof, which a test asks for with compute_report_interval.
    """
    values = dict(wait_timeout=1, poll_interval=0)
    values.update(overrides)
    return settings.GuardSettings(**values)


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


class FakeServicesClient(object):
    """ComputeServicesClient over NovaServices, with injectable faults.

    failing_updates / failing_reads: 0-based call indices answering 500
    (nothing changes); lost_updates: indices whose PUT lands but whose
    answer never comes (a timeout); garbled_reads: indices whose
    updated_at reads as garbage.
    """

    def __init__(self, *services, **kwargs):
        self.nova = os_services.NovaServices(services, **kwargs)
        self.clock = self.nova.clock
        self.updates = []
        self.failing_updates = set()
        self.lost_updates = set()
        self.failing_reads = set()
        self.garbled_reads = set()
        self.update_calls = 0
        self.read_calls = 0

    @property
    def services(self):
        return self.nova.records

    def record(self, host='compute1'):
        return self.nova.by_host(host)

    def list_services(self, **filters):
        call = self.read_calls
        self.read_calls += 1
        if call in self.failing_reads:
            self.nova.advance()
            raise lib_exc.ServerFault('injected failure')
        found = self.nova.list(**filters)
        if call in self.garbled_reads:
            for record in found:
                record['updated_at'] = 'yesterday-ish'
        return {'services': found}

    def update_service(self, service_id, **fields):
        call = self.update_calls
        self.update_calls += 1
        if call in self.failing_updates:
            self.nova.advance()
            raise lib_exc.ServerFault('injected failure')
        status, body = self.nova.update(service_id, dict(fields))
        if status == 400:
            raise lib_exc.BadRequest(body)
        self.updates.append(dict(fields))
        if call in self.lost_updates:
            raise lib_exc.TimeoutException('injected: no answer')
        return {'service': body}


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
