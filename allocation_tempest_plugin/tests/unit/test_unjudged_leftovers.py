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

"""A known-defect test that ends before its verdict (issue 25).

ResizeDeleteDefectsTest's own test method runs, with testtools' cleanup
order, against the fake cloud over HTTP with real Tempest and plugin
clients (test_shared_hold.py's cloud and CONF): Nova 34's behaviour
leaves the migration of a server reset to ERROR holding the old flavor
on the source. The test is made to die after its delete (Nova answers
the waiter's read with a 500), and what its own consumers hold must be
released at cleanup and reported, its failure kept; a test that reaches
its verdict is left as before.
"""

import dataclasses

from tempest.common import waiters as tempest_waiters
from tempest import config
from tempest.lib import exceptions as lib_exc
from tempest import test as tempest_test
import testtools

from allocation_tempest_plugin.fakes.fakecloud import cloud
from allocation_tempest_plugin import guard_conf
from allocation_tempest_plugin.serial_tests.api.admin import \
    test_resize_defects
from allocation_tempest_plugin.tests.unit import test_shared_hold
from allocation_tempest_plugin.vocabulary import unjudged_leftovers

DEFECT = 'error-after-resize-delete-leaks-migration'
TEST = 'test_delete_error_server_after_resize'
ALT = '2'
OLD_FLAVOR = {'VCPU': 1, 'MEMORY_MB': 512, 'DISK_GB': 1}


def dies_after_its_reset(self):
    """Resized and reset to ERROR, then a waiter runs out: no delete yet.

    The migration is never read during the test: only the cleanup's read
    back (while the server exists) can name it.
    """
    server = self.boot_server(host=self.disruptable_host())
    self.admin_servers_client.resize_server(
        server['id'], config.CONF.compute.flavor_ref_alt)
    tempest_waiters.wait_for_server_status(self.admin_servers_client,
                                           server['id'], 'VERIFY_RESIZE')
    self._reset_to_error(server['id'])
    raise lib_exc.TimeoutException('injected: a waiter ran out')


