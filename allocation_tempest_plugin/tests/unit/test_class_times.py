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
"""`cloud class-times`: a class costs its setup, not its wait for a lock."""

import importlib
import os
import sys

import testtools

from allocation_tempest_plugin.tests import inventory
from allocation_tempest_plugin.tests.unit import test_local_cloud_releases

P = 'allocation_tempest_plugin.'


def _result(start, stop, worker):
    return {'status': 'pass', 'start': '2026-12-07T03:00:%02d+00:00' % start,
            'stop': '2026-12-07T03:00:%02d+00:00' % stop, 'worker': worker}


class ClassCostsTest(testtools.TestCase):

    def setUp(self):
        super(ClassCostsTest, self).setUp()
        test_local_cloud_releases._load_harness()
        self.class_times = importlib.import_module('localcloud.class_times')

    def test_setup_counts_and_waiting_for_the_lock_does_not(self):
        tests = {
            # worker-0: an api class from 0 to 10 s.
            P + 'api.A.test_a': _result(0, 10, 'worker-0'),
            # worker-1: a serial class that waited for A, set up from 10
            # to 14 s, tested until 20 s.
            P + 'serial_tests.S.test_s': _result(14, 20, 'worker-1'),
            # worker-0 again: a serial class set up from 20 to 25 s.
            P + 'serial_tests.T.test_t': _result(25, 30, 'worker-0'),
            'tempest.api.compute.X.test_x': _result(0, 30, 'worker-1'),
        }
        costs, wall = self.class_times.class_costs(tests)
        self.assertEqual({'api.A': 10, 'serial_tests.S': 10,
                          'serial_tests.T': 10}, costs)
        self.assertEqual(30, wall)

    def test_a_class_error_counts_for_its_class(self):
        tests = {'setUpClass (%sserial_tests.S)' % P: _result(0, 7, 'w')}
        self.assertEqual({'serial_tests.S': 7},
                         self.class_times.class_costs(tests)[0])

    def test_the_chart_gets_the_table_figures(self):
        before = ({'serial_tests.S': 10.0, 'api.A': 2.0}, 30.0, 5)
        after = ({'serial_tests.S': 4.0}, 12.0, 4)
        data = self.class_times.chart_data(before, after)
        self.assertEqual(
            [{'label': 'before (5 runs)', 'classes': before[0],
              'wall': 30.0},
             {'label': 'after (4 runs)', 'classes': after[0], 'wall': 12.0}],
            data['series'])
        sys.path.insert(0, os.path.join(inventory.TOP_DIR, 'tools', 'bench'))
        self.addCleanup(sys.path.remove, sys.path[0])
        chart = importlib.import_module('class_chart')
        labels, values = chart.rows(data['series'])
        self.assertEqual(['S', 'A', 'serial hold', 'tempest run (wall)'],
                         labels)
        self.assertEqual([[10.0, 2.0, 10.0, 30.0], [4.0, 0.0, 4.0, 12.0]],
                         values)
