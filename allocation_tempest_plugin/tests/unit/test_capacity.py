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

"""A boot into a host's whole free capacity (placement_checks/capacity.py)."""

from tempest import exceptions as tempest_exceptions
import testtools

from allocation_tempest_plugin.placement_checks import capacity

INVENTORY = {'VCPU': {'total': 4, 'reserved': 0, 'allocation_ratio': 1.0,
                      'max_unit': 4},
             'MEMORY_MB': {'total': 1024, 'reserved': 0,
                           'allocation_ratio': 1.0, 'max_unit': 1024}}
SMALL = {'VCPU': 1, 'MEMORY_MB': 128}


class FakeHost(object):
    """One provider as Nova's scheduler fills it.

    A boot is claimed in Placement when it fits at the moment of the
    claim, after the test read the provider (arriving() runs in between,
    as another test's boot would); one that does not fit ends in ERROR
    with no allocation (NoValidHost). hidden_claim is what a compute
    holds but Placement does not show (a leak on the Nova side).
    """

    def __init__(self, allocations=None, arriving=(), hidden_claim=None):
        self.allocations = dict(allocations or {})
        self.arriving = list(arriving)
        self.hidden_claim = hidden_claim or {}
        self.boots = 0

    def read(self):
        return dict(self.allocations)

    def boot(self, free):
        self.boots += 1
        if self.arriving:
            self.allocations.update(self.arriving.pop(0))
        server_id = 'own-%d' % self.boots
        used = {}
        for resources in list(self.allocations.values()) + [
                self.hidden_claim]:
            for rc, amount in resources.items():
                used[rc] = used.get(rc, 0) + amount
        fits = all(used.get(rc, 0) + amount <= INVENTORY[rc]['total']
                   for rc, amount in free.items())
        if not fits:
            failed = tempest_exceptions.BuildErrorException(
                server_id=server_id)
            failed.server_id = server_id
            self.own.add(server_id)
            raise failed
        self.allocations[server_id] = dict(free)
        return server_id


class BootIntoFreeTest(testtools.TestCase):

    def boot(self, host):
        host.own = {'neighbour'}
        return capacity.boot_into_free(INVENTORY, host.read, host.boot,
                                       host.own)

    def test_fits_on_first_try(self):
        host = FakeHost({'neighbour': SMALL})
        self.assertEqual('own-1', self.boot(host))
        self.assertEqual({'VCPU': 3, 'MEMORY_MB': 896},
                         host.allocations['own-1'])

    def test_arrival_in_the_window_is_tried_again(self):
        host = FakeHost({'neighbour': SMALL},
                        arriving=[{'other-test': SMALL}])
        self.assertEqual('own-2', self.boot(host))
        # The second try leaves room for what arrived.
        self.assertEqual({'VCPU': 2, 'MEMORY_MB': 768},
                         host.allocations['own-2'])

    def test_arrivals_every_time_are_crowded_not_a_failure(self):
        host = FakeHost(arriving=[{'a': SMALL}, {'b': SMALL}, {'c': SMALL}])
        crowded = self.assertRaises(capacity.Crowded, self.boot, host)
        self.assertEqual([{'a': SMALL}, {'b': SMALL}, {'c': SMALL}],
                         crowded.arrivals)
        self.assertEqual(capacity.ATTEMPTS, host.boots)

    def test_refusal_with_no_arrival_is_the_verdict(self):
        # The compute still counts a deleted server: Placement is clean,
        # the capacity is not usable.
        host = FakeHost({'neighbour': SMALL}, hidden_claim=SMALL)
        refused = self.assertRaises(capacity.Refused, self.boot, host)
        self.assertEqual({'VCPU': 3, 'MEMORY_MB': 896}, refused.resources)
        self.assertEqual({'neighbour': SMALL}, refused.held)
        self.assertEqual(1, host.boots)

    def test_own_failed_boot_holding_allocations_is_not_an_arrival(self):
        # The scheduler claimed, the compute refused and the allocation
        # is still there when read: the test's own, so a refusal.
        host = FakeHost(hidden_claim=SMALL)
        original_boot = host.boot

        def boot_leaving_claim(free):
            try:
                return original_boot(free)
            except tempest_exceptions.BuildErrorException as failed:
                host.allocations[failed.server_id] = dict(free)
                raise

        host.own = set()
        self.assertRaises(capacity.Refused, capacity.boot_into_free,
                          INVENTORY, host.read, boot_leaving_claim, host.own)

    def test_departure_in_the_window_does_not_hide_a_refusal(self):
        host = FakeHost({'neighbour': SMALL, 'other-test': SMALL},
                        hidden_claim=SMALL)
        original_boot = host.boot

        def boot_after_departure(free):
            del host.allocations['other-test']
            return original_boot(free)

        host.own = {'neighbour'}
        # Room grew by what left: a leak of one unit still shows when
        # the hidden claim exceeds it.
        host.hidden_claim = {'VCPU': 2, 'MEMORY_MB': 256}
        self.assertRaises(capacity.Refused, capacity.boot_into_free,
                          INVENTORY, host.read, boot_after_departure,
                          host.own)


class WhyUnschedulableTest(testtools.TestCase):

    def service(self, **fields):
        service = {'host': 'compute1', 'status': 'enabled', 'state': 'up',
                   'forced_down': False, 'disabled_reason': None,
                   'updated_at': None}
        service.update(fields)
        return service

    def test_trait_left_on_an_enabled_host_is_named(self):
        why = capacity.why_unschedulable(
            ['COMPUTE_NODE', capacity.DISABLED_TRAIT], self.service())
        self.assertIn('still carries COMPUTE_STATUS_DISABLED although '
                      'nova-compute on compute1 reads enabled', why)

    def test_service_not_available_is_named(self):
        why = capacity.why_unschedulable(['COMPUTE_NODE'],
                                         self.service(state='down'))
        self.assertIn('nova-compute service is not up and enabled: '
                      'status=enabled state=down', why)

    def test_nothing_to_say_for_a_schedulable_host(self):
        self.assertEqual('', capacity.why_unschedulable(['COMPUTE_NODE'],
                                                        self.service()))
