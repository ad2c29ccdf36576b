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
"""The vocabulary the plugin's tests are written in.

AllocationTestBase works with a project member's credentials alone (a
certification run); AdminAllocationTestBase adds what an admin sees:
hosts, providers, every consumer, and the Placement snapshot. The
destructive base lives with the serial tests (serial_tests/base.py).
"""

from oslo_log import log as logging
from tempest.api.compute import base
from tempest.common import compute
from tempest.common import waiters as tempest_waiters
from tempest import config
from tempest import exceptions as tempest_exceptions
from tempest.lib.common.utils import test_utils
from tempest.lib import exceptions as lib_exc

from allocation_tempest_plugin.guard import hosts
from allocation_tempest_plugin import microversions
from allocation_tempest_plugin.placement_checks import known_defects
from allocation_tempest_plugin.placement_checks import orphan_registry
from allocation_tempest_plugin.placement_checks import placement
from allocation_tempest_plugin.placement_checks import snapshot
from allocation_tempest_plugin.reads import allocations
from allocation_tempest_plugin.reads import clients as reads_clients
from allocation_tempest_plugin.reads import polling

CONF = config.CONF
LOG = logging.getLogger(__name__)
# What a server's fault says when the scheduler refused every host.
NO_VALID_HOST = 'No valid host was found'

# The verdict on anything held once a normally deleted server reads 404:
# the compute frees its allocations before it destroys the instance row.
COMPUTE_DELETE_LEAK = (
    'still held after server %s was gone: the compute-side delete did not '
    'free them (nova/compute/manager.py ComputeManager._complete_deletion '
    'frees them before the instance row is destroyed; the resource '
    'tracker would hide this a period later)')


class AllocationTestBase(base.BaseV2ComputeTest):
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

    def boot_server(self, clients=None, wait_until='ACTIVE', **kwargs):
        """A server with no network, deleted (then awaited) at cleanup."""
        clients = clients or self.os_primary
        server, _ = compute.create_test_server(clients, networks='none',
                                               **kwargs)
        # Tempest's order: the wait runs after every delete was sent. Some
        # tests leave a server in ERROR on purpose (reset-state, a failed
        # evacuation): its deletion is still awaited, not refused.
        self.addCleanup(tempest_waiters.wait_for_server_termination,
                        clients.servers_client, server['id'],
                        ignore_error=True)
        self.addCleanup(test_utils.call_and_ignore_notfound_exc,
                        clients.servers_client.delete_server, server['id'])
        if wait_until:
            try:
                tempest_waiters.wait_for_server_status(
                    clients.servers_client, server['id'], wait_until)
            except tempest_exceptions.BuildErrorException as failed:
                # Tempest's exception names the server only in its text;
                # a caller telling its own consumers from others' needs it.
                failed.server_id = server['id']
                raise
        return clients.servers_client.show_server(server['id'])['server']

    def delete_server_and_wait(self, server_id, clients=None):
        servers_client = (clients or self.os_primary).servers_client
        servers_client.delete_server(server_id)
        tempest_waiters.wait_for_server_termination(servers_client,
                                                    server_id)

    def member_project_usages(self):
        """The member's own project usage, or a skip where it is not offered.

        Placement's policy may refuse members (placement:usages), or the
        member's catalog may have no Placement endpoint at all.
        """
        try:
            return allocations.project_usages(
                self.member_usages_client,
                self.os_primary.credentials.project_id)
        except lib_exc.Forbidden:
            raise self.skipException(
                'Placement policy does not let a project member read its '
                'own usages (placement:usages)')
        except lib_exc.EndpointNotFound:
            raise self.skipException(
                'the service catalog offers a project member no Placement '
                'endpoint')

    def wait_member_usages(self, expected, what):
        """Poll the member's project usage until it equals expected.

        WaitTimeout names what, expected, the last usage seen and the
        command to look.
        """
        polling.wait_for(
            self.member_project_usages,
            lambda usages: not placement.usage_diff(expected, usages),
            self.wait_timeout, self.wait_interval,
            '%s: the member\'s project usage to be %s (see: openstack '
            'resource usage show %s)' % (
                what, expected, self.os_primary.credentials.project_id))

    def assert_member_usages(self, expected, deleted_server_id):
        """The member's project usage is expected, read once after a delete.

        One read: the compute frees a server's allocations before it reads
        404 (see AdminAllocationTestBase.delete_and_assert_freed).
        """
        usages = self.member_project_usages()
        diff = placement.usage_diff(expected, usages)
        self.assertEqual(
            [], diff, 'project %s usage (class, expected, seen) %s; see: '
            'openstack resource usage show %s' % (
                self.os_primary.credentials.project_id,
                COMPUTE_DELETE_LEAK % deleted_server_id,
                self.os_primary.credentials.project_id))


