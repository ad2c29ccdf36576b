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

"""A boot onto a chosen host, and the wait for Nova to schedule there.

AdminServers.boot_onto_host and wait_for_host_schedulable
(vocabulary/servers.py) run as DisruptiveTestBase's classmethods on the
stand-in test_shared_hold builds: real Tempest and plugin clients over
HTTP to the fake cloud, CONF from Tempest's config fixture. The fake Nova
mirrors a service's status in COMPUTE_STATUS_DISABLED on its provider and
its scheduler refuses a provider that carries it; an enable whose trait
sync a late disable overtook (enable_overtaken_for_reads, seen on Nova
31) and a trait set from outside Nova are the two ways a host that reads
up and enabled still finds no valid host.
"""

from tempest.common import compute
from tempest import exceptions as tempest_exceptions

from allocation_tempest_plugin import exceptions
from allocation_tempest_plugin.fakes.fakecloud import cloud
from allocation_tempest_plugin.fakes.fakecloud import nova
from allocation_tempest_plugin.tests.unit import test_shared_hold

HOST = test_shared_hold.HOST
# The wait lasts [allocation] resource_tracker_interval (its minimum, 1 s)
# plus the class's wait_timeout: a wait that must fail fails fast.
RESOURCE_TRACKER_INTERVAL = 1
WAIT_TIMEOUT = 0.2
# The shared setups boot their servers in one request.
SERVERS_PER_BOOT = 2


class HostSchedulableTest(test_shared_hold.SharedHoldTestBase):

    def setUp(self):
        super(HostSchedulableTest, self).setUp()
        self.conf.config(group='allocation',
                         resource_tracker_interval=RESOURCE_TRACKER_INTERVAL)
        flavor = self.admin.flavors_client.show_flavor(cloud.FLAVOR)['flavor']
        self.test_class = test_shared_hold.stand_in(self.admin, self.primary,
                                                    flavor)
        self.test_class.wait_timeout = WAIT_TIMEOUT
        self.addCleanup(test_shared_hold.run_class_cleanups, self.test_class)
        self.rp_uuid = self.nova.node_on[HOST]['uuid']
        self.boots = 0
        self.trait_reads = 0
        self._count_trait_reads()

    def _count_trait_reads(self):
        """Placement's reads of any provider's traits, in trait_reads."""
        before_read = self.cloud.placement.before_traits_read

        def counted(rp_uuid):
            self.trait_reads += 1
            before_read(rp_uuid)
        self.cloud.placement.before_traits_read = counted

    def boot_once(self, host=HOST):
        """One request for the servers, as the shared setups send it."""
        self.boots += 1
        return compute.create_test_server(
            self.admin, networks='none', host=host,
            min_count=SERVERS_PER_BOOT, wait_until='ACTIVE')[1]

    def set_status(self, status, **fields):
        """The admin's PUT of HOST's service, as the guard sends it."""
        self.admin.compute_services_client.update_service(
            self.nova.service_on(HOST)['id'], status=status, **fields)

    def set_trait_from_outside_nova(self):
        """An operator's trait: not in the compute's provider tree."""
        placement = self.cloud.placement
        placement.set_traits(self.rp_uuid, placement.traits_of(
            self.rp_uuid) | {nova.DISABLED_TRAIT})

    def first_request_refused(self):
        """The servers of a refused request: each found no valid host."""
        refused = [server for server in self.booted() if server['fault']]
        self.assertEqual(SERVERS_PER_BOOT, len(refused))
        for server in refused:
            self.assertEqual(nova.NO_VALID_HOST, server['fault'])
            # Tempest's create_test_server deleted them.
            self.assertTrue(server['deleted'])

    # -- boot_onto_host ----------------------------------------------------

    def test_a_trait_outliving_the_enable_is_waited_for_then_booted(self):
        self.nova.enable_overtaken_for_reads = 2
        self.set_status('disabled', disabled_reason='held')
        self.set_status('enabled')
        servers = self.test_class.boot_onto_host(HOST, self.boot_once)
        self.assertEqual(2, self.boots)
        self.first_request_refused()
        # Two reads still saw the trait; the compute's periodic sync
        # removed it before the third, and only then was it booted again.
        self.assertEqual(3, self.trait_reads)
        self.assertEqual([('ACTIVE', HOST)] * SERVERS_PER_BOOT,
                         [(server['status'], server['OS-EXT-SRV-ATTR:host'])
                          for server in servers])

    def test_a_boot_failing_for_another_reason_is_not_retried(self):
        self.nova.failing_spawns.add(HOST)
        failed = self.assertRaises(tempest_exceptions.BuildErrorException,
                                   self.test_class.boot_onto_host, HOST,
                                   self.boot_once)
        self.assertIn('Exceeded maximum number of retries', str(failed))
        self.assertEqual(1, self.boots)
        self.assertEqual(0, self.trait_reads)

    def test_a_second_no_valid_host_reaches_the_caller(self):
        # Too small for the request, with no trait to wait for.
        self.nova.add_compute('compute3', inventory={
            'VCPU': 1, 'MEMORY_MB': 512, 'DISK_GB': 1})
        failed = self.assertRaises(tempest_exceptions.BuildErrorException,
                                   self.test_class.boot_onto_host,
                                   'compute3',
                                   lambda: self.boot_once('compute3'))
        self.assertIn(nova.NO_VALID_HOST, str(failed))
        self.assertEqual(2, self.boots)
        self.assertEqual(1, self.trait_reads)

    def test_a_host_taken_meanwhile_is_a_skip(self):
        # Disabled by someone else after it was chosen.
        self.set_status('disabled', disabled_reason='operator')
        skipped = self.assertRaises(self.test_class.skipException,
                                    self.test_class.boot_onto_host, HOST,
                                    self.boot_once)
        self.assertIn('the boot onto %s failed because the host was taken '
                      'after it was chosen: %s nova-compute is ' % (
                          HOST, HOST), str(skipped))
        self.assertIn('disabled', str(skipped))
        self.assertEqual(1, self.boots)
        self.assertEqual(0, self.trait_reads)

    def test_a_trait_that_never_leaves_fails_the_boot_on_the_wait(self):
        self.set_trait_from_outside_nova()
        self.assertRaises(exceptions.WaitTimeout,
                          self.test_class.boot_onto_host, HOST,
                          self.boot_once)
        self.assertEqual(1, self.boots)
        self.first_request_refused()

    # -- wait_for_host_schedulable -----------------------------------------

    def test_a_trait_that_never_leaves_fails_the_wait_naming_it(self):
        self.set_trait_from_outside_nova()
        # Not in the compute's provider tree: its periodic sync keeps it.
        self.nova.periodic_sync(HOST)
        failed = self.assertRaises(exceptions.WaitTimeout,
                                   self.test_class.wait_for_host_schedulable,
                                   HOST)
        message = str(failed)
        self.assertIn('Timed out after %s s waiting for '
                      'COMPUTE_STATUS_DISABLED to leave the provider %s of '
                      '%s, whose service reads enabled' % (
                          RESOURCE_TRACKER_INTERVAL + WAIT_TIMEOUT,
                          self.rp_uuid, HOST), message)
        self.assertIn(nova.DISABLED_TRAIT, message.split('Details:')[1])
        self.assertGreater(self.trait_reads, 1)

    def test_a_host_without_the_trait_is_schedulable_at_once(self):
        self.set_status('disabled', disabled_reason='held')
        self.set_status('enabled')
        self.test_class.wait_for_host_schedulable(HOST)
        self.assertEqual(1, self.trait_reads)
