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

from allocation_tempest_plugin.fakes.fakecloud import clients as fakeclients
from allocation_tempest_plugin.fakes.fakecloud import placement as \
    fake_placement
from allocation_tempest_plugin.placement_checks import placement
from allocation_tempest_plugin.placement_checks import snapshot

RP = '4e8e5957-649f-477b-9e5b-f1f75b21c03c'
RP_B = 'b0b0b0b0-0000-4000-8000-000000000000'
OTHER_RP = 'a3f1f6c0-5d9e-4c1e-8d8f-6c2b0e9f7a15'
SERVER = '7d9a1e58-2a5c-4b35-9b0f-1b3c6f0e2a11'


class UsageDiffTest(testtools.TestCase):

    def test_equal(self):
        self.assertEqual([], placement.usage_diff({'VCPU': 1}, {'VCPU': 1}))

    def test_missing_class_counts_as_zero(self):
        self.assertEqual([], placement.usage_diff({'VCPU': 0}, {}))
        self.assertEqual([('MEMORY_MB', 0, 128), ('VCPU', 2, 3)],
                         placement.usage_diff({'VCPU': 2},
                                              {'VCPU': 3, 'MEMORY_MB': 128}))


class ArrivedTest(testtools.TestCase):

    def test_only_new_consumers_that_are_not_own(self):
        before = {'kept': {'VCPU': 1}}
        after = {'kept': {'VCPU': 1}, 'own-failed': {'VCPU': 4},
                 'other': {'VCPU': 1, 'MEMORY_MB': 64}}
        self.assertEqual({'other': {'VCPU': 1, 'MEMORY_MB': 64}},
                         placement.arrived(before, after, {'own-failed'}))

    def test_departures_are_not_arrivals(self):
        self.assertEqual({}, placement.arrived({'gone': {'VCPU': 1}}, {}))


class FlavorResourcesTest(testtools.TestCase):

    def test_plain_flavor(self):
        self.assertEqual({'VCPU': 1, 'MEMORY_MB': 128, 'DISK_GB': 1},
                         placement.flavor_resources(
                             {'vcpus': 1, 'ram': 128, 'disk': 1}))

    def test_ephemeral_and_swap_round_up(self):
        self.assertEqual({'VCPU': 2, 'MEMORY_MB': 256, 'DISK_GB': 4},
                         placement.flavor_resources(
                             {'vcpus': 2, 'ram': 256, 'disk': 1,
                              'OS-FLV-EXT-DATA:ephemeral': 2, 'swap': 100}))

    def test_diskless_flavor(self):
        self.assertEqual({'VCPU': 1, 'MEMORY_MB': 64},
                         placement.flavor_resources(
                             {'vcpus': 1, 'ram': 64, 'disk': 0, 'swap': ''}))


class FakePlacement(fakeclients.PlacementClient):
    """The fake Placement holding providers, written to as these tests say.

    Every consumer's user is "user".
    """

    def __init__(self, *providers):
        super(FakePlacement, self).__init__(fake_placement.Placement())
        for rp in providers:
            self.placement.add_provider(rp, 'node-%s' % rp[:8])

    @property
    def reads(self):
        return self.placement.reads

    def allocate(self, consumer, project, rp, **resources):
        self.placement.allocate(consumer, rp, resources, project, 'user')

    def free(self, consumer):
        self.placement.free(consumer)


FOREIGN = 'a8d2e3c5-5b54-4d35-8f7e-0f7c1c7b0c11'
MIGRATION = '0c6a63e2-0f3b-4a7a-9a53-a1d1b9b2d1a4'


