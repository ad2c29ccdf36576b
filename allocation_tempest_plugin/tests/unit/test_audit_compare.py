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

import testtools

from allocation_tempest_plugin.audit import compare
from allocation_tempest_plugin.audit import flavors
from allocation_tempest_plugin.audit import report
from allocation_tempest_plugin.audit import snapshot
from allocation_tempest_plugin.tests.unit import audit_fakes

SMALL = audit_fakes.flavor('m1.small', vcpus=1, ram=128, disk=1)
LARGE = audit_fakes.flavor('m1.large', vcpus=2, ram=256, disk=2)


class CompareTest(testtools.TestCase):
    """Each kind of finding, made the way Nova would leave it."""

    def setUp(self):
        super(CompareTest, self).setUp()
        self.cloud = audit_fakes.FakeCloud()
        self.node1 = self.cloud.add_provider('node1')
        self.node2 = self.cloud.add_provider('node2')
        self.project = self.cloud.add_project('tempest-LeakTest-1234')
        # Someone else's server, there all along.
        self.other = self.cloud.boot('node1', self.cloud.add_project('demo'))
        self.before = snapshot.take(self.cloud.clients)

    def _compare(self):
        return compare.compare(self.before,
                               snapshot.take(self.cloud.clients))

    def _only(self, result, kind):
        self.assertEqual([kind], [f['kind'] for f in result['findings']],
                         '\n'.join(report.render(result)))
        return result['findings'][0]

    def test_clean_run(self):
        server = self.cloud.boot('node1', self.project)
        self.cloud.delete_server(server)
        result = self._compare()
        self.assertEqual([], result['findings'])
        self.assertEqual({}, result['providers'])
        self.assertIn('clean: no allocation problem appeared',
                      report.render(result)[-1])

    def test_orphan_of_a_deleted_server(self):
        server = self.cloud.boot('node1', self.project,
                                 audit_fakes.flavor(vcpus=2, ram=256))
        self.cloud.delete_server(server, free=False)
        result = self._compare()
        finding = self._only(result, compare.ORPHAN)
        self.assertEqual(server, finding['consumer'])
        self.assertEqual({'uuid': self.node1, 'name': 'node1'},
                         finding['provider'])
        self.assertEqual(self.project, finding['project_id'])
        self.assertEqual({'VCPU': 2, 'MEMORY_MB': 256, 'DISK_GB': 1},
                         finding['resources'])
        self.assertEqual('openstack resource provider allocation show %s'
                         % server, finding['command'])
        self.assertEqual([['DISK_GB', 1, 2], ['MEMORY_MB', 128, 384],
                          ['VCPU', 1, 3]],
                         result['providers'][self.node1]['changes'])
        text = '\n'.join(report.render(result))
        self.assertIn('provider %s (node1): usage DISK_GB 1 -> 2'
                      % self.node1, text)
        self.assertIn('see: openstack resource provider allocation show %s'
                      % server, text)

    def test_orphan_of_a_server_that_lives_elsewhere(self):
        server = self.cloud.boot('node2', self.project)
        self.cloud.allocate(server, self.project, self.node1,
                            audit_fakes.claim(SMALL))
        finding = self._only(self._compare(), compare.ORPHAN)
        self.assertEqual(self.node1, finding['provider']['uuid'])
        self.assertIn('lives on node node2', finding['reason'])

    def test_migration_in_progress_holds_the_source(self):
        server = self.cloud.boot('node1', self.project, SMALL)
        self.cloud.migrate(server, 'node2', status='finished',
                           new_flavor=LARGE)
        self.assertEqual([], self._compare()['findings'])

    def test_migration_left_holding_after_confirm_is_an_orphan(self):
        server = self.cloud.boot('node1', self.project, SMALL)
        migration = self.cloud.migrate(server, 'node2', new_flavor=LARGE)
        self.cloud.finish_migration(migration, 'confirmed', free=False)
        finding = self._only(self._compare(), compare.ORPHAN)
        self.assertEqual(migration, finding['consumer'])
        self.assertEqual(self.node1, finding['provider']['uuid'])

    def test_same_host_resize_doubles_usage_legitimately(self):
        # Bug 1790204: by design while the resize waits to be confirmed.
        server = self.cloud.boot('node1', self.project, SMALL)
        self.cloud.migrate(server, 'node1', new_flavor=LARGE)
        self.assertEqual([], self._compare()['findings'])

    def test_evacuation_holds_both_nodes_until_the_source_returns(self):
        server = self.cloud.boot('node1', self.project, SMALL)
        self.cloud.migrate(server, 'node2', status='done',
                           migration_type='evacuation')
        self.assertEqual([], self._compare()['findings'])

    def test_doubled_allocation(self):
        server = self.cloud.boot('node1', self.project, SMALL)
        self.cloud.allocate(server, self.project, self.node1,
                            {'VCPU': 2, 'MEMORY_MB': 256, 'DISK_GB': 2})
        finding = self._only(self._compare(), compare.WRONG_SIZE)
        self.assertIn('doubled', finding['reason'])
        self.assertEqual(audit_fakes.claim(SMALL), finding['expected'])
        self.assertEqual(self.node1, finding['provider']['uuid'])

    def test_old_flavor_after_resize(self):
        server = self.cloud.boot('node1', self.project, SMALL)
        self.before = snapshot.take(self.cloud.clients)
        # Resized and confirmed, Placement never told.
        self.cloud.servers[server]['flavor'] = dict(LARGE)
        finding = self._only(self._compare(), compare.WRONG_SIZE)
        self.assertIn('holds its old flavor m1.small', finding['reason'])
        self.assertEqual('m1.large', finding['flavor'])

    def test_missing_allocations_of_a_live_server(self):
        server = self.cloud.boot('node1', self.project)
        self.before = snapshot.take(self.cloud.clients)
        self.cloud.free(server)
        finding = self._only(self._compare(), compare.MISSING)
        self.assertIn('vanished', finding['reason'])
        self.assertEqual(self.node1, finding['provider']['uuid'])
        self.assertEqual(self.project, finding['project_id'])

    def test_new_server_placed_without_allocations(self):
        self.cloud.boot('node2', self.project, allocate=False)
        finding = self._only(self._compare(), compare.MISSING)
        self.assertIn('holds nothing there', finding['reason'])

    def test_problems_already_there_before_are_context(self):
        leaked = self.cloud.boot('node1', self.project)
        self.cloud.delete_server(leaked, free=False)
        self.before = snapshot.take(self.cloud.clients)
        result = self._compare()
        self.assertEqual([], result['findings'])
        self.assertEqual([leaked],
                         [f['consumer'] for f in result['preexisting']])
        self.assertIn('already there before the run',
                      '\n'.join(report.render(result)))

    def test_a_server_deleted_during_the_run_leaving_its_allocation(self):
        # Existed before (legitimately), deleted, allocation kept: the
        # local-delete leak this plugin is about.
        finding = None
        self.cloud.delete_server(self.other, free=False)
        finding = self._only(self._compare(), compare.ORPHAN)
        self.assertEqual(self.other, finding['consumer'])

    def test_what_holds_nothing_is_not_missing(self):
        self.cloud.boot('node1', self.project, status='SHELVED_OFFLOADED',
                        allocate=False)
        self.cloud.boot(None, self.project, status='ERROR', allocate=False)
        self.assertEqual([], self._compare()['findings'])

    def test_servers_in_a_task_are_not_checked(self):
        server = self.cloud.boot('node1', self.project, task_state='deleting',
                                 allocate=False)
        result = self._compare()
        self.assertEqual([], result['findings'])
        self.assertEqual([server], result['unchecked'])

    def test_volume_backed_server_claims_no_root_disk(self):
        self.cloud.boot('node1', self.project, LARGE, volume_backed=True)
        self.assertEqual([], self._compare()['findings'])

    def test_allocation_on_a_nested_provider_of_the_node(self):
        child = self.cloud.add_provider('node1:pf1', parent=self.node1)
        server = self.cloud.boot('node1', self.project)
        self.cloud.allocate(server, self.project, child,
                            {'NET_BW_EGR_KILOBIT_PER_SEC': 1000})
        self.assertEqual([], self._compare()['findings'])

    def test_refuses_an_unknown_snapshot_format(self):
        self.before['format'] = 99
        self.assertRaises(ValueError, self._compare)


