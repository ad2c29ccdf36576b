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

"""nova-compute services as Nova 34 keeps them: the one fake os-services.

GET and PUT /os-services at 2.53 (nova/api/openstack/compute/services.py,
nova-behaviour.md):
- A running compute heartbeats every report_interval (its first
  heartbeat startup seconds after it starts, after init_host); a
  heartbeat sets last_seen_up and moves updated_at.
- Every successful PUT moves updated_at too, never last_seen_up.
- state is "down" at once when forced_down (servicegroup/api.py
  service_is_up), otherwise "up" while the last heartbeat is younger than
  service_down_time.
- PUT (_update_v253): 400 for a field the schema does not know, for a
  service that is not nova-compute, for a truthy disabled_reason with
  status "enabled" and when neither status nor forced_down is given.
  Enabling clears disabled_reason; disabling sets it to the one given,
  or to none.
- Unforcing answers 400 while evacuations from the host are "done"
  (bug 1922053); init_host of a restarted compute completes them (and
  calls on_init_host, where the fake Nova completes its migrations). A
  400 changes nothing. unforce_ignores_evacuations is that check
  removed (a defect a test may give).
- A PUT that changes status syncs the COMPUTE_STATUS_DISABLED trait
  (disabled_trait) by a synchronous RPC to the compute, only while the
  service reads up (compute/api.py _update_compute_provider_status). A
  running compute answers at once; a stopped one that still reads up
  makes the PUT wait rpc_response_timeout and the trait stays. A compute
  that starts syncs it before its first heartbeat. Each sync is also
  told to on_disabled_trait, where the fake Nova writes it to its
  provider in the fake Placement.
With a FakeClock every API call takes tick seconds.
"""

import copy
import datetime
import heapq
import uuid

from allocation_tempest_plugin.fakes import clock as fake_clock

EPOCH = datetime.datetime(2026, 11, 24, 12, 0)
# nova/api/openstack/compute/schemas/services.py service_update_v253.
UPDATABLE = frozenset(['status', 'disabled_reason', 'forced_down'])


def service(host='compute1', **overrides):
    """A nova-compute's record as GET /os-services shows it at 2.53."""
    record = {'id': str(uuid.uuid4()), 'binary': 'nova-compute',
              'host': host, 'zone': 'nova', 'status': 'enabled',
              'state': 'up', 'updated_at': '2026-11-24T12:00:00.000000',
              'disabled_reason': None, 'forced_down': False}
    record.update(overrides)
    return record


