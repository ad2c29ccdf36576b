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
import time
import uuid

from tempest.lib import exceptions as lib_exc

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


def service(host='compute1', **overrides):
    record = {'id': str(uuid.uuid4()), 'binary': 'nova-compute',
              'host': host, 'zone': 'nova', 'status': 'enabled',
              'state': 'up', 'updated_at': '2026-11-24T12:00:00.000000',
              'disabled_reason': None, 'forced_down': False}
    record.update(overrides)
    return record


class FakeClock(object):
    """Monotonic seconds that move only when told (or slept)."""

    def __init__(self, now=0.0):
        self.now = now

    def monotonic(self):
        return self.now

    def sleep(self, seconds):
        self.now += max(seconds, 0)


class RealClock(object):
    monotonic = staticmethod(time.monotonic)
    sleep = staticmethod(time.sleep)


class NovaServices(object):
    """nova-compute services as Nova 34 keeps them (nova-behaviour.md).

    - A running compute heartbeats every report_interval (its first
      heartbeat startup seconds after it starts, after init_host); a
      heartbeat sets last_seen_up and moves updated_at.
    - Every successful PUT moves updated_at too, never last_seen_up.
    - state is "down" at once when forced_down, otherwise "up" while the
      last heartbeat is younger than service_down_time.
    - Unforcing answers 400 while evacuations from the host are "done"
      (bug 1922053); init_host of a restarted compute completes them. A
      400 changes neither field.
    - disabled_reason is only accepted with status "disabled"; enabling
      clears it.
    - A PUT that changes status syncs the COMPUTE_STATUS_DISABLED trait
      (disabled_trait) by a synchronous RPC to the compute, only while the
      service reads up (compute/api.py _update_compute_provider_status).
      A running compute answers at once; a stopped one that still reads
      up makes the PUT wait rpc_response_timeout and the trait stays. A
      compute that starts syncs it before its first heartbeat.
    With a FakeClock every API call takes tick seconds.
    """

    EPOCH = datetime.datetime(2026, 11, 24, 12, 0)

    def __init__(self, services, clock=None, report_interval=10,
                 service_down_time=60, startup=3, tick=0.2,
                 rpc_response_timeout=60):
        self.clock = clock or FakeClock()
        self.report_interval = report_interval
        self.service_down_time = service_down_time
        self.startup = startup
        self.tick = tick
        self.rpc_response_timeout = rpc_response_timeout
        self.records = {}
        self.disabled_trait = {}
        self.last_seen_up = {}
        self.next_beat = {}
        self.done_evacuations = {}
        self.starting = set()
        self.heartbeats = 0
        for record in services:
            record = copy.deepcopy(record)
            self.records[record['id']] = record
            host = record['host']
            self.last_seen_up[host] = self.clock.monotonic()
            self.next_beat[host] = (self.clock.monotonic() +
                                    self.report_interval)
            record['updated_at'] = self.timestamp(self.clock.monotonic())
            self.done_evacuations[host] = 0
            self.disabled_trait[host] = record['status'] == 'disabled'

    def timestamp(self, seconds):
        return (self.EPOCH + datetime.timedelta(seconds=seconds)).strftime(
            '%Y-%m-%dT%H:%M:%S.%f')

    def by_host(self, host):
        return next(r for r in self.records.values() if r['host'] == host)

    # -- the compute process ----------------------------------------------

    def running(self, host):
        return self.next_beat[host] is not None

    def stop(self, host):
        self.next_beat[host] = None

    def start(self, host):
        if not self.running(host):
            self.next_beat[host] = self.clock.monotonic() + self.startup
            self.starting.add(host)

    def advance(self):
        if isinstance(self.clock, FakeClock):
            self.clock.now += self.tick
        now = self.clock.monotonic()
        for host, beat in self.next_beat.items():
            while beat is not None and beat <= now:
                self._heartbeat(host, beat)
                beat = self.next_beat[host] = beat + self.report_interval

    def _heartbeat(self, host, moment):
        self.heartbeats += 1
        if host in self.starting:
            # init_host runs before the first heartbeat and completes the
            # evacuations from this host.
            self.starting.discard(host)
            self.done_evacuations[host] = 0
            self.disabled_trait[host] = (self.by_host(host)['status'] ==
                                         'disabled')
        self.last_seen_up[host] = moment
        self.by_host(host)['updated_at'] = self.timestamp(moment)

    def view(self, record):
        shown = copy.deepcopy(record)
        age = self.clock.monotonic() - self.last_seen_up[record['host']]
        shown['state'] = ('down' if record['forced_down'] or
                          age > self.service_down_time else 'up')
        return shown

    # -- the API ----------------------------------------------------------

    def list(self, **filters):
        self.advance()
        return [self.view(r) for r in self.records.values()
                if all(r.get(k) == v for k, v in filters.items())]

    def update(self, service_id, fields):
        """(status, body): Nova's answer to PUT /os-services/{id}."""
        self.advance()
        record = self.records[service_id]
        unknown = set(fields) - {'status', 'disabled_reason', 'forced_down'}
        if unknown or ('disabled_reason' in fields and
                       fields.get('status') != 'disabled'):
            return 400, 'Invalid input for field/attribute %s' % sorted(
                fields)
        if (fields.get('forced_down') is False and
                self.done_evacuations[record['host']]):
            return 400, ('Service %s has evacuations in "done" state; '
                         'unforcing it is refused (bug 1922053)' %
                         record['host'])
        if fields.get('status') == 'enabled':
            record['disabled_reason'] = None
        status_changed = fields.get('status', record['status']) != record[
            'status']
        record.update(fields)
        record['updated_at'] = self.timestamp(self.clock.monotonic())
        if status_changed and self.view(record)['state'] == 'up':
            self._sync_disabled_trait(record)
        return 200, self.view(record)

    def _sync_disabled_trait(self, record):
        host = record['host']
        if self.running(host):
            self.disabled_trait[host] = record['status'] == 'disabled'
        elif isinstance(self.clock, FakeClock):
            # set_host_enabled to a compute nobody consumes: MessagingTimeout
            # after rpc_response_timeout, logged and swallowed by nova-api.
            self.clock.now += self.rpc_response_timeout


class FakeServicesClient(object):
    """ComputeServicesClient over NovaServices, with injectable faults.

    failing_updates / failing_reads: 0-based call indices answering 500
    (nothing changes); lost_updates: indices whose PUT lands but whose
    answer never comes (a timeout); garbled_reads: indices whose
    updated_at reads as garbage.
    """

    def __init__(self, *services, **kwargs):
        self.nova = NovaServices(services, **kwargs)
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
