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
"""The premises of a local delete, as plain functions (premises.py)."""

import testtools

from allocation_tempest_plugin.serial_tests import premises

SERVER = '7d9a1e58-2a5c-4b35-9b0f-1b3c6f0e2a11'


class FakeActions(object):
    """os-instance-actions as Nova answers them at 2.21+ (admin).

    A local delete records the action with no event; a compute that
    deleted the server records compute_terminate_instance.
    """

    def __init__(self, *actions):
        self.actions = [{'action': name, 'request_id': 'req-%d' % number,
                         'events': [{'event': event} for event in events]}
                        for number, (name, events) in enumerate(actions)]

    def list_instance_actions(self, server_id):
        return {'instanceActions': [
            {'action': a['action'], 'request_id': a['request_id']}
            for a in self.actions]}

    def show_instance_action(self, server_id, request_id):
        return {'instanceAction': next(
            a for a in self.actions if a['request_id'] == request_id)}


class LocalDeletePremiseTest(testtools.TestCase):

    def test_delete_without_events_went_the_local_way(self):
        actions = FakeActions(('create', ['compute__do_build_and_run_'
                                          'instance']), ('delete', []))
        self.assertIsNone(premises.local_delete_unproven(
            actions, SERVER, 'compute1'))

    def test_delete_a_compute_handled_is_named(self):
        actions = FakeActions(('delete', ['compute_terminate_instance']))
        unproven = premises.local_delete_unproven(actions, SERVER,
                                                  'compute1')
        self.assertIn('did not go the local way', unproven)
        self.assertIn('openstack server event show %s req-0' % SERVER,
                      unproven)

    def test_no_delete_action_is_named(self):
        unproven = premises.local_delete_unproven(
            FakeActions(('create', [])), SERVER, 'compute1')
        self.assertIn('has no delete action', unproven)

    def test_the_last_delete_counts(self):
        # A first delete the compute refused, then the local one.
        actions = FakeActions(('delete', ['compute_terminate_instance']),
                              ('delete', []))
        self.assertIsNone(premises.local_delete_unproven(
            actions, SERVER, 'compute1'))

    def test_service_that_reads_up_is_named(self):
        unproven = premises.not_down({'state': 'up', 'host': 'compute1'},
                                     'compute1')
        self.assertIn('reads state=up, not down', unproven)
        self.assertIsNone(premises.not_down({'state': 'down'}, 'compute1'))
