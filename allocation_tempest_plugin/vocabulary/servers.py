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
"""A test's servers: booted, deleted and resized, cleaned up Tempest's way.

MemberServers needs only the primary credentials; AdminServers boots onto
a named host and keeps the ids of what the test created, so that its
consumers are told apart from everyone else's.
"""

from oslo_log import log as logging
from tempest.common import compute
from tempest.common import waiters as tempest_waiters
from tempest import config
from tempest import exceptions as tempest_exceptions
from tempest.lib.common.utils import test_utils

from allocation_tempest_plugin.guard import hosts
from allocation_tempest_plugin.placement_checks import placement
from allocation_tempest_plugin.reads import polling

CONF = config.CONF
LOG = logging.getLogger(__name__)
# What a server's fault says when the scheduler refused every host.
NO_VALID_HOST = 'No valid host was found'
# The trait Nova puts on a disabled compute's provider; the scheduler's
# compute_status_filter asks Placement for providers without it.
DISABLED_TRAIT = 'COMPUTE_STATUS_DISABLED'


class MemberServers(object):
    """Needs os_primary (AllocationTestBase)."""

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

    def delete_server_and_wait(self, server_id, clients=None,
                               in_error=False):
        """Fails when the server is not gone by build_timeout.

        in_error: the server was put in ERROR on purpose (reset_state). It
        reads ERROR until the compute has deleted it, and Tempest's waiter
        takes an ERROR status for a failed delete unless told otherwise; a
        delete that really fails then ends in the waiter's timeout.
        """
        servers_client = (clients or self.os_primary).servers_client
        servers_client.delete_server(server_id)
        tempest_waiters.wait_for_server_termination(
            servers_client, server_id, ignore_error=in_error)

    def skip_unless_resize(self):
        """Skips when the cloud cannot resize to a second flavor."""
        if not CONF.compute_feature_enabled.resize:
            raise self.skipException('[compute-feature-enabled] resize is off')
        if CONF.compute.flavor_ref_alt == CONF.compute.flavor_ref:
            raise self.skipException('resize needs [compute] flavor_ref_alt '
                                     'to differ from flavor_ref')


