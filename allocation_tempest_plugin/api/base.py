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

"""Base classes: the vocabulary the plugin's tests are written in."""

import datetime
import json
import time

from oslo_log import log as logging
from tempest.api.compute import base
from tempest.common import compute
from tempest.common import waiters as tempest_waiters
from tempest import config
from tempest.lib.common.utils import test_utils
from tempest.lib import decorators

from allocation_tempest_plugin.common import disruption
from allocation_tempest_plugin.common import heartbeat
from allocation_tempest_plugin.common import hosts
from allocation_tempest_plugin.common import placement
from allocation_tempest_plugin.common import recovery
from allocation_tempest_plugin.common import waiters
from allocation_tempest_plugin import plugin

CONF = config.CONF
LOG = logging.getLogger(__name__)


class AllocationTestBase(base.BaseV2ComputeAdminTest):
    """Admin tests that read Placement at three levels."""

    # 2.74: boot onto a named host, so the baseline is taken on the
    # provider the server will really use.
    min_microversion = '2.74'
    # 1.28: allocations carry project, user and consumer generation.
    placement_min_microversion = '1.28'

    @classmethod
    def setup_clients(cls):
        super(AllocationTestBase, cls).setup_clients()
        placement_clients = getattr(cls.os_admin, plugin.PLACEMENT_CLIENTS)
        cls.allocations_client = placement_clients.AllocationsClient()
        cls.providers_client = placement_clients.ResourceProvidersClient()
        cls.usages_client = placement_clients.UsagesClient()
        cls.compute_services_client = getattr(
            cls.os_admin, plugin.COMPUTE_CLIENTS).ComputeServicesClient()
        cls.admin_servers_client = cls.os_admin.servers_client
        cls.admin_hypervisors_client = cls.os_admin.hypervisor_client

    @classmethod
    def resource_setup(cls):
        super(AllocationTestBase, cls).resource_setup()
        cls.wait_timeout = (CONF.allocation.placement_timeout or
                            CONF.compute.build_timeout)
        cls.wait_interval = (CONF.allocation.poll_interval or
                             CONF.compute.build_interval)
        cls.flavor = cls.flavors_client.show_flavor(
            CONF.compute.flavor_ref)['flavor']
        cls.host_providers = {}

    def setUp(self):
        super(AllocationTestBase, self).setUp()
        polls_before = waiters.STATS.as_dict()
        # tools/bench reads this line from tempest.log: what the plugin's
        # own waiting cost in this test.
        self.addCleanup(lambda: LOG.info(
            'allocation_tempest_plugin poll stats %s: %s', self.id(),
            json.dumps({key: round(value - polls_before[key], 3)
                        for key, value in waiters.STATS.as_dict().items()})))

    # -- compute hosts and their providers ---------------------------------

    @classmethod
    def compute_services(cls):
        return cls.compute_services_client.list_services(
            binary=hosts.COMPUTE_BINARY)['services']

    def any_available_host(self):
        available = sorted(s['host'] for s in self.compute_services()
                           if hosts.is_available(s))
        if not available:
            raise self.skipException('no nova-compute service is up and '
                                     'enabled')
        return available[0]

    def provider_for_host(self, host):
        """The compute node provider of host (hypervisor id at 2.53+)."""
        if host not in self.host_providers:
            hypervisors = self.admin_hypervisors_client.list_hypervisors(
                detail=True)['hypervisors']
            for hypervisor in hypervisors:
                self.host_providers.setdefault(
                    hypervisor['service']['host'], hypervisor['id'])
        if host not in self.host_providers:
            self.fail('no hypervisor reports service host %s' % host)
        return self.host_providers[host]

    def take_baseline(self, host):
        return placement.take_baseline(
            self.providers_client, self.provider_for_host(host), host,
            self.placement_request_microversion)

    def project_usages(self, project_id):
        return self.usages_client.list_usages(
            project_id, microversion=self.placement_request_microversion)[
                'usages']

    # -- servers ----------------------------------------------------------

    def boot_server(self, clients=None, wait_until='ACTIVE', **kwargs):
        """A server with no network, deleted (then awaited) at cleanup."""
        clients = clients or self.os_admin
        server, _ = compute.create_test_server(
            clients, wait_until=wait_until, networks='none', **kwargs)
        # Tempest's order: the wait runs after every delete was sent.
        self.addCleanup(tempest_waiters.wait_for_server_termination,
                        clients.servers_client, server['id'])
        self.addCleanup(test_utils.call_and_ignore_notfound_exc,
                        clients.servers_client.delete_server, server['id'])
        return clients.servers_client.show_server(server['id'])['server']

    def delete_server_and_wait(self, server_id, clients=None):
        servers_client = (clients or self.os_admin).servers_client
        servers_client.delete_server(server_id)
        tempest_waiters.wait_for_server_termination(servers_client,
                                                    server_id)

    # -- Placement checks -------------------------------------------------

    def assert_released(self, consumers, baselines, project_id, context,
                        project_usages_before=None, immediately=False):
        """Consumers empty, providers at baseline, project usage back.

        consumers maps consumer uuid to its role ("server", "migration");
        the project's usage must return to project_usages_before, nothing
        by default (the test's own project). With immediately, each level
        is read once: nova-api's local delete removes the allocations
        before DELETE answers, and polling would let a compute that is
        only forced down (its process alive) heal a leak with its periodic
        resource update and hide it.
        The three levels share one deadline: Placement lags Nova's
        asynchronous work a little, but a leak should not cost three
        timeouts before it is reported.
        """
        deadline = time.monotonic() + (
            0 if immediately else self.wait_timeout)
        version = self.placement_request_microversion

        def remaining():
            return max(0, deadline - time.monotonic())

        host_by_rp = {b.rp_uuid: b.host for b in baselines}
        findings = []
        for consumer_uuid, role in sorted(consumers.items()):
            outcome = placement.wait_consumer_released(
                self.allocations_client, consumer_uuid, remaining(),
                self.wait_interval, version)
            findings.append(placement.consumer_finding(
                consumer_uuid, role, outcome.value, host_by_rp))
        for baseline in baselines:
            outcome = placement.wait_provider_at_baseline(
                self.providers_client, baseline, remaining(),
                self.wait_interval, version)
            if not outcome.done:
                allocations_now = self.providers_client.\
                    list_provider_allocations(baseline.rp_uuid,
                                              version)['allocations']
                findings.append(placement.provider_finding(
                    baseline, outcome.value, allocations_now))
        outcome = placement.wait_project_released(
            self.usages_client, project_id, remaining(),
            self.wait_interval, version, project_usages_before)
        findings.append(placement.project_finding(
            project_id, outcome.value, project_usages_before))
        findings = [finding for finding in findings if finding]
        if findings:
            self.fail(placement.leak_report(findings, context))


