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

"""Which service a host is, and the one wording of "not usable"."""

import testtools

from allocation_tempest_plugin import exceptions
from allocation_tempest_plugin.fakes.fakecloud import clients as fakeclients
from allocation_tempest_plugin.fakes.fakecloud import cloud
from allocation_tempest_plugin.fakes import os_services
from allocation_tempest_plugin.reads import services


class ByHostTest(testtools.TestCase):

    def setUp(self):
        super(ByHostTest, self).setUp()
        # compute-00002's service was deleted; its node stays (as in Nova).
        self.calls, clients = fakeclients.admin_clients(
            cloud.build(3, orphan_every=2))
        self.client = clients['services']

    def test_one_service_by_host_is_filtered_by_the_api(self):
        found = services.find(self.client, 'compute-00003')
        self.assertEqual('compute-00003', found['host'])
        self.assertEqual([('/os-services', {'binary': 'nova-compute',
                                            'host': 'compute-00003'})],
                         self.calls)

    def test_a_host_without_a_service(self):
        self.assertIsNone(services.find(self.client, 'compute-00002'))
        error = self.assertRaises(exceptions.DisruptionError, services.show,
                                  self.client, 'compute-00002')
        self.assertIn('expected one nova-compute service on host '
                      'compute-00002, found 0', str(error))

    def test_list_all_is_every_compute(self):
        self.assertEqual(['compute-00001', 'compute-00003'], sorted(
            s['host'] for s in services.list_all(self.client)))


class NotUsableTest(testtools.TestCase):

    def test_usable_has_no_reason(self):
        self.assertIsNone(services.why_not_usable(os_services.service()))

    def test_the_one_wording(self):
        why = services.why_not_usable(os_services.service(
            status='disabled', disabled_reason='maintenance'))
        self.assertEqual(
            'not up and enabled: status=disabled state=up forced_down=False'
            ' (disabled_reason: maintenance), updated_at '
            '2026-11-24T12:00:00.000000', why)

    def test_each_field_makes_it_unusable(self):
        for change in ({'status': 'disabled'}, {'state': 'down'},
                       {'forced_down': True}):
            self.assertIsNotNone(services.why_not_usable(
                os_services.service(**change)), change)

    def test_summary_shows_the_state_fields(self):
        self.assertEqual(set(services.STATE_FIELDS),
                         set(services.summary(os_services.service())))
        self.assertIsNone(services.summary(None))
