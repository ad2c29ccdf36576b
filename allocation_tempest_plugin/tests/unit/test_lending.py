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

"""The guard's lend mode against the fake Nova (guard/lending.py)."""

import os

import fixtures
from tempest.lib import exceptions as lib_exc

from allocation_tempest_plugin import exceptions
from allocation_tempest_plugin.fakes import os_services
from allocation_tempest_plugin.guard import loans
from allocation_tempest_plugin.guard import marker
from allocation_tempest_plugin.guard import recovery
from allocation_tempest_plugin.tests.unit import test_disruption

START = test_disruption.START


class LendTest(test_disruption.GuardTestBase):

    def setUp(self):
        super(LendTest, self).setUp()
        self.findings = []
        self.lock_path = self.useFixture(fixtures.TempDir()).path
        self.book = loans.LoanBook(self.lock_path)

    def _settings(self, **overrides):
        # Lending records its loan under lock_path.
        overrides.setdefault('lock_path', self.lock_path)
        return super(LendTest, self)._settings(**overrides)

    def _lender(self, **kwargs):
        params = dict(run_id='r1', lend=True,
                      exclusive_check=lambda host: list(self.findings))
        params.update(kwargs)
        return self._guard(**params)

    def _loan_hosts(self):
        return [loan.host for loan in self.book.loans()]

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
            # Recorded while the host carries no marker.
            self.assertEqual(['compute1'], self._loan_hosts())
            started = self.client.clock.monotonic()
            held = guard.take_back()
            # Forced down in the same write: the disable made no RPC to
            # the stopped compute (it would have waited
            # rpc_response_timeout).
            self.assertLess(self.client.clock.monotonic() - started, 10)
            self.assertEqual('down', held['state'])
            self._assert_marked()
            self.assertEqual('r1', marker.run_of(guard.confirm_held()))
            # The marker records it again: no loan record.
            self.assertEqual([], self._loan_hosts())
        self._assert_as_found()
        self.assertFalse(self.nova.disabled_trait['compute1'])
        reason = self.client.updates[0]['disabled_reason']
        # The marker says, from the first write, that the run stops the
        # compute, and with which settle it claimed.
        self.assertTrue(marker.parse_marker(reason).stops)
        self.assertEqual(3.0, marker.parse_marker(reason).settle)
        self.assertEqual([
            {'status': 'disabled', 'disabled_reason': reason},
            {'status': 'enabled'},
            {'status': 'disabled', 'disabled_reason': reason,
             'forced_down': True},
            {'forced_down': False},
            {'status': 'enabled'},
        ], self.client.updates)
        self.assertEqual([['cloud', 'stop-compute', 'compute1'],
                          ['cloud', 'start-compute', 'compute1']],
                         [argv for argv, _ in self.commands])
        self.assertIsNotNone(guard.start_heartbeat)

    def test_takeover_while_lent_is_left_alone(self):
        theirs = marker.make('r2', os_services.EPOCH, {
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

    def test_failed_take_back_is_restored(self):
        with self._lender() as guard:
            # Writes so far: claim, re-enable; the next is the take-back.
            self.client.failing_updates = {self.client.update_calls}
            self.assertRaises(lib_exc.ServerFault, guard.take_back)
            self.assertEqual(self._lent_state(), self._state())
            # Still lent: the record stays until the restore is over.
            self.assertEqual(['compute1'], self._loan_hosts())
        self.assertTrue(guard.restored)
        self._assert_as_found()
        self.assertEqual([], self._loan_hosts())

    def test_lend_needs_the_commands(self):
        guard = self._guard(lend=True, settings=self._settings(
            compute_stop_command=None, compute_start_command=None))
        self.assertRaises(exceptions.DisruptionError, guard.__enter__)
        self._assert_as_found()

    def test_lend_needs_a_lock_path(self):
        guard = self._lender(settings=self._settings(lock_path=None))
        error = self.assertRaises(exceptions.DisruptionError,
                                  guard.__enter__)
        self.assertIn('lock_path', str(error))
        self._assert_as_found()
        # Checked before the claim: nothing was written.
        self.assertEqual([], self.client.updates)

    def _killed_at(self, step):
        """A lender that stops at step, as SIGKILL would leave it."""
        class Killed(BaseException):
            pass

        def on_step(name):
            if name == step:
                raise Killed()
        guard = self._lender(on_step=on_step)
        # No __exit__, no restore: the process is gone. The deadline
        # timer (ManualTimer) never fires either.
        guard._deadline.finish = lambda restore, error: None
        if step == 'taken_back':
            guard.__enter__()
            self.assertRaises(Killed, guard.take_back)
        else:
            self.assertRaises(Killed, guard.__enter__)
        return guard

    def _recover(self, start_command=START, force=True):
        return recovery.recover(
            self.client, self._settings(compute_start_command=start_command),
            force=force, runner=self._runner, clock=self.client.clock)

    def test_recovery_restores_a_run_killed_while_lent(self):
        # Issue 22: killed between the stop and the take-back, the host is
        # enabled without a marker and its compute stopped; only the loan
        # record says so.
        self._killed_at('stopped')
        self.assertEqual(self._lent_state(), self._state())
        self.assertFalse(self.nova.running('compute1'))
        actions = self._recover()
        self.assertEqual(1, len(actions), [a.line() for a in actions])
        self.assertIn('(lent): restored to enabled', actions[0].line())
        self._assert_as_found()
        self.assertEqual([], self._loan_hosts())

    def test_class_setup_recovers_a_loan_whose_process_is_gone(self):
        # Without --force and before the marker's deadline: the record
        # names the lending process, which has ended, so the host (taking
        # builds it cannot run) is restored at once. A live owner's loan
        # is left to it.
        self._killed_at('stopped')
        loan = self.book.loans()[0]
        self.assertFalse(loan.owner_gone())

        def recover():
            return self._recover(force=False)
        self.assertIn('skip: its run may still hold it', recover()[0].verdict)
        self.assertFalse(self.nova.running('compute1'))
        self.book.record(loan.host, loan.service_id, loan.reason,
                         owner='999999999-12345')
        self.assertTrue(self.book.loans()[0].owner_gone())
        self.assertIn('restored', recover()[0].verdict)
        self._assert_as_found()
        self.assertEqual([], self._loan_hosts())

    def test_recovery_restores_a_run_killed_right_after_the_re_enable(self):
        self._killed_at('lent')
        actions = self._recover()
        self.assertIn('restored', actions[0].verdict)
        self._assert_as_found()
        self.assertEqual([], self._loan_hosts())

    def test_recovery_after_the_take_back_goes_by_the_marker(self):
        # Killed right after the take-back: the marker is back (stop=1).
        self._killed_at('taken_back')
        self._assert_marked()
        self.assertEqual([], self._loan_hosts())
        actions = self._recover()
        self.assertEqual(1, len(actions))
        self.assertNotIn('(lent)', actions[0].line())
        self._assert_as_found()

    def test_recovery_without_a_start_command_fails_and_keeps_the_loan(self):
        self._killed_at('stopped')
        actions = self._recover(start_command=None)
        self.assertTrue(actions[0].failed)
        self.assertIn('stopped its nova-compute', actions[0].verdict)
        self.assertEqual(self._lent_state(), self._state())
        self.assertEqual(['compute1'], self._loan_hosts())
        # Once a start command is there, the same record restores it.
        self.assertIn('restored', self._recover()[0].verdict)
        self._assert_as_found()

    def test_recovery_leaves_a_lent_host_someone_else_took(self):
        self._killed_at('stopped')
        self.client.update_service(self.client.record()['id'],
                                   status='disabled',
                                   disabled_reason='maintenance')
        writes = len(self.client.updates)
        actions = self._recover()
        self.assertTrue(actions[0].failed)
        self.assertIn('changed by someone else while lent',
                      actions[0].verdict)
        self.assertEqual(writes, len(self.client.updates))
        self.assertEqual('maintenance', self._state()['disabled_reason'])

    def test_loan_records_survive_only_their_own_clear(self):
        self.book.record('compute1', 'id-1', 'marker one')
        self.book.clear('compute1', 'marker two')
        self.assertEqual(['compute1'], self._loan_hosts())
        self.book.clear('compute1', 'marker one')
        self.assertEqual([], self._loan_hosts())
        self.assertRaises(ValueError, self.book.record, '../etc', 'x', 'y')
        with open(os.path.join(self.lock_path, loans.PREFIX + 'bad' +
                               loans.SUFFIX), 'w') as bad:
            bad.write('{')
        self.assertIn('unreadable', self.book.loans()[0].problem)

    def test_take_back_whose_answer_was_lost_is_still_restored(self):
        # Issue 22: the take-back's force-down lands but its answer never
        # comes. The service then reads forced down, enabled, no marker:
        # what the guard itself wrote, not someone else's state, so the
        # restore starts the compute it stopped and unforces it.
        with self._lender() as guard:
            # Writes so far: claim, re-enable; the next is the take-back.
            self.client.lost_updates = {self.client.update_calls}
            self.assertRaises(lib_exc.TimeoutException, guard.take_back)
            self.assertTrue(self._state()['forced_down'])
            self.assertFalse(self.nova.running('compute1'))
        self.assertTrue(guard.restored)
        self._assert_as_found()
        self.assertIsNotNone(guard.start_heartbeat)
        self.assertEqual([], self._loan_hosts())

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
