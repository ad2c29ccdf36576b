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

"""The guard against a fake Nova that behaves like Nova (fakes.py).

Every test asserts the service's end state, not only what was raised.
"""

import signal
import subprocess
import threading
import time

from tempest.lib import exceptions as lib_exc
import testtools

from allocation_tempest_plugin import exceptions
from allocation_tempest_plugin.fakes import os_services
from allocation_tempest_plugin.guard import claim
from allocation_tempest_plugin.guard import disruption
from allocation_tempest_plugin.guard import marker
from allocation_tempest_plugin.guard import recovery
from allocation_tempest_plugin.reads import services
from allocation_tempest_plugin.tests.unit import fakes

STOP = 'cloud stop-compute {host}'
START = 'cloud start-compute {host}'
AS_FOUND = {'status': 'enabled', 'disabled_reason': None,
            'forced_down': False, 'state': 'up'}


class Boom(Exception):
    pass


class GuardTestBase(testtools.TestCase):
    """A fake os-services with two computes, and a guard on compute1."""

    def setUp(self):
        super(GuardTestBase, self).setUp()
        self.client = fakes.FakeServicesClient(os_services.service('compute1'),
                                               os_services.service('compute2'))
        self.nova = self.client.nova
        self.commands = []
        self.failing_starts = 0
        fakes.ManualTimer.instances = []

    def _runner(self, argv, **kwargs):
        self.commands.append((argv, kwargs))
        if argv[-2] in ('stop-compute', 'fence-compute'):
            self.nova.stop(argv[-1])
        elif argv[-2] == 'start-compute':
            if self.failing_starts:
                self.failing_starts -= 1
                return subprocess.CompletedProcess(argv, 1, '', 'busy')
            # Returns at once, like systemctl: the heartbeat comes later.
            self.nova.start(argv[-1])
        return subprocess.CompletedProcess(argv, 0, '', '')

    def _settings(self, **overrides):
        """The settings of a cloud whose computes the runner can restart.

        A guard runs the commands only when asked to (stop_process).
        """
        values = dict(restore_timeout=120, compute_stop_command=STOP,
                      compute_start_command=START,
                      config_file='/etc/tempest/tempest.conf')
        values.update(overrides)
        return fakes.guard_settings(**values)

    def _guard(self, host='compute1', settings=None, **kwargs):
        params = dict(runner=self._runner, timer_factory=fakes.ManualTimer,
                      clock=self.client.clock)
        params.update(kwargs)
        return disruption.ComputeDisruption(
            self.client, host, settings or self._settings(), **params)

    def _state(self, host='compute1'):
        record = services.show(self.client, host)
        return {k: record[k] for k in ('status', 'disabled_reason',
                                       'forced_down', 'state')}

    def _assert_as_found(self, host='compute1'):
        self.assertEqual(AS_FOUND, self._state(host))
        self.assertTrue(self.nova.running(host), '%s not running' % host)

    def _assert_marked(self):
        state = self._state()
        self.assertEqual('disabled', state['status'])
        self.assertTrue(state['forced_down'])
        self.assertIsNotNone(marker.parse_marker(state['disabled_reason']))