# Inherited by every subclass, so no destructive class can forget it; the
# subclasses still say @decorators.serial where a reader looks for it.
@decorators.serial
class DisruptiveTestBase(AllocationTestBase):
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
        # A run killed with SIGKILL could not restore its host; heal it
        # before anything new is disrupted.
        for action in recovery.recover(
                cls.compute_services_client,
                start_command=CONF.allocation.compute_start_command,
                command_timeout=CONF.allocation.command_timeout):
            LOG.warning('Recovery before %s: %s', cls.__name__,
                        action.line())

    def wait_for_resource_tracker(self, host, since_service):
        """Wait until host's periodic resource update ran after since.

        since_service is the service record seen when the compute was
        restored; heartbeats spanning a whole update_resources_interval
        after it prove update_available_resource ran in between.
        """
        interval = CONF.allocation.resource_tracker_interval
        since = heartbeat.parse_updated_at(since_service['updated_at'])
        moment = since + datetime.timedelta(seconds=interval)
        outcome = heartbeat.wait_for_heartbeat_after(
            self.compute_services_client, host, moment,
            self.wait_timeout + interval, self.wait_interval)
        if not outcome.done:
            self.fail('nova-compute on %s did not heartbeat past %s (restore '
                      'at %s + resource_tracker_interval %s s); last seen: '
                      '%s' % (host, moment, since, interval, outcome.value))

    def boot_into_whole_free_capacity(self, host):
        """Boot, on host, a server sized to all Placement says is free."""
        rp_uuid = self.provider_for_host(host)
        version = self.placement_request_microversion
        free = placement.free_capacity(
            self.providers_client.list_inventories(
                rp_uuid, version)['inventories'],
            self.providers_client.list_usages(rp_uuid, version)['usages'])
        flavor = self.create_flavor(ram=free['MEMORY_MB'],
                                    vcpus=free['VCPU'],
                                    disk=free.get('DISK_GB', 0))
        self.lift_compute_quotas()
        server = self.boot_server(host=host, flavor=flavor['id'])
        self.assertEqual(host, server['OS-EXT-SRV-ATTR:host'])
        allocations = self.allocations_client.show_allocations(
            server['id'], version)['allocations']
        self.assertEqual(
            {rp_uuid: placement.flavor_resources(flavor)},
            {rp: a['resources'] for rp, a in allocations.items()})
        return server

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

    def _choose_host(self, services):
        own_projects = {self.os_admin.credentials.project_id,
                        self.os_primary.credentials.project_id}

        def servers_on(host):
            return self.admin_servers_client.list_servers(
                detail=True, all_tenants=True, host=host)['servers']

        host, why_not = hosts.choose_host(
            services, CONF.allocation.disruptable_hosts, servers_on,
            own_projects)
        if host is None:
            raise self.skipException(why_not)
        return host

    def disruptable_host(self):
        """A host this test may hold down, or a skip saying why not."""
        return self._choose_host(self.compute_services())

    def _recheck_host(self, host):
        # Other projects may have booted onto the host since it was chosen.
        self._choose_host([s for s in self.compute_services()
                           if s['host'] == host])

    def disrupted(self, host, stop_process=False):
        """The guard, holding host's nova-compute down while in use."""
        stop_command = start_command = None
        if stop_process:
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
            precheck=self._recheck_host)
