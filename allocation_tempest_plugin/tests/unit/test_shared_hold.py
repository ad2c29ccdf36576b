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

"""The shared hold's mechanics against the fake cloud (shared_hold.py).

LocalDeleteTest's states (shared_states(), with their real state changes)
run through SharedHold on a class that holds what Tempest's class setup
would give LocalDeleteTest: real Tempest and plugin clients logged in to
the fake cloud over HTTP (fakecloud/tempest_clients.py), CONF set with
Tempest's config fixture, and DisruptiveTestBase's own classmethods (host
choice, guard, orphan checks). The fake Nova answers as Nova does; a test
gives it one defect and reads every state's verdict.
"""

import dataclasses
import logging
from unittest import mock

import fixtures
from tempest import config
from tempest.lib.common import api_microversion_fixture
from tempest.tests import fake_config
import testtools

from allocation_tempest_plugin.fakes.fakecloud import cloud
from allocation_tempest_plugin.fakes.fakecloud import http
from allocation_tempest_plugin.fakes.fakecloud import tempest_clients
from allocation_tempest_plugin import guard_conf
from allocation_tempest_plugin.serial_tests.api.admin import \
    test_local_delete
from allocation_tempest_plugin.serial_tests import base as serial_base
from allocation_tempest_plugin.serial_tests import shared_hold

HOST = 'compute1'
PASSED = shared_hold.Outcome(shared_hold.PASS, None)
# The service as the guard found it, and must leave it.
AS_FOUND = {'status': 'enabled', 'disabled_reason': None,
            'forced_down': False}
# Each state in the order the shared hold deletes them, and its test.
TESTS = {
    'ACTIVE': 'test_local_delete_active_server',
    'SHUTOFF': 'test_local_delete_shutoff_server',
    'PAUSED': 'test_local_delete_paused_server',
    'ERROR': 'test_local_delete_error_server',
    'SUSPENDED': 'test_local_delete_suspended_server',
    'RESCUE': 'test_local_delete_rescued_server',
    'SHELVED_OFFLOADED': 'test_local_delete_shelved_offloaded_server',
    'SHELVED': 'test_local_delete_shelved_server',
}
# The last instance action before the delete tells a server's state.
STATE_AFTER = {'create': 'ACTIVE', 'stop': 'SHUTOFF', 'pause': 'PAUSED',
               'resetState': 'ERROR', 'suspend': 'SUSPENDED',
               'rescue': 'RESCUE', 'shelve': 'SHELVED',
               'shelveOffload': 'SHELVED_OFFLOADED'}
# What the tempest.conf of a cloud that supports every state says.
CONF_OPTIONS = {
    'allocation': dict(allow_compute_disruption=True,
                       disruptable_hosts=[HOST], claim_settle_seconds=0,
                       max_disruption_seconds=60, restore_timeout=10),
    'compute': dict(flavor_ref=cloud.FLAVOR, image_ref='image-1',
                    build_interval=0, build_timeout=5,
                    shelved_offload_time=-1),
    'compute-feature-enabled': dict(pause=True, suspend=True, rescue=True,
                                    shelve=True),
    'validation': dict(run_validation=False),
}


def stand_in(admin, primary, flavor):
    """A class holding what Tempest's setUpClass gives LocalDeleteTest.

    Its classmethods are DisruptiveTestBase's, bound to it; its guard
    settings are read from CONF as resource_setup reads them, with the
    class's waits.
    """
    guard_settings = dataclasses.replace(
        guard_conf.from_conf(config.CONF), wait_timeout=5, poll_interval=0.01)
    return type('LocalDeleteTest', (serial_base.DisruptiveTestBase,), {
        '__module__': __name__, 'os_admin': admin, 'os_primary': primary,
        'admin_servers_client': admin.servers_client,
        'compute_services_client': admin.compute_services_client,
        'providers_client': admin.providers_client,
        'allocations_client': admin.allocations_client,
        'usages_client': admin.usages_client, 'flavor': flavor,
        'wait_timeout': 5, 'wait_interval': 0.01, 'host_providers': {},
        'guard_settings': guard_settings,
        '_class_cleanups': []})


def run_class_cleanups(test_class):
    """Tempest's resource_cleanup order: last added, first run."""
    while test_class._class_cleanups:
        function, args, kwargs = test_class._class_cleanups.pop()
        function(*args, **kwargs)


