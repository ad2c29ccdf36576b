#!/usr/bin/env python3
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

"""Other tenants' servers coming and going while tests run (`cloud crowd`).

    tools/local-cloud/cloud crowd [--seconds S] [--interval S]
                                  [--lifetime S] [--max-alive N]
                                  [--on-return WINDOW [--every S]]
                                  [--arrive-on-flavor WINDOW] &
    tools/local-cloud/cloud run REGEX
    kill PID   # the crowd's; SIGTERM deletes what it booted

A gate runs the plugin beside hundreds of tests whose servers land on
whatever host the scheduler likes, often the one a test just gave back.
On a two-compute cloud with one run that happens rarely; this makes it
happen all the time. As the configured admin (its own project, foreign to
every test with dynamic credentials) it boots a server of
[compute] flavor_ref and image_ref every --interval seconds, unpinned
(the scheduler chooses), keeps each --lifetime seconds, at most
--max-alive at once. With --on-return it also boots one onto each host
whose service is given back (a guard's restore) every --every seconds
for WINDOW seconds: the time in which the test that restored the host
may still read it and boot there. Arrivals outnumber departures only
while --lifetime is longer than the time since the return. With
--arrive-on-flavor, the first flavor created within WINDOW seconds of a
return cues an allocation of another consumer onto that host, written
straight into Placement a fraction of a second later: it lands between
the read of the provider and the scheduler's claim of a test that sized
a flavor to the host's free capacity. Runs until
--seconds pass or SIGTERM/SIGINT, then deletes every server it booted
and waits for them to go. Prints one line per boot, delete and return,
and a count at the end.
"""

import argparse
import random
import signal
import sys
import time
import uuid

from tempest.common import waiters
from tempest import config
from tempest.lib import exceptions as lib_exc

from allocation_tempest_plugin.cmd import admin
from allocation_tempest_plugin import microversions
from allocation_tempest_plugin.reads import services

NAME_PREFIX = 'allocation-crowd-'
POLL = 0.5


class Stop(Exception):
    pass


def _stop(signum, frame):
    raise Stop()


def _clients():
    # "networks": "none" and a requested host, bound to these clients
    # only (Tempest's module-wide microversion stays untouched).
    reads = admin.clients(compute_microversion=microversions.BOOT_ON_HOST)
    return (reads.servers(), reads.compute_services(), reads.flavors(),
            reads.allocations(), reads.resource_providers(),
            reads.auth_provider)


def _boot(client, serial, host=None):
    conf = config.CONF.compute
    kwargs = {'host': host} if host else {}
    server = client.create_server(
        name='%s%d' % (NAME_PREFIX, serial), flavorRef=conf.flavor_ref,
        imageRef=conf.image_ref, networks='none', **kwargs)['server']
    return server['id']


def _delete(client, server_id):
    try:
        client.delete_server(server_id)
    except lib_exc.NotFound:
        pass


def returned_hosts(before, now):
    """Hosts whose service was disabled or forced down and no longer is."""
    def takes(service):
        return (service['status'] == 'enabled' and
                not service['forced_down'])
    return sorted(host for host, service in now.items()
                  if host in before and not takes(before[host]) and
                  takes(service))


class FlavorTriggeredArrival(object):
    """--arrive-on-flavor: a consumer lands on a host given back, on cue.

    The test that gave a host back creates a flavor sized to the host's
    free capacity right before it boots into it. Once per return, within
    window seconds, the first flavor that appears makes this crowd write
    an allocation of ARRIVAL onto that host's provider straight into
    Placement (as another tenant's scheduler would), a fraction of a
    second later: after the test's read of the provider, before its own
    scheduler's claim. The allocation is deleted after lifetime seconds.
    """

    ARRIVAL = {'VCPU': 1, 'MEMORY_MB': 64}

    def __init__(self, flavors, allocations, providers, project_id, user_id,
                 window, lifetime, out, clock):
        self.flavors, self.allocations = flavors, allocations
        self.providers = providers
        self.project_id, self.user_id = project_id, user_id
        self.window, self.lifetime = window, lifetime
        self.out, self.clock = out, clock
        self.armed = {}  # host -> until when
        self.seen = self._flavor_ids()
        self.placed = {}  # consumer -> placed at

    def _flavor_ids(self):
        return set(f['id'] for f in self.flavors.list_flavors()['flavors'])

    def arm(self, host, now):
        # The provider is read now: once the cue comes, every
        # millisecond counts.
        rp = self.providers.list_resource_providers(
            name=host)['resource_providers'][0]['uuid']
        self.armed[host] = (now + self.window, rp)

    def step(self, now):
        for consumer, placed in list(self.placed.items()):
            if now - placed >= self.lifetime:
                self.allocations.delete_allocations(consumer)
                del self.placed[consumer]
                self.out('removed arrival %s' % consumer)
        self.armed = dict((h, a) for h, a in self.armed.items()
                          if a[0] > now)
        if not self.armed:
            return
        current = self._flavor_ids()
        new, self.seen = current - self.seen, current
        if not new:
            return
        for host, (_, rp) in sorted(self.armed.items()):
            consumer = str(uuid.uuid4())
            try:
                self.allocations.update_allocations(
                    consumer, {rp: self.ARRIVAL}, self.project_id,
                    self.user_id)
            except lib_exc.Conflict as full:
                # The test's own claim came first: the cue was too late.
                self.out('flavor %s appeared: too late for %s (%s)' % (
                    ', '.join(sorted(new)), host, full))
                continue
            self.placed[consumer] = self.clock()
            self.out('flavor %s appeared: arrival %s on %s' % (
                ', '.join(sorted(new)), consumer, host))
        self.armed = {}

    def remove_all(self):
        for consumer in self.placed:
            self.allocations.delete_allocations(consumer)
        return len(self.placed)


