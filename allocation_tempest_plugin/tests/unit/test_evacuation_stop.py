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

"""The evacuation stories' shared stop against the fake cloud.

EvacuationTest's stories (stories(), the real steps of
evacuation_stop.py) run on a class holding what Tempest's class setup
would give EvacuationTest, as test_shared_hold.py does for the local
deletes: real Tempest and plugin clients over HTTP to a fake cloud of two
computes whose nova-computes the guard stops and starts (the runner
below, in real time, with heartbeats a few hundredths of a second
apart). A test gives the fake Nova one defect and reads every story's
verdict, the services' end state and the order of the requests.
"""

import dataclasses
import logging
import subprocess
from unittest import mock

import fixtures
from tempest import config
from tempest.lib.common import api_microversion_fixture
from tempest.tests import fake_config
import testtools

from allocation_tempest_plugin.fakes.fakecloud import cloud
from allocation_tempest_plugin.fakes.fakecloud import http
from allocation_tempest_plugin.fakes.fakecloud import tempest_clients
from allocation_tempest_plugin.guard import hosts
from allocation_tempest_plugin import guard_conf
from allocation_tempest_plugin.serial_tests import evacuation_stop
from allocation_tempest_plugin.serial_tests.scenario import test_evacuation
from allocation_tempest_plugin.serial_tests import shared_stop
from allocation_tempest_plugin.tests.unit import test_shared_hold

A, B = 'compute1', 'compute2'
PASSED = shared_stop.Outcome(shared_stop.PASS, None)
AS_FOUND = test_shared_hold.AS_FOUND
TESTS = {story.name: story.test
         for story in test_evacuation.EvacuationTest.stories()}
STOP = 'cloud stop-compute {host}'
START = 'cloud start-compute {host}'
# The computes heartbeat this often (seconds, real time), and so the
# guard's stop proof waits two of them.
REPORT_INTERVAL = 0.02
CONF_OPTIONS = {
    'allocation': dict(allow_compute_disruption=True,
                       disruptable_hosts=[A, B], claim_settle_seconds=0,
                       max_disruption_seconds=60, restore_timeout=10),
    'compute': dict(flavor_ref=cloud.FLAVOR, image_ref='image-1',
                    build_interval=0, build_timeout=5),
    'validation': dict(run_validation=False),
}


