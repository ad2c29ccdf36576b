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
"""What a project member sees of its own usage in Placement.

With one member's credentials and nothing else (a certification run):
Placement's policy may refuse a member its usage, or its catalog may
offer no Placement endpoint; either is a skip, not a finding.
"""

from tempest.lib import exceptions as lib_exc

from allocation_tempest_plugin.placement_checks import placement
from allocation_tempest_plugin.reads import allocations
from allocation_tempest_plugin.reads import polling
from allocation_tempest_plugin.vocabulary import verdicts


class MemberUsages(object):
    """Needs member_usages_client and the waits of AllocationTestBase."""

    def member_project_usages(self):
        """The member's own project usage; skips when it is not offered.

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
        """Poll the member's usage for expected; fails when time runs out.

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

    def wait_member_usages_grown(self, usages_before, what, *resources):
        """Poll for usages_before plus resources; fails when time runs out.

        Polled, not read once: a claim to appear cannot be healed away.
        """
        self.wait_member_usages(
            placement.add_resources(usages_before, *resources), what)

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
                verdicts.COMPUTE_DELETE_LEAK % deleted_server_id,
                self.os_primary.credentials.project_id))
