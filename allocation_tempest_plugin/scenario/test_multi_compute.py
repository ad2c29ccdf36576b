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

from tempest.common import waiters as tempest_waiters
from tempest.lib import decorators

from allocation_tempest_plugin.api import base
from allocation_tempest_plugin.common import hosts
from allocation_tempest_plugin.common import placement


@decorators.serial
class MultiComputeTest(base.DisruptiveTestBase):
    """With two computes, disrupting one must not touch the other."""

    def setUp(self):
        super(MultiComputeTest, self).setUp()
        self.available_hosts = sorted(
            s['host'] for s in self.compute_services()
            if hosts.is_available(s))
        if len(self.available_hosts) < 2:
            raise self.skipException('needs two up and enabled computes, '
                                     'found %s' % self.available_hosts)

    def _other_host(self, host):
        return [h for h in self.available_hosts if h != host][0]

    @decorators.idempotent_id('86e6758e-2da6-4f84-845f-e5d2c1e49c44')
    def test_local_delete_leaves_other_host_untouched(self):
        """A local delete on host A changes nothing on host B.

        B runs a server of the test's own; B's usages and its allocations
        by consumer are the same after A's server is deleted locally.
        """
        host_a = self.disruptable_host()
        host_b = self._other_host(host_a)
        self.boot_server(host=host_b)
        baseline_a = self.take_baseline(host_a)
        rp_b = self.provider_for_host(host_b)
        version = self.placement_request_microversion
        allocations_b = self.providers_client.list_provider_allocations(
            rp_b, version)['allocations']
        usages_b = self.providers_client.list_usages(rp_b, version)['usages']
        # The project keeps B's server: its usage returns to this, not 0.
        project_id = self.os_admin.credentials.project_id
        project_usages_before = self.usages_client.list_usages(
            project_id, microversion=version)['usages']
        server = self.boot_server(host=host_a)

        with self.disrupted(host_a):
            self.delete_server_and_wait(server['id'])
            self.assert_released({server['id']: 'server'}, [baseline_a],
                                 project_id, 'local delete on %s' % host_a,
                                 project_usages_before, immediately=True)
        self.assertEqual(allocations_b,
                         self.providers_client.list_provider_allocations(
                             rp_b, version)['allocations'])
        self.assertEqual(usages_b, self.providers_client.list_usages(
            rp_b, version)['usages'])

    @decorators.idempotent_id('ac206d82-4556-4684-95d4-30da1e37b4b2')
    @decorators.attr(type='slow')
    def test_evacuate_moves_allocations_to_destination(self):
        """Evacuating from a fenced host leaves allocations on B only.

        A's nova-compute is stopped and forced down, the server is
        evacuated to B. When A starts again it cleans up the evacuated
        instance: the server's allocations are then only on B, for its
        flavor, and A's usages are back at their baseline.
        """
        host_a = self.disruptable_host()
        host_b = self._other_host(host_a)
        baseline_a = self.take_baseline(host_a)
        rp_b = self.provider_for_host(host_b)
        server = self.boot_server(host=host_a)

        with self.disrupted(host_a, stop_process=True):
            self.admin_servers_client.evacuate_server(server['id'],
                                                      host=host_b)
            tempest_waiters.wait_for_server_status(
                self.admin_servers_client, server['id'], 'ACTIVE')
        server = self.admin_servers_client.show_server(
            server['id'])['server']
        self.assertEqual(host_b, server['OS-EXT-SRV-ATTR:host'])

        outcome = placement.wait_provider_at_baseline(
            self.providers_client, baseline_a, self.wait_timeout,
            self.wait_interval, self.placement_request_microversion)
        allocations = self.allocations_client.show_allocations(
            server['id'], self.placement_request_microversion)
        if not outcome.done:
            self.fail(placement.leak_report(
                [placement.provider_finding(
                    baseline_a, outcome.value,
                    self.providers_client.list_provider_allocations(
                        baseline_a.rp_uuid,
                        self.placement_request_microversion)['allocations'])],
                'evacuation of %s from %s to %s' % (server['id'], host_a,
                                                    host_b)))
        self.assertEqual(
            {rp_b: placement.flavor_resources(self.flavor)},
            {rp: a['resources']
             for rp, a in allocations['allocations'].items()})