class GuardTest(GuardTestBase):

    def test_disrupts_then_restores_on_pass(self):
        with self._guard(run_id='r1') as guard:
            during = self._state()
        self.assertEqual('disabled', during['status'])
        self.assertTrue(during['forced_down'])
        self.assertEqual('down', during['state'])
        found = marker.parse_marker(during['disabled_reason'])
        self.assertEqual('r1', found.run_id)
        self.assertEqual({'status': 'enabled', 'disabled_reason': None,
                          'forced_down': False}, found.found)
        self.assertTrue(guard.restored)
        self._assert_as_found()
        self._assert_as_found('compute2')

    def test_restores_on_test_failure(self):
        def failing_test():
            with self._guard():
                raise AssertionError('leak')
        self.assertRaises(AssertionError, failing_test)
        self._assert_as_found()

    def test_restores_on_exception_and_keeps_it(self):
        def crashing_test():
            with self._guard():
                raise Boom()
        self.assertRaises(Boom, crashing_test)
        self._assert_as_found()

    def test_restores_on_keyboard_interrupt(self):
        def interrupted():
            with self._guard():
                raise KeyboardInterrupt()
        self.assertRaises(KeyboardInterrupt, interrupted)
        self._assert_as_found()

    def test_sigterm_and_sighup_unwind_and_restore(self):
        for signum in (signal.SIGTERM, signal.SIGHUP):
            previous = signal.getsignal(signum)

            def terminated():
                with self._guard(stop_process=True):
                    signal.raise_signal(signum)
                    self.fail('the signal must unwind the test')
            self.assertRaises(disruption.TerminatedBySignal, terminated)
            self._assert_as_found()
            self.assertEqual(previous, signal.getsignal(signum))

    def test_refuses_a_host_that_is_not_up_and_enabled(self):
        self.client.record().update(status='disabled',
                                    disabled_reason='maintenance by ops')
        error = self.assertRaises(exceptions.HostNotFree,
                                  self._guard().__enter__)
        self.assertIn('not up and enabled', str(error))
        self.assertEqual([], self.client.updates)
        self.assertEqual('maintenance by ops',
                         self._state()['disabled_reason'])

    def test_refuses_a_marked_host(self):
        self.client.record().update(
            status='enabled', disabled_reason=marker.make(
                'other', os_services.EPOCH.replace(
                    tzinfo=marker.datetime.timezone.utc)))
        error = self.assertRaises(exceptions.HostNotFree,
                                  self._guard().__enter__)
        self.assertIn('held by run other', str(error))
        self.assertEqual([], self.client.updates)

    def test_failure_while_disrupting_restores(self):
        # The disable works, the force down answers 500: undo the disable.
        self.client.failing_updates = {1}

        def run():
            with self._guard():
                self.fail('must not get here')
        self.assertRaises(lib_exc.ServerFault, run)
        self._assert_as_found()

    def test_disable_whose_answer_was_lost_is_undone(self):
        self.client.lost_updates = {0}
        self.assertRaises(lib_exc.TimeoutException, self._guard().__enter__)
        self._assert_as_found()

    def test_precheck_refusal_changes_nothing(self):
        def refuse(host):
            raise Boom('host %s runs other projects\' servers' % host)
        self.assertRaises(Boom, self._guard(precheck=refuse).__enter__)
        self.assertEqual([], self.client.updates)
        self._assert_as_found()

    def test_stop_and_start_commands_as_argv_without_shell(self):
        guard = self._guard(stop_process=True, settings=self._settings(
            compute_stop_command='/opt/' + STOP,
            compute_start_command='/opt/' + START, command_timeout=42))
        with guard:
            self.assertEqual('down', self._state()['state'])
            self.assertFalse(self.nova.running('compute1'))
        self._assert_as_found()
        self.assertEqual([['/opt/cloud', 'stop-compute', 'compute1'],
                          ['/opt/cloud', 'start-compute', 'compute1']],
                         [argv for argv, _ in self.commands])
        for _, kwargs in self.commands:
            self.assertIs(False, kwargs['shell'])
            self.assertEqual(42, kwargs['timeout'])

    def test_fence_runs_the_fence_command_then_starts(self):
        guard = self._guard(fence=True, settings=self._settings(
            compute_fence_command='/opt/cloud fence-compute {host}'))
        with guard:
            self.assertEqual('down', self._state()['state'])
            self.assertFalse(self.nova.running('compute1'))
        self._assert_as_found()
        self.assertEqual([['/opt/cloud', 'fence-compute', 'compute1'],
                          ['cloud', 'start-compute', 'compute1']],
                         [argv for argv, _ in self.commands])

    def test_fence_without_a_fence_command_stops(self):
        # Local instance storage: the stop command is the fence.
        with self._guard(fence=True):
            self.assertFalse(self.nova.running('compute1'))
        self._assert_as_found()
        self.assertEqual([['cloud', 'stop-compute', 'compute1'],
                          ['cloud', 'start-compute', 'compute1']],
                         [argv for argv, _ in self.commands])

    def test_stop_process_never_runs_the_fence_command(self):
        with self._guard(stop_process=True, settings=self._settings(
                compute_fence_command='/opt/cloud fence-compute {host}')):
            pass
        self.assertEqual([['cloud', 'stop-compute', 'compute1'],
                          ['cloud', 'start-compute', 'compute1']],
                         [argv for argv, _ in self.commands])

    def test_fence_template_a_shell_cannot_split_is_refused(self):
        error = self.assertRaises(
            exceptions.UnsafeCommand, self._settings,
            compute_fence_command='fence "{host}')
        self.assertIn('compute_fence_command', str(error))

    def test_template_without_host_needs_one_disruptable_host(self):
        guard = self._guard(stop_process=True, settings=self._settings(
            compute_stop_command='systemctl stop devstack@n-cpu'))
        error = self.assertRaises(exceptions.UnsafeCommand, guard.__enter__)
        self.assertIn('disruptable_hosts', str(error))
        self.assertEqual([], self.client.updates)
        with self._guard(stop_process=True, settings=self._settings(
                compute_stop_command='cloud stop-compute compute1',
                compute_start_command='cloud start-compute compute1',
                disruptable_hosts=['compute1'])):
            self.assertFalse(self.nova.running('compute1'))
        self._assert_as_found()

    def test_failed_stop_command_still_starts_and_restores(self):
        def runner(argv, **kwargs):
            self.commands.append(argv)
            if argv[0] == 'stop':
                # Half-worked: the process is gone, the command failed.
                self.nova.stop('compute1')
                return subprocess.CompletedProcess(argv, 3, '',
                                                   'no such unit')
            self.nova.start('compute1')
            return subprocess.CompletedProcess(argv, 0, '', '')
        guard = self._guard(stop_process=True, runner=runner,
                            settings=self._settings(
                                compute_stop_command='stop {host}',
                                compute_start_command='start {host}'))
        error = self.assertRaises(exceptions.CommandFailed, guard.__enter__)
        self.assertIn('no such unit', str(error))
        self.assertEqual([['stop', 'compute1'], ['start', 'compute1']],
                         self.commands)
        self._assert_as_found()

    def test_restore_is_idempotent(self):
        with self._guard() as guard:
            pass
        updates = len(self.client.updates)
        guard.restore()
        self.assertEqual(updates, len(self.client.updates))
        self._assert_as_found()