class SnapshotTest(testtools.TestCase):

    def setUp(self):
        super(SnapshotTest, self).setUp()
        # Placement answers 404 for a provider it does not have: the
        # compute nodes these tests name exist.
        self.placement = FakePlacement(RP, RP_B, OTHER_RP)
        self.owned = snapshot.PlacementSnapshot(
            self.placement, self.placement, self.placement,
            owner='LocalDeleteTest.test_x', project_ids=['proj'])

    def _boot(self, consumer=SERVER, project='proj', rp=RP):
        self.placement.allocate(consumer, project, rp, VCPU=1, MEMORY_MB=128)

    def test_clean_after_the_server_is_gone(self):
        self.owned.capture({RP: 'compute1'})
        self._boot()
        self.owned.track(SERVER)
        self.placement.free(SERVER)
        self.assertEqual([], self.owned.leaks())

    def test_leak_is_reported_at_three_levels_with_owner(self):
        self.owned.capture({RP: 'compute1'})
        self._boot()
        self.owned.track(SERVER)
        findings = self.owned.leaks()
        self.assertEqual(['consumer', 'provider', 'project'],
                         [f.level for f in findings])
        report = self.owned.report(findings, 'local delete')
        for expected in [
                'local delete; test LocalDeleteTest.test_x',
                '[consumer] server %s still has allocations' % SERVER,
                'owned by project proj, user user',
                'provider %s (compute1): MEMORY_MB=128, VCPU=1' % RP,
                'openstack resource provider allocation show %s' % SERVER,
                '[provider] provider %s (host compute1)' % RP,
                'MEMORY_MB                     0        128       +128',
                'VCPU                          0          1         +1',
                'consumer %s (project proj): (none) -> MEMORY_MB=128, '
                'VCPU=1' % SERVER,
                'openstack resource provider usage show %s' % RP,
                'openstack resource provider show --allocations %s' % RP,
                '[project] project proj usage is not back',
                'openstack resource usage show proj']:
            self.assertIn(expected, report)

    def test_other_tests_server_going_away_is_not_a_leak(self):
        # The false failure of issue 11: another worker's server was on
        # the provider at baseline and went away meanwhile.
        self._boot(FOREIGN, 'other')
        self.owned.capture({RP: 'compute1'})
        self._boot()
        self.owned.track(SERVER)
        self.placement.free(FOREIGN)
        self.placement.free(SERVER)
        self.assertEqual([], self.owned.leaks())

    def test_other_tests_new_server_is_context_on_a_shared_host(self):
        self.owned.capture({RP: 'compute1'})
        self._boot()
        self.owned.track(SERVER)
        self._boot(FOREIGN, 'other')
        self.placement.free(SERVER)
        self.assertEqual([], self.owned.leaks())
        # ...but when the test also leaks, it is shown as context.
        self._boot(MIGRATION, 'proj')
        findings = self.owned.leaks()
        report = self.owned.report(findings, 'x')
        self.assertIn('consumer %s (project proj)' % MIGRATION, report)
        self.assertIn('context, not this test\'s: consumer %s (project '
                      'other)' % FOREIGN, report)

    def test_anything_new_counts_on_a_held_host(self):
        self.owned.capture({RP: 'compute1'})
        self.owned.hold_exclusively(RP)
        self._boot(FOREIGN, 'other')
        [finding] = self.owned.leaks()
        self.assertIn('held exclusively', finding.subject)
        self.owned.release_hold(RP)
        self.assertEqual([], self.owned.leaks())

    def test_untracked_consumer_of_the_test_project_is_a_leak(self):
        # e.g. the migration record of a resize the test started.
        self.owned.capture({RP: 'compute1'})
        self._boot(MIGRATION)
        levels = [f.level for f in self.owned.leaks()]
        self.assertEqual(['provider', 'project'], levels)

    def test_own_live_server_that_grew_is_a_leak(self):
        self._boot()
        self.owned.capture({RP: 'compute1'})
        self.placement.allocate(SERVER, 'proj', RP, VCPU=2, MEMORY_MB=128)
        self.assertEqual(['provider', 'project'],
                         [f.level for f in self.owned.leaks()])

    def test_kept_server_that_lost_its_allocations_is_a_leak(self):
        self._boot()
        self.owned.capture({RP: 'compute1'})
        self.owned.keep(SERVER)
        self.assertEqual([], self.owned.leaks())
        self.placement.free(SERVER)
        self.assertEqual(['consumer', 'provider', 'project'],
                         [f.level for f in self.owned.leaks()])

    def test_server_expected_to_live_on_elsewhere(self):
        # An evacuated server: on the destination only, counted once.
        rp_b = RP_B
        self.owned.capture({RP: 'compute1', rp_b: 'compute2'})
        self._boot(rp=rp_b)
        self.owned.expect(SERVER, {rp_b: {'VCPU': 1, 'MEMORY_MB': 128}})
        self.assertEqual([], self.owned.leaks())
        self._boot()   # still on the source too: a leak at every level
        self.assertEqual(['consumer', 'provider', 'project'],
                         [f.level for f in self.owned.leaks()])

    def test_shared_project_is_not_compared(self):
        owned = snapshot.PlacementSnapshot(
            self.placement, self.placement, self.placement, owner='t',
            project_ids=['proj'], compare_projects=False)
        owned.capture({})
        self._boot()
        self.assertEqual([], owned.leaks())

    def test_leftovers_released_after_the_verdict(self):
        self._boot()
        self.owned.capture({RP: 'compute1'})
        self.owned.keep(SERVER)   # alive: never released
        self._boot(MIGRATION)
        self.owned.track(MIGRATION, 'migration')
        [line] = self.owned.release_leftovers()
        self.assertIn('migration %s' % MIGRATION, line)
        self.assertEqual({}, self.placement.list_allocations(
            MIGRATION)['allocations'])
        self.assertNotEqual({}, self.placement.list_allocations(
            SERVER)['allocations'])

    def test_leaks_reads_once(self):
        self.owned.capture({RP: 'compute1'})
        self._boot()
        self.owned.track(SERVER)
        reads = self.placement.reads
        findings = self.owned.leaks()
        self.assertEqual(3, len(findings))
        # consumer (which also names its project), provider, project.
        self.assertEqual(reads + 3, self.placement.reads)
        # The leaked consumer is named for the run's leak registry.
        self.assertEqual([[SERVER], [SERVER], []],
                         [f.consumers for f in findings])

    def test_consumer_vanishing_from_a_held_host_is_a_finding(self):
        # A local delete that freed more than its own server: the
        # neighbour's allocation was there when the host was taken.
        self._boot(FOREIGN, 'other')
        self.owned.capture({RP: 'compute1'})
        self._boot()
        self.owned.track(SERVER)
        self.owned.hold_exclusively(RP)
        self.placement.free(SERVER)
        self.placement.free(FOREIGN)
        [finding] = self.owned.leaks()
        self.assertEqual('provider', finding.level)
        self.assertIn('consumer %s (project ?): MEMORY_MB=128, VCPU=1 '
                      '-> (none)' % FOREIGN, '\n'.join(finding.lines))

    def test_consumer_gone_before_the_hold_is_not_a_finding(self):
        # Another test's server left between the baseline and the hold.
        self._boot(FOREIGN, 'other')
        self.owned.capture({RP: 'compute1'})
        self.placement.free(FOREIGN)
        self._boot()
        self.owned.track(SERVER)
        self.owned.hold_exclusively(RP)
        self.placement.free(SERVER)
        self.assertEqual([], self.owned.leaks())

    def _shared_hold_step(self):
        """Two live servers on a held host; the delete of one is judged."""
        self._boot()
        self._boot(MIGRATION)
        self.owned.capture({RP: 'compute1'})
        self.owned.hold_exclusively(RP)
        self.owned.expect_gone(SERVER)
        self.owned.keep(MIGRATION)

    def test_live_server_deleted_after_capture_frees_its_project(self):
        # The shared hold's snapshot is read while the server exists: its
        # project must then use exactly its flavor less.
        self._shared_hold_step()
        self.placement.free(SERVER)
        self.assertEqual([], self.owned.leaks())

    def test_live_server_deleted_after_capture_that_leaks(self):
        self._shared_hold_step()
        levels = sorted(finding.level for finding in self.owned.leaks())
        self.assertEqual(['consumer', 'project', 'provider'], levels)

    def test_neighbour_freed_with_the_deleted_server_is_a_leak(self):
        self._shared_hold_step()
        self.placement.free(SERVER)
        self.placement.free(MIGRATION)
        self.assertIn(MIGRATION, '\n'.join(
            line for finding in self.owned.leaks()
            for line in finding.lines))

    def _held_from_capture(self, owned=None):
        """_shared_hold_step as the shared hold takes it: one read."""
        owned = owned or self.owned
        self._boot()
        self._boot(MIGRATION)
        reads = self.placement.reads
        owned.capture({RP: 'compute1'}, held=[RP])
        # The provider once, the project once: held from the same read.
        self.assertEqual(reads + 2, self.placement.reads)
        owned.expect_gone(SERVER, project_id='proj')
        owned.keep(MIGRATION, project_id='proj')
        return owned

    def test_neighbour_on_a_held_host_costs_no_read_of_its_own(self):
        self._held_from_capture()
        self.placement.free(SERVER)
        reads = self.placement.reads
        self.assertEqual([], self.owned.leaks())
        # The deleted server, the provider, the project: not the neighbour.
        self.assertEqual(reads + 3, self.placement.reads)

    def test_neighbour_stripped_on_a_held_host_is_named(self):
        self._held_from_capture()
        self.placement.free(SERVER)
        self.placement.free(MIGRATION)
        findings = self.owned.leaks()
        self.assertEqual(['project', 'provider'],
                         sorted(finding.level for finding in findings))
        self.assertIn('consumer %s (project proj): MEMORY_MB=128, VCPU=1 '
                      '-> (none)' % MIGRATION, '\n'.join(
                          line for finding in findings
                          for line in finding.lines))

    def test_neighbour_that_gained_elsewhere_is_a_project_finding(self):
        # What its own read would have shown: it holds more, on a
        # provider the snapshot does not read.
        self._held_from_capture()
        self.placement.free(SERVER)
        self.placement.allocate(MIGRATION, 'proj', OTHER_RP, VCPU=1)
        [finding] = self.owned.leaks()
        self.assertEqual('project', finding.level)

    def test_neighbour_is_read_when_projects_are_not_compared(self):
        owned = self._held_from_capture(snapshot.PlacementSnapshot(
            self.placement, self.placement, self.placement, owner='t',
            project_ids=['proj'], compare_projects=False))
        self.placement.free(SERVER)
        self.placement.allocate(MIGRATION, 'proj', OTHER_RP, VCPU=1)
        [finding] = owned.leaks()
        self.assertEqual('consumer', finding.level)

    def test_neighbour_is_read_once_the_hold_is_released(self):
        self._held_from_capture()
        self.owned.release_hold(RP)
        self.placement.free(SERVER)
        reads = self.placement.reads
        self.assertEqual([], self.owned.leaks())
        self.assertEqual(reads + 4, self.placement.reads)

    def test_no_next_moment_before_a_comparison(self):
        self._held_from_capture()
        self.assertIsNone(self.owned.next_moment('t2'))

    def test_next_moment_is_the_last_comparison_read(self):
        # The shared hold's next state: SERVER's delete was judged, then
        # MIGRATION's delete is judged against what that judgement read.
        self._held_from_capture()
        self.placement.free(SERVER)
        self.assertEqual([], self.owned.leaks())
        reads = self.placement.reads
        moment = self.owned.next_moment('t2')
        self.assertEqual(reads, self.placement.reads)
        self.assertEqual({RP: {MIGRATION: {'VCPU': 1, 'MEMORY_MB': 128}}},
                         moment.before)
        self.assertEqual({RP}, moment.exclusive)
        moment.expect_gone(MIGRATION)
        self.assertEqual(reads, self.placement.reads)   # its project known
        self.placement.free(MIGRATION)
        self.assertEqual([], moment.leaks())
        self.assertEqual('t2', moment.owner)

    def test_next_moment_finds_its_own_step_only(self):
        self._held_from_capture()
        self.placement.free(SERVER)
        self.owned.leaks()
        moment = self.owned.next_moment('t2')
        moment.expect_gone(MIGRATION)
        # MIGRATION's delete leaked: a finding of the new moment, at the
        # three levels; SERVER's clean delete is not in it.
        findings = moment.leaks()
        self.assertEqual(['consumer', 'project', 'provider'],
                         sorted(finding.level for finding in findings))
        self.assertNotIn(SERVER, moment.report(findings, 'x'))

    def test_ignored_consumer_healed_meanwhile_is_not_a_finding(self):
        # An earlier state's leak (already failed for) that the resource
        # tracker heals during a later state's step.
        self._boot(FOREIGN, 'proj')
        self._shared_hold_step()
        self.owned.ignore(FOREIGN)
        self.placement.free(SERVER)
        self.placement.free(FOREIGN)
        self.assertEqual([], self.owned.leaks())

    def test_ignored_consumer_healed_before_it_was_named(self):
        # The resource tracker heals it between capture() and ignore():
        # its project, known from the earlier verdict, is passed in.
        self._boot(FOREIGN, 'proj')
        self._shared_hold_step()
        self.placement.free(FOREIGN)
        self.owned.ignore(FOREIGN, project_id='proj')
        self.placement.free(SERVER)
        self.assertEqual([], self.owned.leaks())

    def test_ignored_consumer_kept_is_not_a_finding(self):
        self._boot(FOREIGN, 'proj')
        self._shared_hold_step()
        self.owned.ignore(FOREIGN)
        self.placement.free(SERVER)
        self.assertEqual([], self.owned.leaks())

    def test_provider_added_later_does_not_shift_the_project(self):
        # At VERIFY_RESIZE the destination is read once the server holds
        # the new flavor there; the project's usage was read before the
        # boot, so that holding is not in it.
        other_rp = OTHER_RP
        self.owned.capture({RP: 'compute1'})
        self.placement.allocate(SERVER, 'proj', other_rp, VCPU=2)
        self._boot(MIGRATION)
        self.owned.add_providers({other_rp: 'compute2'})
        self.owned.track(SERVER)
        self.owned.track(MIGRATION, 'migration')
        defect = {SERVER: {other_rp: {'VCPU': 2}},
                  MIGRATION: {RP: {'VCPU': 1, 'MEMORY_MB': 128}}}
        self.assertEqual([], self.owned.leaks_against(defect))

    def test_known_defect_is_matched_exactly(self):
        self.owned.capture({RP: 'compute1'})
        self._boot()
        self._boot(MIGRATION)
        self.owned.track(SERVER)
        self.owned.track(MIGRATION, 'migration')
        defect = {SERVER: {}, MIGRATION: {RP: {'VCPU': 1,
                                               'MEMORY_MB': 128}}}
        self.placement.free(SERVER)
        self.assertNotEqual([], self.owned.leaks())
        self.assertEqual([], self.owned.leaks_against(defect))
        # The expectations are back as they were.
        self.assertEqual(('migration', {}), self.owned.expected[MIGRATION])
        # Leaking more than the defect describes is a difference.
        self._boot(SERVER)
        differences = self.owned.leaks_against(defect)
        self.assertIn('server %s still has allocations' % SERVER,
                      [f.subject for f in differences])

    def test_cost_does_not_grow_with_foreign_consumers_at_baseline(self):
        for i in range(50):
            self._boot('foreign-%d' % i, 'other')
        self.owned.capture({RP: 'compute1'})
        reads = self.placement.reads
        self.assertEqual([], self.owned.leaks())
        self.assertEqual(reads + 2, self.placement.reads)