class EvacuationStopTest(testtools.TestCase):
    """Two free computes; A is compute1 (the host choice starts there)."""

    def setUp(self):
        super(EvacuationStopTest, self).setUp()
        # Each verdict that is no pass is logged: kept with a failure.
        self.useFixture(fixtures.FakeLogger(level=logging.WARNING))
        self.cloud = cloud.Cloud()
        self.nova = self.cloud.nova
        services = self.nova.os_services
        services.report_interval = REPORT_INTERVAL
        services.startup = REPORT_INTERVAL
        self.nova.add_compute(A)
        self.nova.add_compute(B)
        server = http.serve(self.cloud)
        self.addCleanup(server.server_close)
        self.addCleanup(server.shutdown)
        self._configure()
        url = 'http://127.0.0.1:%d' % server.server_address[1]
        self.admin = tempest_clients.Manager(url, 'admin')
        self.primary = tempest_clients.Manager(url, 'primary')
        # The host choice tries the disruptable hosts from the first.
        self.useFixture(fixtures.MockPatchObject(
            hosts.random, 'randrange', lambda count: 0))
        self.commands = []
        self.stops_stop = True
        self.restarts = False
        # The started nova-compute dies in init_host, before any
        # heartbeat (as bug 1794996 had it with a deleted evacuated server).
        self.start_crashes = False
        self.settings = {}

    def _configure(self):
        self.conf = self.useFixture(fake_config.ConfigFixture())
        fresh = mock.patch.object(config.CONF, '_config',
                                  fake_config.FakePrivate())
        fresh.start()
        self.addCleanup(fresh.stop)
        lock_path = self.useFixture(fixtures.TempDir()).path
        self.conf.config(group='oslo_concurrency', lock_path=lock_path)
        for group, options in CONF_OPTIONS.items():
            self.conf.config(group=group, **options)
        # What EvacuationTest's class sets for its requests.
        self.useFixture(api_microversion_fixture.APIMicroversionFixture(
            compute_microversion='2.74', placement_microversion='1.28'))

    def runner(self, argv, **kwargs):
        """The stop and start commands, on the fake computes.

        In the journal of the fake Nova's requests, for their order.
        """
        action, host = argv[-2:]
        self.commands.append((action, host))
        self.nova.journal.append(('RUN', action, host))
        if action == 'stop-compute' and self.stops_stop:
            self.nova.os_services.stop(host)
        elif action == 'start-compute' and not self.start_crashes:
            if self.restarts:
                self.nova.os_services.stop(host)
            self.nova.os_services.start(host)
        return subprocess.CompletedProcess(argv, 0, '', '')

    def stand_in(self):
        """A class holding what Tempest's setUpClass gives EvacuationTest.

        Its guards run the commands with runner().
        """
        settings = dataclasses.replace(
            guard_conf.from_conf(config.CONF), wait_timeout=5,
            poll_interval=0.005, compute_stop_command=STOP,
            compute_start_command=START,
            compute_report_interval=REPORT_INTERVAL, **self.settings)
        runner = self.runner

        def guard_for(cls, *args, **kwargs):
            guard = test_evacuation.EvacuationTest.guard_for.__func__(
                cls, *args, **kwargs)
            guard._process.runner = runner
            return guard
        flavor = self.admin.flavors_client.show_flavor(cloud.FLAVOR)['flavor']
        return type('EvacuationTest', (test_evacuation.EvacuationTest,), {
            '__module__': __name__, 'os_admin': self.admin,
            'os_primary': self.primary,
            'admin_servers_client': self.admin.servers_client,
            'compute_services_client': self.admin.compute_services_client,
            'admin_migrations_client': self.admin.plugin_migrations_client,
            'providers_client': self.admin.providers_client,
            'allocations_client': self.admin.allocations_client,
            'usages_client': self.admin.usages_client, 'flavor': flavor,
            'request_microversion': '2.74', 'wait_timeout': 5,
            'wait_interval': 0.005, 'host_providers': {},
            'guard_settings': settings, 'guard_for': classmethod(guard_for),
            '_class_cleanups': []})

    def run_stories(self):
        """Every story's Outcome, by test method name, as resource_setup."""
        test_class = self.stand_in()
        self.addCleanup(test_shared_hold.run_class_cleanups, test_class)
        self.shared_stop = evacuation_stop.EvacuationStop(
            test_class, test_class.stories())
        return self.shared_stop.run()

    # -- what the fake cloud says happened ---------------------------------

    def service(self, host):
        record = self.nova.service_on(host)
        return {field: record[field] for field in AS_FOUND}

    def servers_by_story(self):
        """{story: server id}, as the shared stop gave them (once booted)."""
        return dict(self.shared_stop.servers)

    def held(self, server_id):
        return self.cloud.placement.consumers.get(server_id, {}).get(
            'allocations', {})

    def assert_as_found(self):
        self.assertEqual(AS_FOUND, self.service(A))
        self.assertEqual(AS_FOUND, self.service(B))
        self.assertTrue(self.nova.os_services.running(A))
        self.assertTrue(self.nova.os_services.running(B))

    def steps(self):
        """The journal as readable steps: what changed, in order."""
        story_of = {server_id: story for story, server_id
                    in self.servers_by_story().items()}
        host_of = {self.nova.service_on(host)['id']: host
                   for host in (A, B)}
        steps = []
        for method, path, body in self.nova.journal:
            parts = path.strip('/').split('/')
            if method == 'RUN':
                steps.append('%s %s' % (path, body))
            elif parts[0] == 'os-services':
                steps.append('%s %s' % (host_of[parts[1]], ' '.join(
                    '%s=%s' % (key, str(value).split(' ')[0])
                    for key, value in sorted(body.items()))))
            elif parts[0] == 'servers' and method == 'DELETE':
                steps.append('delete %s' % story_of[parts[1]])
            elif parts[-1] == 'action':
                [(action, params)] = body.items()
                steps.append('%s %s%s' % (action, story_of[parts[1]], (
                    ' to %s' % params['host']) if params.get('host') else ''))
            else:
                steps.append('%s %s' % (method, path))
        return steps

    def assert_only_fails(self, outcomes, failed, *phrases):
        """failed's story alone did not pass; its message says phrases."""
        outcome = outcomes.pop(TESTS[failed])
        self.assertEqual(shared_stop.FAIL, outcome.kind, outcome)
        for phrase in phrases:
            self.assertIn(phrase, outcome.message)
        self.assertEqual({test: PASSED for test in outcomes}, outcomes)
        return outcome