class DeadlineTest(GuardTestBase):

    def test_deadline_interrupts_the_test_and_restores_in_it(self):
        restored_in = []

        def on_step(step):
            if step == 'restoring':
                restored_in.append(threading.current_thread())

        def slow_test():
            with self._guard(on_step=on_step):
                fakes.ManualTimer.instances[-1].fire()
                self.fail('the deadline must interrupt the test')
        self.assertRaises(exceptions.DisruptionTimeout, slow_test)
        self.assertEqual([threading.main_thread()], restored_in)
        self._assert_as_found()

    def test_stop_command_outliving_the_deadline(self):
        # The timer fires while the stop command still runs: nothing is
        # restored behind the command's back; the main thread unwinds
        # from the command and restores, the compute started again.
        def runner(argv, **kwargs):
            self.commands.append(argv)
            if argv[-2] in ('stop-compute', 'fence-compute'):
                self.nova.stop('compute1')
                fakes.ManualTimer.instances[-1].fire()
                self.assertEqual('disabled', self._state()['status'])
            else:
                self.nova.start('compute1')
            return subprocess.CompletedProcess(argv, 0, '', '')
        guard = self._guard(stop_process=True, runner=runner)
        self.assertRaises(exceptions.DisruptionTimeout, guard.__enter__)
        self._assert_as_found()

    def test_real_timer_thread_interrupts_the_main_thread(self):
        def slow_test():
            with self._guard(settings=self._settings(
                    max_disruption_seconds=0.2),
                    timer_factory=threading.Timer):
                deadline = time.monotonic() + 10
                while time.monotonic() < deadline:
                    time.sleep(0.01)
                self.fail('the timer never interrupted the test')
        self.assertRaises(exceptions.DisruptionTimeout, slow_test)
        self._assert_as_found()