class SharedHoldTestBase(testtools.TestCase):
    """One free host (and another running a foreign server), served."""

    def setUp(self):
        super(SharedHoldTestBase, self).setUp()
        # Each verdict that is no pass is logged: kept with a failure.
        self.useFixture(fixtures.FakeLogger(level=logging.WARNING))
        self.cloud = cloud.Cloud()
        self.nova = self.cloud.nova
        self.nova.shelved_offload_time = -1
        self.nova.add_compute(HOST)
        self.nova.add_compute('compute2')
        self.nova.boot('other-project', 'other', 'compute2', cloud.FLAVOR)
        server = http.serve(self.cloud)
        self.addCleanup(server.server_close)
        self.addCleanup(server.shutdown)
        self._configure()
        url = 'http://127.0.0.1:%d' % server.server_address[1]
        self.admin = tempest_clients.Manager(url, 'admin')
        self.primary = tempest_clients.Manager(url, 'primary')

    def _configure(self):
        self.conf = self.useFixture(fake_config.ConfigFixture())
        # CONF reads the fixture's options (as Tempest's own unit tests
        # do), and whatever it read before once the test is over.
        fresh = mock.patch.object(config.CONF, '_config',
                                  fake_config.FakePrivate())
        fresh.start()
        self.addCleanup(fresh.stop)
        lock_path = self.useFixture(fixtures.TempDir()).path
        self.conf.config(group='oslo_concurrency', lock_path=lock_path)
        for group, options in CONF_OPTIONS.items():
            self.conf.config(group=group, **options)
        # What LocalDeleteTest's class sets for its requests.
        self.useFixture(api_microversion_fixture.APIMicroversionFixture(
            compute_microversion='2.74', placement_microversion='1.28'))

    def run_states(self):
        """Every state's Outcome, by test method name, as resource_setup."""
        flavor = self.admin.flavors_client.show_flavor(cloud.FLAVOR)['flavor']
        test_class = stand_in(self.admin, self.primary, flavor)
        self.addCleanup(run_class_cleanups, test_class)
        return shared_hold.SharedHold(
            test_class, test_local_delete.LocalDeleteTest.shared_states()
        ).run()

    # -- what the fake cloud says happened ---------------------------------

    def service(self):
        record = self.nova.service_on(HOST)
        return {field: record[field] for field in AS_FOUND}

    def booted(self):
        """The servers the class booted (the admin's), in boot order."""
        return sorted((server for server in self.nova.servers.values()
                       if server['tenant_id'] == 'admin-project'),
                      key=lambda server: server['sequence'])

    def servers_by_state(self):
        """{state: server id}, told by each server's actions."""
        by_state = {}
        for server in self.booted():
            names = [action['action'] for action in
                     self.nova.actions[server['id']]
                     if action['action'] != 'delete']
            by_state[STATE_AFTER[names[-1]]] = server['id']
        return by_state

    def delete_events(self, server_id):
        """The events of server_id's delete action ([] for a local one)."""
        [delete] = [action for action in self.nova.actions[server_id]
                    if action['action'] == 'delete']
        return [event['event'] for event in delete['events']]


