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

"""polling.poll and polling.wait_for: the plugin's waits.

The guard's use (errors retried, in fake time) is in test_retrying.py.
"""

from tempest.lib import exceptions as lib_exc
import testtools

from allocation_tempest_plugin import exceptions
from allocation_tempest_plugin.fakes import clock
from allocation_tempest_plugin.reads import polling


class PollTest(testtools.TestCase):

    def test_returns_as_soon_as_condition_holds(self):
        values = iter([3, 2, 0, -1])
        outcome = polling.poll(lambda: next(values), lambda v: v == 0,
                               timeout=5, interval=0, what='zero')
        self.assertTrue(outcome.done)
        self.assertEqual(0, outcome.value)
        self.assertEqual(3, outcome.polls)

    def test_gives_up_at_the_deadline_with_last_value(self):
        outcome = polling.poll(lambda: 'still there', lambda v: False,
                               timeout=0.05, interval=0.01, what='gone')
        self.assertFalse(outcome.done)
        self.assertEqual('still there', outcome.value)
        self.assertGreaterEqual(outcome.polls, 1)

    def test_zero_timeout_still_looks_once(self):
        outcome = polling.poll(lambda: 1, lambda v: v == 1, timeout=0,
                               interval=1, what='one')
        self.assertTrue(outcome.done)
        self.assertEqual(1, outcome.polls)

    def test_each_wait_logs_its_cost(self):
        with self.assertLogs('allocation_tempest_plugin.reads.polling',
                             'INFO') as logged:
            polling.poll(lambda: 1, lambda v: True, 1, 0, 'one')
        [line] = logged.output
        self.assertIn('allocation_tempest_plugin wait: 1 polls', line)

    def test_retries_log_apart_from_waits(self):
        # tools/bench counts only the waits.
        with self.assertLogs('allocation_tempest_plugin.reads.polling',
                             'INFO') as logged:
            polling.poll(lambda: 1, lambda v: True, 1, 0, 'one',
                         retry_on=(Exception,))
        [line] = logged.output
        self.assertIn('allocation_tempest_plugin retry: 1 polls', line)

    def test_errors_not_retried_reach_the_caller(self):
        # A read that fails is the caller's answer, not "not yet".
        def probe():
            raise lib_exc.ServerFault('boom')
        self.assertRaises(lib_exc.ServerFault, polling.poll, probe,
                          bool, 5, 0, 'a read')

    def test_polls_at_the_interval_and_last_at_the_deadline(self):
        fake_clock = clock.FakeClock()
        seen = []

        def probe():
            seen.append(fake_clock.monotonic())
            return None
        polling.poll(probe, bool, 2.5, 1, 'never', clock=fake_clock)
        self.assertEqual([0, 1, 2, 2.5], seen)


class WaitForTest(testtools.TestCase):

    def test_returns_the_value(self):
        self.assertEqual(2, polling.wait_for(lambda: 2, bool, 1, 0, 'two'))

    def test_timeout_names_the_test_what_and_the_last_value(self):
        error = self.assertRaises(
            exceptions.WaitTimeout, polling.wait_for, lambda: 'BUILD',
            lambda status: status == 'ACTIVE', 3, 1,
            'server x to be ACTIVE', clock=clock.FakeClock())
        self.assertIsInstance(error, lib_exc.TimeoutException)
        self.assertEqual(
            '(WaitForTest:test_timeout_names_the_test_what_and_the_last_'
            'value) Timed out after 3 s waiting for server x to be ACTIVE\n'
            'Details: 4 polls; last seen BUILD', str(error))

    def test_timeout_keeps_the_last_refusal(self):
        answers = iter([lib_exc.BadRequest('evacuations in "done" state'),
                        exceptions.ApiTimeout(
                            method='m', http_method='PUT', url='u',
                            timeout=1, reason='read timed out')])

        def probe():
            raise next(answers)
        error = self.assertRaises(
            exceptions.WaitTimeout, polling.wait_for, probe, bool, 1, 1,
            'the service', clock=clock.FakeClock(), retry_on=(Exception,))
        self.assertIn('ApiTimeout: ', str(error))
        self.assertIn('the last answer before it: BadRequest', str(error))
