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

import signal
import subprocess
from unittest import mock

from tempest.lib import exceptions as lib_exc
import testtools

from allocation_tempest_plugin.common import disruption
from allocation_tempest_plugin.common import marker
from allocation_tempest_plugin import exceptions
from allocation_tempest_plugin.tests.unit import fakes


class Boom(Exception):
    pass


class GuardTestBase(testtools.TestCase):
    """A fake os-services with two computes, and a guard on compute1."""

    def setUp(self):
        super(GuardTestBase, self).setUp()
        self.service = fakes.service('compute1')
        self.other = fakes.service('compute2')
        self.client = fakes.FakeServicesClient(self.service, self.other)
        self.commands = []
        fakes.ManualTimer.instances = []

    def _runner(self, argv, **kwargs):
        self.commands.append((argv, kwargs))
        if argv[-2] == 'stop-compute':
            self.client.process_up = False
        elif argv[-2] == 'start-compute':
            self.client.process_up = True
        return subprocess.CompletedProcess(argv, 0, '', '')

    def _guard(self, **kwargs):
        params = dict(max_seconds=600, timeout=1, interval=0,
                      runner=self._runner, timer_factory=fakes.ManualTimer)
        params.update(kwargs)
        return disruption.ComputeDisruption(self.client, 'compute1',
                                            **params)

    def _state(self, record=None):
        record = self.client.list_services(host='compute1')['services'][0]
        return {k: record[k] for k in ('status', 'disabled_reason',
                                       'forced_down', 'state')}

    def _assert_as_found(self):
        self.assertEqual({'status': 'enabled', 'disabled_reason': None,
                          'forced_down': False, 'state': 'up'},
                         self._state())


class GuardTest(GuardTestBase):

    def test_disrupts_then_restores_on_pass(self):
        with self._guard(run_id='r1') as guard:
            during = self._state()
        self.assertEqual('disabled', during['status'])
        self.assertTrue(during['forced_down'])
        self.assertEqual('down', during['state'])
        self.assertEqual('r1', marker.parse(during['disabled_reason'])[0])
        self.assertTrue(guard.restored)
        self._assert_as_found()
        # The other host was never touched.
        self.assertEqual('enabled', self.client.services[
            self.other['id']]['status'])

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

    def test_sigterm_unwinds_and_restores(self):
        def terminated():
            with self._guard():
                signal.raise_signal(signal.SIGTERM)
        previous = signal.getsignal(signal.SIGTERM)
        self.assertRaises(disruption.TerminatedBySignal, terminated)
        self._assert_as_found()
        self.assertEqual(previous, signal.getsignal(signal.SIGTERM))

    def test_deadline_restores_mid_test_and_fails(self):
        seen_mid_test = {}

        def slow_test():
            with self._guard():
                fakes.ManualTimer.instances[-1].fire()
                seen_mid_test.update(self._state())
        self.assertRaises(exceptions.DisruptionTimeout, slow_test)
        self.assertEqual('enabled', seen_mid_test['status'])
        self.assertFalse(seen_mid_test['forced_down'])
        self._assert_as_found()

    def test_restores_what_it_found_not_a_default(self):
        self.client.services[self.service['id']].update(
            status='disabled', disabled_reason='maintenance by ops')
        with self._guard():
            pass
        state = self._state()
        self.assertEqual('disabled', state['status'])
        self.assertEqual('maintenance by ops', state['disabled_reason'])
        self.assertFalse(state['forced_down'])

    def test_failure_while_disrupting_restores(self):
        # The disable works, the force down answers 500: undo the disable.
        self.client.failing_updates = {1}

        def run():
            with self._guard():
                self.fail('must not get here')
        self.assertRaises(lib_exc.ServerFault, run)
        self._assert_as_found()

    def test_precheck_refusal_changes_nothing(self):
        def refuse(host):
            raise Boom('host %s runs other projects\' servers' % host)
        self.assertRaises(Boom, self._guard(precheck=refuse).__enter__)
        self.assertEqual([], self.client.updates)
        self._assert_as_found()

    def test_stop_and_start_commands_as_argv_without_shell(self):
        guard = self._guard(stop_command='/opt/cloud stop-compute {host}',
                            start_command='/opt/cloud start-compute {host}',
                            command_timeout=42)
        with guard:
            self.assertEqual('down', self._state()['state'])
        self._assert_as_found()
        argvs = [argv for argv, _ in self.commands]
        self.assertEqual([['/opt/cloud', 'stop-compute', 'compute1'],
                          ['/opt/cloud', 'start-compute', 'compute1']],
                         argvs)
        for _, kwargs in self.commands:
            self.assertIs(False, kwargs['shell'])
            self.assertEqual(42, kwargs['timeout'])

    def test_failed_stop_command_still_starts_and_restores(self):
        def runner(argv, **kwargs):
            self.commands.append(argv)
            return subprocess.CompletedProcess(argv, 3, '', 'no such unit')
        guard = self._guard(stop_command='stop {host}',
                            start_command='start {host}', runner=runner)
        error = self.assertRaises(exceptions.DisruptionError,
                                  guard.__enter__)
        self.assertIn('no such unit', str(error))
        self.assertEqual([['stop', 'compute1'], ['start', 'compute1']],
                         self.commands)

    def test_service_that_never_comes_back_fails_clearly(self):
        guard = self._guard()
        with mock.patch.object(self.client, 'update_service',
                               wraps=self.client.update_service):
            guard.__enter__()
            self.client.process_up = False
            error = self.assertRaises(exceptions.DisruptionError,
                                      guard.__exit__, None, None, None)
        self.assertIn('did not become as recorded', str(error))

    def test_restore_is_idempotent(self):
        with self._guard() as guard:
            pass
        updates = len(self.client.updates)
        guard.restore()
        self.assertEqual(updates, len(self.client.updates))


