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

import testtools

from allocation_tempest_plugin.guard import marker

DEADLINE = datetime.datetime(2026, 11, 24, 13, 5, 0,
                             tzinfo=datetime.timezone.utc)
FOUND = {'status': 'enabled', 'disabled_reason': None, 'forced_down': False}


class MarkerTest(testtools.TestCase):

    def test_round_trip(self):
        reason = marker.make('abc123', DEADLINE, FOUND)
        self.assertEqual(
            'allocation_tempest_plugin run=abc123 until=2026-11-24T13:05:00Z '
            'was=enabled,0,!', reason)
        self.assertLessEqual(len(reason), 255)
        self.assertEqual(('abc123', DEADLINE), marker.parse(reason))
        self.assertEqual(FOUND, marker.parse_marker(reason).found)

    def test_found_reason_is_encoded_and_restored_exactly(self):
        for reason in ['', ' ', 'ops: rack 4 was=enabled,0,! run=x', '!',
                       '%41 100%', 'ünïcode', 'a\nb']:
            found = {'status': 'disabled', 'disabled_reason': reason,
                     'forced_down': True}
            text = marker.make('r', DEADLINE, found)
            self.assertNotIn(' ', text.split(' was=')[1])
            self.assertEqual(found, marker.parse_marker(text).found,
                             reason)

    def test_marker_that_would_not_fit_is_refused(self):
        found = {'status': 'disabled', 'disabled_reason': 'x' * 200,
                 'forced_down': False}
        error = self.assertRaises(ValueError, marker.make, 'r', DEADLINE,
                                  found)
        self.assertIn('more than the 255', str(error))

    def test_legacy_marker_found_enabled(self):
        parsed = marker.parse_marker(
            'allocation_tempest_plugin run=abc until=2026-11-24T13:05:00Z')
        self.assertEqual(FOUND, parsed.found)

    def test_run_of(self):
        self.assertEqual('abc', marker.run_of(
            {'disabled_reason': marker.make('abc', DEADLINE, FOUND)}))
        self.assertIsNone(marker.run_of({'disabled_reason': 'ops'}))

    def test_foreign_reasons_are_not_markers(self):
        for reason in [None, '', 'maintenance', 'allocation_tempest_plugin',
                       'allocation_tempest_plugin run=x until=tomorrow',
                       'prefix allocation_tempest_plugin run=x '
                       'until=2026-11-24T13:05:00Z']:
            self.assertIsNone(marker.parse(reason), reason)

    def test_stop_and_settle_round_trip(self):
        # Issue 22: the marker says the run stops the compute, and the
        # writer's settle.
        text = marker.make('abc', DEADLINE, FOUND, stops=True, settle=3.0)
        self.assertTrue(text.endswith(' stop=1 settle=3'), text)
        parsed = marker.parse_marker(text)
        self.assertEqual((True, 3.0, FOUND),
                         (parsed.stops, parsed.settle, parsed.found))
        parsed = marker.parse_marker(marker.make('abc', DEADLINE, FOUND,
                                                 settle=0))
        self.assertEqual((False, 0.0), (parsed.stops, parsed.settle))
        # Markers of older runs say neither.
        parsed = marker.parse_marker(marker.make('abc', DEADLINE, FOUND))
        self.assertEqual((False, None), (parsed.stops, parsed.settle))
        found = {'status': 'disabled', 'disabled_reason': 'ops stop=1',
                 'forced_down': True}
        parsed = marker.parse_marker(marker.make('abc', DEADLINE, found))
        self.assertEqual((found, False), (parsed.found, parsed.stops))
