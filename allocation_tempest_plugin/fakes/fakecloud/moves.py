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
"""Resizes and their migrations as Nova 34 keeps them (mixed into nova.Nova).

nova/compute/api.py API.resize checks the vm_state (active or stopped,
no task) and that the flavor changes; conductor's MigrationTask creates
the migration, whose uuid is the Placement consumer that takes over the
server's old flavor on the source (_preallocate_migration,
move_allocations), and the scheduler claims the new flavor for the
server on a destination other than the source (unless
allow_resize_to_same_host). The computes' prep_resize, resize_instance
and finish_resize end in VERIFY_RESIZE (vm_state resized), the migration
"finished": here at once, while the source compute reads up.

Confirming (ComputeManager.confirm_resize, on the source) deletes the
migration's allocation and marks it "confirmed". Deleting a resized
server confirms first (API._confirm_resize_on_deleting), by a synchronous
RPC to the source: with its process stopped that ends in MessagingTimeout
(500) and the server is left "deleting". Nothing confirms for a server in
any other vm_state (an admin's reset to ERROR): the migration keeps its
allocation (known defect error-after-resize-delete-leaks-migration).

GET /os-migrations (admin) lists what the database holds: a deleted
server's migrations are soft-deleted with it (db instance_destroy) and no
longer listed. From 2.59 it pages (limit, marker: a migration's uuid),
newest first.
"""

import uuid

from allocation_tempest_plugin.fakes.fakecloud import server_actions

# check_instance_state of API.resize and API.confirm_resize.
RESIZE = server_actions.Action('resize', {'active', 'stopped'},
                               'resize_prep', None, 'resized', None)
CONFIRM = server_actions.Action('confirmResize', {'resized'}, None,
                                'compute_confirm_resize', None, None)
# The events the three compute steps of a resize record.
RESIZE_EVENTS = ['compute_prep_resize', 'compute_resize_instance',
                 'compute_finish_resize']
MESSAGING_TIMEOUT = (
    'Unexpected API Error. Please report this at '
    'http://bugs.launchpad.net/nova/ and attach the Nova API log if '
    'possible.\n<class \'oslo_messaging.exceptions.MessagingTimeout\'>')
# Fields of a migration's view and the microversion that added them.
SINCE = {'migration_type': (2, 23), 'uuid': (2, 59), 'project_id': (2, 80),
         'user_id': (2, 80)}
FIELDS = ['id', 'status', 'instance_uuid', 'source_node', 'source_compute',
          'dest_node', 'dest_compute', 'dest_host', 'old_instance_type_id',
          'new_instance_type_id', 'created_at', 'updated_at']