class FlavorResourcesTest(testtools.TestCase):

    def test_swap_and_ephemeral_count_as_disk(self):
        self.assertEqual({'VCPU': 1, 'MEMORY_MB': 64, 'DISK_GB': 4},
                         flavors.expected_resources(audit_fakes.flavor(
                             vcpus=1, ram=64, disk=1, ephemeral=2,
                             swap=513), volume_backed=False))

    def test_resources_extra_specs_win(self):
        # An Ironic flavor: the custom class, the standard ones zeroed.
        baremetal = audit_fakes.flavor(extra_specs={
            'resources:CUSTOM_BAREMETAL_GOLD': '1', 'resources:VCPU': '0',
            'resources:MEMORY_MB': '0', 'resources:DISK_GB': '0'})
        self.assertEqual({'CUSTOM_BAREMETAL_GOLD': 1},
                         flavors.expected_resources(baremetal, False))

    def test_dedicated_cpus_may_be_claimed_either_way(self):
        pinned = audit_fakes.flavor(vcpus=2,
                                    extra_specs={'hw:cpu_policy':
                                                 'dedicated'})
        expected = flavors.expected_resources(pinned, False)
        self.assertEqual(2, expected['PCPU'])
        self.assertTrue(flavors.matches(
            {'VCPU': 2, 'MEMORY_MB': 128, 'DISK_GB': 1}, expected))
        self.assertFalse(flavors.matches(
            {'PCPU': 4, 'MEMORY_MB': 128, 'DISK_GB': 1}, expected))
