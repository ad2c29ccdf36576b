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

from allocation_tempest_plugin.common import marker


class MarkerTest(testtools.TestCase):

    def test_round_trip(self):
        deadline = datetime.datetime(2026, 11, 24, 13, 5, 0,
                                     tzinfo=datetime.timezone.utc)
        reason = marker.make('abc123', deadline)
        self.assertEqual(
            'allocation_tempest_plugin run=abc123 until=2026-11-24T13:05:00Z',
            reason)
        self.assertLessEqual(len(reason), 255)
        self.assertEqual(('abc123', deadline), marker.parse(reason))

    def test_foreign_reasons_are_not_markers(self):
        for reason in [None, '', 'maintenance', 'allocation_tempest_plugin',
                       'allocation_tempest_plugin run=x until=tomorrow',
                       'prefix allocation_tempest_plugin run=x '
                       'until=2026-11-24T13:05:00Z']:
            self.assertIsNone(marker.parse(reason), reason)