class SharedStopTest(EvacuationStopTest):

    def test_every_story_passes_in_one_stop_of_the_source(self):
        outcomes = self.run_stories()
        self.assertEqual({test: PASSED for test in TESTS.values()},
                         outcomes)
        # A stopped and started once; B never: it was only forced down.
        self.assertEqual([('stop-compute', A), ('start-compute', A)],
                         self.commands)
        self.assert_as_found()
        servers = self.servers_by_story()
        rp_a = self.nova.node_on[A]['uuid']
        rp_b = self.nova.node_on[B]['uuid']
        held = {story: self.held(server_id)
                for story, server_id in servers.items()}
        flavor = {'VCPU': 1, 'MEMORY_MB': 512, 'DISK_GB': 1}
        self.assertEqual({
            evacuation_stop.MOVES: {rp_b: flavor},
            evacuation_stop.DELETED: {},
            evacuation_stop.LOCAL_DELETE: {},
            evacuation_stop.NO_VALID_HOST: {rp_a: flavor}}, held)

    def test_the_steps_come_in_the_order_the_stories_allow(self):
        self.run_stories()
        steps = [step for step in self.steps()
                 if not step.startswith('POST /servers')]
        claim = 'disabled_reason=allocation_tempest_plugin status=disabled'
        self.assertEqual([
            # A claimed, forced down, stopped.
            '%s %s' % (A, claim),
            '%s forced_down=True' % A,
            'stop-compute %s' % A,
            # moves: alone, then Nova must refuse to clear forced_down.
            'evacuate moves to %s' % B,
            # (refused: the fake journals the request, Nova answers 400)
            '%s forced_down=False' % A,
            'evacuate %s to %s' % (evacuation_stop.DELETED, B),
            'evacuate %s to %s' % (evacuation_stop.LOCAL_DELETE, B),
            # B still up: its compute deletes.
            'delete %s' % evacuation_stop.DELETED,
            '%s %s' % (B, claim),
            '%s forced_down=True' % B,
            'delete %s' % evacuation_stop.LOCAL_DELETE,
            'evacuate %s' % evacuation_stop.NO_VALID_HOST,
            # B restored, then A started and restored.
            '%s forced_down=False' % B,
            '%s status=enabled' % B,
            'start-compute %s' % A,
            '%s forced_down=False' % A,
            '%s status=enabled' % A,
        ], steps)

    def test_no_second_compute_skips_every_story_and_boots_nothing(self):
        self.nova.service_on(B)['status'] = 'disabled'
        outcomes = self.run_stories()
        self.assertEqual({test: shared_stop.Outcome(
            shared_stop.SKIP, 'needs a second up and enabled compute '
            'besides %s' % A) for test in TESTS.values()}, outcomes)
        self.assertEqual([], self.nova.journal)