class PersistentRestoreTest(GuardTestBase):

    def _run(self, **kwargs):
        with self._guard(**kwargs) as guard:
            pass
        return guard

    def test_put_500s_are_retried(self):
        # Calls 0, 1: disable, force down; then the restore's PUTs fail.
        self.client.failing_updates = {2, 3, 4, 5}
        self._run()
        self._assert_as_found()

    def test_lost_answers_are_retried(self):
        self.client.lost_updates = {2, 3}
        self._run()
        self._assert_as_found()

    def test_get_failures_and_garbled_updated_at(self):
        with self._guard(stop_process=True):
            reads = self.client.read_calls
            self.client.failing_reads = {reads, reads + 1}
            self.client.garbled_reads = set(range(reads + 2, reads + 6))
        self._assert_as_found()

    def test_start_failing_once_then_succeeding(self):
        self.failing_starts = 1
        self._run(stop_process=True)
        self._assert_as_found()
        self.assertEqual(3, len(self.commands))

    def test_start_always_failing_leaves_it_marked_for_recovery(self):
        self.failing_starts = 10 ** 6
        guard = self._guard(stop_process=True,
                            settings=self._settings(restore_timeout=30))
        guard.__enter__()
        error = self.assertRaises(exceptions.RestoreFailed, guard.__exit__,
                                  None, None, None)
        message = str(error)
        self.assertIn('start command kept failing', message)
        self.assertIn('allocation-tempest-recover --config-file '
                      '/etc/tempest/tempest.conf --host compute1 --force',
                      message)
        self._assert_marked()
        # The unit works again: the recovery command repairs the host.
        self.failing_starts = 0
        actions = recovery.recover(
            self.client, fakes.guard_settings(compute_start_command=START),
            force=True, runner=self._runner, clock=self.client.clock)
        self.assertIn('restored', actions[0].verdict)
        self._assert_as_found()

    def test_evacuations_done_refuse_unforcing_until_init_host(self):
        # Bug 1922053: 400 until the restarted compute's init_host.
        puts = []
        update = self.client.update_service

        def recording_update(service_id, **fields):
            if fields.get('forced_down') is False:
                puts.append(self.nova.done_evacuations['compute1'])
            return update(service_id, **fields)
        self.client.update_service = recording_update
        with self._guard(stop_process=True):
            self.nova.done_evacuations['compute1'] = 1
        self._assert_as_found()
        # The guard waited for the heartbeat before unforcing: no 400.
        self.assertEqual([0], puts)

    def test_forced_only_evacuations_retry_until_they_complete(self):
        with self._guard():
            self.nova.done_evacuations['compute1'] = 1
            calls = self.client.update_calls
            # Nova completes them a while into the restore.
            self.client.failing_updates = set()
            original = self.client.update_service

            def update(service_id, **fields):
                if self.client.update_calls >= calls + 3:
                    self.nova.done_evacuations['compute1'] = 0
                return original(service_id, **fields)
            self.client.update_service = update
        self._assert_as_found()

    def test_evacuations_never_completing_fail_clearly(self):
        guard = self._guard(settings=self._settings(restore_timeout=20))
        guard.__enter__()
        self.nova.done_evacuations['compute1'] = 1
        error = self.assertRaises(exceptions.RestoreFailed, guard.__exit__,
                                  None, None, None)
        self.assertIn('forced_down is still true', str(error))
        self.assertIn('BadRequest', str(error))
        self._assert_marked()

    def test_forced_down_and_status_are_separate_puts(self):
        self._run()
        self.assertEqual([{'forced_down': False}, {'status': 'enabled'}],
                         self.client.updates[-2:])

    def test_service_that_never_comes_back_fails_clearly(self):
        guard = self._guard(stop_process=True, settings=self._settings(
            compute_start_command='cloud noop {host}', restore_timeout=60))
        guard.__enter__()
        error = self.assertRaises(exceptions.RestoreFailed, guard.__exit__,
                                  None, None, None)
        self.assertIn('sent no heartbeat', str(error))
        self._assert_marked()


