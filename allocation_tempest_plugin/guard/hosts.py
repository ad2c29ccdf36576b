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

"""Which compute host a destructive test may disrupt, and its provider.

Every read here is filtered by the API so that what one test costs does
not grow with the cloud: services by host, hypervisors a page at a time
or by hostname pattern, servers by host with a limit. A choice stops at
the first host that qualifies. All of it needs compute API >= 2.53
(hypervisor ids are compute node uuids, paging markers are uuids).
"""

import itertools
import random

from oslo_log import log as logging
from tempest.lib import exceptions as lib_exc

from allocation_tempest_plugin.reads import paging
from allocation_tempest_plugin.reads import services

LOG = logging.getLogger(__name__)

# Hypervisors read per page while looking for a candidate host. A choice
# usually ends on the first page; a small page keeps its bytes flat.
CANDIDATE_PAGE_SIZE = 25

# How many of the first candidates a choice starts among at random:
# enough to spread a few runners sharing a cloud, few enough that a
# choice never reads a page of hypervisors more than it did.
SPREAD = 5

# Refused hosts named in a skip message; the rest are counted.
REFUSALS_NAMED = 5


# -- reads, each filtered by the API ----------------------------------------

def foreign_server_on(servers_client, host, own_server_ids):
    """The id of one server on host the test did not create, else None.

    One admin listing across projects, filtered by host, one longer than
    the test's own servers: a full page cannot hold only the test's own,
    and a page that is not full is the whole host.
    """
    own_server_ids = set(own_server_ids)
    servers = servers_client.list_servers(
        all_tenants=True, host=host,
        limit=len(own_server_ids) + 1)['servers']
    for server in servers:
        if server['id'] not in own_server_ids:
            return server['id']
    return None


def hypervisors(hypervisor_client, page_size=None):
    """Every hypervisor in Nova's order, a page at a time, lazily.

    A caller that stops early reads no further page (reads/paging.py:
    the listing ends on an empty page). Without page_size, Nova's [api]
    max_limit sizes the pages.
    """
    return paging.items(hypervisor_client.list_hypervisors, 'hypervisors',
                        page_size, detail=True)


def available_hosts(hypervisor_client, page_size=CANDIDATE_PAGE_SIZE):
    """Hosts whose compute reads up and enabled, once each, lazily.

    A hypervisor carries its service's state (down when forced down) and
    status; several nodes of one host (Ironic) yield the host once.
    """
    seen = set()
    for hypervisor in hypervisors(hypervisor_client, page_size):
        host = hypervisor['service']['host']
        if host in seen:
            continue
        seen.add(host)
        if hypervisor['state'] == 'up' and hypervisor['status'] == 'enabled':
            yield host


# -- policy ----------------------------------------------------------------

def first_qualifying(candidates, refusal):
    """(host, refusals): the first candidate refusal() has nothing against.

    refusal(host) answers None or why not; refusals lists (host, why) of
    the hosts tried before, for the message when none qualifies.
    """
    refusals = []
    for host in candidates:
        why = refusal(host)
        if why is None:
            return host, refusals
        refusals.append((host, why))
    return None, refusals


def service_refusal(service):
    """Why a host whose service reads so may not be taken, or None."""
    if service is None:
        return 'has no %s service' % services.BINARY
    why = services.why_not_usable(service)
    return None if why is None else '%s is %s' % (services.BINARY, why)


def _named(refusals):
    named = ['%s %s' % refusal for refusal in refusals[:REFUSALS_NAMED]]
    if len(refusals) > REFUSALS_NAMED:
        named.append('and %d more' % (len(refusals) - REFUSALS_NAMED))
    return '; '.join(named)


def rotated(candidates, window=SPREAD, start=None):
    """candidates, the first window of them rotated to a random start.

    Runners sharing a cloud (two Zuul jobs, two operators) would all try
    the same first host and refuse each other's servers there; starting
    each choice somewhere else in the first window spreads them over the
    free hosts. The window is much smaller than a page of hypervisors,
    so the cost of a choice stays what it was. start(n) picks the offset
    (random by default; tests pass their own).
    """
    candidates = iter(candidates)
    first = list(itertools.islice(candidates, window))
    if first:
        offset = (start or random.randrange)(len(first))
        first = first[offset:] + first[:offset]
    return itertools.chain(first, candidates)