class SharedHoldTest(SharedHoldTestBase):

    def test_every_state_passes_and_the_service_is_as_found(self):
        outcomes = self.run_states()
        self.assertEqual({test: PASSED for test in TESTS.values()},
                         outcomes)
        self.assertEqual(AS_FOUND, self.service())
        # One request booted them all, as "<name>-1".."<name>-8".
        names = [server['name'] for server in self.booted()]
        self.assertEqual(['%s-%d' % (names[0].rsplit('-', 1)[0], index)
                          for index in range(1, 9)], names)
        # Each went nova-api's local way and holds nothing now.
        for server_id in self.servers_by_state().values():
            self.assertEqual([], self.delete_events(server_id))
            self.assertNotIn(server_id, self.cloud.placement.consumers)

    def test_reads_grow_with_the_states_not_their_square(self):
        # Each state is judged on the held provider and the project, read
        # once for its verdict (the next state's baseline too), not by a
        # read of every neighbour.
        reads = self.cloud.placement.paths_read
        outcomes = self.run_states()
        self.assertEqual({test: PASSED for test in TESTS.values()},
                         outcomes)
        states = len(TESTS)
        rp_uuid = self.nova.node_on[HOST]['uuid']
        # The guard's check when it takes the host and its recheck, the
        # first baseline, then one read per state's verdict.
        self.assertEqual(2 + 1 + states, reads[
            '/resource_providers/%s/allocations' % rp_uuid])
        self.assertEqual(1 + states, reads['/usages'])
        order = list(TESTS)   # the order the states are deleted in
        for state, server_id in self.servers_by_state().items():
            # Once booted, once in its state, its project once, once
            # after its delete: whatever the number of states.
            expected = 4
            if state == 'SHELVED_OFFLOADED':
                # It holds nothing, so no project to read or provider to
                # show it: read for each verdict before its own instead,
                # where a gain of it would show.
                expected += order.index(state)
            self.assertEqual(expected, reads['/allocations/%s' % server_id],
                             state)

    def test_a_leak_fails_each_state_naming_its_own_server(self):
        self.nova.local_delete_leaks = True
        outcomes = self.run_states()
        servers = self.servers_by_state()
        for state, server_id in servers.items():
            outcome = outcomes[TESTS[state]]
            if state == 'SHELVED_OFFLOADED':
                # The offload freed it already: nothing left to leak.
                self.assertEqual(PASSED, outcome)
                continue
            self.assertEqual(shared_hold.FAIL, outcome.kind, state)
            self.assertIn('server %s still has allocations' % server_id,
                          outcome.message)
            self.assertIn('local delete of a %s server on %s' % (
                state, HOST), outcome.message)
            # Earlier leaks are left out, later servers kept: only its own.
            for other in set(servers.values()) - {server_id}:
                self.assertNotIn(other, outcome.message)
        self.assertEqual(AS_FOUND, self.service())

    def test_a_delete_freeing_a_neighbour_fails_its_state(self):
        self.nova.local_delete_frees_neighbour = {'paused'}
        outcomes = self.run_states()
        [(paused, neighbour)] = self.nova.neighbours_freed
        state_of = {server_id: state for state, server_id
                    in self.servers_by_state().items()}
        self.assertEqual('PAUSED', state_of[paused])
        outcome = outcomes.pop(TESTS['PAUSED'])
        self.assertEqual(shared_hold.FAIL, outcome.kind)
        rp_uuid = self.nova.node_on[HOST]['uuid']
        self.assertIn('- [provider] provider %s (host %s) differs' % (
            rp_uuid, HOST), outcome.message)
        self.assertIn('consumer %s (project admin-project): DISK_GB=1, '
                      'MEMORY_MB=512, VCPU=1 -> (none)' % neighbour,
                      outcome.message)
        # The neighbour, deleted later, holds nothing to free: its delete
        # could not prove anything, and says so.
        outcome = outcomes.pop(TESTS[state_of[neighbour]])
        self.assertEqual(shared_hold.FAIL, outcome.kind)
        self.assertTrue(outcome.message.startswith(
            'premise: a %s server holds its flavor on %s right before its '
            'local delete: server %s holds (none) there' % (
                state_of[neighbour], HOST, neighbour)), outcome.message)
        self.assertEqual({test: PASSED for test in outcomes}, outcomes)

    def test_a_refused_state_change_fails_that_state_alone(self):
        self.nova.refused_actions['pause'] = (
            409, 'Instance is locked (injected)')
        outcomes = self.run_states()
        outcome = outcomes.pop(TESTS['PAUSED'])
        self.assertEqual(shared_hold.FAIL, outcome.kind)
        self.assertTrue(outcome.message.startswith(
            'preparing PAUSED on %s: ' % HOST), outcome.message)
        self.assertIn('Instance is locked (injected)', outcome.message)
        self.assertEqual({test: PASSED for test in TESTS.values()
                          if test != TESTS['PAUSED']}, outcomes)
        self.assertEqual(AS_FOUND, self.service())

    def test_a_state_the_cloud_lacks_is_skipped_and_not_booted(self):
        self.conf.config(group='compute-feature-enabled', pause=False)
        outcomes = self.run_states()
        self.assertEqual(shared_hold.Outcome(
            shared_hold.SKIP, '[compute-feature-enabled] pause is off'),
            outcomes.pop(TESTS['PAUSED']))
        self.assertEqual({test: PASSED for test in TESTS.values()
                          if test != TESTS['PAUSED']}, outcomes)
        self.assertEqual(7, len(self.booted()))
        self.assertNotIn('PAUSED', self.servers_by_state())

    def test_a_delete_the_compute_ran_fails_on_its_premise(self):
        self.nova.delete_ignores_forced_down = True
        outcomes = self.run_states()
        for state, server_id in self.servers_by_state().items():
            outcome = outcomes[TESTS[state]]
            if state == 'SHELVED_OFFLOADED':
                # No host: nova-api deletes it alone whatever a service
                # reads (API._delete).
                self.assertEqual([], self.delete_events(server_id))
                self.assertEqual(PASSED, outcome)
                continue
            self.assertEqual(['compute_terminate_instance'],
                             self.delete_events(server_id))
            self.assertEqual(shared_hold.FAIL, outcome.kind, state)
            self.assertTrue(outcome.message.startswith(
                'premise: the delete of server %s did not go the local '
                'way' % server_id), outcome.message)
        self.assertEqual(AS_FOUND, self.service())

    def test_an_offload_that_frees_nothing_fails_its_state(self):
        self.nova.shelve_offload_keeps_allocations = True
        outcomes = self.run_states()
        outcome = outcomes.pop(TESTS['SHELVED_OFFLOADED'])
        self.assertEqual(shared_hold.FAIL, outcome.kind)
        self.assertTrue(outcome.message.startswith(
            'the way to SHELVED_OFFLOADED freed nothing'), outcome.message)
        self.assertEqual({test: PASSED for test in outcomes}, outcomes)

    def test_a_cloud_that_offloads_at_once_skips_shelved(self):
        # Nova's and Tempest's default: shelved_offload_time = 0.
        self.nova.shelved_offload_time = 0
        self.conf.config(group='compute', shelved_offload_time=0)
        outcomes = self.run_states()
        outcome = outcomes.pop(TESTS['SHELVED'])
        self.assertEqual(shared_hold.SKIP, outcome.kind)
        self.assertIn('a SHELVED server needs -1', outcome.message)
        self.assertEqual({test: PASSED for test in outcomes}, outcomes)
        self.assertEqual(7, len(self.booted()))
        # The SHELVED_OFFLOADED server's shelve offloaded it: its last
        # action is the shelve, no shelveOffload was asked for.
        offloaded = self.servers_by_state()['SHELVED']
        self.assertEqual(['create', 'shelve', 'delete'], [
            action['action'] for action in self.nova.actions[offloaded]])
        self.assertEqual([], self.delete_events(offloaded))

    def test_a_hold_lost_midway_fails_that_state_and_skips_the_rest(self):
        # Someone clears forced_down after the first delete.
        delete_server = self.nova.delete_server

        def delete_then_unforce(*args):
            answer = delete_server(*args)
            self.nova.service_on(HOST)['forced_down'] = False
            return answer
        self.nova.delete_server = delete_then_unforce
        outcomes = self.run_states()
        self.assertEqual(PASSED, outcomes.pop(TESTS['ACTIVE']))
        outcome = outcomes.pop(TESTS['SHUTOFF'])
        self.assertEqual(shared_hold.FAIL, outcome.kind)
        self.assertIn('judging the local delete of the SHUTOFF server on '
                      '%s: ' % HOST, outcome.message)
        self.assertIn('forced_down is false', outcome.message)
        for outcome in outcomes.values():
            self.assertEqual(shared_hold.SKIP, outcome.kind)
            self.assertIn('not judged: the shared hold of %s ended' % HOST,
                          outcome.message)
        self.assertEqual(AS_FOUND, self.service())

    def test_no_disruptable_host_skips_every_state(self):
        theirs = self.nova.boot('other-project', 'other', HOST, cloud.FLAVOR)
        outcomes = self.run_states()
        why = ("none of [allocation] disruptable_hosts ['%s'] is up and "
               "enabled and free of other servers (%s runs server %s, "
               "which this test did not create)" % (HOST, HOST,
                                                    theirs['id']))
        self.assertEqual({test: shared_hold.Outcome(shared_hold.SKIP, why)
                          for test in TESTS.values()}, outcomes)
        self.assertEqual([], self.booted())
        self.assertEqual(AS_FOUND, self.service())