class AdminAllocationTestBase(AllocationTestBase,
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
        cls.admin_servers_client = cls.os_admin.servers_client

    @classmethod
    def resource_setup(cls):
        super(AdminAllocationTestBase, cls).resource_setup()
        cls.host_providers = {}

    def setUp(self):
        super(AdminAllocationTestBase, self).setUp()
        # "Own" is what this test created, not its project: with
        # pre-provisioned credentials the admin project holds real servers.
        self.created_server_ids = set()

    def boot_server(self, clients=None, wait_until='ACTIVE',
                    retry_no_valid_host=True, **kwargs):
        """As the member's boot; onto kwargs['host'] when it is given.

        A host is chosen while it reads up and enabled. When a boot onto
        it fails and the host no longer takes servers (another runner
        holds it, an operator disabled it), the test never had its
        premise: it skips with what the host's service says. When the
        scheduler found no valid host but the host takes servers again by
        the time that is read, another runner may have held it for a
        moment in between (its restore already done): the boot is tried
        once more, and a second failure on a host that still takes
        servers stays a failure. A boot whose NoValidHost is itself the
        verdict (the whole free capacity of a host) passes
        retry_no_valid_host=False: a second try a moment later could meet
        a leak the resource tracker healed meanwhile.
        """
        try:
            return self._boot_once(clients, wait_until, **kwargs)
        except tempest_exceptions.BuildErrorException as failed:
            if not (retry_no_valid_host and kwargs.get('host') and
                    NO_VALID_HOST in str(failed)):
                raise
            LOG.warning('Boot onto %s found no valid host although the '
                        'host takes servers now; booting once more: %s',
                        kwargs['host'], failed)
        return self._boot_once(clients, wait_until, **kwargs)

    def _boot_once(self, clients, wait_until, **kwargs):
        try:
            server = super(AdminAllocationTestBase, self).boot_server(
                clients or self.os_admin, wait_until, **kwargs)
        except tempest_exceptions.BuildErrorException as failed:
            # Still this test's own, whatever Placement holds for it.
            self.created_server_ids.add(failed.server_id)
            if kwargs.get('host'):
                self.skip_if_host_taken(kwargs['host'], 'the boot')
            raise
        self.created_server_ids.add(server['id'])
        return server

    def skip_if_host_taken(self, host, what):
        """Skip when host no longer takes servers, after what failed.

        Called only once what (a boot, an evacuation onto host) has
        failed; a host that still takes servers leaves the failure as it
        is.
        """
        taken = hosts.taken_since_chosen(self.compute_services_client, host)
        if taken is not None:
            raise self.skipException(
                '%s onto %s failed because the host was taken after it was '
                'chosen: %s' % (what, host, taken))

    def delete_server_and_wait(self, server_id, clients=None):
        super(AdminAllocationTestBase, self).delete_server_and_wait(
            server_id, clients or self.os_admin)

    # -- hosts and their providers ----------------------------------------

    def any_available_host(self):
        host = hosts.first_available_host(self.os_admin.hypervisor_client)
        if host is None:
            raise self.skipException('no nova-compute service is up and '
                                     'enabled')
        return host

    @classmethod
    def provider_for_host(cls, host):
        """The compute node provider of host (hypervisor id at 2.53+)."""
        if host not in cls.host_providers:
            rp_uuid = hosts.provider_for_host(
                cls.os_admin.hypervisor_client, cls.providers_client, host)
            if rp_uuid is None:
                raise cls.failureException(
                    'no hypervisor reports service host %s' % host)
            cls.host_providers[host] = rp_uuid
        return cls.host_providers[host]

    # -- server states ----------------------------------------------------

    def skip_unless_resize(self):
        if not CONF.compute_feature_enabled.resize:
            raise self.skipException('[compute-feature-enabled] resize is off')
        if CONF.compute.flavor_ref_alt == CONF.compute.flavor_ref:
            raise self.skipException('resize needs [compute] flavor_ref_alt '
                                     'to differ from flavor_ref')

    def resize_to_verify(self, server_id, owned, source):
        """Resize to flavor_ref_alt and wait for VERIFY_RESIZE.

        Placement then holds the old flavor under the migration's uuid on
        the source and the new one under the server's on the destination:
        asserted here, where Nova moves them, so that a later delete that
        frees everything cannot hide a resize that never claimed. The
        snapshot owned tracks the migration and reads the destination
        (the scheduler chose it; reading every host instead would cost
        what the cloud has). Returns (migration uuid, destination host).
        """
        self.admin_servers_client.resize_server(server_id,
                                                CONF.compute.flavor_ref_alt)
        tempest_waiters.wait_for_server_status(
            self.admin_servers_client, server_id, 'VERIFY_RESIZE')
        [migration] = self.os_admin.migrations_client.list_migrations(
            instance_uuid=server_id, migration_type='resize')['migrations']
        owned.track(migration['uuid'], 'migration')
        destination = self.admin_servers_client.show_server(
            server_id)['server']['OS-EXT-SRV-ATTR:host']
        rp_destination = self.provider_for_host(destination)
        owned.add_providers({rp_destination: destination})
        new_flavor = self.flavors_client.show_flavor(
            CONF.compute.flavor_ref_alt)['flavor']
        self.assert_allocations(
            server_id, {rp_destination: placement.flavor_resources(
                new_flavor)},
            'premise: the resized server holds the new flavor on %s' %
            destination)
        self.assert_allocations(
            migration['uuid'], {self.provider_for_host(source):
                                placement.flavor_resources(self.flavor)},
            'premise: its migration holds the old flavor on %s' % source)
        return migration['uuid'], destination

    # -- Placement checks -------------------------------------------------

    def placement_snapshot(self, *hosts_used):
        """Placement as it is now on hosts_used and the test's projects.

        Take it before the test's server exists; check it with
        assert_placement_clean().
        """
        owned = snapshot.PlacementSnapshot(
            self.providers_client, self.allocations_client,
            self.usages_client, owner=self.id(),
            project_ids=[self.os_admin.credentials.project_id,
                         self.os_primary.credentials.project_id],
            # Pre-provisioned projects may hold servers of other runs.
            compare_projects=CONF.auth.use_dynamic_credentials)
        owned.capture({self.provider_for_host(host): host
                       for host in hosts_used})
        # Registered before any server of the test's: runs after they were
        # deleted and awaited (cleanups run last-in, first-out).
        self.addCleanup(self._release_known_leftovers, owned)
        return owned

    @staticmethod
    def _release_known_leftovers(owned):
        """After an expected failure, free what the known defect leaked.

        Only then: the cloud accepts that defect, and its leftovers would
        make the host look foreign to every later test. A leak that
        failed a test stays, for the audit and the operator to see.
        """
        if not owned.release_after_verdict:
            return
        for line in owned.release_leftovers():
            LOG.warning('%s: released what known Nova defect left behind, '
                        'so later tests find the host clean: %s',
                        owned.owner, line)

    def assert_placement_clean(self, owned, context, why_now=None):
        """Consumers, providers and projects as expected: read once, now.

        Called at the moment Nova promises it, never polled: each
        nova-compute's resource tracker removes the allocations of
        deleted servers every update_resources_interval, so a check that
        waits longer than that can be satisfied by the heal instead of by
        the code path under test. why_now, when given, tells in the
        failure which step of Nova should have freed what is left.
        """
        findings = owned.leaks()
        if findings:
            self.remember_leftovers(findings)
            self.fail(owned.report(findings, context) + (
                '\n' + why_now if why_now else ''))

    def remember_leftovers(self, findings):
        """Later tests of the run meeting these leftovers skip, naming us.

        Only consumers a failure names; a known defect's leftovers are
        released after its verdict, so they are never met.
        """
        self.leak_registry().record(
            sorted({consumer for finding in findings
                    for consumer in finding.consumers}), self.id())

    @staticmethod
    def leak_registry():
        return orphan_registry.Registry(CONF.oslo_concurrency.lock_path)

    def delete_and_assert_freed(self, server_id, owned, context):
        """A normal delete, then one read of Placement once it reads 404.

        The compute frees the allocations in
        ComputeManager._complete_deletion and only then destroys the
        instance row (_delete_instance), from which on the server reads
        404; Tempest's wait ends at that 404. So there is nothing to wait
        for, and the resource tracker must not get the chance to heal.
        """
        self.delete_server_and_wait(server_id)
        self.assert_placement_clean(owned, context,
                                    why_now=COMPUTE_DELETE_LEAK % server_id)

    def wait_until(self, predicate, extra_seconds=0):
        """Poll predicate() until true or the deadline; whether it was.

        The deadline is wait_timeout, plus extra_seconds where the event
        waits for a periodic task.
        """
        return polling.poll(predicate, bool,
                            self.wait_timeout + extra_seconds,
                            self.wait_interval,
                            getattr(predicate, '__name__', 'predicate')).done

    def assert_allocations(self, consumer_uuid, holdings, what=None):
        """consumer_uuid holds exactly holdings ({rp uuid: resources})."""
        mismatch = self.allocation_mismatch(consumer_uuid, holdings, what)
        if mismatch:
            self.fail(mismatch)

    @classmethod
    def allocation_mismatch(cls, consumer_uuid, holdings, what=None):
        """Why consumer_uuid does not hold exactly holdings; None if it does.

        holdings is {rp uuid: resources}; what says why it should.
        """
        seen = allocations.of_consumer(cls.allocations_client, consumer_uuid)
        if seen == holdings:
            return None
        return ('%sallocations of %s: expected %s, seen %s; see: openstack '
                'resource provider allocation show %s' % (
                    what + ': ' if what else '', consumer_uuid, holdings,
                    seen, consumer_uuid))

    def assert_project_usage(self, project_id, expected):
        """The project's usage is exactly expected, read once."""
        usages = allocations.project_usages(self.usages_client, project_id)
        self.assertEqual([], placement.usage_diff(expected, usages),
                         'usage of project %s (class, expected, seen); see: '
                         'openstack resource usage show %s' % (
                             project_id, project_id))

    def judge_known_defect(self, name, needs_met, reproduces, report,
                           owned=None):
        """Pass, expected failure or failure for Nova defect name.

        See placement_checks/known_defects.py: a listed defect that
        reproduces as described is a testtools expected failure (xfail),
        with its description in the result; one that no longer reproduces
        fails asking to unlist it.
        """
        verdict = known_defects.judge(
            name, name in CONF.allocation.known_nova_defects, needs_met,
            reproduces, report)
        if verdict.kind == known_defects.Verdict.PASS:
            return
        if verdict.kind == known_defects.Verdict.EXPECTED:
            if owned is not None:
                owned.release_after_verdict = True
                # Now, not only at cleanup: to another runner sharing the
                # cloud the leftovers are orphans (orphans.py), and its
                # settle waits only seconds for them to go.
                self._release_known_leftovers(owned)
            self.expectFailure(verdict.message, self.fail, verdict.message)
            return
        self.fail(verdict.message)

    def assert_flavor_allocated(self, server, rp_uuid, flavor):
        """The server's consumer holds exactly flavor, on rp_uuid only."""
        self.assert_allocations(server['id'], {
            rp_uuid: placement.flavor_resources(flavor)})
        self.assertEqual(server['tenant_id'], allocations.project_of(
            self.allocations_client, server['id']))
