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
"""Tests that hold a compute service down, and what they must prove.

Every step that changes a compute service goes through the guard
(guard/disruption.py). What this base adds is the premise of each
verdict, checked rather than assumed: the host holds nothing foreign once
disabled, the service reads down right before the delete, and the delete
really went nova-api's local way (premises.py), and what a host holds
that nobody explains is a finding (host_holdings.py).
"""

import contextlib

from oslo_log import log as logging
from tempest.common import waiters as tempest_waiters
from tempest import config
from tempest import exceptions as tempest_exceptions
from tempest.lib.common import api_version_request
from tempest.lib import decorators

from allocation_tempest_plugin import base
from allocation_tempest_plugin import exceptions
from allocation_tempest_plugin.guard import disruption
from allocation_tempest_plugin.guard import exclusive
from allocation_tempest_plugin.guard import hosts
from allocation_tempest_plugin.guard import recovery
from allocation_tempest_plugin import guard_conf
from allocation_tempest_plugin import microversions
from allocation_tempest_plugin.reads import allocations
from allocation_tempest_plugin.serial_tests import host_holdings
from allocation_tempest_plugin.serial_tests import premises

CONF = config.CONF
LOG = logging.getLogger(__name__)


# Inherited by every subclass, so no destructive class can forget it; the
# subclasses still say @decorators.serial where a reader looks for it.
@decorators.serial
class DisruptiveTestBase(premises.PremiseChecks,
                         host_holdings.HostHoldingChecks,
                         base.AdminAllocationTestBase):
    """Tests that hold a compute service down."""

    @classmethod
    def skip_checks(cls):
        super(DisruptiveTestBase, cls).skip_checks()
        if not CONF.allocation.allow_compute_disruption:
            raise cls.skipException(
                'disrupts a nova-compute service; set [allocation] '
                'allow_compute_disruption = true to run it')

    @classmethod
    def resource_setup(cls):
        super(DisruptiveTestBase, cls).resource_setup()
        # The guard's settings, read from CONF once for the class. A
        # template that cannot be split fails the class here, before any
        # service changed, naming its option.
        cls.guard_settings = guard_conf.from_conf(CONF)
        # A run killed with SIGKILL could not restore its host; heal it
        # before anything new is disrupted.
        # Only hosts this runner may disrupt: another runner's marked host
        # is that runner's to restore.
        for action in recovery.recover(cls.compute_services_client,
                                       cls.guard_settings):
            LOG.warning('Recovery before %s: %s', cls.__name__,
                        action.line())

    # -- choosing and holding a host ---------------------------------------

    def evacuated_status(self):
        """An evacuated server ends SHUTOFF from compute API 2.95."""
        if (api_version_request.APIVersionRequest(self.request_microversion)
                >= api_version_request.APIVersionRequest(
                    microversions.EVACUATED_SHUTOFF)):
            return 'SHUTOFF'
        return 'ACTIVE'

    def disruptable_host(self):
        """A host this test may hold down, or a skip saying why not."""
        host, why_not = self.choose_disruptable_host(
            lambda: self.created_server_ids)
        if host is None:
            raise self.skipException(why_not)
        return host

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
        """The guard's precheck: host still free, or a skip saying why not.

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

    @contextlib.contextmanager
    def disrupted(self, host, owned=None, stop_process=False, lend=False):
        """The guard holds host's nova-compute down inside the block.

        While it does, the snapshot owned (if given) counts every change
        on the host's provider: the host is disabled, in a serial class,
        and the guard found nothing foreign on it. With lend, the block
        starts with the host lent (guard/lending.py) until take_back().
        """
        rp_uuid = self.provider_for_host(host)

        def own_ids():
            own = set(self.created_server_ids)
            if owned is not None:
                own |= set(owned.expected)
            return own

        with contextlib.ExitStack() as stack:
            orphaned = None
            try:
                guard = stack.enter_context(self.guard_for(
                    host, self.exclusive_check_for(host, own_ids),
                    self.recheck_for(lambda: self.created_server_ids),
                    stop_process, lend))
            except (exceptions.HostNotFree,
                    exceptions.HostNotExclusive) as why:
                # Another runner or tenant holds it: no free host, not a
                # failure (the guard has left or restored the service).
                raise self.skipException('cannot hold %s: %s' % (host, why))
            except exceptions.OrphanedAllocations as found:
                orphaned = found
            if orphaned is not None:
                # Outside the handler: the report is the failure, not a
                # second exception chained to the guard's.
                self.fail_once_for_orphans(orphaned)
            if owned is not None:
                owned.hold_exclusively(rp_uuid)
                stack.callback(owned.release_hold, rp_uuid)
            yield guard
        if guard.stop_unproven:
            # The block passed, but against a compute that kept running.
            self.fail('premise: %s' % guard.stop_unproven)

    def take_back(self, guard):
        """Hold the lent host again, or skip saying who took what meanwhile.

        The guard has left a host someone else took as they left it (and
        started the compute it stopped), or restores one that something
        foreign landed on once the block unwinds.
        """
        orphaned = None
        try:
            return guard.take_back()
        except (exceptions.HostNotFree,
                exceptions.HostNotExclusive) as why:
            raise self.skipException('%s was lent to the scheduler and '
                                     'could not be taken back: %s' % (
                                         guard.host, why))
        except exceptions.OrphanedAllocations as found:
            orphaned = found
        self.fail_once_for_orphans(orphaned)

    @classmethod
    def guard_for(cls, host, exclusive_check, precheck, stop_process=False,
                  lend=False):
        """The guard (not yet entered) for host, with the class's settings.

        Skips when what it needs is not configured: lending's hosts, a
        real restart's commands.
        """
        if lend:
            cls.skip_unless_lending_allowed()
        if ((stop_process or lend) and
                not cls.guard_settings.has_restart_commands):
            raise cls.skipException(
                'needs a real restart of the compute; set [allocation] '
                'compute_stop_command and compute_start_command')
        return disruption.ComputeDisruption(
            cls.compute_services_client, host, cls.guard_settings,
            stop_process=stop_process, lend=lend, precheck=precheck,
            exclusive_check=exclusive_check)

    @classmethod
    def skip_unless_lending_allowed(cls):
        """Lending needs hosts named as disruptable, and a lock_path.

        A lent host is enabled while its compute is stopped: any tenant's
        build may land there and hang until it is taken back. Only hosts
        the operator named in disruptable_hosts may be lent; the loan is
        recorded under lock_path (guard/loans.py) for recovery.
        """
        if not cls.guard_settings.disruptable_hosts:
            raise cls.skipException(
                'lends a host to the scheduler with its compute stopped, '
                'where any tenant\'s build could land; set [allocation] '
                'disruptable_hosts to the hosts the tests may lend')
        if not cls.guard_settings.lock_path:
            raise cls.skipException(
                'lending records the loan for recovery under '
                '[oslo_concurrency] lock_path; set it')

    def boot_resized_server(self):
        """A server of the test's in VERIFY_RESIZE, on a host it may hold.

        Returns (source host, snapshot, server, migration uuid, destination
        host); the snapshot was taken before the boot and tracks both
        consumers.
        """
        self.skip_unless_resize()
        source = self.disruptable_host()
        owned = self.placement_snapshot(source)
        server = self.boot_server(host=source)
        owned.track(server['id'])
        self.assert_flavor_allocated(server, self.provider_for_host(source),
                                     self.flavor)
        migration_uuid, destination = self.resize_to_verify(
            server['id'], owned, source)
        return source, owned, server, migration_uuid, destination


class MultiComputeTestBase(DisruptiveTestBase):
    """Two computes: host_a is the one disrupted, host_b the other."""

    def setUp(self):
        super(MultiComputeTestBase, self).setUp()
        self.host_a = self.disruptable_host()
        # Lazily, page by page: the first other host will do.
        self.host_b = next((host for host in hosts.available_hosts(
            self.os_admin.hypervisor_client) if host != self.host_a), None)
        if self.host_b is None:
            raise self.skipException('needs a second up and enabled '
                                     'compute besides %s' % self.host_a)
        self.rp_a = self.provider_for_host(self.host_a)
        self.rp_b = self.provider_for_host(self.host_b)

    def evacuate(self, server_id, host=None):
        """Evacuate server_id (to host, or where the scheduler says)."""
        kwargs = {'host': host} if host else {}
        self.admin_servers_client.evacuate_server(server_id, **kwargs)
        try:
            tempest_waiters.wait_for_server_status(
                self.admin_servers_client, server_id,
                self.evacuated_status())
        except tempest_exceptions.BuildErrorException:
            if host:
                self.skip_if_host_taken(host, 'the evacuation of %s' %
                                        server_id)
            raise
        return self.admin_servers_client.show_server(server_id)['server']