class NovaServices(object):
    """The services table, the computes' heartbeats and the API on it."""

    EPOCH = EPOCH

    def __init__(self, services=(), clock=None, report_interval=10,
                 service_down_time=60, startup=3, tick=0.2,
                 rpc_response_timeout=60):
        self.clock = clock or fake_clock.FakeClock()
        self.report_interval = report_interval
        self.service_down_time = service_down_time
        self.startup = startup
        self.tick = tick
        self.rpc_response_timeout = rpc_response_timeout
        self.records = {}         # id -> record
        self.ids_on = {}          # host -> id
        self.disabled_trait = {}
        self.last_seen_up = {}
        self.next_beat = {}       # host -> moment, None while stopped
        # (moment, host): a heap, so that a call costs the heartbeats due,
        # not the number of computes (a fake cloud may have thousands).
        self._beats = []
        self.done_evacuations = {}
        self.unforce_ignores_evacuations = False
        # Called with the host when a starting compute runs init_host.
        self.on_init_host = None
        # Called with (host, disabled, startup) each time the compute
        # syncs COMPUTE_STATUS_DISABLED (startup: from init_host's side,
        # else from a PUT's set_host_enabled): its write to Placement.
        self.on_disabled_trait = None
        self.starting = set()
        self.heartbeats = 0
        for record in services:
            self.add(record)

    def add(self, record):
        """A running compute's service (record as service() builds it)."""
        record = copy.deepcopy(record)
        host = record['host']
        now = self.clock.monotonic()
        self.records[record['id']] = record
        self.ids_on[host] = record['id']
        self.last_seen_up[host] = now
        record['updated_at'] = self.timestamp(now)
        self.done_evacuations[host] = 0
        self.disabled_trait[host] = record['status'] == 'disabled'
        self._schedule(host, now + self.report_interval)
        return record

    def timestamp(self, seconds):
        return (self.EPOCH + datetime.timedelta(seconds=seconds)).strftime(
            '%Y-%m-%dT%H:%M:%S.%f')

    def by_host(self, host):
        return self.records[self.ids_on[host]]

    # -- the compute process ----------------------------------------------

    def running(self, host):
        return self.next_beat[host] is not None

    def stop(self, host):
        self.next_beat[host] = None

    def start(self, host):
        if not self.running(host):
            self._schedule(host, self.clock.monotonic() + self.startup)
            self.starting.add(host)

    def _schedule(self, host, moment):
        self.next_beat[host] = moment
        heapq.heappush(self._beats, (moment, host))

    def advance(self):
        """One API call's worth of time, and the heartbeats it saw."""
        if isinstance(self.clock, fake_clock.FakeClock):
            self.clock.now += self.tick
        self._catch_up()

    def _catch_up(self):
        now = self.clock.monotonic()
        while self._beats and self._beats[0][0] <= now:
            moment, host = heapq.heappop(self._beats)
            if self.next_beat[host] != moment:
                continue    # stopped (or restarted) since it was scheduled
            self._heartbeat(host, moment)
            self._schedule(host, moment + self.report_interval)

    def _heartbeat(self, host, moment):
        self.heartbeats += 1
        if host in self.starting:
            # init_host runs before the first heartbeat and completes the
            # evacuations from this host.
            self.starting.discard(host)
            if self.on_init_host is not None:
                self.on_init_host(host)
            self.done_evacuations[host] = 0
            self._set_disabled_trait(host, startup=True)
        self.last_seen_up[host] = moment
        self.by_host(host)['updated_at'] = self.timestamp(moment)

    def state(self, record):
        self._catch_up()
        age = self.clock.monotonic() - self.last_seen_up[record['host']]
        return ('down' if record['forced_down'] or
                age > self.service_down_time else 'up')

    def view(self, record):
        shown = copy.deepcopy(record)
        shown['state'] = self.state(record)
        return shown

    # -- the API ----------------------------------------------------------

    def list(self, host=None, binary=None, **ignored):
        """GET /os-services: Nova filters by host and binary only."""
        self.advance()
        if host is not None:
            found = [self.records[self.ids_on[host]]] if (
                host in self.ids_on) else []
        else:
            found = self.records.values()
        return [self.view(r) for r in found
                if binary in (None, r['binary'])]

    def update(self, service_id, fields):
        """(status, view or message): PUT /os-services/{id} at 2.53."""
        self.advance()
        record = self.records.get(service_id)
        if record is None:
            return 404, 'Service %s could not be found.' % service_id
        refusal = self._refusal(record, fields)
        if refusal:
            return 400, refusal
        status_changed = fields.get('status', record['status']) != record[
            'status']
        if 'status' in fields:
            record['status'] = fields['status']
            record['disabled_reason'] = (fields.get('disabled_reason')
                                         if fields['status'] == 'disabled'
                                         else None)
        if 'forced_down' in fields:
            record['forced_down'] = fields['forced_down']
        record['updated_at'] = self.timestamp(self.clock.monotonic())
        if status_changed and self.state(record) == 'up':
            self._sync_disabled_trait(record)
        return 200, self.view(record)

    def _refusal(self, record, fields):
        """Why Nova answers 400 to this PUT, checked in Nova's order."""
        unknown = set(fields) - UPDATABLE
        if unknown or fields.get('status', 'enabled') not in (
                'enabled', 'disabled') or not isinstance(
                fields.get('forced_down', False), bool):
            return 'Invalid input for field/attribute %s' % sorted(fields)
        if record['binary'] != 'nova-compute':
            return ('Updating a %s service is not supported. Only '
                    'nova-compute services can be updated.' %
                    record['binary'])
        if fields.get('status') == 'enabled' and fields.get(
                'disabled_reason'):
            return ("Specifying 'disabled_reason' with status 'enabled' is "
                    "invalid.")
        if (fields.get('forced_down') is False and
                not self.unforce_ignores_evacuations and
                self.done_evacuations[record['host']]):
            return ('Unable to force up host %s as `done` evacuation '
                    'migration records remain associated with the host '
                    '(bug 1922053)' % record['host'])
        if 'status' not in fields and 'forced_down' not in fields:
            return ("No updates were requested. Fields 'status' or "
                    "'forced_down' should be specified.")
        return None

    def _sync_disabled_trait(self, record):
        host = record['host']
        if self.running(host):
            self._set_disabled_trait(host)
        elif isinstance(self.clock, fake_clock.FakeClock):
            # set_host_enabled to a compute nobody consumes: MessagingTimeout
            # after rpc_response_timeout, logged and swallowed by nova-api.
            self.clock.now += self.rpc_response_timeout

    def _set_disabled_trait(self, host, startup=False):
        """The compute's sync: the trait follows the service's status."""
        disabled = self.by_host(host)['status'] == 'disabled'
        self.disabled_trait[host] = disabled
        if self.on_disabled_trait is not None:
            self.on_disabled_trait(host, disabled, startup)