def choose_host(services_client, hypervisor_client, servers_client,
                disruptable_hosts, own_server_ids, start=None, avoid=None):
    """(host, None) for the first host that qualifies, else (None, why).

    With disruptable_hosts, only those are read (by host); otherwise
    hypervisors are read a page at a time. Either way each up and enabled
    candidate is asked for one server the test did not create, until a
    host has none: naming a host disruptable says the tests may disrupt
    it, not that no tenant uses it now (another test of the same run,
    beside the plugin, may). The first candidates are tried from a
    random start (rotated(), start for tests). avoid: {host: why} of
    hosts refused whatever they read.
    """
    avoid = avoid or {}

    def foreign(host):
        if host in avoid:
            return avoid[host]
        server_id = foreign_server_on(servers_client, host, own_server_ids)
        if server_id is None:
            return None
        return 'runs server %s, which this test did not create' % server_id

    if disruptable_hosts:
        host, refusals = first_qualifying(
            rotated(sorted(set(disruptable_hosts)), start=start),
            lambda host: avoid.get(host) or service_refusal(
                services.find(services_client, host)) or foreign(host))
        if host is None:
            return None, ('none of [allocation] disruptable_hosts %s is up '
                          'and enabled and free of other servers (%s)' % (
                              sorted(set(disruptable_hosts)),
                              _named(refusals)))
        return host, None

    host, refusals = first_qualifying(
        rotated(available_hosts(hypervisor_client), start=start), foreign)
    if host is not None:
        return host, None
    if not refusals:
        return None, 'no %s service is up and enabled' % services.BINARY
    # Each refusal says why: another project's server, or leftovers of a
    # leak a test of this run already failed for.
    return None, ('no compute host is free for this test (%s); set '
                  '[allocation] disruptable_hosts to hosts the tests may '
                  'disrupt' % _named(refusals))


def host_refusal(services_client, servers_client, host, disruptable_hosts,
                 own_server_ids):
    """Why host may not be disrupted now, or None: right before the guard.

    Other projects may have booted onto it since it was chosen.
    """
    if disruptable_hosts and host not in disruptable_hosts:
        return '%s is not in [allocation] disruptable_hosts %s' % (
            host, sorted(disruptable_hosts))
    why = service_refusal(services.find(services_client, host))
    if why is None:
        server_id = foreign_server_on(servers_client, host, own_server_ids)
        if server_id is not None:
            why = 'runs server %s, which this test did not create' % (
                server_id)
    return None if why is None else '%s %s' % (host, why)


def taken_since_chosen(services_client, host):
    """Why host's compute no longer takes servers, or None.

    A host is chosen while it reads up and enabled; another runner, an
    operator or a dying compute may change that before a boot onto it
    is scheduled, and the boot then ends in NoValidHost.
    """
    why = service_refusal(services.find(services_client, host))
    return None if why is None else '%s %s' % (host, why)


def first_available_host(hypervisor_client):
    """The first up and enabled compute host in Nova's order, or None."""
    return next(available_hosts(hypervisor_client), None)


def provider_for_host(hypervisor_client, providers_client, host):
    """The compute node provider uuid of host, or None.

    From compute API 2.53 a hypervisor's id is its compute node's uuid,
    which is the uuid of its resource provider in Placement; Placement
    names the provider after the node (hypervisor_hostname), which is
    usually, not always, the service host. So, cheapest first:

    1. the provider named host, if its hypervisor's service runs on host;
    2. hypervisor_hostname_pattern=host (a SQL LIKE '%host%': it may
       match other nodes, and misses a node named otherwise), confirmed
       by service host;
    3. every hypervisor, page by page, until one runs on host (Ironic
       nodes are named by uuid), said in a log line.
    """
    named = providers_client.list_resource_providers(
        name=host)['resource_providers']
    for provider in named:
        try:
            hypervisor = hypervisor_client.show_hypervisor(
                provider['uuid'])['hypervisor']
        except lib_exc.NotFound:
            # A provider of that name that is no compute node (yet).
            continue
        if hypervisor['service']['host'] == host:
            return hypervisor['id']
    try:
        matches = hypervisor_client.list_hypervisors(
            detail=True, hypervisor_hostname_pattern=host)['hypervisors']
    except lib_exc.NotFound:
        # Nova answers 404 when no hypervisor_hostname matches.
        matches = []
    on_host = [h for h in matches if h['service']['host'] == host]
    if on_host:
        # Several nodes on one host: the one named like it, else Nova's
        # first, as before.
        exact = [h for h in on_host if h['hypervisor_hostname'] == host]
        return (exact or on_host)[0]['id']
    LOG.warning('No hypervisor_hostname matching %r runs on service host '
                '%s; reading every hypervisor, page by page, to find its '
                'node', host, host)
    for hypervisor in hypervisors(hypervisor_client):
        if hypervisor['service']['host'] == host:
            return hypervisor['id']
    return None
