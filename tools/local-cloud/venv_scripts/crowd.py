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
                                  [--on-return WINDOW [--every S]] &
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
while --lifetime is longer than the time since the return. Runs until
--seconds pass or SIGTERM/SIGINT, then deletes every server it booted
and waits for them to go. Prints one line per boot, delete and return,
and a count at the end.
"""

import argparse
import random
import signal
import sys
import time

from tempest.common import waiters
from tempest import config
from tempest.lib import exceptions as lib_exc

from allocation_tempest_plugin.cmd import admin
from allocation_tempest_plugin.common import compute_services

NAME_PREFIX = 'allocation-crowd-'
POLL = 0.5


class Stop(Exception):
    pass


def _stop(signum, frame):
    raise Stop()


def _clients():
    from tempest.lib.services.compute import base_compute_client
    from tempest.lib.services.compute import servers_client

    # 2.74: "networks": "none" and a requested host.
    base_compute_client.COMPUTE_MICROVERSION = '2.74'
    provider = admin.auth_provider()
    return (servers_client.ServersClient(provider,
                                         **admin.client_params('compute')),
            admin.compute_services_client(provider))


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


class Crowd(object):
    """Boots and deletes; on_return: also boots onto a host given back."""

    def __init__(self, client, services, interval, lifetime, max_alive,
                 return_window, return_every=1.0, out=print,
                 clock=time.monotonic, rand=random.uniform):
        self.client, self.services = client, services
        self.interval, self.lifetime = interval, lifetime
        self.max_alive, self.return_window = max_alive, return_window
        self.return_every = return_every
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
        if self.return_window is not None:
            self._watch_returns(now)
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
                      compute_services.list_all(self.services))
        if self.states is not None:
            for host in returned_hosts(self.states, states):
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
    args = parser.parse_args()

    admin.use_config(args.config_file)
    client, services = _clients()
    crowd = Crowd(client, services, args.interval, args.lifetime,
                  args.max_alive, args.on_return, args.every,
                  out=lambda line: print(line, flush=True))
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    end = time.monotonic() + args.seconds
    try:
        while time.monotonic() < end:
            crowd.step()
            time.sleep(POLL)
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
    return 0


if __name__ == '__main__':
    sys.exit(admin.run_main(main))
