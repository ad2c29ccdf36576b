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
(common/disruption.py). What this base adds is the premise of each
verdict, checked rather than assumed: the host holds nothing foreign once
disabled, the service reads down right before the delete, and the delete
really went nova-api's local way.
"""

import contextlib
import datetime

from oslo_log import log as logging
from tempest.common import waiters as tempest_waiters
from tempest import config
from tempest import exceptions as tempest_exceptions
from tempest.lib.common import api_version_request
from tempest.lib import decorators

from allocation_tempest_plugin import base
from allocation_tempest_plugin.common import capacity
from allocation_tempest_plugin.common import commands
from allocation_tempest_plugin.common import compute_services
from allocation_tempest_plugin.common import disruption
from allocation_tempest_plugin.common import exclusive
from allocation_tempest_plugin.common import hosts
from allocation_tempest_plugin.common import orphans
from allocation_tempest_plugin.common import placement
from allocation_tempest_plugin.common import recovery
from allocation_tempest_plugin import exceptions

CONF = config.CONF
LOG = logging.getLogger(__name__)

# The event a nova-compute records when it deletes a server itself
# (ComputeManager.terminate_instance, @wrap_instance_event(prefix='compute')).
COMPUTE_TERMINATE_EVENT = 'compute_terminate_instance'
# How long an allocation that nothing explains may take to go away by
# itself before it is an orphan: Nova deletes some just after the record
# that explained them (orphans.py). Seconds, not a resource-tracker period.
ORPHAN_SETTLE_SECONDS = 5


# Inherited by every subclass, so no destructive class can forget it; the
# subclasses still say @decorators.serial where a reader looks for it.
@decorators.serial
class DisruptiveTestBase(base.AdminAllocationTestBase):
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
        # A template that cannot be split fails the class here, before
        # any service changed, naming its option.
        for option in ('compute_stop_command', 'compute_start_command'):
            template = getattr(CONF.allocation, option)
            if template:
                commands.check_syntax(template, option)
        # A run killed with SIGKILL could not restore its host; heal it
        # before anything new is disrupted.
        # Only hosts this runner may disrupt: another runner's marked host
        # is that runner's to restore.
        for action in recovery.recover(
                cls.compute_services_client,
                start_command=CONF.allocation.compute_start_command,
                command_timeout=CONF.allocation.command_timeout,
                disruptable_hosts=CONF.allocation.disruptable_hosts,
                restore_timeout=CONF.allocation.restore_timeout,
                interval=cls.wait_interval):
            LOG.warning('Recovery before %s: %s', cls.__name__,
                        action.line())

    # -- choosing and holding a host ---------------------------------------

    def evacuated_status(self):
        """An evacuated server ends SHUTOFF from compute API 2.95."""
        if (api_version_request.APIVersionRequest(self.request_microversion)
                >= api_version_request.APIVersionRequest('2.95')):
            return 'SHUTOFF'
        return 'ACTIVE'

    def disruptable_host(self):
        """A host this test may hold down, or a skip saying why not.

        Hosts where a test of this run found leftovers of a leak are
        passed over (that test failed for them), so one leak fails one
        test, not every test after it.
        """
        host, why_not = hosts.choose_host(
            self.compute_services_client, self.os_admin.hypervisor_client,
            self.admin_servers_client, CONF.allocation.disruptable_hosts,
            self.created_server_ids, avoid={
                host: 'holds leftovers of a leak that %s failed for' % test
                for host, test in self.leak_registry().hosts().items()})
        if host is None:
            raise self.skipException(why_not)
        return host

    def _recheck_host(self, host):
        why_not = hosts.host_refusal(
            self.compute_services_client, self.admin_servers_client, host,
            CONF.allocation.disruptable_hosts, self.created_server_ids)
        if why_not is not None:
            raise self.skipException(why_not)

    @contextlib.contextmanager
    def disrupted(self, host, owned=None, stop_process=False, lend=False):
        """The guard holds host's nova-compute down inside the block.

        While it does, the snapshot owned (if given) counts every change
        on the host's provider: the host is disabled, in a serial class,
        and the guard found nothing foreign on it. With lend, the block
        starts with the host lent (common/lending.py) until take_back().
        """
        rp_uuid = self.provider_for_host(host)

        def exclusive_check(host):
            # Read at each check: a lent host is checked again once the
            # test booted its own server there.
            own = set(self.created_server_ids)
            if owned is not None:
                own |= set(owned.expected)
            allocations = self.providers_client.\
                list_resource_provider_allocations(rp_uuid)['allocations']
            servers = exclusive.servers_on_host(self.admin_servers_client,
                                                host)
            self.raise_for_orphans(host, rp_uuid, allocations, servers, own)
            return exclusive.foreign_findings(host, allocations, servers,
                                              own)

        with contextlib.ExitStack() as stack:
            orphaned = None
            try:
                guard = stack.enter_context(
                    self._guard(host, stop_process, exclusive_check, lend))
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

    def raise_for_orphans(self, host, rp_uuid, allocations, servers, own):
        """OrphanedAllocations if host's provider holds any (orphans.py)."""
        found = self.find_orphans(
            host, rp_uuid, {consumer: allocation['resources']
                            for consumer, allocation in allocations.items()},
            servers, own)
        if found:
            raise exceptions.OrphanedAllocations(host, found)

    def find_orphans(self, host, rp_uuid, allocations, servers, own):
        """Orphans among allocations ({consumer: resources}) on rp_uuid."""
        listed = {server['id'] for server in servers}
        return orphans.find(
            host, rp_uuid,
            {consumer: resources for consumer, resources
             in allocations.items()
             if consumer not in own and consumer not in listed},
            lambda uuid: self.admin_servers_client.show_server(
                uuid)['server'],
            lambda: self.os_admin.migrations_client.list_migrations(
                host=host)['migrations'],
            lambda uuid: self.allocations_client.list_allocations(
                uuid).get('project_id'),
            still_held=lambda: self.provider_allocations(rp_uuid),
            settle=ORPHAN_SETTLE_SECONDS, interval=self.wait_interval)

    def fail_once_for_orphans(self, found):
        """Fail for orphans no test of this run failed for yet; else skip.

        A leak is a finding, not a reason to skip: the first test to meet
        it fails naming each orphan, later ones skip pointing at it.
        """
        registry = self.leak_registry()
        consumers = [orphan.consumer for orphan in found.orphans]
        already = registry.reported(consumers)
        registry.record(consumers, self.id(), found.host)
        if set(already) != set(consumers):
            self.fail(str(found))
        raise self.skipException(
            'cannot hold %s: it holds orphaned allocations that this run '
            'already failed for (%s)' % (found.host, '; '.join(
                '%s in %s' % item for item in sorted(already.items()))))

    def take_back(self, guard):
        """Hold the lent host again, or skip saying who took what meanwhile.

        The guard has left a host someone else took as they left it (and
        started the compute it stopped), or restores one that something
        foreign landed on once the block unwinds.
        """
        try:
            return guard.take_back()
        except (exceptions.HostNotFree,
                exceptions.HostNotExclusive) as why:
            raise self.skipException('%s was lent to the scheduler and '
                                     'could not be taken back: %s' % (
                                         guard.host, why))

    def _guard(self, host, stop_process, exclusive_check, lend=False):
        stop_command = start_command = None
        if stop_process or lend:
            stop_command = CONF.allocation.compute_stop_command
            start_command = CONF.allocation.compute_start_command
            if not (stop_command and start_command):
                raise self.skipException(
                    'needs a real restart of the compute; set [allocation] '
                    'compute_stop_command and compute_start_command')
        return disruption.ComputeDisruption(
            self.compute_services_client, host,
            max_seconds=CONF.allocation.max_disruption_seconds,
            timeout=self.wait_timeout, interval=self.wait_interval,
            stop_command=stop_command, start_command=start_command,
            command_timeout=CONF.allocation.command_timeout,
            precheck=self._recheck_host, exclusive_check=exclusive_check,
            restore_timeout=CONF.allocation.restore_timeout,
            claim_settle_seconds=CONF.allocation.claim_settle_seconds,
            disruptable_hosts=CONF.allocation.disruptable_hosts, lend=lend,
            report_interval=CONF.allocation.compute_report_interval)

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

    # -- the local delete and its premise ---------------------------------

    def delete_locally(self, server_id, guard):
        """Delete server_id while guard holds its host, proving the path.

        Before: the service must read down (forced_down makes
        service_is_up() false at once), or nova-api would not take the
        local path. After: the server's delete action must carry no event
        of a compute; a compute that terminated it itself means the check
        that follows would prove nothing about nova-api.
        """
        self.assert_service_reads_down(guard)
        self.delete_server_and_wait(server_id)
        self.assert_deleted_locally(server_id, guard.host)

    def assert_compute_stopped(self, guard):
        """The held compute's process is stopped: no heartbeat since.

        Waits out what is left of the quiet period (stop_proof.py).
        """
        unproven = guard.confirm_stopped()
        if unproven:
            self.fail('premise: %s' % unproven)

    def assert_service_reads_down(self, guard):
        """The held service reads down now, still carrying our marker."""
        service = guard.confirm_held()
        if service['state'] != 'down':
            self.fail('premise: nova-compute on %s reads state=%s, not down, '
                      'right before the delete; nova-api would not delete '
                      'locally (service: %s)' % (guard.host, service['state'],
                                                 service))
        return service

    def assert_deleted_locally(self, server_id, host):
        """The delete action of server_id ran in nova-api alone.

        Compute API 2.21+ lists a deleted server's actions (admin). A local
        delete records the action with no event; ComputeManager's
        terminate_instance records compute_terminate_instance.
        """
        action, events = self.delete_action_events(server_id)
        if action is None:
            self.fail('premise: server %s has no delete action' % server_id)
        if events:
            self.fail(
                'premise: the delete of server %s did not go the local way: '
                'its delete action (request %s) carries events %s, so a '
                'nova-compute handled it although the service on %s was '
                'forced down (nova/compute/api.py API._delete took the '
                'normal path instead of _local_delete); the allocation '
                'checks would prove nothing about nova-api. See: openstack '
                'server event show %s %s' % (
                    server_id, action['request_id'], events, host,
                    server_id, action['request_id']))

    def delete_action_events(self, server_id):
        """(last delete action, its event names) of server_id, or (None, []).

        Compute API 2.21+ lists a deleted server's actions (admin).
        """
        deletes = [action for action in
                   self.admin_servers_client.list_instance_actions(
                       server_id)['instanceActions']
                   if action['action'] == 'delete']
        if not deletes:
            return None, []
        action = self.admin_servers_client.show_instance_action(
            server_id, deletes[-1]['request_id'])['instanceAction']
        return action, [event['event'] for event in
                        action.get('events') or []]

    # -- a returning compute ----------------------------------------------

    def assert_compute_restarted(self, guard):
        """The premise of a restart test: the compute really came back.

        A start command may return as soon as the process is forked
        (systemctl); only a heartbeat after it that the plugin did not
        cause proves nova-compute ran init_host and its startup resource
        update. The guard records that heartbeat; without it, checking
        Placement would prove nothing about the returning compute.
        """
        if guard.stop_unproven:
            self.fail('premise: %s' % guard.stop_unproven)
        if guard.start_heartbeat is None:
            self.fail('premise: the guard restored %s without seeing a '
                      'heartbeat of the restarted nova-compute that it did '
                      'not cause itself; its startup resource update may '
                      'not have run yet' % guard.host)

    def wait_for_resource_tracker(self, host, since_service):
        """Wait until host's periodic resource update ran after since.

        since_service is the first heartbeat the plugin did not cause after
        the compute was restored; heartbeats spanning a whole
        update_resources_interval after it prove update_available_resource
        ran in between.
        """
        interval = CONF.allocation.resource_tracker_interval
        since = compute_services.parse_updated_at(since_service['updated_at'])
        moment = since + datetime.timedelta(seconds=interval)
        outcome = compute_services.wait_for_heartbeat_after(
            self.compute_services_client, host, moment,
            self.wait_timeout + interval, self.wait_interval)
        if not outcome.done:
            self.fail('nova-compute on %s did not heartbeat past %s (restore '
                      'at %s + resource_tracker_interval %s s); last seen: '
                      '%s' % (host, moment, since, interval, outcome.value))

    def boot_into_whole_free_capacity(self, host):
        """Boot, on host, a server sized to all Placement says is free.

        The host is no longer held; other tests' servers arriving on it
        meanwhile are told apart from a refusal (common/capacity.py).
        """
        rp_uuid = self.provider_for_host(host)
        # Sized from the inventory minus what Nova's consumers hold: an
        # orphan is not subtracted, it is the verdict (one leaked unit
        # would otherwise be sized around and pass).
        found = self.find_orphans(
            host, rp_uuid, self.provider_allocations(rp_uuid),
            exclusive.servers_on_host(self.admin_servers_client, host),
            self.created_server_ids)
        if found:
            self.leak_registry().record(
                [orphan.consumer for orphan in found], self.id(), host)
            self.fail(
                'the free capacity of %s is not what its inventory minus '
                'the consumers Nova knows leaves: its provider %s holds '
                'allocations that no server and no migration in progress '
                'explains, so a server sized to the whole capacity cannot '
                'fit:\n%s\nSee: openstack resource provider show '
                '--allocations %s' % (
                    host, rp_uuid, '\n'.join(orphan.line()
                                             for orphan in found), rp_uuid))
        self.lift_compute_quotas()

        def boot_sized(free):
            flavor = self.create_flavor(ram=free['MEMORY_MB'],
                                        vcpus=free['VCPU'],
                                        disk=free.get('DISK_GB', 0))
            server = self.boot_server(host=host, flavor=flavor['id'])
            return server, flavor

        try:
            server, flavor = capacity.boot_into_free(
                self.providers_client.list_resource_provider_inventories(
                    rp_uuid)['inventories'],
                lambda: self.provider_allocations(rp_uuid), boot_sized,
                self.created_server_ids)
        except capacity.Refused as refused:
            why = capacity.why_unschedulable(
                self.providers_client.list_resource_provider_traits(
                    rp_uuid)['traits'],
                compute_services.show(self.compute_services_client, host))
            self.fail(
                'a server sized to the whole free capacity of %s (%s) did '
                'not boot there, and no other consumer arrived on its '
                'provider meanwhile%s: %s. The provider holds %s. See: '
                'openstack resource provider usage show %s; openstack '
                'resource provider trait list %s' % (
                    host, placement.format_amounts(refused.resources),
                    '; ' + why if why else '',
                    self.build_failure(refused.error.server_id),
                    self.describe_consumers(refused.held), rp_uuid,
                    rp_uuid))
        except capacity.Crowded as crowded:
            raise self.skipException(
                'the whole free capacity of %s could not be checked: other '
                'tests\' consumers arrived on its provider %s during each '
                'of %d boots into it: %s' % (
                    host, rp_uuid, len(crowded.arrivals),
                    '; '.join(self.describe_consumers(came)
                              for came in crowded.arrivals)))
        self.assertEqual(host, server['OS-EXT-SRV-ATTR:host'])
        self.assert_flavor_allocated(server, rp_uuid, flavor)
        return server

    def build_failure(self, server_id):
        """"server X ended in ERROR: <its fault's message>", for a report.

        Tempest's BuildErrorException carries the fault's whole traceback;
        an operator needs its message first.
        """
        server = self.admin_servers_client.show_server(server_id)['server']
        return 'server %s ended in %s: %s' % (
            server_id, server['status'],
            (server.get('fault') or {}).get('message', 'no fault recorded'))

    def provider_allocations(self, rp_uuid):
        """{consumer: resources} on the provider rp_uuid."""
        return placement.by_consumer(
            self.providers_client.list_resource_provider_allocations(
                rp_uuid))

    def describe_consumers(self, allocations):
        """Each consumer with its resources and project, for a report."""
        described = []
        for consumer in sorted(allocations):
            project = self.allocations_client.list_allocations(
                consumer).get('project_id', '(gone)')
            described.append('%s (project %s): %s' % (
                consumer, project,
                placement.format_amounts(allocations[consumer])))
        return ', '.join(described) or '(nothing)'

    def lift_compute_quotas(self):
        """No quota on the test's own project, for the capacity-sized boot.

        The project is the test's own (dynamic credentials); its quotas
        are put back at cleanup.
        """
        quotas_client = self.os_admin.quotas_client
        project_id = self.os_admin.credentials.project_id
        original = quotas_client.show_quota_set(project_id)['quota_set']
        self.addCleanup(quotas_client.update_quota_set, project_id,
                        cores=original['cores'], ram=original['ram'],
                        instances=original['instances'])
        quotas_client.update_quota_set(project_id, cores=-1, ram=-1,
                                       instances=-1)


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