class HeartbeatTest(GuardTestBase):

    def test_unforces_only_after_a_heartbeat_it_did_not_cause(self):
        seen = {}
        update = self.client.update_service

        def recording_update(service_id, **fields):
            if fields.get('forced_down') is False:
                seen['beats_since_start'] = self.nova.heartbeats - seen[
                    'beats_at_start']
            return update(service_id, **fields)
        self.client.update_service = recording_update

        def runner(argv, **kwargs):
            if argv[-2] == 'start-compute':
                seen['beats_at_start'] = self.nova.heartbeats
            return self._runner(argv, **kwargs)
        with self._guard(stop_process=True, runner=runner) as guard:
            self.assertIsNone(guard.start_heartbeat)
        self.assertGreaterEqual(seen['beats_since_start'], 1)
        self._assert_as_found()
        # The evidence the restart tests check: that heartbeat's record.
        self.assertEqual('compute1', guard.start_heartbeat['host'])
        self.assertTrue(guard.start_heartbeat['forced_down'])

    def test_no_start_heartbeat_without_a_restart(self):
        with self._guard() as guard:
            pass
        self.assertIsNone(guard.start_heartbeat)

    def test_restored_service_is_a_heartbeat_after_the_last_write(self):
        for kwargs in ({}, {'stop_process': True}):
            with self._guard(**kwargs) as guard:
                pass
            last_write = self.client.record()['updated_at']
            restored = guard.restored_service
            self.assertGreater(restored['updated_at'], last_write)
            self.assertEqual('up', restored['state'])
            self.assertEqual(
                self.nova.timestamp(self.nova.last_seen_up['compute1']),
                restored['updated_at'])


class OwnershipTest(GuardTestBase):

    def test_confirm_held_returns_the_service(self):
        with self._guard() as guard:
            service = guard.confirm_held()
        self.assertEqual('down', service['state'])

    def test_confirm_held_refuses_a_service_changed_by_someone(self):
        with self._guard() as guard:
            self.client.record().update(forced_down=False)
            error = self.assertRaises(exceptions.HostTakenOver,
                                      guard.confirm_held)
            self.assertIn('forced_down is false', str(error))
            self.assertIn('state is up', str(error))
            self.client.record().update(forced_down=True)

    def test_does_not_overwrite_an_operator_decision(self):
        guard = self._guard()
        guard.__enter__()
        # An operator fences the host while the test holds it.
        self.client.record().update(disabled_reason='fenced by ops')
        error = self.assertRaises(exceptions.HostTakenOver, guard.__exit__,
                                  None, None, None)
        self.assertIn('fenced by ops', str(error))
        state = self._state()
        self.assertEqual(('disabled', 'fenced by ops', True),
                         (state['status'], state['disabled_reason'],
                          state['forced_down']))

    def test_does_not_undo_another_runners_recovery(self):
        guard = self._guard()
        guard.__enter__()
        recovery.recover(self.client, fakes.guard_settings(), force=True,
                         clock=self.client.clock)
        updates = len(self.client.updates)
        # Recovery restored it as found: nothing is left to write.
        guard.__exit__(None, None, None)
        self.assertEqual(updates, len(self.client.updates))
        self._assert_as_found()

    def test_ownership_verdicts(self):
        original = {'status': 'enabled', 'disabled_reason': None,
                    'forced_down': False}
        mine = marker.make('me', os_services.EPOCH, original)
        cases = [
            ({'status': 'disabled', 'disabled_reason': mine,
              'forced_down': True}, {True}, 'ours'),
            ({'status': 'disabled', 'disabled_reason': mine,
              'forced_down': True}, set(), 'other'),
            ({'status': 'disabled', 'disabled_reason': mine,
              'forced_down': False}, {True, False}, 'ours'),
            ({'status': 'enabled', 'disabled_reason': None,
              'forced_down': False}, {True}, 'as_found'),
            ({'status': 'disabled', 'disabled_reason': 'ops',
              'forced_down': True}, {True}, 'other'),
        ]
        for service, attempted, verdict in cases:
            self.assertEqual(verdict, disruption.ownership(
                service, 'me', original, attempted), service)