class OneDefectOneStoryTest(EvacuationStopTest):
    """A Nova broken for one story fails that story alone."""

    def test_a_source_that_keeps_the_evacuated_part(self):
        self.nova.evacuated_source_kept = True
        outcome = self.assert_only_fails(
            self.run_stories(), evacuation_stop.MOVES,
            'evacuation of %s from %s to %s, source back' % (
                self.servers_by_story()[evacuation_stop.MOVES], A, B))
        self.assertIn('server %s does not hold what it should' %
                      self.servers_by_story()[evacuation_stop.MOVES],
                      outcome.message)
        self.assert_as_found()

    def test_a_destination_that_finishes_late_is_waited_for(self):
        # The server reads ACTIVE with no task while the destination's
        # finish_evacuation waits for the resource tracker's lock: its
        # host is still A and its migration not "done" (Nova 33 and 32 on
        # the local cloud). Judged then, the server would read on A and
        # Nova would let forced_down be cleared on A.
        self.nova.finish_evacuation_after_requests = 4
        self.assertEqual({test: PASSED for test in TESTS.values()},
                         self.run_stories())
        self.assert_as_found()

    def test_a_nova_that_lets_forced_down_be_cleared(self):
        # Accepted (the guard forces A down again at once) before any
        # other evacuation is sent: the other stories see A down.
        self.nova.os_services.unforce_ignores_evacuations = True
        self.assert_only_fails(self.run_stories(), evacuation_stop.MOVES,
                               'bug 1922053')
        self.assert_as_found()

    def test_a_compute_delete_that_keeps_two_providers(self):
        self.nova.compute_delete_keeps_two_providers = True
        outcome = self.assert_only_fails(
            self.run_stories(), evacuation_stop.DELETED,
            'deleted on %s while %s is down' % (B, A))
        server_id = self.servers_by_story()[evacuation_stop.DELETED]
        self.assertIn('server %s still has allocations' % server_id,
                      outcome.message)
        self.assert_as_found()

    def test_a_local_delete_that_leaks(self):
        self.nova.local_delete_leaks = True
        self.assert_only_fails(
            self.run_stories(), evacuation_stop.LOCAL_DELETE,
            'local delete of evacuated server %s, held on %s and %s, both '
            'down' % (self.servers_by_story()[evacuation_stop.LOCAL_DELETE],
                      A, B))
        self.assert_as_found()

    def test_a_failed_evacuation_that_drops_the_allocations(self):
        self.nova.failed_evacuation_drops = True
        self.assert_only_fails(
            self.run_stories(), evacuation_stop.NO_VALID_HOST,
            'failed evacuation of %s from %s' % (
                self.servers_by_story()[evacuation_stop.NO_VALID_HOST], A))
        self.assert_as_found()

    def test_a_local_delete_freeing_a_neighbour_fails_both_by_name(self):
        # The local delete of S3 on B also frees S1 (the moves story's
        # server, on B): the local-delete story fails for what its step
        # did, the moves story on its premise, naming the other.
        self.nova.local_delete_frees_neighbour = {'active'}
        outcomes = self.run_stories()
        servers = self.servers_by_story()
        [(deleted, neighbour)] = self.nova.neighbours_freed
        self.assertEqual((servers[evacuation_stop.LOCAL_DELETE],
                          servers[evacuation_stop.MOVES]),
                         (deleted, neighbour))
        outcome = outcomes.pop(TESTS[evacuation_stop.LOCAL_DELETE])
        self.assertEqual(shared_stop.FAIL, outcome.kind)
        # Named on both held providers, where it held its flavor (its own
        # read would add nothing: snapshot._other_levels_see_all_of).
        self.assertEqual(2, outcome.message.count(
            'consumer %s (project admin-project): DISK_GB=1, MEMORY_MB=512,'
            ' VCPU=1 -> (none)' % neighbour), outcome.message)
        outcome = outcomes.pop(TESTS[evacuation_stop.MOVES])
        self.assertEqual(shared_stop.FAIL, outcome.kind)
        self.assertTrue(outcome.message.startswith(
            'premise: the moves story\'s server %s changed during the '
            'local-delete story\'s step' % neighbour), outcome.message)
        self.assertEqual({test: PASSED for test in outcomes}, outcomes)
        self.assert_as_found()


