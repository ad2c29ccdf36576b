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
"""What a destructive test proves before and around its action.

The premise of every verdict, read rather than assumed: the service
reads down right before the delete, the delete went nova-api's local
way, a stopped compute really stopped (stop_proof.py) and a restarted one
really came back. Mixed into DisruptiveTestBase (serial_tests/base.py).
"""

import datetime

from tempest import config

from allocation_tempest_plugin.reads import services

CONF = config.CONF

# The event a nova-compute records when it deletes a server itself
# (ComputeManager.terminate_instance, @wrap_instance_event(prefix='compute')).
COMPUTE_TERMINATE_EVENT = 'compute_terminate_instance'


class PremiseChecks(object):
    """Premise checks of AdminAllocationTestBase's clients and waits."""

    # -- the local delete and its premise ---------------------------------

    def delete_locally(self, server_id, guard):
        """Delete server_id while guard holds its host; fails unless local.

        Before: the service must read down (forced_down makes
        service_is_up() false at once), or nova-api would not take the
        local path. After: the server's delete action must carry no event
        of a compute; a compute that terminated it itself means the check
        that follows would prove nothing about nova-api.
        """
        self.assert_service_reads_down(guard)
        self.delete_server_and_wait(server_id)
        self.assert_deleted_locally(server_id, guard.host)

    def delete_locally_and_assert_freed(self, server_id, guard, owned,
                                        context):
        """delete_locally(), then one read of Placement while still held.

        Read at once: nova-api frees the allocations before DELETE
        answers, and the held compute, whose process may still run, would
        heal a leak a period later.
        """
        self.delete_locally(server_id, guard)
        self.assert_placement_clean(owned, context)

    def assert_compute_stopped(self, guard):
        """The held compute's process is stopped: no heartbeat since.

        Waits out what is left of the quiet period (stop_proof.py).
        """
        unproven = guard.confirm_stopped()
        if unproven:
            self.fail('premise: %s' % unproven)

    def assert_service_reads_down(self, guard):
        """The held service reads down now, still carrying our marker."""
        service = guard.confirm_held()
        unproven = not_down(service, guard.host)
        if unproven:
            self.fail(unproven)
        return service

    def assert_deleted_locally(self, server_id, host):
        """The delete action of server_id ran in nova-api alone."""
        unproven = local_delete_unproven(self.admin_servers_client,
                                         server_id, host)
        if unproven:
            self.fail(unproven)

    def delete_action_events(self, server_id):
        """(last delete action, its events) of server_id, or (None, [])."""
        return delete_action_events(self.admin_servers_client, server_id)

    # -- a returning compute ----------------------------------------------

    def assert_compute_restarted(self, guard):
        """The premise of a restart test: the compute really came back.

        A start command may return as soon as the process is forked
        (systemctl); only a heartbeat after it that the plugin did not
        cause proves nova-compute ran init_host and its startup resource
        update. The guard records that heartbeat; without it, checking
        Placement would prove nothing about the returning compute.
        """
        if guard.stop_unproven:
            self.fail('premise: %s' % guard.stop_unproven)
        if guard.start_heartbeat is None:
            self.fail('premise: the guard restored %s without seeing a '
                      'heartbeat of the restarted nova-compute that it did '
                      'not cause itself; its startup resource update may '
                      'not have run yet' % guard.host)

    def wait_for_resource_tracker(self, host, since_service):
        """Wait for host's resource update after since; fails at the deadline.

        since_service is the first heartbeat the plugin did not cause after
        the compute was restored; heartbeats spanning a whole
        update_resources_interval after it prove update_available_resource
        ran in between.
        """
        interval = CONF.allocation.resource_tracker_interval
        since = services.parse_updated_at(since_service['updated_at'])
        moment = since + datetime.timedelta(seconds=interval)
        outcome = services.wait_for_heartbeat_after(
            self.compute_services_client, host, moment,
            self.wait_timeout + interval, self.wait_interval)
        if not outcome.done:
            self.fail('nova-compute on %s did not heartbeat past %s (restore '
                      'at %s + resource_tracker_interval %s s); last seen: '
                      '%s' % (host, moment, since, interval, outcome.value))


def not_down(service, host):
    """Why service (just re-read) does not read down; None if it does.

    forced_down makes service_is_up() false at once; a service that reads
    up would make nova-api delete the normal way.
    """
    if service['state'] == 'down':
        return None
    return ('premise: nova-compute on %s reads state=%s, not down, right '
            'before the delete; nova-api would not delete locally '
            '(service: %s)' % (host, service['state'], service))


def local_delete_unproven(servers_client, server_id, host):
    """Why the delete of server_id did not provably run in nova-api alone.

    None when it did. Compute API 2.21+ lists a deleted server's actions
    (admin). A local delete records the action with no event;
    ComputeManager's terminate_instance records compute_terminate_instance.
    """
    action, events = delete_action_events(servers_client, server_id)
    if action is None:
        return 'premise: server %s has no delete action' % server_id
    if not events:
        return None
    return ('premise: the delete of server %s did not go the local way: its '
            'delete action (request %s) carries events %s, so a nova-compute '
            'handled it although the service on %s was forced down '
            '(nova/compute/api.py API._delete took the normal path instead '
            'of _local_delete); the allocation checks would prove nothing '
            'about nova-api. See: openstack server event show %s %s' % (
                server_id, action['request_id'], events, host, server_id,
                action['request_id']))


def delete_action_events(servers_client, server_id):
    """(last delete action, its event names) of server_id, or (None, []).

    Compute API 2.21+ lists a deleted server's actions (admin).
    """
    deletes = [action for action in
               servers_client.list_instance_actions(
                   server_id)['instanceActions']
               if action['action'] == 'delete']
    if not deletes:
        return None, []
    action = servers_client.show_instance_action(
        server_id, deletes[-1]['request_id'])['instanceAction']
    return action, [event['event'] for event in action.get('events') or []]
