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
from tempest.lib import decorators

from allocation_tempest_plugin import base
from allocation_tempest_plugin.placement_checks import placement


class MemberUsagesTest(base.AllocationTestBase):
    """What a project member sees of its own usage, no admin anywhere.

    For certification runs that hand Tempest a single member account.
    """

    @decorators.idempotent_id('2fae8b3d-63ea-4f7f-afd8-5c50cc322e88')
    def test_member_usages_follow_boot_and_delete(self):
        """The member's project usage grows by the flavor, then shrinks back.

        Read before the boot, so a pre-provisioned project with servers of
        its own still works. While the server lives the usage is baseline
        + flavor (polled: a claim to appear cannot be healed away). After
        the delete it is the baseline again, read once as soon as the
        server reads 404: the compute frees the allocations before the
        instance row goes, and the resource tracker would heal a leak a
        period later.
        """
        usages_before = self.member_project_usages()
        server = self.boot_server()
        self.wait_member_usages_grown(usages_before, 'usages with the server',
                                      placement.flavor_resources(self.flavor))

        self.delete_server_and_wait(server['id'])
        self.assert_member_usages(usages_before, server['id'])