class SharedStepFailureTest(EvacuationStopTest):
    """A shared step that fails names each story it was preparing."""

    def test_a_failed_boot_fails_every_story_by_name(self):
        post_server = self.nova.post_server

        def refused(context, query, body):
            return self.nova._error(403, 'Quota exceeded (injected)')
        self.nova.post_server = refused
        outcomes = self.run_stories()
        for story, test in TESTS.items():
            outcome = outcomes[test]
            self.assertEqual(shared_stop.FAIL, outcome.kind)
            self.assertTrue(outcome.message.startswith(
                'the %s story (one of 4 sharing one stop of %s): booting 4 '
                'servers on %s failed: ' % (story, A, A)), outcome.message)
            self.assertIn('Quota exceeded (injected)', outcome.message)
        # Nothing was held.
        self.assertEqual(['POST /servers'], self.steps())
        self.nova.post_server = post_server
        self.assert_as_found()

    def test_an_evacuation_refused_fails_its_story_alone(self):
        post_action = self.nova.post_action

        def refuse_the_second(context, query, body, server_id):
            if ('evacuate' in body and server_id ==
                    self.servers_by_story()[evacuation_stop.DELETED]):
                return self.nova._error(409, 'Instance is locked '
                                        '(injected)')
            return post_action(context, query, body, server_id)
        self.nova.post_action = refuse_the_second
        outcome = self.assert_only_fails(
            self.run_stories(), evacuation_stop.DELETED,
            'the %s story (one of 4 sharing one stop of %s): evacuating '
            'server %s from %s to %s failed: ' % (
                evacuation_stop.DELETED, A,
                self.servers_by_story()[evacuation_stop.DELETED], A, B))
        self.assertIn('Instance is locked (injected)', outcome.message)
        self.assert_as_found()

    def test_a_second_host_that_cannot_be_held_skips_its_two_stories(self):
        theirs = []
        evacuate = self.nova._evacuate

        def evacuate_then_theirs(context, server, params):
            answer = evacuate(context, server, params)
            if not theirs:
                # Another project's server lands on B meanwhile.
                theirs.append(self.nova.boot('other-project', 'other', B,
                                             cloud.FLAVOR)['id'])
            return answer
        self.nova._evacuate = evacuate_then_theirs
        outcomes = self.run_stories()
        why = ('cannot hold %s: %s runs server %s, which this test did not '
               'create' % (B, B, theirs[0]))
        for story in (evacuation_stop.LOCAL_DELETE,
                      evacuation_stop.NO_VALID_HOST):
            self.assertEqual(shared_stop.Outcome(shared_stop.SKIP, why),
                             outcomes.pop(TESTS[story]))
        self.assertEqual({test: PASSED for test in outcomes}, outcomes)
        self.assert_as_found()

    def test_a_second_host_not_disruptable_skips_its_stories_unbooted(self):
        # A multinode gate: only the controller may be disrupted.
        self.conf.config(group='allocation', disruptable_hosts=[A])
        outcomes = self.run_stories()
        why = ("cannot hold %s: %s is not in [allocation] disruptable_hosts "
               "['%s']" % (B, B, A))
        for story in (evacuation_stop.LOCAL_DELETE,
                      evacuation_stop.NO_VALID_HOST):
            self.assertEqual(shared_stop.Outcome(shared_stop.SKIP, why),
                             outcomes.pop(TESTS[story]))
        self.assertEqual({test: PASSED for test in outcomes}, outcomes)
        # Two servers booted (in one request), B never written to.
        self.assertEqual(2, len(self.nova.servers))
        self.assertEqual([], [step for step in self.steps()
                              if step.startswith(B)])
        self.assertEqual([('stop-compute', A), ('start-compute', A)],
                         self.commands)
        self.assert_as_found()

    def test_a_stop_that_stopped_nothing_fails_every_story(self):
        # A start command that restarts it: its init_host completes the
        # evacuations, so the guard restores A.
        self.stops_stop = False
        self.restarts = True
        outcomes = self.run_stories()
        for test in TESTS.values():
            outcome = outcomes[test]
            self.assertEqual(shared_stop.FAIL, outcome.kind)
            self.assertTrue(outcome.message.startswith(
                'premise: the stop command'), outcome.message)
            self.assertIn('did not stop nova-compute on %s' % A,
                          outcome.message)
        self.assert_as_found()

    def test_a_stop_that_stopped_nothing_and_no_return(self):
        # A start command that leaves the running compute as it is: no
        # init_host, the evacuations stay "done" and Nova keeps A forced
        # down; the restore fails, and every story says why first.
        self.stops_stop = False
        self.settings = {'restore_timeout': 0.5}
        outcomes = self.run_stories()
        for test in TESTS.values():
            outcome = outcomes[test]
            self.assertEqual(shared_stop.FAIL, outcome.kind)
            self.assertTrue(outcome.message.startswith(
                'premise: the stop command'), outcome.message)
            self.assertIn('then the shared stop of %s ended in error' % A,
                          outcome.message)
            self.assertIn('Could not restore nova-compute on %s' % A,
                          outcome.message)
        # B was restored before A's restore was tried.
        self.assertEqual(AS_FOUND, self.service(B))

    def test_a_source_that_cannot_return_names_the_deleted_servers(self):
        # Only a Nova defect lets one story's step keep the others from
        # their check after A returned: every story says so.
        self.start_crashes = True
        self.settings = {'restore_timeout': 0.5}
        outcomes = self.run_stories()
        for test in TESTS.values():
            outcome = outcomes[test]
            self.assertEqual(shared_stop.FAIL, outcome.kind)
            self.assertTrue(outcome.message.startswith(
                'the shared stop of %s ended in error, so nothing after it '
                'returned could be judged: Could not restore' % A),
                outcome.message)
            self.assertIn(
                'evacuated servers were deleted while %s was down (by the '
                'stories %s, %s), after which its nova-compute must still '
                'start (bug 1794996)' % (A, evacuation_stop.DELETED,
                                         evacuation_stop.LOCAL_DELETE),
                outcome.message)
        self.assertEqual(AS_FOUND, self.service(B))

    def test_an_error_mid_stop_fails_its_story_and_both_are_restored(self):
        delete_server = self.nova.delete_server

        def broken_for_the_local_delete(context, query, body, server_id):
            if server_id == self.servers_by_story()[
                    evacuation_stop.LOCAL_DELETE]:
                return 500, {'computeFault': {
                    'code': 500, 'message': 'injected'}}
            return delete_server(context, query, body, server_id)
        self.nova.delete_server = broken_for_the_local_delete
        outcome = self.assert_only_fails(
            self.run_stories(), evacuation_stop.LOCAL_DELETE,
            'the %s story (one of 4 sharing one stop of %s): the local '
            'delete of evacuated server' % (evacuation_stop.LOCAL_DELETE,
                                            A))
        self.assertIn('injected', outcome.message)
        self.nova.delete_server = delete_server
        self.assert_as_found()
