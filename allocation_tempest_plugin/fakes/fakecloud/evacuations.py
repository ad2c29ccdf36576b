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

"""Evacuation as Nova 34 does it, and the source's return (mixed into Nova).

nova/api/openstack/compute/evacuate.py and nova/compute/api.py evacuate:
an admin action; 404 for a host that names no compute, 400 for the
server's own host; check_instance_state (active, stopped, error); 400
"Compute service of <host> is still in use." while the source reads up.
nova-api sets task_state rebuilding, records the evacuate action and an
evacuation migration ("accepted"), and the conductor asks the scheduler:
a named host (2.29+, not forced) is still checked, no host means any
other that fits. No valid host: the migration ends "error", the server
ERROR with the scheduler's fault, its allocations untouched (bug
1713783). Otherwise the destination's compute rebuilds it (the event
compute_rebuild_instance): the consumer holds its flavor on both
providers, the migration is "done", the server is on the destination,
ACTIVE (SHUTOFF from 2.95, not modelled: the plugin asks for 2.74).

When the source's nova-compute starts, init_host runs
_destroy_evacuated_instances before the first heartbeat
(os_services.NovaServices calls init_host()): each accepted,
pre-migrating or done evacuation from it becomes "completed", and a
server not deleted meanwhile loses its allocations on the source (bugs
1709902, 1721652). os_services counts the done evacuations per host,
for its refusal to clear forced_down (bug 1922053).

The defects a test may give (Nova.__init__ says which attributes): the
source's return keeps the evacuated server's allocations there; a failed
evacuation drops the server's allocations.
"""

import uuid

from allocation_tempest_plugin.fakes.fakecloud import server_actions

# nova/compute/api.py evacuate's check_instance_state.
EVACUABLE = ('active', 'stopped', 'error')
# _destroy_evacuated_instances' filter.
TO_COMPLETE = ('accepted', 'pre-migrating', 'done')


class Evacuations(object):
    """Needs nova.Nova's servers, nodes, placement, migrations, services."""

    def _evacuate(self, context, server, params):
        if not context.is_admin:
            return self._error(403, 'Policy doesn\'t allow os_compute_api:'
                               'os-evacuate to be performed.')
        host = params.get('host')
        if host is not None and host not in self.node_on:
            return self._error(404, 'Compute host %s not found.' % host)
        if host is not None and host == server['host']:
            return self._error(400, "The target host can't be the same "
                               "one.")
        if server['vm_state'] not in EVACUABLE or server['task_state']:
            attr, state = (('task_state', server['task_state'])
                           if server['vm_state'] in EVACUABLE else
                           ('vm_state', server['vm_state']))
            return self._error(409, "Cannot 'evacuate' instance %s while "
                               "it is in %s %s" % (server['id'], attr,
                                                   state))
        source = server['host']
        if self._state(self.service_on(source)) == 'up':
            return self._error(400, 'Compute service of %s is still in '
                               'use.' % source)
        self._record_action(server['id'], 'evacuate', [])
        migration = self._migration(server, 'evacuation', host)
        destination = self._destination(server, host)
        if destination is None:
            self._no_valid_host(server, migration)
        else:
            self._rebuild_on(server, migration, destination)
        return 200, None

    def _migration(self, server, migration_type, host):
        migration = {
            'id': len(self.migrations) + 1, 'uuid': str(uuid.uuid4()),
            'status': 'accepted', 'instance_uuid': server['id'],
            'source_compute': server['host'], 'source_node': server['node'],
            'dest_compute': host, 'dest_node': None, 'dest_host': None,
            'old_instance_type_id': None, 'new_instance_type_id': None,
            'created_at': '2026-11-24T12:00:00.000000',
            'updated_at': None, 'migration_type': migration_type,
            'user_id': server['user_id'], 'project_id': server['tenant_id'],
            'old_vm_state': server['vm_state'], 'deleted': False}
        self.migrations.append(migration)
        return migration

    def _destination(self, server, host):
        """The scheduler's choice: host if it fits, or any other; or None."""
        candidates = [host] if host else [
            service['host'] for service in self.os_services.records.values()]
        return next((candidate for candidate in candidates
                     if candidate != server['host'] and
                     self._fits(candidate, server['flavor_id'], 1)), None)

    def _no_valid_host(self, server, migration):
        """conductor rebuild_instance: NoValidHost, nothing moved."""
        migration['status'] = 'error'
        if self.failed_evacuation_drops:
            self.placement.free(server['id'])
        server.update(vm_state='error', task_state=None,
                      fault=self.NO_VALID_HOST)

    def _rebuild_on(self, server, migration, destination):
        """The destination's compute rebuilds the server; both providers.

        _do_rebuild_instance saves the server ACTIVE with no task first;
        ResourceTracker.finish_evacuation, which waits for the resource
        tracker's lock, then moves its host and marks the migration
        "done": finish_evacuation_after_requests requests later (0: at
        once).
        """
        node = self.node_on[destination]
        self.placement.allocate(server['id'], node['uuid'],
                                self.flavor_resources(server['flavor_id']),
                                server['tenant_id'], server['user_id'])
        server.update(vm_state='active', task_state=None,
                      power_state=server_actions.RUNNING)
        self.actions[server['id']][-1]['events'].append(
            self._event(server, 'compute_rebuild_instance'))
        self.unfinished_evacuations.append(
            [self.finish_evacuation_after_requests, server, migration,
             destination])
        self.tick_evacuations()

    def tick_evacuations(self):
        """Run each finish_evacuation whose wait for the lock is over."""
        waiting = []
        for entry in self.unfinished_evacuations:
            if entry[0] > 0:
                entry[0] -= 1
                waiting.append(entry)
            else:
                self._finish_evacuation(*entry[1:])
        self.unfinished_evacuations = waiting

    def _finish_evacuation(self, server, migration, destination):
        node = self.node_on[destination]
        self.servers_on[server['host']].discard(server['id'])
        self.servers_on[destination].add(server['id'])
        server.update(host=destination, node=node['hypervisor_hostname'])
        migration.update(status='done', dest_compute=destination,
                         dest_node=node['hypervisor_hostname'])
        self.os_services.done_evacuations[migration['source_compute']] += 1

    def init_host(self, host):
        """_destroy_evacuated_instances of host's starting nova-compute."""
        rp_uuid = self.node_on[host]['uuid']
        for migration in self.migrations:
            if (migration['migration_type'] != 'evacuation' or
                    migration['source_compute'] != host or
                    migration['status'] not in TO_COMPLETE):
                continue
            server = self.servers[migration['instance_uuid']]
            if not server['deleted'] and not self.evacuated_source_kept:
                self.placement.free(server['id'], rp_uuid)
            migration['status'] = 'completed'
