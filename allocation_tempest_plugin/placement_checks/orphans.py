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
"""Orphaned allocations on a host's provider: a finding, never a skip.

A consumer on a compute node's provider is legitimate when Nova knows it:
a server (on that host, or a build or a move not on it yet) or a
migration not yet over. Anything else is what ``nova-manage placement
audit`` calls an orphan: capacity nobody can use and, in this plugin, the
trace of a leak. A host holding one must not make the destructive tests
skip quietly (a broken Nova would then look green): the run fails once,
naming each orphan, and later tests go elsewhere or skip pointing at that
failure (orphan_registry.py).

Cost: only consumers the host's server listing does not explain are
looked at, one GET /servers/{uuid} each, plus one migrations listing of
the host when any of them is no server.
"""

from tempest.lib import exceptions as lib_exc

from allocation_tempest_plugin.placement_checks import placement
from allocation_tempest_plugin.reads import polling

# Migration statuses after which Nova holds nothing for a migration
# (nova/objects/migration.py; the resource tracker's in-progress list
# excludes them).
OVER = frozenset(['confirmed', 'reverted', 'error', 'failed', 'completed',
                  'cancelled'])


class Orphan(object):
    def __init__(self, consumer, host, rp_uuid, resources, project):
        self.consumer = consumer
        self.host = host
        self.rp_uuid = rp_uuid
        self.resources = resources
        self.project = project

    def line(self):
        """The audit's wording, for an operator."""
        return ('[orphan] orphaned allocation: consumer %s, project %s, '
                'holds %s on provider %s (host %s); why: no live server '
                'and no migration in progress has this uuid; see: '
                'openstack resource provider allocation show %s' % (
                    self.consumer, self.project or '?',
                    placement.format_amounts(self.resources), self.rp_uuid,
                    self.host, self.consumer))


def find(host, rp_uuid, candidates, show_server, host_migrations,
         project_of, still_held=None, settle=0, interval=1):
    """The orphans among candidates ({consumer: resources}).

    candidates are the provider's consumers that the host's server
    listing did not explain. show_server(uuid) answers the server or
    raises NotFound; host_migrations() lists the migrations from or to
    host; project_of(uuid) reads a consumer's project. still_held()
    reads the provider's consumers again: Nova frees some allocations
    just after the record that explained them went (a confirmed
    migration, in ComputeManager.confirm_resize, is marked confirmed
    before its allocation is deleted), so an orphan counts only if it is
    still there after settle seconds. That wait runs only when something
    looks orphaned, and is short; a real orphan stays for good.
    """
    unexplained = {}
    for consumer, resources in sorted(candidates.items()):
        try:
            show_server(consumer)
        except lib_exc.NotFound:
            # A server being deleted still shows (status DELETED) until
            # its allocations are gone: only a 404 leaves them unexplained.
            unexplained[consumer] = resources
    if not unexplained:
        return []
    moving = {migration['uuid'] for migration in host_migrations()
              if migration.get('status') not in OVER}
    suspects = set(unexplained) - moving
    if suspects and still_held is not None and settle:
        # Running out of time is the answer here: what is still held.
        outcome = polling.poll(
            still_held, lambda held: not suspects & set(held), settle,
            interval, 'suspected orphans on %s to be freed' % host)
        suspects &= set(outcome.value)
    return [Orphan(consumer, host, rp_uuid, unexplained[consumer],
                   project_of(consumer)) for consumer in sorted(suspects)]
