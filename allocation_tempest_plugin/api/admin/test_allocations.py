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

from allocation_tempest_plugin import base


class AllocationsTest(base.AdminAllocationTestBase):
    """Placement follows a server's life when its compute is healthy.

    Non-destructive: nothing here changes a compute service, so these run
    in shared clouds, beside any other test.
    """

    @decorators.idempotent_id('6b102062-d89b-4030-a94d-21f243d9d691')
    def test_boot_and_delete_releases_allocations(self):
        """Boot claims the flavor on the host's provider; delete frees it.

        Before: the server's consumer holds exactly the flavor's resources
        on its host's provider, and its project is the server's. After a
        normal delete (the compute does the cleanup), read once as soon as
        the server reads 404, because the compute frees the allocations
        before it destroys the instance row: the consumer is empty,
        nothing of the test's is left on the provider and the project
        uses what it used before. A later read could be satisfied by the
        resource tracker's heal instead. Other tests' servers on the same
        provider are context, not the verdict.
        """
        host = self.any_available_host()
        owned = self.placement_snapshot(host)
        server = self.boot_server(host=host)
        owned.track(server['id'])
        self.assert_flavor_allocated(server, self.provider_for_host(host),
                                     self.flavor)

        self.delete_and_assert_freed(server['id'], owned,
                                     'normal delete on %s' % host)

    @decorators.idempotent_id('f42dc23e-20ff-44a6-8db7-144e22add38f')
    @decorators.related_bug('1859496')
    def test_delete_never_scheduled_server(self):
        """A server that never got a host holds nothing in Placement.

        A flavor with more disk than any compute has makes the scheduler
        answer NoValidHost; the server goes to ERROR without a host. Before
        the delete its consumer is already empty (the scheduler's claim
        failed, nothing was written); nova-api deletes it locally, and one
        read after the 404 finds nothing at any level.
        """
        flavor = self.create_flavor(ram=self.flavor['ram'],
                                    vcpus=self.flavor['vcpus'],
                                    disk=2 ** 31 - 1)
        owned = self.placement_snapshot()
        server = self.boot_server(flavor=flavor['id'], wait_until=None)
        owned.track(server['id'])
        tempest_waiters.wait_for_server_status(
            self.admin_servers_client, server['id'], 'ERROR',
            raise_on_error=False)
        self.assertEqual({}, self.allocations_client.list_allocations(
            server['id'])['allocations'])

        self.delete_and_assert_freed(server['id'], owned, 'never scheduled')
