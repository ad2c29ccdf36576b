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
from tempest.common import waiters as tempest_waiters
from tempest import config
from tempest.lib import decorators

from allocation_tempest_plugin import base
from allocation_tempest_plugin.placement_checks import placement

CONF = config.CONF

# GET /limits totals and the Placement resource class each one counts when
# Nova's [quota] count_usage_from_placement is on. Instances have no
# resource class: Nova counts them from its instance mappings.
LIMITS_TO_PLACEMENT = (('totalCoresUsed', 'VCPU'),
                       ('totalRAMUsed', 'MEMORY_MB'))


def limits_totals(absolute):
    """The usage totals of GET /limits "absolute" that follow a server."""
    return {name: absolute[name] for name in
            ('totalCoresUsed', 'totalRAMUsed', 'totalInstancesUsed')}


def totals_delta(before, after):
    return {name: after[name] - before[name] for name in before}


class MemberQuotaUsageTest(base.AllocationTestBase):
    """A member's own quota usage, in Placement and Nova, follows its server.

    Certification runs give Tempest one member account and nothing else:
    every call here is one a project member may make on its own project.
    Nova counts quota usage either from its databases or, with
    ``[quota] count_usage_from_placement``, cores and RAM from Placement;
    the API does not say which, so the tests compare what must hold either
    way: how much each total changes while the test's own server lives.
    """

    def nova_totals(self):
        return limits_totals(
            self.limits_client.show_limits()['limits']['absolute'])

    def assert_totals_delta(self, expected, before, what):
        after = self.nova_totals()
        self.assertEqual(
            expected, totals_delta(before, after),
            '%s: GET /limits totals went from %s to %s; see: openstack '
            'limits show --absolute --project %s' % (
                what, before, after, self.os_primary.credentials.project_id))

    @staticmethod
    def totals_grown_by(flavor_resources):
        """How much each GET /limits total grows with one server of flavor.

        Cores and RAM by what Placement's usage of the project grows by,
        class by class; instances by one.
        """
        expected = {name: flavor_resources[rc]
                    for name, rc in LIMITS_TO_PLACEMENT}
        expected['totalInstancesUsed'] = 1
        return expected

    def require_resize_flavors(self):
        """(old, new) flavor resources of a resize; skips without resize.

        Old is flavor_ref's, new [compute] flavor_ref_alt's.
        """
        self.skip_unless_resize()
        return (placement.flavor_resources(self.flavor),
                placement.flavor_resources(self.flavors_client.show_flavor(
                    CONF.compute.flavor_ref_alt)['flavor']))

    def resize_to_verify_as_member(self, server_id):
        """Resize to flavor_ref_alt, as the member; wait for VERIFY_RESIZE."""
        self.servers_client.resize_server(server_id,
                                          CONF.compute.flavor_ref_alt)
        tempest_waiters.wait_for_server_status(
            self.servers_client, server_id, 'VERIFY_RESIZE')

    def confirm_resize_as_member(self, server_id):
        """Confirm the resize, as the member; wait for ACTIVE."""
        self.servers_client.confirm_resize_server(server_id)
        tempest_waiters.wait_for_server_status(
            self.servers_client, server_id, 'ACTIVE')

    @decorators.idempotent_id('b15e4dbf-1dee-4af5-a715-af1e4093c630')
    def test_limits_totals_follow_placement(self):
        """Nova's GET /limits totals move with Placement, by one flavor.

        While the server lives, totalCoresUsed and totalRAMUsed grow by
        exactly what Placement's usage of the project grew by in VCPU and
        MEMORY_MB (which is the flavor), and totalInstancesUsed by one;
        after the delete all three are back where they were (Placement
        read once at the 404, before a resource tracker could heal). This holds
        whether or not Nova counts quota usage from Placement: with it, a
        leaked allocation would show up here as quota a member cannot get
        back.
        """
        usages_before = self.member_project_usages()
        totals_before = self.nova_totals()
        flavor_resources = placement.flavor_resources(self.flavor)

        server = self.boot_server()
        self.wait_member_usages_grown(usages_before, 'usages with the server',
                                      flavor_resources)
        expected = self.totals_grown_by(flavor_resources)
        self.assert_totals_delta(expected, totals_before,
                                 'with server %s' % server['id'])

        self.delete_server_and_wait(server['id'])
        self.assert_member_usages(usages_before, server['id'])
        self.assert_totals_delta(dict.fromkeys(expected, 0), totals_before,
                                 'after deleting server %s' % server['id'])

    @decorators.idempotent_id('ebf9c3c3-94c9-486f-a87c-91c6f783b732')
    def test_member_usages_follow_resize(self):
        """A resize moves the project's usage from one flavor to the other.

        At VERIFY_RESIZE Placement holds both flavors for the project: the
        new one under the server on the destination and the old one under
        the migration on the source (Nova's design, also on one host, bug
        1790204). Once the member confirms, only the new flavor is left;
        after the delete, nothing of the server's (read once at the 404:
        the resource tracker would heal a leaked server allocation a
        period later; migration consumers it never heals, so the
        confirm's release may be polled).
        """
        old_resources, new_resources = self.require_resize_flavors()
        usages_before = self.member_project_usages()
        server = self.boot_server()
        self.wait_member_usages_grown(usages_before, 'usages with the server',
                                      old_resources)
        self.resize_to_verify_as_member(server['id'])
        self.wait_member_usages_grown(
            usages_before, 'usages at VERIFY_RESIZE (old and new flavor)',
            old_resources, new_resources)
        self.confirm_resize_as_member(server['id'])
        self.wait_member_usages_grown(usages_before, 'usages after the '
                                      'resize was confirmed', new_resources)

        self.delete_server_and_wait(server['id'])
        self.assert_member_usages(usages_before, server['id'])
