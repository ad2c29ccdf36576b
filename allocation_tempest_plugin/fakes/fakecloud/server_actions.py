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

"""POST /servers/{id}/action as Nova 34 answers it (mixed into nova.Nova).

nova/compute/api.py checks the vm_state and task state
(check_instance_state: 409 "Cannot '<action>' instance <id> while it is
in vm_state <state>") and, for a stop, that the server has a host
(check_instance_host); it sets the task state, records the instance
action (_record_action_start) and casts to the compute. The compute's
method, decorated with wrap_instance_event(prefix='compute'), records the
event compute_<method> and sets the new vm_state. Here the compute acts
at once while its service reads up; a cast to a compute that reads down
goes nowhere, and the server keeps its task state. Resizes are
moves.py's. os-resetState
(nova/api/openstack/compute/admin_actions.py) is nova-api's alone: the
resetState action with no event, the host and allocations kept.
"""

import collections
import uuid

# nova/compute/power_state.py
NOSTATE, RUNNING, PAUSED, SHUTDOWN, SUSPENDED = 0, 1, 3, 4, 7

Action = collections.namedtuple('Action', [
    'name',          # the instance action recorded (instance_actions.py)
    'allowed',       # the vm_states check_instance_state accepts
    'task_state',    # what nova-api sets before the cast (task_states.py)
    'event',         # the event the compute's method records
    'vm_state',      # where the compute leaves the server
    'power_state',
])

# Request key -> Action (nova/compute/api.py stop, pause, suspend, rescue,
# shelve, shelve_offload; nova/compute/manager.py stop_instance, ...).
ACTIONS = {
    'os-stop': Action('stop', {'active', 'error'}, 'powering-off',
                      'compute_stop_instance', 'stopped', SHUTDOWN),
    'pause': Action('pause', {'active'}, 'pausing',
                    'compute_pause_instance', 'paused', PAUSED),
    'suspend': Action('suspend', {'active'}, 'suspending',
                      'compute_suspend_instance', 'suspended', SUSPENDED),
    'rescue': Action('rescue', {'active', 'stopped', 'error'}, 'rescuing',
                     'compute_rescue_instance', 'rescued', RUNNING),
    'shelve': Action('shelve', {'active', 'stopped', 'paused', 'suspended'},
                     'shelving', 'compute_shelve_instance', 'shelved',
                     SHUTDOWN),
    'shelveOffload': Action('shelveOffload', {'shelved'},
                            'shelving_offloading',
                            'compute_shelve_offload_instance',
                            'shelved_offloaded', SHUTDOWN),
}


class ServerActions(object):
    """Needs nova.Nova's servers, placement, _error and _record_action."""

    def post_action(self, context, query, body, server_id):
        server = self.servers.get(server_id)
        if server is None or server['deleted']:
            return self._error(404, 'Instance %s could not be found.'
                               % server_id)
        [(key, params)] = body.items()
        if key in self.refused_actions:
            return self._error(*self.refused_actions[key])
        if key == 'os-resetState':
            return self._reset_state(context, server, params or {})
        if key in ('resize', 'confirmResize'):
            return self._move_action(server, key, params or {})
        if key == 'evacuate':
            return self._evacuate(context, server, params or {})
        action = ACTIONS.get(key)
        if action is None:
            return self._error(400, 'There is no such action: %s' % key)
        refusal = self._invalid_state(server, action, key)
        if refusal:
            return self._error(409, refusal)
        if key == 'os-stop' and not server['host']:
            # check_instance_host: InstanceNotReady.
            return self._error(409, 'Instance %s is not ready'
                               % server['id'])
        server['task_state'] = action.task_state
        self._record_action(server['id'], action.name, [])
        if self.compute_up(server):
            self._compute_runs(server, action)
        if key == 'rescue':
            # nova/api/openstack/compute/rescue.py: 200 with the password
            # ([api] enable_instance_password, on by default).
            return 200, {'adminPass': (params or {}).get(
                'adminPass') or uuid.uuid4().hex[:12]}
        return 202, None

    @staticmethod
    def _invalid_state(server, action, key):
        """check_instance_state's refusal, as the API words it; or None."""
        if server['vm_state'] not in action.allowed:
            attr, state = 'vm_state', server['vm_state']
        elif server['task_state'] is not None:
            attr, state = 'task_state', server['task_state']
        elif not server['launched']:
            attr, state = 'launched_at', None
        else:
            return None
        # nova/api/openstack/common.py
        # raise_http_conflict_for_instance_invalid_state
        return "Cannot '%s' instance %s while it is in %s %s" % (
            key, server['id'], attr, state)

    def _compute_runs(self, server, action):
        """The compute's method: its event, then the new state."""
        self.actions[server['id']][-1]['events'].append(
            self._event(server, action.event))
        server.update(vm_state=action.vm_state, task_state=None,
                      power_state=action.power_state)
        offload = (action.name == 'shelveOffload' or
                   (action.name == 'shelve' and
                    self.shelved_offload_time == 0))
        if offload:
            # ComputeManager._shelve_offload_instance (within the shelve
            # when shelved_offload_time is 0): the allocations are freed
            # (delete_allocation_for_shelve_offloaded_instance), then the
            # vm_state set and host and node cleared.
            if not self.shelve_offload_keeps_allocations:
                self.placement.free(server['id'])
            self.servers_on[server['host']].discard(server['id'])
            server.update(vm_state='shelved_offloaded', host=None,
                          node=None)

    def _reset_state(self, context, server, params):
        if not context.is_admin:
            return self._error(403, 'Policy doesn\'t allow os_compute_api:'
                               'os-admin-actions:reset_state to be '
                               'performed.')
        state = params.get('state')
        if state not in ('active', 'error'):
            return self._error(400, "Invalid input for field/attribute "
                               "state. Value: %s." % state)
        self._record_action(server['id'], 'resetState', [])
        server.update(vm_state=state, task_state=None)
        return 202, None