class AdminServers(object):
    """Needs the admin clients of AdminAllocationTestBase."""

    def setUp(self):
        super(AdminServers, self).setUp()
        # "Own" is what this test created, not its project: with
        # pre-provisioned credentials the admin project holds real servers.
        self.created_server_ids = set()

    def boot_server(self, clients=None, wait_until='ACTIVE',
                    retry_no_valid_host=True, **kwargs):
        """As the member's boot; skips when kwargs['host'] was taken.

        Onto kwargs['host'] when it is given. A host is chosen while it
        reads up and enabled. When a boot onto it fails and the host no
        longer takes servers (another runner holds it, an operator
        disabled it), the test never had its premise: it skips with what
        the host's service says. When the scheduler found no valid host
        but the host takes servers again by the time that is read,
        another runner may have held it for a moment in between (its
        restore already done): the boot is tried once more, and a second
        failure on a host that still takes servers stays a failure. A
        boot whose NoValidHost is itself the verdict (the whole free
        capacity of a host) passes retry_no_valid_host=False: a second
        try a moment later could meet a leak the resource tracker healed
        meanwhile.
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
            self.wait_for_host_schedulable(kwargs['host'])
        return self._boot_once(clients, wait_until, **kwargs)

    @classmethod
    def boot_onto_host(cls, host, boot_once):
        """boot_once() (a boot onto host), tried once more; may skip.

        For the shared setups' boots of many servers in one request. A
        BuildErrorException on a host taken meanwhile is a skip; a
        scheduler that found no valid host on a host that still takes
        servers gets one more try once Nova lets it schedule there
        (wait_for_host_schedulable), as a single boot does; any other
        failure, or a second one, reaches the caller.
        """
        try:
            return boot_once()
        except tempest_exceptions.BuildErrorException as failed:
            taken = hosts.taken_since_chosen(cls.compute_services_client,
                                             host)
            if taken is not None:
                raise cls.skipException(
                    'the boot onto %s failed because the host was taken '
                    'after it was chosen: %s' % (host, taken))
            if NO_VALID_HOST not in str(failed):
                raise
            LOG.warning('Boot onto %s found no valid host although the '
                        'host takes servers now; booting once more: %s',
                        host, failed)
        cls.wait_for_host_schedulable(host)
        return boot_once()

    @classmethod
    def wait_for_host_schedulable(cls, host):
        """Until host's provider drops COMPUTE_STATUS_DISABLED; may fail.

        Nova mirrors a compute service's status in this trait of its
        provider, and the scheduler asks Placement only for providers
        without it. nova-api syncs it by an RPC call to the compute when
        the status changes while the service reads up (API.
        _update_compute_provider_status; a forced-down one is left to its
        restart or periodic task), and the compute's periodic
        update_available_resource syncs it from the status it read when
        it began. A periodic run that read the service disabled can write
        the trait back after the enable removed it (seen on Nova 31: the
        two trait PUTs landed in that order right after a hold), and the
        trait stays although the service reads enabled, until the next
        periodic run syncs it. This waits for that sync (one
        resource-tracker interval at most): the boot's premise, not a
        verdict on allocations. A trait put there from outside Nova is not
        in the compute's cached provider tree and stays until the cache's
        refresh (resource_provider_association_refresh, 300 s by
        default): the wait then fails, naming the trait and the host.
        """
        rp_uuid = cls.provider_for_host(host)

        def traits():
            return cls.providers_client.list_resource_provider_traits(
                rp_uuid)['traits']

        polling.wait_for(
            traits, lambda found: DISABLED_TRAIT not in found,
            CONF.allocation.resource_tracker_interval + cls.wait_timeout,
            cls.wait_interval, '%s to leave the provider %s of %s, whose '
            'service reads enabled' % (DISABLED_TRAIT, rp_uuid, host))

    def _boot_once(self, clients, wait_until, **kwargs):
        """One boot; skips when it failed on a host taken meanwhile."""
        try:
            server = super(AdminServers, self).boot_server(
                clients or self.os_admin, wait_until, **kwargs)
        except tempest_exceptions.BuildErrorException as failed:
            # Still this test's own, whatever Placement holds for it.
            self.created_server_ids.add(failed.server_id)
            if kwargs.get('host'):
                self.skip_if_host_taken(kwargs['host'], 'the boot')
            raise
        self.created_server_ids.add(server['id'])
        self.read_back_migrations(server['id'])
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

    def delete_server_and_wait(self, server_id, clients=None,
                               in_error=False):
        super(AdminServers, self).delete_server_and_wait(
            server_id, clients or self.os_admin, in_error=in_error)

    def resize_to_verify(self, server_id, owned, source):
        """Resize to flavor_ref_alt; fails when Placement did not follow.

        Waits for VERIFY_RESIZE. Placement then holds the old flavor
        under the migration's uuid on the source and the new one under
        the server's on the destination: asserted here, where Nova moves
        them, so that a later delete that frees everything cannot hide a
        resize that never claimed. The snapshot owned tracks the
        migration and reads the destination (the scheduler chose it;
        reading every host instead would cost what the cloud has).
        Returns (migration uuid, destination host).
        """
        self.admin_servers_client.resize_server(server_id,
                                                CONF.compute.flavor_ref_alt)
        tempest_waiters.wait_for_server_status(
            self.admin_servers_client, server_id, 'VERIFY_RESIZE')
        [migration] = self.os_admin.migrations_client.list_migrations(
            instance_uuid=server_id, migration_type='resize')['migrations']
        owned.track(migration['uuid'], 'migration')
        self.note_own_migration(migration['uuid'], server_id)
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