class TwoRunnersTest(GuardTestBase):

    def _claim_now(self, runner, read_seconds_ago):
        """runner claims the host now, having read it free that long ago."""
        runner.service_id = self.client.record()['id']
        runner.original = {'status': 'enabled', 'disabled_reason': None,
                           'forced_down': False}
        runner.original_state = 'up'
        runner._claim(marker.make(runner.run_id, os_services.EPOCH,
                                  runner.original),
                      self.client.clock.monotonic() - read_seconds_ago)

    def test_later_runner_is_refused_without_touching_the_holder(self):
        with self._guard(run_id='a'):
            error = self.assertRaises(exceptions.HostNotFree,
                                      self._guard(run_id='b').__enter__)
            self.assertIn('held by run a', str(error))
            self.assertEqual('a', marker.run_of(self.client.record()))
        self._assert_as_found()

    def test_simultaneous_claims_one_backs_off_without_restoring(self):
        runner_b = self._guard(run_id='b')
        sleep = self.client.clock.sleep
        entered = {}

        def settle(seconds):
            # B read the host free just before A's write and writes now,
            # inside A's settle delay: the last write wins.
            if 'b' not in entered:
                entered['b'] = True
                self._claim_now(runner_b, read_seconds_ago=0)
            sleep(seconds)
        self.client.clock.sleep = settle
        runner_a = self._guard(run_id='a')
        error = self.assertRaises(exceptions.HostNotFree,
                                  runner_a.__enter__)
        self.assertIn('another runner claimed', str(error))
        # A left B's claim alone.
        self.assertEqual('b', marker.run_of(self.client.record()))
        self.assertEqual('disabled', self.client.record()['status'])
        runner_b.restore()
        self._assert_as_found()

    def test_slow_claim_backs_off_and_undoes_only_itself(self):
        # A read-to-write of 3 s or more (the bound every runner keeps,
        # whatever its own settle) could miss another runner's claim.
        update = self.client.update_service

        def slow_update(service_id, **fields):
            self.client.clock.sleep(3)
            return update(service_id, **fields)
        self.client.update_service = slow_update
        guard = self._guard(settings=self._settings(claim_settle_seconds=10))
        error = self.assertRaises(exceptions.HostNotFree, guard.__enter__)
        self.assertIn('not less than the 3.0 s every runner', str(error))
        self._assert_as_found()

    def _slept(self):
        slept = []
        sleep = self.client.clock.sleep

        def record_sleep(seconds):
            slept.append(seconds)
            sleep(seconds)
        self.client.clock.sleep = record_sleep
        return slept

    def test_settle_below_the_shared_bound_is_raised_to_it(self):
        # Issue 22: runners with different settles are safe together only
        # when each settles at least the bound all keep their round trip
        # under; 0 without disruptable_hosts means "shared" too.
        for configured in (1, 0):
            slept = self._slept()
            with self._guard(settings=self._settings(
                    claim_settle_seconds=configured)) as guard:
                pass
            self.assertGreater(sum(slept), 2.5, configured)
            self.assertEqual(3.0, guard._host_claim.settle_seconds)
        self.assertEqual(0.0, claim.effective_settle(0, ['compute1']))
        self.assertEqual(5.0, claim.effective_settle(5, []))

    def test_runners_with_different_settles_never_both_hold(self):
        # A (configured 1 s, raised to 3) wrote first; B, whose round trip
        # is just under the shared bound, read before A's write and writes
        # about 2.6 s after it. A's second read must come after B's write.
        runner_b = self._guard(run_id='b', settings=self._settings(
            claim_settle_seconds=10))
        sleep = self.client.clock.sleep
        state = {}

        def settle(seconds):
            # A's settle: B's write lands 2.5 s into it (and after B's
            # PUT), if A still waits then; a shorter settle re-reads
            # before it.
            if 'b' in state or seconds <= 2.5:
                state['b'] = state.get('b', False)
                return sleep(seconds)
            state['b'] = True
            target = self.client.clock.monotonic() + seconds
            sleep(2.5)
            self._claim_now(runner_b, read_seconds_ago=2.6)
            sleep(max(0.0, target - self.client.clock.monotonic()))
        self.client.clock.sleep = settle
        runner_a = self._guard(run_id='a', settings=self._settings(
            claim_settle_seconds=1))
        error = self.assertRaises(exceptions.HostNotFree,
                                  runner_a.__enter__)
        self.assertIn('another runner claimed', str(error))
        self.assertEqual('b', marker.run_of(self.client.record()))

    def test_one_runner_by_configuration_has_no_settle(self):
        # claim_settle_seconds = 0: no wait and no second read after the
        # disable; the premise checks before the delete and the restore
        # still read the service.
        slept = self._slept()
        # Honoured only on hosts named as this runner's.
        guard = self._guard(settings=self._settings(
            claim_settle_seconds=0, disruptable_hosts=['compute1']))
        with guard:
            self.assertEqual([], [s for s in slept if s > 0])
            self.assertEqual('disabled', self.client.record()['status'])
            self.assertTrue(self.client.record()['forced_down'])
            guard.confirm_held()
        self._assert_as_found()


