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
"""What a test's own consumers still hold, released by uuid.

A known-defect test makes Nova leave allocations behind on purpose (the
migration's old flavor on the source, for one) and releases them after
its verdict (vocabulary/verdicts.py). A test that dies before its verdict
would leave them for good, and every later destructive test of the run
would meet an orphan on the host (issue 25). This module finds and frees
them; vocabulary/unjudged_leftovers.py decides when.

Only consumers the test created, as Nova named them: its servers' ids
and their migrations' uuids. Each is read and released by its uuid
(GET and DELETE /allocations/{uuid}), never through a provider's
listing, so nothing another test or tenant holds is compared or touched.
Two more checks, read at release time:

- a server that still exists keeps its own allocations and its
  migrations': while it lives they are Nova's (a failed delete, a resize
  still to confirm), and freeing them would make a leak of its own;
- a consumer whose project Placement names is not one of the test's is
  left alone and reported.

Releasing is idempotent: a consumer that holds nothing is skipped, and
one freed meanwhile (DELETE answers 404) is fine.
"""

from tempest.lib import exceptions as lib_exc

from allocation_tempest_plugin.placement_checks import placement
from allocation_tempest_plugin.reads import allocations
from allocation_tempest_plugin.reads import paging


def migrations_of(migrations_client, server_id):
    """The uuids of server_id's migrations, as Nova lists them now.

    [] once the server is gone: Nova soft-deletes a server's migrations
    with it (db instance_destroy) and never lists deleted ones, so they
    are read while it exists. migrations_client pages (2.59+).
    """
    return [migration['uuid'] for migration in paging.items(
        migrations_client.list_migrations, 'migrations', marker_key='uuid',
        instance_uuid=server_id)
        if migration['instance_uuid'] == server_id]


class Release(object):
    """What release() did, as lines for an operator."""

    def __init__(self):
        self.released = []   # one line per consumer and provider
        self.kept = []       # why a consumer was left as it is
        self.failed = []     # a consumer that could not be read or freed

    def lines(self):
        return (['released: %s' % line for line in self.released] +
                ['kept: %s' % line for line in self.kept] +
                ['not released: %s' % line for line in self.failed])


def release(allocations_client, show_server, server_ids, migrations,
            project_ids, hosts=None):
    """Free what the test's own consumers of gone servers still hold.

    server_ids: the servers the test created; migrations: {migration
    uuid: server id} of their migrations; show_server(id) raises
    NotFound once a server is gone; project_ids: the test's projects;
    hosts: {rp uuid: host} for the lines. One consumer's error does not
    stop the others: it is in the Release's failed lines.
    """
    outcome = Release()
    consumers_of = {server_id: [('server', server_id)]
                    for server_id in server_ids}
    for migration_uuid, server_id in sorted(migrations.items()):
        consumers_of.setdefault(server_id, []).append(
            ('migration of server %s' % server_id, migration_uuid))
    for server_id, consumers in sorted(consumers_of.items()):
        try:
            alive = _still_exists(show_server, server_id)
        except lib_exc.TempestException as error:
            outcome.failed.append('server %s and its migrations: reading '
                                  'the server failed: %s' % (server_id,
                                                             error))
            continue
        if alive:
            outcome.kept.append(
                'server %s still exists (%s), so Nova still owns what it '
                'and its migrations hold: %s' % (
                    server_id, alive, ', '.join(
                        consumer for _, consumer in consumers)))
            continue
        for role, consumer in consumers:
            try:
                _release_one(allocations_client, role, consumer,
                             project_ids, hosts or {}, outcome)
            except lib_exc.TempestException as error:
                outcome.failed.append('%s %s: %s' % (role, consumer, error))
    return outcome


def _still_exists(show_server, server_id):
    """The server's status and task while Nova shows it; None once 404."""
    try:
        server = show_server(server_id)['server']
    except lib_exc.NotFound:
        return None
    return 'status %s, task_state %s' % (
        server.get('status'), server.get('OS-EXT-STS:task_state'))


def _release_one(allocations_client, role, consumer, project_ids, hosts,
                 outcome):
    body = allocations_client.list_allocations(consumer)
    holdings = allocations.by_provider(body)
    if not holdings:
        return
    project = body.get('project_id')
    if project not in project_ids:
        outcome.kept.append('%s %s holds allocations of project %s, not '
                            'one of this test\'s (%s): left alone' % (
                                role, consumer, project,
                                ', '.join(map(str, project_ids))))
        return
    try:
        allocations_client.delete_allocations(consumer)
    except lib_exc.NotFound:
        # Freed meanwhile (by Nova, or by the verdict's own release).
        return
    for rp_uuid, resources in sorted(holdings.items()):
        outcome.released.append('%s %s (project %s): %s on provider %s%s' % (
            role, consumer, project, placement.format_amounts(resources),
            rp_uuid, ' (host %s)' % hosts[rp_uuid] if rp_uuid in hosts
            else ''))
