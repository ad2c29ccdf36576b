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

"""Placement's listings reshaped once, read one call each."""

import testtools

from allocation_tempest_plugin.reads import allocations

PROVIDER_LISTING = {
    'allocations': {'c1': {'resources': {'VCPU': 1, 'MEMORY_MB': 64},
                           'consumer_generation': 1},
                    'c2': {'resources': {'DISK_GB': 1},
                           'consumer_generation': 3}},
    'resource_provider_generation': 4}
CONSUMER_LISTING = {
    'allocations': {'rp1': {'generation': 2, 'resources': {'VCPU': 1}},
                    'rp2': {'generation': 7, 'resources': {'DISK_GB': 2}}},
    'project_id': 'p', 'user_id': 'u', 'consumer_generation': 1}


class Recorder(object):
    """A validated client's answers, each call recorded."""

    def __init__(self, answer):
        self.answer, self.calls = answer, []

    def __getattr__(self, name):
        def call(*args):
            self.calls.append((name,) + args)
            return self.answer
        return call


class ShapeTest(testtools.TestCase):

    def test_by_consumer(self):
        self.assertEqual({'c1': {'VCPU': 1, 'MEMORY_MB': 64},
                          'c2': {'DISK_GB': 1}},
                         allocations.by_consumer(PROVIDER_LISTING))

    def test_by_provider(self):
        self.assertEqual({'rp1': {'VCPU': 1}, 'rp2': {'DISK_GB': 2}},
                         allocations.by_provider(CONSUMER_LISTING))
        self.assertEqual({}, allocations.by_provider({'allocations': {}}))

    def test_shapes_are_copies(self):
        shaped = allocations.by_provider(CONSUMER_LISTING)
        shaped['rp1']['VCPU'] = 99
        self.assertEqual(
            1, CONSUMER_LISTING['allocations']['rp1']['resources']['VCPU'])


class ReadTest(testtools.TestCase):

    def test_on_provider_reads_that_provider_only(self):
        client = Recorder(PROVIDER_LISTING)
        self.assertEqual(['c1', 'c2'], sorted(
            allocations.on_provider(client, 'rp1')))
        self.assertEqual([('list_resource_provider_allocations', 'rp1')],
                         client.calls)

    def test_of_consumer_and_its_project(self):
        client = Recorder(CONSUMER_LISTING)
        self.assertEqual({'rp1': {'VCPU': 1}, 'rp2': {'DISK_GB': 2}},
                         allocations.of_consumer(client, 'c1'))
        self.assertEqual('p', allocations.project_of(client, 'c1'))
        self.assertEqual([('list_allocations', 'c1')] * 2, client.calls)

    def test_a_consumer_gone_has_no_project(self):
        # Placement answers {"allocations": {}} with no project_id.
        client = Recorder({'allocations': {}})
        self.assertIsNone(allocations.project_of(client, 'gone'))
        self.assertEqual({}, allocations.of_consumer(client, 'gone'))

    def test_project_usages(self):
        client = Recorder({'usages': {'VCPU': 2}})
        self.assertEqual({'VCPU': 2}, allocations.project_usages(client, 'p'))
        self.assertEqual([('list_usages', 'p')], client.calls)
