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

"""A stop is proven by silence: no heartbeat for two report intervals."""

import subprocess

from tempest.lib import exceptions as lib_exc

from allocation_tempest_plugin import exceptions
from allocation_tempest_plugin.tests.unit import test_disruption


class StopProofTest(test_disruption.GuardTestBase):

    def _settings(self, **overrides):
        overrides.setdefault('compute_report_interval',
                             self.nova.report_interval)
        return super(StopProofTest, self)._settings(**overrides)

    def test_a_real_stop_is_proven_before_the_start(self):
        stopped_at = []

        def runner(argv, **kwargs):
            if argv[-2] == 'stop-compute':
                stopped_at.append(self.client.clock.monotonic())
            return self._runner(argv, **kwargs)

        with self._guard(stop_process=True, runner=runner) as guard:
            self.assertEqual('', guard.confirm_stopped())
            # Two whole report intervals of silence were waited for.
            self.assertGreaterEqual(self.client.clock.monotonic() -
                                    stopped_at[0],
                                    2 * self.nova.report_interval)
        self.assertEqual('', guard.stop_unproven)
        self._assert_as_found()

    def test_a_stop_command_that_does_nothing_is_named(self):
        def runner(argv, **kwargs):
            if argv[-2] == 'start-compute':
                self.nova.start(argv[-1])
            # The stop "succeeds" and the compute keeps heartbeating.
            return subprocess.CompletedProcess(argv, 0, '', '')

        with self._guard(stop_process=True, runner=runner) as guard:
            why = guard.confirm_stopped()
        self.assertIn("the stop command 'cloud stop-compute {host}' did "
                      "not stop nova-compute on compute1", why)
        self.assertIn('compute_stop_command', why)
        self.assertEqual(why, guard.stop_unproven)
        self._assert_as_found()

    def test_the_restore_judges_the_stop_when_the_test_did_not(self):
        def runner(argv, **kwargs):
            return subprocess.CompletedProcess(argv, 0, '', '')

        with self._guard(stop_process=True, runner=runner) as guard:
            pass
        self.assertIn('did not stop nova-compute', guard.stop_unproven)
        self._assert_as_found()

    def test_the_guard_own_writes_are_no_heartbeat(self):
        with self._guard(stop_process=True) as guard:
            # Two PUTs (unforce, force again) move updated_at just as a
            # heartbeat does.
            guard.try_clear_forced_down()
            self.assertEqual('', guard.confirm_stopped())
        self._assert_as_found()

    def test_a_refused_write_does_not_hide_a_heartbeat(self):
        # Nova's 400 to forced_down=false (evacuations "done", bug
        # 1922053) saves nothing: the next updated_at read is not the
        # guard's own, and a stop that stopped nothing still shows even
        # when the quiet period is over by the time it is judged.
        def runner(argv, **kwargs):
            return subprocess.CompletedProcess(argv, 0, '', '')

        with self._guard(stop_process=True, runner=runner) as guard:
            self.client.clock.sleep(3 * self.nova.report_interval)
            self.nova.done_evacuations['compute1'] = 1
            self.assertIsInstance(guard.try_clear_forced_down(),
                                  lib_exc.BadRequest)
            self.nova.done_evacuations['compute1'] = 0
        self.assertIn('did not stop nova-compute', guard.stop_unproven)
        self._assert_as_found()

    def test_no_stop_command_nothing_to_prove(self):
        with self._guard() as guard:
            self.assertEqual('', guard.confirm_stopped())
        self.assertEqual('', guard.stop_unproven)


class BadTemplateTest(test_disruption.GuardTestBase):

    def test_unsplittable_template_changes_nothing(self):
        # Refused when the settings are built, before any guard exists.
        error = self.assertRaises(
            exceptions.UnsafeCommand, self._settings,
            compute_stop_command="cloud stop-compute '{host}")
        self.assertIn('compute_stop_command cannot be split', str(error))
        self.assertEqual([], self.client.updates)
        self._assert_as_found()
