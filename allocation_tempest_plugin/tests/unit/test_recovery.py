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

import datetime
import subprocess

import testtools

from allocation_tempest_plugin.fakes import os_services
from allocation_tempest_plugin.guard import marker
from allocation_tempest_plugin.guard import recovery
from allocation_tempest_plugin.reads import services
from allocation_tempest_plugin.tests.unit import fakes

NOW = datetime.datetime(2026, 11, 24, 13, 0, tzinfo=datetime.timezone.utc)
PAST = NOW - datetime.timedelta(minutes=5)
FUTURE = NOW + datetime.timedelta(minutes=5)
FOUND = {'status': 'enabled', 'disabled_reason': None, 'forced_down': False}


class RecoveryTest(testtools.TestCase):

    def setUp(self):
        super(RecoveryTest, self).setUp()
        self.expired = os_services.service(
            'compute1', status='disabled', forced_down=True,
            disabled_reason=marker.make('old', PAST, FOUND))
        self.running = os_services.service(
            'compute2', status='disabled', forced_down=True,
            disabled_reason=marker.make('live', FUTURE, FOUND))
        self.operator = os_services.service('compute3', status='disabled',
                                            disabled_reason='hardware repair')
        self.healthy = os_services.service('compute4')
        self.client = fakes.FakeServicesClient(
            self.expired, self.running, self.operator, self.healthy)
        self.started = []

    def _runner(self, argv, **kwargs):
        self.started.append(argv)
        self.client.nova.start(argv[-1])
        return subprocess.CompletedProcess(argv, 0, '', '')

    def _recover(self, settings=None, **kwargs):
        params = dict(now=NOW, clock=self.client.clock)
        params.update(kwargs)
        return recovery.recover(self.client, settings or self._settings(),
                                **params)

    def _settings(self, **overrides):
        values = dict(restore_timeout=120)
        values.update(overrides)
        return fakes.guard_settings(**values)

    def _state(self, host):
        record = services.show(self.client, host)
        return {k: record[k] for k in ('status', 'disabled_reason',
                                       'forced_down')}

    def test_restores_only_expired_markers(self):
        actions = self._recover()
        self.assertEqual(['compute1', 'compute2'],
                         sorted(a.service['host'] for a in actions))
        self.assertEqual(FOUND, self._state('compute1'))
        self.assertEqual('disabled', self._state('compute2')['status'])
        self.assertEqual('hardware repair',
                         self._state('compute3')['disabled_reason'])
        lines = [a.line() for a in actions]
        self.assertIn('compute1 nova-compute run=old until=2026-11-24T12:55:'
                      '00Z: restored to enabled, forced_down=false (now up)',
                      lines)
        self.assertIn('use --force', ' '.join(lines))

    def test_restores_exactly_the_recorded_state(self):
        found = {'status': 'disabled', 'disabled_reason': 'ops: rack 4',
                 'forced_down': False}
        self.client.record('compute1')['disabled_reason'] = marker.make(
            'old', PAST, found)
        self._recover()
        self.assertEqual(found, self._state('compute1'))

    def test_force_restores_every_marked_service(self):
        self._recover(force=True)
        self.assertEqual(FOUND, self._state('compute2'))
        self.assertEqual('disabled', self._state('compute3')['status'])

    def test_only_hosts_this_runner_may_disrupt(self):
        actions = self._recover(
            self._settings(disruptable_hosts=['compute2']), force=True)
        self.assertEqual('disabled', self._state('compute1')['status'])
        self.assertEqual(FOUND, self._state('compute2'))
        self.assertIn('not in [allocation] disruptable_hosts',
                      actions[0].verdict)
        self._recover(self._settings(disruptable_hosts=['compute2']),
                      force=True, any_host=True)
        self.assertEqual(FOUND, self._state('compute1'))

    def test_named_host_only(self):
        self._recover(self._settings(disruptable_hosts=['compute9']),
                      force=True, hosts=['compute2'])
        self.assertEqual('disabled', self._state('compute1')['status'])
        self.assertEqual(FOUND, self._state('compute2'))

    def test_reports_states_the_guard_does_not_leave(self):
        self.client.record('compute1')['status'] = 'enabled'
        actions = self._recover()
        self.assertIn('left alone', actions[0].verdict)
        self.assertEqual([], self.client.updates)

    def test_refuses_hostile_host_names(self):
        self.client = fakes.FakeServicesClient(os_services.service(
            '-oProxyCommand=evil', status='disabled', forced_down=True,
            disabled_reason=marker.make('old', PAST, FOUND)))
        actions = self._recover(
            self._settings(compute_start_command='ssh {host} start'),
            runner=self._runner)
        verdicts = {a.service['host']: a.verdict for a in actions}
        self.assertIn('not a plain host name',
                      verdicts['-oProxyCommand=evil'])
        self.assertEqual([], self.started)

    def test_carries_on_past_a_host_it_cannot_fix(self):
        # compute1's unforcing is refused for good (evacuations "done",
        # no restart); compute2 is still restored.
        self.client.nova.done_evacuations['compute1'] = 1
        actions = self._recover(self._settings(restore_timeout=10),
                                force=True)
        verdicts = {a.service['host']: a.verdict for a in actions}
        self.assertTrue(verdicts['compute1'].startswith('FAILED'))
        self.assertIn('forced_down is still true', verdicts['compute1'])
        self.assertEqual(FOUND, self._state('compute2'))
        self.assertTrue(any(a.failed for a in actions))

    def test_starts_the_compute_and_waits_for_its_heartbeat(self):
        self.client.nova.stop('compute1')
        self.client.nova.done_evacuations['compute1'] = 1
        actions = self._recover(
            self._settings(compute_start_command='cloud start-compute {host}'),
            runner=self._runner)
        self.assertEqual([['cloud', 'start-compute', 'compute1']],
                         self.started)
        self.assertIn('restored', actions[0].verdict)
        self.assertEqual(FOUND, self._state('compute1'))

    def test_start_command_without_host_is_refused_for_many_hosts(self):
        actions = self._recover(
            self._settings(compute_start_command='systemctl start n-cpu'),
            runner=self._runner)
        self.assertIn('FAILED', actions[0].verdict)
        self.assertIn('without {host}', actions[0].verdict)
        self.assertEqual([], self.started)

    def test_dry_run_changes_nothing(self):
        actions = self._recover(force=True, dry_run=True)
        self.assertEqual([], self.client.updates)
        self.assertIn('would restore to enabled, forced_down=false (dry '
                      'run)', [a.verdict for a in actions])

    def test_legacy_marker_restores_enabled(self):
        self.client.record('compute1')['disabled_reason'] = (
            'allocation_tempest_plugin run=old until=2026-11-24T12:55:00Z')
        self._recover()
        self.assertEqual(FOUND, self._state('compute1'))
