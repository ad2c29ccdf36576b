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
"""Placement read at three levels, and the verdicts a test gives on it.

A snapshot taken before the test's server exists owns the comparison
(placement_checks/snapshot.py); these helpers take it, read it once at
the moment Nova promises the outcome, and turn what they find into the
test's verdict: a pass, a failure naming each leak, or, for a known Nova
defect, an expected failure (placement_checks/known_defects.py).
"""

from oslo_log import log as logging
from tempest import config

from allocation_tempest_plugin.placement_checks import known_defects
from allocation_tempest_plugin.placement_checks import orphan_registry
from allocation_tempest_plugin.placement_checks import placement
from allocation_tempest_plugin.placement_checks import snapshot
from allocation_tempest_plugin.reads import allocations

CONF = config.CONF
LOG = logging.getLogger(__name__)

# The verdict on anything held once a normally deleted server reads 404:
# the compute frees its allocations before it destroys the instance row.
COMPUTE_DELETE_LEAK = (
    'still held after server %s was gone: the compute-side delete did not '
    'free them (nova/compute/manager.py ComputeManager._complete_deletion '
    'frees them before the instance row is destroyed; the resource '
    'tracker would hide this a period later)')


class PlacementVerdicts(object):
    """Needs the admin Placement clients of AdminAllocationTestBase."""

    def placement_snapshot(self, *hosts_used):
        """Placement now on hosts_used and the test's projects; may fail.

        Fails when a host has no provider (provider_for_host). Take it
        before the test's server exists; check it with
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
        """Fails when needs are not met, unless listed defect name explains it.

        See placement_checks/known_defects.py: a listed defect that
        reproduces as described is a testtools expected failure (xfail),
        with its description in the result; one that no longer reproduces
        fails asking to unlist it.
        """
        verdict = known_defects.judge(
            name, name in CONF.allocation.known_nova_defects, needs_met,
            reproduces, report)
        # The leftovers are this verdict's now, not the cleanup's
        # (unjudged_leftovers.py).
        self.known_defect_judged = True
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