class Moves(object):
    """Needs nova.Nova's servers, flavors, placement and services."""

    def _move_action(self, server, key, params):
        if key == 'resize':
            return self._resize(server, params)
        return self._confirm_resize(server)

    def _resize(self, server, params):
        flavor_id = str(params.get('flavorRef'))
        if flavor_id not in self.flavors:
            return self._error(400, 'Invalid flavorRef provided.')
        refusal = self._invalid_state(server, RESIZE, 'resize')
        if refusal:
            return self._error(409, refusal)
        if flavor_id == server['flavor_id']:
            return self._error(400, 'When resizing, instances must change '
                                    'flavor!')
        server['task_state'] = RESIZE.task_state
        self._record_action(server['id'], 'resize', [])
        if not self.compute_up(server):
            return 202, None
        destination = self._resize_destination(server, flavor_id)
        migration = self._new_migration(server, destination, flavor_id)
        if destination is None:
            # NoValidHost: conductor sets the migration to error and
            # leaves the server as it was.
            migration['status'] = 'error'
            server['task_state'] = None
            return 202, None
        self._move_claims(server, migration, flavor_id)
        source = server['host']
        self.servers_on[source].discard(server['id'])
        self.servers_on[destination].add(server['id'])
        server.update(host=destination, flavor_id=flavor_id,
                      node=self.node_on[destination]['hypervisor_hostname'],
                      vm_state=RESIZE.vm_state, task_state=None)
        migration['status'] = 'finished'
        self.actions[server['id']][-1]['events'].extend(
            self._event(server, event) for event in RESIZE_EVENTS)
        return 202, None

    def _resize_destination(self, server, flavor_id):
        """The first up, enabled host the new flavor fits, or None."""
        return next((record['host'] for record in
                     self.os_services.records.values()
                     if (record['host'] != server['host'] or
                         self.allow_resize_to_same_host) and
                     self._fits(record['host'], flavor_id, 1)), None)

    def _new_migration(self, server, destination, flavor_id):
        source = server['host']
        migration = {
            'id': len(self.migrations) + 1, 'uuid': str(uuid.uuid4()),
            'status': 'pre-migrating', 'instance_uuid': server['id'],
            'source_compute': source,
            'source_node': self.node_on[source]['hypervisor_hostname'],
            'dest_compute': destination,
            'dest_node': destination and self.node_on[destination][
                'hypervisor_hostname'],
            'dest_host': destination and '192.0.2.%d' % (
                self.node_index[self.node_on[destination]['uuid']] % 250 + 1),
            'old_instance_type_id': self._flavor_number(server['flavor_id']),
            'new_instance_type_id': self._flavor_number(flavor_id),
            'old_vm_state': server['vm_state'],
            'created_at': self.EPOCH, 'updated_at': self.EPOCH,
            'migration_type': 'resize', 'project_id': server['tenant_id'],
            'user_id': server['user_id'], 'deleted': False}
        self.migrations.append(migration)
        return migration

    def _flavor_number(self, flavor_id):
        # Nova shows the flavors' database ids, not their flavor ids.
        return sorted(self.flavors).index(flavor_id) + 1

    def _move_claims(self, server, migration, flavor_id):
        """Old flavor: the migration's, on the source; new: the server's."""
        source_rp = self.node_on[migration['source_compute']]['uuid']
        destination_rp = self.node_on[migration['dest_compute']]['uuid']
        old = self.flavor_resources(server['flavor_id'])
        self.placement.free(server['id'])
        self.placement.allocate(migration['uuid'], source_rp, old,
                                server['tenant_id'], server['user_id'])
        self.placement.allocate(server['id'], destination_rp,
                                self.flavor_resources(flavor_id),
                                server['tenant_id'], server['user_id'])

    def _unconfirmed(self, server_id):
        """API: Migration.get_by_instance_and_status, 'finished' first."""
        for status in ('finished', 'confirming'):
            for migration in self.migrations:
                if (migration['instance_uuid'] == server_id and
                        migration['status'] == status and
                        not migration['deleted']):
                    return migration
        return None

    def _confirm_resize(self, server):
        refusal = self._invalid_state(server, CONFIRM, 'confirmResize')
        if refusal:
            return self._error(409, refusal)
        migration = self._unconfirmed(server['id'])
        if migration is None:
            return self._error(404, 'Migration for instance %s and status '
                                    'finished could not be found.'
                               % server['id'])
        migration['status'] = 'confirming'
        self._record_action(server['id'], 'confirmResize', [])
        # A cast to the source: it acts at once while it reads up.
        if self.compute_up({'host': migration['source_compute']}):
            self._source_confirms(server, migration)
        return 204, None

    def _source_confirms(self, server, migration):
        """ComputeManager.confirm_resize on the source compute."""
        self.placement.free(migration['uuid'])
        migration['status'] = 'confirmed'
        server.update(vm_state=migration['old_vm_state'], task_state=None)
        self.actions[server['id']][-1]['events'].append(
            self._event(server, CONFIRM.event))

    def _confirm_on_deleting(self, server):
        """API._confirm_resize_on_deleting: None, or the 500 it answers.

        Only for vm_state resized; a call (cast=False) to the source,
        which only a running process answers.
        """
        if server['vm_state'] != 'resized':
            return None
        migration = self._unconfirmed(server['id'])
        if migration is None:
            return None
        self._record_action(server['id'], 'confirmResize', [])
        if not self.os_services.running(migration['source_compute']):
            server['task_state'] = 'deleting'
            return 500, {'computeFault': {'code': 500,
                                          'message': MESSAGING_TIMEOUT}}
        self._source_confirms(server, migration)
        return None

    def _forget_migrations(self, server_id):
        """db instance_destroy soft-deletes the server's migrations."""
        for migration in self.migrations:
            if migration['instance_uuid'] == server_id:
                migration['deleted'] = True

    # -- GET /os-migrations -------------------------------------------------

    def get_migrations(self, context, query, body):
        if not context.is_admin:
            return self._error(403, 'Policy does not allow os_compute_api:'
                                    'os-migrations:index to be performed.')
        listed = [migration for migration in self.migrations
                  if not migration['deleted'] and self._matches(migration,
                                                                query)]
        paged = context.microversion >= (2, 59)
        answer = {}
        if paged:
            # get_migrations_sorted: created_at, then id, descending.
            listed.sort(key=lambda migration: migration['id'], reverse=True)
            limit, marker = self._limit_marker(query)
            if marker is not None:
                ids = [migration['uuid'] for migration in listed]
                if marker not in ids:
                    return self._error(400, 'Marker %s could not be found.'
                                       % marker)
                listed = listed[ids.index(marker) + 1:]
            listed = listed[:limit]
            if listed and len(listed) == limit:
                answer['migrations_links'] = [{
                    'rel': 'next', 'href': 'http://nova/v2.1/os-migrations'
                    '?limit=%d&marker=%s' % (limit, listed[-1]['uuid'])}]
        answer['migrations'] = [self._migration_view(migration, context)
                                for migration in listed]
        return 200, answer

    @staticmethod
    def _matches(migration, query):
        host = query.get('host')
        if host is not None and host not in (migration['source_compute'],
                                             migration['dest_compute']):
            return False
        return all(query[field] == migration[field] for field in
                   ('status', 'instance_uuid', 'migration_type',
                    'source_compute') if field in query)

    @staticmethod
    def _migration_view(migration, context):
        view = {field: migration[field] for field in FIELDS}
        view.update({field: migration[field]
                     for field, since in SINCE.items()
                     if context.microversion >= since})
        return view
