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
"""The classes the plugin's tests inherit from: clients, microversions, waits.

AllocationTestBase works with a project member's credentials alone (a
certification run); AdminAllocationTestBase adds what an admin sees:
hosts, providers, every consumer, and the Placement snapshot. What the
tests say with them is in vocabulary/, one job per module (servers,
member usages, hosts and providers, Placement verdicts, the leftovers of
a test that ends before its verdict); this module sets up what those
rely on. The destructive base lives with the serial tests
(serial_tests/base.py).
"""

from tempest.api.compute import base
from tempest import config

from allocation_tempest_plugin import microversions
from allocation_tempest_plugin.reads import clients as reads_clients
from allocation_tempest_plugin.reads import polling
from allocation_tempest_plugin.vocabulary import member_usages
from allocation_tempest_plugin.vocabulary import providers
from allocation_tempest_plugin.vocabulary import servers
from allocation_tempest_plugin.vocabulary import unjudged_leftovers
from allocation_tempest_plugin.vocabulary import verdicts

CONF = config.CONF


class AllocationTestBase(servers.MemberServers,
                         member_usages.MemberUsages,
                         base.BaseV2ComputeTest):
    """Tests that need nothing but one project member's credentials."""

    credentials = ['primary']
    # Tempest's APIMicroversionFixture sets these for the class; the
    # plugin's clients read them from there (microversions.py says why).
    min_microversion = microversions.NETWORKS_NONE
    placement_min_microversion = microversions.PROJECT_USAGES

    @classmethod
    def setup_clients(cls):
        super(AllocationTestBase, cls).setup_clients()
        cls.member_usages_client = cls.read_clients(
            cls.os_primary).usages()

    @staticmethod
    def read_clients(credentials_manager):
        """The read layer's clients for one of Tempest's client managers.

        The tools build theirs the same way (cmd/admin.py); no microversion
        is bound here, so each client sends the one Tempest's fixture set
        from this class's attributes.
        """
        return reads_clients.Clients(credentials_manager.auth_provider,
                                     config.service_client_config)

    @classmethod
    def resource_setup(cls):
        super(AllocationTestBase, cls).resource_setup()
        cls.wait_timeout = (CONF.allocation.placement_timeout or
                            CONF.compute.build_timeout)
        cls.wait_interval = (CONF.allocation.poll_interval or
                             CONF.compute.build_interval)
        cls.flavor = cls.flavors_client.show_flavor(
            CONF.compute.flavor_ref)['flavor']


class AdminAllocationTestBase(servers.AdminServers,
                              providers.HostProviders,
                              verdicts.PlacementVerdicts,
                              unjudged_leftovers.UnjudgedLeftovers,
                              AllocationTestBase,
                              base.BaseV2ComputeAdminTest):
    """Admin tests that read Placement at three levels."""

    credentials = ['primary', 'admin']
    # Boot onto a named host, so the baseline is taken on the provider
    # the server will really use.
    min_microversion = microversions.BOOT_ON_HOST
    # Allocations carry project, user and consumer generation.
    placement_min_microversion = microversions.CONSUMER_GENERATIONS

    @classmethod
    def setup_clients(cls):
        super(AdminAllocationTestBase, cls).setup_clients()
        admin_reads = cls.read_clients(cls.os_admin)
        cls.allocations_client = admin_reads.allocations()
        cls.providers_client = admin_reads.resource_providers()
        cls.usages_client = admin_reads.usages()
        cls.compute_services_client = admin_reads.compute_services()
        # Pages, and validates each migration's uuid (2.59+).
        cls.admin_migrations_client = admin_reads.migrations()
        cls.admin_servers_client = cls.os_admin.servers_client

    @classmethod
    def resource_setup(cls):
        super(AdminAllocationTestBase, cls).resource_setup()
        cls.host_providers = {}

    def wait_until(self, predicate, extra_seconds=0):
        """Poll predicate() until true or the deadline; whether it was.

        The deadline is wait_timeout, plus extra_seconds where the event
        waits for a periodic task.
        """
        return polling.poll(predicate, bool,
                            self.wait_timeout + extra_seconds,
                            self.wait_interval,
                            getattr(predicate, '__name__', 'predicate')).done
