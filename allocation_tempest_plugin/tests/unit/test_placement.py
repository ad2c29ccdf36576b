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

import testtools

from allocation_tempest_plugin.common import placement
from allocation_tempest_plugin.common import waiters

RP = '4e8e5957-649f-477b-9e5b-f1f75b21c03c'
SERVER = '7d9a1e58-2a5c-4b35-9b0f-1b3c6f0e2a11'


class UsageDiffTest(testtools.TestCase):

    def test_equal(self):
        self.assertEqual([], placement.usage_diff({'VCPU': 1}, {'VCPU': 1}))

    def test_missing_class_counts_as_zero(self):
        self.assertEqual([], placement.usage_diff({'VCPU': 0}, {}))
        self.assertEqual([('MEMORY_MB', 0, 128), ('VCPU', 2, 3)],
                         placement.usage_diff({'VCPU': 2},
                                              {'VCPU': 3, 'MEMORY_MB': 128}))


class FlavorResourcesTest(testtools.TestCase):

    def test_plain_flavor(self):
        self.assertEqual({'VCPU': 1, 'MEMORY_MB': 128, 'DISK_GB': 1},
                         placement.flavor_resources(
                             {'vcpus': 1, 'ram': 128, 'disk': 1}))

    def test_ephemeral_and_swap_round_up(self):
        self.assertEqual({'VCPU': 2, 'MEMORY_MB': 256, 'DISK_GB': 4},
                         placement.flavor_resources(
                             {'vcpus': 2, 'ram': 256, 'disk': 1,
                              'OS-FLV-EXT-DATA:ephemeral': 2, 'swap': 100}))

    def test_diskless_flavor(self):
        self.assertEqual({'VCPU': 1, 'MEMORY_MB': 64},
                         placement.flavor_resources(
                             {'vcpus': 1, 'ram': 64, 'disk': 0, 'swap': ''}))


class LeakReportTest(testtools.TestCase):

    def test_report_names_everything_an_operator_needs(self):
        baseline = placement.ProviderBaseline(RP, 'compute1',
                                              {'VCPU': 0, 'MEMORY_MB': 0},
                                              set())
        findings = [
            placement.consumer_finding(
                SERVER, 'server',
                {'allocations': {RP: {'resources': {'VCPU': 1,
                                                    'MEMORY_MB': 128}}},
                 'project_id': 'proj', 'user_id': 'user'},
                {RP: 'compute1'}),
            placement.provider_finding(
                baseline, {'VCPU': 1, 'MEMORY_MB': 128},
                {SERVER: {'resources': {'VCPU': 1, 'MEMORY_MB': 128}}}),
            placement.project_finding('proj', {'VCPU': 1, 'DISK_GB': 0}),
        ]
        report = placement.leak_report(findings, 'local delete')
        for expected in [
                'local delete',
                '[consumer] server %s still has allocations' % SERVER,
                'owned by project proj, user user',
                'provider %s (compute1): MEMORY_MB=128, VCPU=1' % RP,
                'openstack resource provider allocation show %s' % SERVER,
                '[provider] provider %s (host compute1)' % RP,
                'MEMORY_MB                     0        128',
                'VCPU                          0          1',
                'consumer not there at baseline: %s' % SERVER,
                'openstack resource provider usage show %s' % RP,
                'openstack resource provider show --allocations %s' % RP,
                '[project] project proj usage is not back to what it was',
                'openstack resource usage show proj']:
            self.assertIn(expected, report)
        self.assertNotIn('DISK_GB ', report)

    def test_project_compared_with_its_own_before(self):
        self.assertIsNone(placement.project_finding(
            'p', {'VCPU': 2}, {'VCPU': 2}))
        finding = placement.project_finding('p', {'VCPU': 3}, {'VCPU': 2})
        self.assertIn('VCPU                          2          3',
                      finding.lines)

    def test_nothing_to_report(self):
        baseline = placement.ProviderBaseline(RP, 'h', {'VCPU': 0}, set())
        self.assertIsNone(placement.consumer_finding(
            SERVER, 'server', {'allocations': {}}, {}))
        self.assertIsNone(placement.provider_finding(baseline, {}, {}))
        self.assertIsNone(placement.project_finding('p', {'VCPU': 0}))


class WaitForTest(testtools.TestCase):

    def test_returns_as_soon_as_condition_holds(self):
        values = iter([3, 2, 0, -1])
        outcome = waiters.wait_for(lambda: next(values), lambda v: v == 0,
                                   timeout=5, interval=0)
        self.assertTrue(outcome.done)
        self.assertEqual(0, outcome.value)
        self.assertEqual(3, outcome.polls)

    def test_gives_up_at_the_deadline_with_last_value(self):
        outcome = waiters.wait_for(lambda: 'still there', lambda v: False,
                                   timeout=0.05, interval=0.01)
        self.assertFalse(outcome.done)
        self.assertEqual('still there', outcome.value)
        self.assertGreaterEqual(outcome.polls, 1)

    def test_zero_timeout_still_looks_once(self):
        outcome = waiters.wait_for(lambda: 1, lambda v: v == 1, timeout=0,
                                   interval=1)
        self.assertTrue(outcome.done)
        self.assertEqual(1, outcome.polls)

    def test_stats_count_polls(self):
        before = waiters.STATS.polls
        waiters.wait_for(lambda: 1, lambda v: True, 1, 0)
        self.assertEqual(before + 1, waiters.STATS.polls)