class Crowd(object):
    """Boots and deletes; on_return: also boots onto a host given back."""

    def __init__(self, client, services_client, interval, lifetime, max_alive,
                 return_window, return_every=1.0, arrival=None,
                 out=print, clock=time.monotonic, rand=random.uniform):
        self.client, self.services = client, services_client
        self.interval, self.lifetime = interval, lifetime
        self.max_alive, self.return_window = max_alive, return_window
        self.return_every = return_every
        self.arrival = arrival
        self.out, self.clock, self.rand = out, clock, rand
        self.alive = {}
        self.serial = 0
        self.due = []  # (when, host): boots onto a host given back
        self.last_boot = None
        self.states = None

    def step(self):
        now = self.clock()
        for server_id, born in list(self.alive.items()):
            if now - born >= self.lifetime:
                _delete(self.client, server_id)
                del self.alive[server_id]
                self.out('deleted %s' % server_id)
        # While armed only the cue is watched: a return needs a test to
        # give the host back, and that test is busy booting into it.
        if (self.return_window is not None or self.arrival) and not (
                self.arrival and self.arrival.armed):
            self._watch_returns(now)
        if self.arrival:
            self.arrival.step(now)
        for when, host in [d for d in self.due if d[0] <= now]:
            self.due.remove((when, host))
            self._boot(host)
        if self.interval and len(self.alive) < self.max_alive and (
                self.last_boot is None or
                now - self.last_boot >= self.interval):
            self.last_boot = now
            self._boot(None)

    def _watch_returns(self, now):
        states = dict((s['host'], s) for s in
                      services.list_all(self.services))
        if self.states is not None:
            for host in returned_hosts(self.states, states):
                if self.arrival:
                    self.out('%s given back; armed for the next flavor' %
                             host)
                    self.arrival.arm(host, now)
                if self.return_window is None:
                    continue
                self.out('%s given back; a server onto it every %ss for '
                         '%ss' % (host, self.return_every, self.return_window))
                # A random phase: runs differ in which moment is hit.
                first = now + self.rand(0, self.return_every)
                boots = int(self.return_window // self.return_every)
                self.due.extend((first + i * self.return_every, host)
                                for i in range(boots))
        self.states = states

    def _boot(self, host):
        self.serial += 1
        try:
            server_id = _boot(self.client, self.serial, host)
        except lib_exc.ClientRestClientException as refused:
            # Quota or capacity: the crowd waits, as a tenant would.
            self.out('boot refused: %s' % refused)
            return
        self.alive[server_id] = self.clock()
        self.out('booted %s%s' % (server_id, ' onto %s' % host if host
                                  else ''))


def main():
    parser = argparse.ArgumentParser(prog='cloud crowd',
                                     description=__doc__.splitlines()[0])
    admin.add_config_file(parser)
    parser.add_argument('--seconds', type=float, default=3600)
    parser.add_argument('--interval', type=float, default=3)
    parser.add_argument('--lifetime', type=float, default=15)
    parser.add_argument('--max-alive', type=int, default=3)
    parser.add_argument('--on-return', type=float, metavar='WINDOW',
                        help='also boot a server onto each host whose '
                        'service is given back (enabled and not forced '
                        'down after it was not) every --every seconds for '
                        'WINDOW seconds; --interval 0: only these')
    parser.add_argument('--every', type=float, default=1.0)
    parser.add_argument('--arrive-on-flavor', type=float, metavar='WINDOW',
                        help='once per host given back, within WINDOW '
                        'seconds, the next new flavor makes an allocation '
                        'of another consumer land on that host in '
                        'Placement, held --lifetime seconds')
    args = parser.parse_args()

    admin.use_config(args.config_file)
    (client, services_client, flavors, allocations, providers,
     auth) = _clients()
    out = lambda line: print(line, flush=True)  # noqa: E731
    arrival = None
    if args.arrive_on_flavor:
        auth.set_auth()
        arrival = FlavorTriggeredArrival(
            flavors, allocations, providers,
            auth.auth_data[1]['project']['id'],
            auth.auth_data[1]['user']['id'], args.arrive_on_flavor,
            args.lifetime, out, time.monotonic)
    crowd = Crowd(client, services_client, args.interval, args.lifetime,
                  args.max_alive, args.on_return, args.every, arrival,
                  out=out)
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    end = time.monotonic() + args.seconds
    try:
        while time.monotonic() < end:
            crowd.step()
            # Faster while a flavor may cue an arrival.
            time.sleep(POLL / 5 if arrival and arrival.armed else POLL)
    except Stop:
        pass
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        # Whatever is left, including a boot the signal interrupted, by
        # name: only the crowd's own servers.
        leftovers = [s['id'] for s in client.list_servers(
            name='^%s' % NAME_PREFIX)['servers']]
        for server_id in leftovers:
            _delete(client, server_id)
        for server_id in leftovers:
            waiters.wait_for_server_termination(client, server_id,
                                                ignore_error=True)
        print('crowd: deleted %d server(s) at the end' % len(leftovers),
              flush=True)
        if arrival:
            print('crowd: removed %d arrival(s) at the end' %
                  arrival.remove_all(), flush=True)
    return 0


if __name__ == '__main__':
    sys.exit(admin.run_main(main))
