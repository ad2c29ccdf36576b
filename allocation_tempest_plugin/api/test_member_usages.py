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

from tempest.api.compute import base
from tempest.common import compute
from tempest.common import waiters as tempest_waiters
from tempest import config
from tempest.lib.common.utils import test_utils
from tempest.lib import decorators
from tempest.lib import exceptions as lib_exc

from allocation_tempest_plugin.common import placement
from allocation_tempest_plugin.common import waiters
from allocation_tempest_plugin import plugin

CONF = config.CONF


class MemberUsagesTest(base.BaseV2ComputeTest):
    """What a project member sees of its own usage, no admin anywhere.

    For certification runs that hand Tempest a single member account.
    """

    credentials = ['primary']
    # 2.37: "networks": "none"; no admin, so no host targeting.
    min_microversion = '2.37'
    # 1.9: GET /usages?project_id=.
    placement_min_microversion = '1.9'

    @classmethod
    def setup_clients(cls):
        super(MemberUsagesTest, cls).setup_clients()
        cls.member_usages_client = getattr(
            cls.os_primary, plugin.PLACEMENT_CLIENTS).UsagesClient()

    def _project_usages(self):
        try:
            return self.member_usages_client.list_usages(
                self.os_primary.credentials.project_id,
                microversion='1.9')['usages']
        except lib_exc.Forbidden:
            raise self.skipException(
                'Placement policy does not let a project member read its '
                'own usages (placement:usages)')

    def _wait_usages(self, expected):
        outcome = waiters.wait_for(
            self._project_usages,
            lambda usages: not placement.usage_diff(expected, usages),
            CONF.allocation.placement_timeout or CONF.compute.build_timeout,
            CONF.allocation.poll_interval or CONF.compute.build_interval)
        return outcome

    @decorators.idempotent_id('2fae8b3d-63ea-4f7f-afd8-5c50cc322e88')
    def test_member_usages_follow_boot_and_delete(self):
        """The member's project usage grows by the flavor, then shrinks back.

        Read before the boot, so a pre-provisioned project with servers of
        its own still works: usage is baseline + flavor while the server
        lives and the baseline again once it is deleted.
        """
        usages_before = self._project_usages()
        flavor = self.flavors_client.show_flavor(
            CONF.compute.flavor_ref)['flavor']
        server, _ = compute.create_test_server(
            self.os_primary, wait_until='ACTIVE', networks='none')
        self.addCleanup(tempest_waiters.wait_for_server_termination,
                        self.servers_client, server['id'])
        self.addCleanup(test_utils.call_and_ignore_notfound_exc,
                        self.servers_client.delete_server, server['id'])

        expected = dict(usages_before)
        for rc, amount in placement.flavor_resources(flavor).items():
            expected[rc] = expected.get(rc, 0) + amount
        outcome = self._wait_usages(expected)
        self.assertTrue(outcome.done, 'usages with the server: expected %s, '
                        'saw %s' % (expected, outcome.value))

        self.servers_client.delete_server(server['id'])
        tempest_waiters.wait_for_server_termination(self.servers_client,
                                                    server['id'])
        outcome = self._wait_usages(usages_before)
        self.assertTrue(outcome.done, 'usages after delete: expected %s '
                        '(before boot), saw %s; see: openstack resource '
                        'usage show %s' % (
                            usages_before, outcome.value,
                            self.os_primary.credentials.project_id))