class ExclusiveCheckTest(GuardTestBase):

    def test_foreign_findings_restore_and_raise(self):
        seen = {}

        def check(host):
            seen['status'] = self.client.record(host)['status']
            return ['server s1 of project p runs on compute1']
        error = self.assertRaises(exceptions.HostNotExclusive,
                                  self._guard(exclusive_check=check)
                                  .__enter__)
        self.assertEqual(['server s1 of project p runs on compute1'],
                         error.findings)
        # Checked after the disable, and never forced down.
        self.assertEqual('disabled', seen['status'])
        self.assertNotIn({'forced_down': True}, self.client.updates)
        self._assert_as_found()

    def test_checked_again_once_down(self):
        # Issue 22: a build scheduled just before the disable landed shows
        # after the first check; the second, once the host reads down,
        # sees it, and the guard restores.
        answers = [[], ['server late of project p holds VCPU=1']]
        checked = []

        def check(host):
            checked.append(self._state(host)['forced_down'])
            return answers.pop(0)
        error = self.assertRaises(exceptions.HostNotExclusive,
                                  self._guard(exclusive_check=check)
                                  .__enter__)
        self.assertEqual(['server late of project p holds VCPU=1'],
                         error.findings)
        self.assertEqual([False, True], checked)
        self._assert_as_found()

    def test_nothing_foreign_goes_ahead(self):
        with self._guard(exclusive_check=lambda host: []):
            self.assertTrue(self._state()['forced_down'])
        self._assert_as_found()


class SignalsDuringRestoreTest(GuardTestBase):

    def _signal_at(self, step, signum, **kwargs):
        def on_step(name):
            if name == step:
                signal.raise_signal(signum)
        return self._guard(on_step=on_step, **kwargs)

    def test_signals_during_restore_wait_for_the_restore(self):
        for signum, raised in ((signal.SIGTERM,
                                disruption.TerminatedBySignal),
                               (signal.SIGHUP,
                                disruption.TerminatedBySignal),
                               (signal.SIGINT, KeyboardInterrupt)):
            def run():
                with self._signal_at('restoring', signum):
                    pass
            self.assertRaises(raised, run)
            self._assert_as_found()

    def test_sigalrm_of_the_test_timeout_waits_for_the_restore(self):
        class TimeoutException(Exception):
            pass

        def tempest_timeout(signum, frame):
            raise TimeoutException()
        previous = signal.signal(signal.SIGALRM, tempest_timeout)
        self.addCleanup(signal.signal, signal.SIGALRM, previous)

        def run():
            with self._signal_at('restoring', signal.SIGALRM,
                                 stop_process=True):
                signal.raise_signal(signal.SIGALRM)
        self.assertRaises(TimeoutException, run)
        self._assert_as_found()

    def test_second_ctrl_c_during_restore(self):
        def run():
            with self._signal_at('restoring', signal.SIGINT,
                                 stop_process=True):
                raise KeyboardInterrupt()
        self.assertRaises(KeyboardInterrupt, run)
        self._assert_as_found()

    def test_sigterm_after_each_disrupting_step(self):
        for step in ('disabled', 'forced_down', 'stopped'):
            guard = self._signal_at(step, signal.SIGTERM,
                                    stop_process=True)

            def run():
                with guard:
                    self.fail('the signal must interrupt the disruption')
            self.assertRaises(disruption.TerminatedBySignal, run)
            self._assert_as_found()

    def test_steps_are_reported_in_order(self):
        steps = []
        with self._guard(on_step=steps.append, stop_process=True):
            pass
        self.assertEqual(['disabled', 'forced_down', 'stopped', 'restoring',
                          'restored'], steps)


class RestoreFieldsTest(testtools.TestCase):

    def test_enabled_service_gets_no_reason(self):
        self.assertEqual(
            {'status': 'enabled', 'forced_down': False},
            disruption.restore_fields({'status': 'enabled',
                                       'disabled_reason': 'stale',
                                       'forced_down': False}))

    def test_disabled_service_gets_its_reason_back(self):
        self.assertEqual(
            {'status': 'disabled', 'disabled_reason': 'ops'},
            disruption.restore_fields({'status': 'disabled',
                                       'disabled_reason': 'ops',
                                       'forced_down': True},
                                      with_forced_down=False))
