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
"""Which host a destructive test may hold, asked again by the guard.

A host qualifies when it is up and enabled, named in disruptable_hosts
where that option is set, and runs no server the test did not create
(guard/hosts.py). The guard asks again right before it disables the host
(recheck_for) and once it is disabled (exclusive_check_for). Mixed into
DisruptiveTestBase (serial_tests/base.py).
"""

from tempest import config

from allocation_tempest_plugin.guard import exclusive
from allocation_tempest_plugin.guard import hosts
from allocation_tempest_plugin.reads import allocations

CONF = config.CONF


class HostChoice(object):
    """Needs the admin clients of AdminAllocationTestBase."""

    def disruptable_host(self):
        """A host this test may hold down; skips when none is free."""
        host, why_not = self.choose_disruptable_host(
            lambda: self.created_server_ids)
        if host is None:
            raise self.skipException(why_not)
        return host

    def require_lendable_host(self):
        """A host this test may lend; skips when lending is not allowed.

        Or when no host is free. Lending is checked first: without it no
        host is chosen and nothing is read of one.
        """
        self.skip_unless_lending_allowed()
        return self.disruptable_host()

    def second_available_host(self, host_a):
        """An up and enabled compute other than host_a; skips without one."""
        # Lazily, page by page: the first other host will do.
        host_b = next((host for host in hosts.available_hosts(
            self.os_admin.hypervisor_client) if host != host_a), None)
        if host_b is None:
            raise self.skipException('needs a second up and enabled '
                                     'compute besides %s' % host_a)
        return host_b

    @classmethod
    def choose_disruptable_host(cls, own_ids):
        """(host, None) for a host this class may hold down, or (None, why).

        Hosts where a test of this run found leftovers of a leak are
        passed over (that test failed for them), so one leak fails one
        test, not every test after it.
        """
        return hosts.choose_host(
            cls.compute_services_client, cls.os_admin.hypervisor_client,
            cls.admin_servers_client, CONF.allocation.disruptable_hosts,
            own_ids(), avoid={
                host: 'holds leftovers of a leak that %s failed for' % test
                for host, test in cls.leak_registry().hosts().items()})

    @classmethod
    def recheck_for(cls, own_ids):
        """The guard's precheck, which skips when the host is no longer free.

        own_ids() gives the servers the caller created (not foreign).
        """
        def recheck(host):
            why_not = hosts.host_refusal(
                cls.compute_services_client, cls.admin_servers_client, host,
                CONF.allocation.disruptable_hosts, own_ids())
            if why_not is not None:
                raise cls.skipException(why_not)
        return recheck

    @classmethod
    def exclusive_check_for(cls, host, own_ids):
        """The guard's exclusive check of host: foreign findings, or raise.

        OrphanedAllocations when its provider holds allocations nothing
        explains. own_ids() is read at each check: a lent host is checked
        again once the test booted its own server there.
        """
        rp_uuid = cls.provider_for_host(host)

        def exclusive_check(host):
            own = set(own_ids())
            held = allocations.on_provider(cls.providers_client, rp_uuid)
            servers = exclusive.servers_on_host(cls.admin_servers_client,
                                                host)
            cls.raise_for_orphans(host, rp_uuid, held, servers, own)
            return exclusive.foreign_findings(host, held, servers, own)
        return exclusive_check
