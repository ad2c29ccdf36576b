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

"""The hostile cases against a real Placement and Nova (`cloud hostile`).

    tools/local-cloud/cloud hostile [--http-timeout S]

The harness runs it with the local cloud's venv Python and its
tempest.conf (--config-file); any other cloud's tempest.conf works too.
Authenticates as the admin of that file (cmd/admin.py), starts the
hostile proxy in front of the catalog's placement and compute endpoints
and runs the read-only cases of allocation_tempest_plugin/fakes/hostile/
cases.py plus, only when [allocation] allow_compute_disruption is on, the
guard cases whose mutation hits a first try or the restore phase, so the
guard restores, on a host of [allocation] disruptable_hosts when that is
set. Uses the TLS settings of the file ([identity]
disable_ssl_certificate_validation, ca_certificates_file). Prints case,
API, message, seconds, and whether every nova-compute service ends as it
started. Changes nothing else.
"""

import argparse
import sys
import uuid

from tempest import config

from allocation_tempest_plugin.cmd import admin
from allocation_tempest_plugin.fakes.hostile import cases
from allocation_tempest_plugin.fakes.hostile import loopback
from allocation_tempest_plugin.fakes.hostile import proxy as hp
from allocation_tempest_plugin.reads import services

# Guard cases safe on a shared cloud: the mutation hits a first try and
# the guard puts the service back.
LIVE_GUARD = ('guard: list GET missing key', 'guard: disable PUT 409',
              'guard: force-down PUT 503')
# Restore-phase cases the guard rides out (cases.RESTORED) are live-safe
# too; the one that can never succeed (cases.MARKED) is not.
RECORDED = services.WRITABLE_FIELDS + ('state',)


class Clients(object):
    """What the cases call, as the configured admin through provider."""

    def __init__(self, auth_provider, http_timeout):
        reads = admin.clients(auth_provider, http_timeout=http_timeout)
        self.allocations = reads.allocations()
        self.providers = reads.resource_providers()
        self.usages = reads.usages()
        self.services = reads.compute_services()


def service_states(services_client):
    return {s['host']: {k: s[k] for k in RECORDED}
            for s in services.list_all(services_client)}


def find_ids(clients, provider, disruptable_hosts):
    ids = {'project': provider.auth_data[1]['project']['id'],
           'consumer': str(uuid.uuid4())}
    candidates = services.list_all(clients.services)
    if disruptable_hosts:
        candidates = [s for s in candidates
                      if s['host'] in disruptable_hosts]
    service = sorted(candidates, key=lambda s: s['host'])[0]
    ids.update(host=service['host'], service_id=service['id'])
    providers = clients.providers.list_resource_providers(
        name=service['host'])['resource_providers']
    ids['rp'] = providers[0]['uuid']
    for rp in clients.providers.list_resource_providers()[
            'resource_providers']:
        consumers = clients.providers.list_resource_provider_allocations(
            rp['uuid'])['allocations']
        if consumers:
            ids['consumer'] = sorted(consumers)[0]
            break
    return ids


def live_safe(case, allow_disruption):
    """Whether a case may run against a real cloud as configured."""
    if not case.guard:
        return not case.writes
    if not allow_disruption:
        return False
    return case.name in LIVE_GUARD or case.outcome == cases.RESTORED


def main():
    parser = argparse.ArgumentParser(prog='cloud hostile',
                                     description=__doc__.splitlines()[0])
    admin.add_config_file(parser)
    parser.add_argument('--http-timeout', type=float, default=2)
    args = parser.parse_args()

    admin.use_config(args.config_file)
    conf = config.CONF
    region = conf.identity.region
    allow = conf.allocation.allow_compute_disruption
    disruptable = conf.allocation.disruptable_hosts
    settle = conf.allocation.claim_settle_seconds

    provider = admin.auth_provider()
    provider.set_auth()
    direct = Clients(provider, 30)
    endpoints = {name: provider.base_url(
        {'service': name, 'endpoint_type': 'publicURL', 'region': region})
        for name in ('placement', 'compute')}
    ids = find_ids(direct, provider, disruptable)
    before = service_states(direct.services)
    print('placement %(placement)s, compute %(compute)s' % endpoints)
    print('ids: %s' % ids)

    compute_path = hp.parse.urlsplit(endpoints['compute']).path
    context = hp.tls_context(**admin.tls())
    forward = {name: hp.url_upstream(hp.origin(url), ssl_context=context)
               for name, url in endpoints.items()}

    def upstream(method, path, headers, body):
        name = ('compute' if compute_path and path.startswith(compute_path)
                else 'placement')
        return forward[name](method, path, headers, body)

    rows = []
    failures = 0
    with hp.HostileProxy(upstream) as proxy:
        clients = Clients(loopback.RedirectingAuth(provider, proxy.url),
                          args.http_timeout)
        for case in cases.cases(2 * args.http_timeout + 1,
                                guard_timeout=30, guard_interval=0.5,
                                claim_settle=settle, restore_timeout=120):
            if not live_safe(case, allow):
                continue
            proxy.rules = [case.rule]
            error, seconds = cases.run(case, clients, ids)
            message = ('no failure' if error is None else
                       ' '.join(str(error).split()))
            if case.outcome == cases.RESTORED:
                ok = error is None and case.rule.applied
                missing = []
            else:
                missing = [text for text in cases.expected(case, ids)
                           if text not in message]
                ok = (error is not None and not missing and
                      case.rule.applied)
            failures += not ok
            rows.append((case.name, case.api, message, seconds,
                         'ok' if ok else 'FAIL %s' % missing))

    after = service_states(direct.services)
    width = max(len(r[0]) for r in rows)
    api_width = max(len(r[1]) for r in rows)
    for name, api, message, seconds, verdict in rows:
        print('%-*s  %-*s  %6.2fs  %-4s  %s' % (
            width, name, api_width, api, seconds, verdict, message[:150]))
    print('%d cases, %d failed' % (len(rows), failures))
    if not allow:
        print('guard cases not run: [allocation] allow_compute_disruption '
              'is off in %s' % args.config_file)
    if before == after:
        print('nova-compute services unchanged: %s' % after)
    else:
        failures += 1
        print('nova-compute services CHANGED:\n before %s\n after  %s' % (
            before, after))
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(admin.run_main(main))
