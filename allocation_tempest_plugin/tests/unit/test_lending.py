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

"""The guard's lend mode against the fake Nova (common/lending.py)."""

from tempest.lib import exceptions as lib_exc

from allocation_tempest_plugin.common import marker
from allocation_tempest_plugin import exceptions
from allocation_tempest_plugin.tests.unit import fakes
from allocation_tempest_plugin.tests.unit import test_disruption

STOP = test_disruption.STOP
START = test_disruption.START


class LendTest(test_disruption.GuardTestBase):

    def setUp(self):
        super(LendTest, self).setUp()
        self.findings = []

    def _lender(self, **kwargs):
        return self._guard(run_id='r1', lend=True, stop_command=STOP,
                           start_command=START,
                           exclusive_check=lambda host: list(self.findings),
                           **kwargs)

    def _lent_state(self):
        return {'status': 'enabled', 'disabled_reason': None,
                'forced_down': False, 'state': 'up'}

    def test_lends_then_takes_back_and_restores(self):
        with self._lender() as guard:
            # The scheduler may place a server: enabled, up, no trait; the
            # compute that would take it is stopped.
            self.assertEqual(self._lent_state(), self._state())
            self.assertFalse(self.nova.disabled_trait['compute1'])
            self.assertFalse(self.nova.running('compute1'))
            started = self.client.clock.monotonic()
            held = guard.take_back()
            # Forced down first: the disable made no RPC to the stopped
            # compute (it would have waited rpc_response_timeout).
            self.assertLess(self.client.clock.monotonic() - started, 10)
            self.assertEqual('down', held['state'])
            self._assert_marked()
            self.assertEqual('r1', marker.run_of(guard.confirm_held()))
        self._assert_as_found()
        self.assertFalse(self.nova.disabled_trait['compute1'])
        reason = self.client.updates[0]['disabled_reason']
        self.assertEqual([
            {'status': 'disabled', 'disabled_reason': reason},
            {'status': 'enabled'},
            {'forced_down': True},
            {'status': 'disabled', 'disabled_reason': reason},
            {'forced_down': False},
            {'status': 'enabled'},
        ], self.client.updates)
        self.assertEqual([['cloud', 'stop-compute', 'compute1'],
                          ['cloud', 'start-compute', 'compute1']],
                         [argv for argv, _ in self.commands])
        self.assertIsNotNone(guard.start_heartbeat)

    def test_takeover_while_lent_is_left_alone(self):
        theirs = marker.make('r2', fakes.NovaServices.EPOCH, {
            'status': 'enabled', 'disabled_reason': None,
            'forced_down': False})
        with self._lender() as guard:
            service_id = self.client.record()['id']
            # Another runner claims the host (the compute still reads up).
            self.client.update_service(service_id, status='disabled',
                                       disabled_reason=theirs)
            writes = len(self.client.updates)
            error = self.assertRaises(exceptions.HostNotFree,
                                      guard.take_back)
        self.assertIn('changed by someone else while it was lent', str(error))
        self.assertIn('r2', str(error))
        self.assertEqual(writes, len(self.client.updates))
        state = self._state()
        self.assertEqual(('disabled', theirs, False),
                         (state['status'], state['disabled_reason'],
                          state['forced_down']))
        self.assertTrue(self.nova.running('compute1'))
        self.assertFalse(guard.restored)

    def test_foreign_build_while_lent_restores(self):
        with self._lender() as guard:
            self.findings.append('server f00 of project other')
            error = self.assertRaises(exceptions.HostNotExclusive,
                                      guard.take_back)
            self.assertIn('server f00', str(error))
            self._assert_marked()
        self.assertTrue(guard.restored)
        self._assert_as_found()

    def test_failure_while_lent_restores(self):
        def test_body():
            with self._lender():
                raise test_disruption.Boom('the boot failed')
        self.assertRaises(test_disruption.Boom, test_body)
        self._assert_as_found()
        self.assertNotIn({'forced_down': True}, self.client.updates)
        self.assertEqual(['stop-compute', 'start-compute'],
                         [argv[-2] for argv, _ in self.commands])

    def test_failed_disable_on_take_back_undoes_the_force_down(self):
        with self._lender() as guard:
            # Writes so far: claim, re-enable; then forced_down, the disable.
            self.client.failing_updates = {self.client.update_calls + 1}
            self.assertRaises(lib_exc.ServerFault, guard.take_back)
            self.assertEqual(self._lent_state()['forced_down'],
                             self._state()['forced_down'])
        self.assertTrue(guard.restored)
        self._assert_as_found()

    def test_lend_needs_the_commands(self):
        guard = self._guard(lend=True)
        self.assertRaises(exceptions.DisruptionError, guard.__enter__)
        self._assert_as_found()

    def test_take_back_whose_answer_was_lost_is_still_restored(self):
        # Issue 22: the take-back's force-down lands but its answer never
        # comes. The service then reads forced down, enabled, no marker:
        # what the guard itself wrote, not someone else's state, so the
        # restore starts the compute it stopped and unforces it.
        with self._lender() as guard:
            # Writes so far: claim, re-enable; the next is the force-down.
            self.client.lost_updates = {self.client.update_calls}
            self.assertRaises(lib_exc.TimeoutException, guard.take_back)
            self.assertTrue(self._state()['forced_down'])
            self.assertFalse(self.nova.running('compute1'))
        self.assertTrue(guard.restored)
        self._assert_as_found()
        self.assertIsNotNone(guard.start_heartbeat)

    def test_someone_elses_force_down_while_lent_is_left_alone(self):
        # Not the guard's write: an operator forces the lent host down.
        writes = []

        def test_body():
            with self._lender():
                self.client.update_service(
                    self.client.record()['id'], forced_down=True,
                    status='disabled', disabled_reason='maintenance')
                writes.append(len(self.client.updates))
        self.assertRaises(exceptions.HostTakenOver, test_body)
        self.assertEqual(writes, [len(self.client.updates)])
        self.assertEqual('maintenance', self._state()['disabled_reason'])