class RestoreFieldsTest(testtools.TestCase):

    def test_enabled_service_gets_no_reason(self):
        self.assertEqual(
            {'status': 'enabled', 'forced_down': False},
            disruption.restore_fields({'status': 'enabled',
                                       'disabled_reason': 'stale',
                                       'forced_down': False}))

    def test_disabled_service_gets_its_reason_back(self):
        self.assertEqual(
            {'status': 'disabled', 'forced_down': True,
             'disabled_reason': 'ops'},
            disruption.restore_fields({'status': 'disabled',
                                       'disabled_reason': 'ops',
                                       'forced_down': True}))


class SignalsDuringRestoreTest(GuardTestBase):

    def _signal_at(self, step, signum):
        def on_step(name):
            if name == step:
                signal.raise_signal(signum)
        return self._guard(on_step=on_step)

    def test_sigterm_during_restore_waits_for_the_restore(self):
        def run():
            with self._signal_at('restoring', signal.SIGTERM):
                pass
        self.assertRaises(disruption.TerminatedBySignal, run)
        self._assert_as_found()

    def test_sigint_during_restore_waits_for_the_restore(self):
        def run():
            with self._signal_at('restoring', signal.SIGINT):
                pass
        self.assertRaises(KeyboardInterrupt, run)
        self._assert_as_found()

    def test_sigterm_after_each_disrupting_step(self):
        for step in ('disabled', 'forced_down', 'stopped'):
            guard = self._signal_at(step, signal.SIGTERM)
            guard.stop_command = 'cloud stop-compute {host}'
            guard.start_command = 'cloud start-compute {host}'

            def run():
                with guard:
                    self.fail('the signal must interrupt the disruption')
            self.assertRaises(disruption.TerminatedBySignal, run)
            self._assert_as_found()
            self.assertTrue(self.client.process_up, step)

    def test_steps_are_reported_in_order(self):
        steps = []
        guard = self._guard(on_step=steps.append,
                            stop_command='cloud stop-compute {host}',
                            start_command='cloud start-compute {host}')
        with guard:
            pass
        self.assertEqual(['disabled', 'forced_down', 'stopped', 'restoring',
                          'restored'], steps)


class RestartHeartbeatTest(GuardTestBase):

    def test_restarted_compute_must_heartbeat_again(self):
        # After the start command the old heartbeat is still recent, so
        # Nova may say "up"; the guard waits for a newer one.
        frozen = {}

        def runner(argv, **kwargs):
            self.commands.append((argv, kwargs))
            if argv[-2] == 'stop-compute':
                self.client.process_up = False
            return subprocess.CompletedProcess(argv, 0, '', '')

        guard = self._guard(stop_command='cloud stop-compute {host}',
                            start_command='cloud start-compute {host}',
                            runner=runner)
        guard.__enter__()
        record = self.client.services[self.service['id']]
        frozen['updated_at'] = record['updated_at']
        # The process never came back: no heartbeat newer than the stop.
        error = self.assertRaises(exceptions.DisruptionError,
                                  guard.__exit__, None, None, None)
        self.assertIn('did not become as recorded', str(error))
        self.assertEqual(frozen['updated_at'], record['updated_at'])

    def test_restored_service_is_the_first_fresh_heartbeat(self):
        guard = self._guard(stop_command='cloud stop-compute {host}',
                            start_command='cloud start-compute {host}')
        with guard:
            stopped_at = self.client.services[
                self.service['id']]['updated_at']
        self.assertGreater(guard.restored_service['updated_at'], stopped_at)
        self.assertEqual('up', guard.restored_service['state'])
