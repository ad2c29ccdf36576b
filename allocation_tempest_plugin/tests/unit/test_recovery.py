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

from allocation_tempest_plugin.common import marker
from allocation_tempest_plugin.common import recovery
from allocation_tempest_plugin.tests.unit import fakes

NOW = datetime.datetime(2026, 11, 24, 13, 0, tzinfo=datetime.timezone.utc)
PAST = NOW - datetime.timedelta(minutes=5)
FUTURE = NOW + datetime.timedelta(minutes=5)


class RecoveryTest(testtools.TestCase):

    def setUp(self):
        super(RecoveryTest, self).setUp()
        self.expired = fakes.service(
            'compute1', status='disabled', forced_down=True,
            disabled_reason=marker.make('old', PAST))
        self.running = fakes.service(
            'compute2', status='disabled', forced_down=True,
            disabled_reason=marker.make('live', FUTURE))
        self.operator = fakes.service('compute3', status='disabled',
                                      disabled_reason='hardware repair')
        self.healthy = fakes.service('compute4')
        self.client = fakes.FakeServicesClient(
            self.expired, self.running, self.operator, self.healthy)

    def _record(self, service):
        return self.client.services[service['id']]

    def test_restores_only_expired_markers(self):
        actions = recovery.recover(self.client, now=NOW)
        self.assertEqual(['compute1', 'compute2'],
                         sorted(a.service['host'] for a in actions))
        self.assertEqual('enabled', self._record(self.expired)['status'])
        self.assertFalse(self._record(self.expired)['forced_down'])
        self.assertEqual('disabled', self._record(self.running)['status'])
        self.assertEqual('hardware repair',
                         self._record(self.operator)['disabled_reason'])
        lines = [a.line() for a in actions]
        self.assertIn('compute1 nova-compute run=old until=2026-11-24T12:55:'
                      '00Z: restored (enabled, forced_down=false)', lines)
        self.assertIn('use --force', ' '.join(lines))

    def test_force_restores_every_marked_service(self):
        recovery.recover(self.client, force=True, now=NOW)
        self.assertEqual('enabled', self._record(self.running)['status'])
        self.assertEqual('disabled', self._record(self.operator)['status'])

    def test_dry_run_changes_nothing(self):
        actions = recovery.recover(self.client, force=True, dry_run=True,
                                   now=NOW)
        self.assertEqual([], self.client.updates)
        self.assertIn('would restore (dry run)',
                      [a.verdict for a in actions])

    def test_start_command_runs_per_restored_host(self):
        started = []

        def runner(argv, **kwargs):
            started.append(argv)
            return subprocess.CompletedProcess(argv, 0, '', '')
        recovery.recover(self.client, now=NOW, runner=runner,
                         start_command='cloud start-compute {host}')
        self.assertEqual([['cloud', 'start-compute', 'compute1']], started)
