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
"""What a host holds that nobody explains: orphans and lost capacity.

A leak leaves allocations behind that no server and no migration in
progress explains (placement_checks/orphans.py). Met while a host is
taken, they fail the first test of the run that meets them and make later
ones skip pointing at it (placement_checks/orphan_registry.py); after a
compute returns, the whole free capacity its inventory leaves must boot there
(placement_checks/capacity.py). Mixed into DisruptiveTestBase
(serial_tests/base.py).
"""

from allocation_tempest_plugin import exceptions
from allocation_tempest_plugin.guard import exclusive
from allocation_tempest_plugin.placement_checks import capacity
from allocation_tempest_plugin.placement_checks import orphans
from allocation_tempest_plugin.placement_checks import placement
from allocation_tempest_plugin.reads import allocations
from allocation_tempest_plugin.reads import services

# How long an allocation that nothing explains may take to go away by
# itself before it is an orphan: Nova deletes some just after the record
# that explained them (orphans.py). Seconds, not a resource-tracker period.
ORPHAN_SETTLE_SECONDS = 5


class HostHoldingChecks(object):
    """Needs the admin clients of AdminAllocationTestBase."""

    @classmethod
    def raise_for_orphans(cls, host, rp_uuid, held, servers, own):
        """OrphanedAllocations if host's provider holds any (orphans.py).

        held: {consumer: resources} on rp_uuid.
        """
        found = cls.find_orphans(host, rp_uuid, held, servers, own)
        if found:
            raise exceptions.OrphanedAllocations(host, found)

    @classmethod
    def find_orphans(cls, host, rp_uuid, held, servers, own):
        """Orphans among held ({consumer: resources}) on rp_uuid."""
        listed = {server['id'] for server in servers}
        return orphans.find(
            host, rp_uuid,
            {consumer: resources for consumer, resources
             in held.items()
             if consumer not in own and consumer not in listed},
            lambda uuid: cls.admin_servers_client.show_server(
                uuid)['server'],
            lambda: cls.os_admin.migrations_client.list_migrations(
                host=host)['migrations'],
            lambda uuid: allocations.project_of(cls.allocations_client,
                                                uuid),
            still_held=lambda: cls.provider_allocations(rp_uuid),
            settle=ORPHAN_SETTLE_SECONDS, interval=cls.wait_interval)

    def fail_once_for_orphans(self, found):
        """Fail for orphans no test of this run failed for yet; else skip.

        A leak is a finding, not a reason to skip: the first test to meet
        it fails naming each orphan, later ones skip pointing at it.
        """
        first, message = self.orphan_verdict(found, self.id())
        if first:
            self.fail(message)
        raise self.skipException(message)

    @classmethod
    def orphan_verdict(cls, found, test_id):
        """(True, failure) if test_id is the first to meet found; else a skip.

        Records found under test_id either way
        (placement_checks/orphan_registry.py).
        """
        registry = cls.leak_registry()
        consumers = [orphan.consumer for orphan in found.orphans]
        already = registry.reported(consumers)
        registry.record(consumers, test_id, found.host)
        if set(already) != set(consumers):
            return True, str(found)
        return False, (
            'cannot hold %s: it holds orphaned allocations that this run '
            'already failed for (%s)' % (found.host, '; '.join(
                '%s in %s' % item for item in sorted(already.items()))))

    def assert_whole_free_capacity_boots(self, host):
        """Fails unless a server sized to host's whole free capacity boots.

        Sized to all Placement says is free, on host. Fails too when the
        host's provider holds orphans (they would be sized around); skips
        when other tests' servers kept arriving on it meanwhile (the host
        is no longer held): those are told apart from a refusal
        (placement_checks/capacity.py).
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
            # No second try: NoValidHost here is the leak's symptom.
            server = self.boot_server(host=host, flavor=flavor['id'],
                                      retry_no_valid_host=False)
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
                services.show(self.compute_services_client, host))
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

    @classmethod
    def provider_allocations(cls, rp_uuid):
        """{consumer: resources} on the provider rp_uuid."""
        return allocations.on_provider(cls.providers_client, rp_uuid)

    def describe_consumers(self, held):
        """Each consumer of held with its resources and project."""
        described = []
        for consumer in sorted(held):
            project = allocations.project_of(self.allocations_client,
                                             consumer) or '(gone)'
            described.append('%s (project %s): %s' % (
                consumer, project, placement.format_amounts(held[consumer])))
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