class UnjudgedLeftoversTest(test_shared_hold.SharedHoldTestBase):

    def setUp(self):
        super(UnjudgedLeftoversTest, self).setUp()
        self.nova.add_flavor(ALT, vcpus=2, ram=1024, disk=2)
        self.conf.config(group='compute', flavor_ref_alt=ALT)
        self.conf.config(group='compute-feature-enabled', resize=True)
        self.placement = self.cloud.placement
        self.rp1 = self.nova.node_on[test_shared_hold.HOST]['uuid']
        self.neighbours = []
        self.migration_listings = 0
        list_migrations = self.nova.get_migrations

        def counted(*args):
            self.migration_listings += 1
            return list_migrations(*args)
        self.nova.get_migrations = counted

    def run_test(self, method=TEST, release=True):
        """(case, result) of the defect test's method, run as Tempest runs it.

        The class stands in for what Tempest's setUpClass gives it (as
        test_shared_hold.stand_in does for LocalDeleteTest).
        """
        flavor = self.admin.flavors_client.show_flavor(cloud.FLAVOR)['flavor']
        guard_settings = dataclasses.replace(
            guard_conf.from_conf(config.CONF), wait_timeout=5,
            poll_interval=0.01)
        test_class = type('ResizeDeleteDefectsTest', (
            test_resize_defects.ResizeDeleteDefectsTest,), {
                '__module__': test_resize_defects.__name__,
                '_BaseTestCase__setupclass_called': True,
                'release_leftovers_unjudged': release,
                'dies_after_its_reset': dies_after_its_reset,
                'os_admin': self.admin, 'os_primary': self.primary,
                'admin_servers_client': self.admin.servers_client,
                'flavors_client': self.admin.flavors_client,
                'compute_services_client':
                    self.admin.compute_services_client,
                'providers_client': self.admin.providers_client,
                'allocations_client': self.admin.allocations_client,
                'usages_client': self.admin.usages_client,
                'admin_migrations_client':
                    self.admin.plugin_migrations_client,
                'flavor': flavor, 'host_providers': {},
                'wait_timeout': 5, 'wait_interval': 0.01,
                'guard_settings': guard_settings})
        # Tempest's setUp records the class for its tearDownClass check.
        self.addCleanup(tempest_test.at_exit_set.discard, test_class)
        case = test_class(method)
        result = testtools.TestResult()
        case.run(result)
        return case, result

    # -- what the fake cloud is made to do ---------------------------------

    def die_after_the_delete(self):
        """The waiter's first read after the delete answers 500.

        And meanwhile two servers this test did not create land on the
        source: another project's, and one of the admin project's.
        """
        delete_server = self.nova.delete_server

        def delete_then_fail(context, query, body, server_id):
            answer = delete_server(context, query, body, server_id)
            if answer[0] == 204:
                self.nova.fail_once('GET', '^/servers/%s$' % server_id,
                                    message='injected: Nova answered the '
                                    'waiter 500')
                for project in ('other-project', 'admin-project'):
                    self.neighbours.append(self.nova.boot(
                        project, 'someone', test_shared_hold.HOST,
                        cloud.FLAVOR)['id'])
            return answer
        self.nova.delete_server = delete_then_fail

    def migration(self):
        [migration] = self.nova.migrations
        return migration['uuid']

    def held(self, consumer):
        record = self.placement.consumers.get(consumer)
        return record['allocations'] if record else {}

    @staticmethod
    def detail(case, name):
        details = case.getDetails()
        return details[name].as_text() if name in details else ''

    # -- the tests ----------------------------------------------------------

    def test_without_the_release_the_migration_stays(self):
        # The cascade of issue 25: every later test would meet it.
        self.die_after_the_delete()
        case, result = self.run_test(release=False)
        self.assertEqual(1, len(result.failures))
        self.assertEqual({self.rp1: OLD_FLAVOR}, self.held(self.migration()))

    def test_dying_after_the_delete_releases_and_reports(self):
        self.die_after_the_delete()
        case, result = self.run_test()
        # Still the test's failure, the one Nova's 500 caused (Tempest's
        # ServerFault is a failure), and nothing else.
        self.assertEqual((1, [], [], {}), (len(result.failures),
                                           result.errors,
                                           result.expectedFailures,
                                           result.skip_reasons))
        self.assertIn('injected: Nova answered the waiter 500',
                      self.detail(case, 'traceback'))
        self.assertNotIn('traceback-1', case.getDetails())
        # Released, and said so per provider and resource class.
        migration_uuid = self.migration()
        self.assertEqual({}, self.held(migration_uuid))
        report = self.detail(case, unjudged_leftovers.DETAIL)
        self.assertIn('%s ended before its verdict' % case.id(), report)
        self.assertIn('released: migration of server %s %s (project '
                      'admin-project): DISK_GB=1, MEMORY_MB=512, VCPU=1 on '
                      'provider %s (host compute1)' % (
                          self.nova.migrations[0]['instance_uuid'],
                          migration_uuid, self.rp1), report)
        # Only its own: the neighbours on the same provider keep theirs.
        self.assertEqual([migration_uuid], self.placement.deletes)
        for neighbour in self.neighbours:
            self.assertEqual({self.rp1: OLD_FLAVOR}, self.held(neighbour))

    def test_a_failed_release_does_not_mask_the_failure(self):
        self.die_after_the_delete()
        self.placement.fail_once('DELETE', '^/allocations/')
        case, result = self.run_test()
        # Neither a pass nor a skip; the test's own failure is the
        # traceback, the release's error follows it (testtools reports
        # the kind of the last, as for any cleanup that fails).
        self.assertEqual((0, 1, {}), (len(result.expectedFailures),
                                      len(result.failures + result.errors),
                                      result.skip_reasons))
        self.assertIn('injected: Nova answered the waiter 500',
                      self.detail(case, 'traceback'))
        self.assertIn('LeftoversNotReleased',
                      self.detail(case, 'traceback-1'))
        self.assertIn('not released: migration of server',
                      self.detail(case, unjudged_leftovers.DETAIL))
        self.assertEqual({self.rp1: OLD_FLAVOR}, self.held(self.migration()))

    def test_a_listed_defect_reached_its_verdict_released_once(self):
        self.conf.config(group='allocation', known_nova_defects=[DEFECT])
        case, result = self.run_test()
        self.assertEqual(1, len(result.expectedFailures), result.errors)
        self.assertEqual({}, self.held(self.migration()))
        # Once, at the verdict; its cleanup found nothing more to free,
        # and the unjudged release did not run, nor read anything.
        self.assertEqual([self.migration()], self.placement.deletes)
        self.assertNotIn(unjudged_leftovers.DETAIL, case.getDetails())
        self.assertEqual(1, self.migration_listings)   # resize_to_verify's

    def test_an_unlisted_defect_keeps_its_leftovers(self):
        # The verdict failed naming them: they stay for the operator.
        case, result = self.run_test()
        self.assertEqual(1, len(result.failures), result.errors)
        self.assertIn('Nova defect %s' % DEFECT, result.failures[0][1])
        self.assertEqual({self.rp1: OLD_FLAVOR}, self.held(self.migration()))
        self.assertEqual([], self.placement.deletes)

    def test_migrations_are_read_back_before_the_cleanups_delete(self):
        case, result = self.run_test('dies_after_its_reset')
        self.assertIn('injected: a waiter ran out',
                      self.detail(case, 'traceback'))
        migration_uuid = self.migration()
        self.assertEqual({}, self.held(migration_uuid))
        self.assertEqual([migration_uuid], self.placement.deletes)
        self.assertIn(migration_uuid,
                      self.detail(case, unjudged_leftovers.DETAIL))
