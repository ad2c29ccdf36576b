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
"""The evacuation stories in one stop of their source, each judged alone.

EvacuationTest's four stories each need compute A's nova-compute stopped
and forced down while a server of theirs is evacuated to B (or fails to
be), and A started again to see what its return does: the start and
its first heartbeat cost most of a story. So resource_setup runs them in
one stop of A (shared_stop.py says how each is judged): one server per
story booted on A in one request, A stopped and forced down once by the
guard, each story's step done and checked at the moment Nova promises
its outcome, A started once, then each story's check after A returned.

The order inside the stop, and why:

1. moves: S1 evacuated to B alone and checked (both providers, the
   project counts it twice), then forced_down's clear asked for (Nova
   must refuse, bug 1922053). First, so that S1's is A's only "done"
   evacuation when Nova refuses, and so that a Nova that wrongly accepts
   (the guard forces A down again at once) does so before any other
   evacuation is under way.
2. S2 (deleted-while-source-down) and S3 (local-delete) evacuated to B
   together (independent): each then holds its flavor on both, and
   nothing else changed.
3. deleted-while-source-down: S2 deleted by B's compute, which must be
   up, so before B is held; read once at the 404.
4. B held (forced down) for the two stories that need it. local-delete:
   S3 deleted locally, read once while both are held. no-valid-host:
   S4's evacuation finds no host (A is its source, B is down), read
   once while both are held. The local delete goes first: nova-api
   frees the allocations before DELETE answers, so nothing of it is
   under way afterwards. The failed evacuation is the conductor's,
   asynchronous, and goes last, so that anything of it still under way
   when its wait ends can only show in its own check or after the stop,
   where every other story leaves S4 out.
5. B restored, then A (started; init_host completes the evacuations).
6. After A returned, each story's server against Placement read before
   the boot: S1 on B only, S2 and S3 nowhere, S4 on A only; the other
   stories' servers are theirs to judge.

What no order removes: every story's check after A returned needs A to
start, and two stories delete an evacuated server while A is down,
which is what bug 1794996 once made a source fail to start on. A Nova
with that defect fails every story (none can be judged), and each
failure says so; with the stop of its own it failed two.
"""

import contextlib
import time

from oslo_log import log as logging
from tempest.common import compute
from tempest.common import waiters as tempest_waiters
from tempest import config
from tempest.lib.common.utils import test_utils

from allocation_tempest_plugin.guard import hosts
from allocation_tempest_plugin.placement_checks import placement
from allocation_tempest_plugin.reads import allocations
from allocation_tempest_plugin.serial_tests import evacuation_steps
from allocation_tempest_plugin.serial_tests import shared_stop

CONF = config.CONF
LOG = logging.getLogger(__name__)
FAIL, PASS = shared_stop.FAIL, shared_stop.PASS
# The line run() logs, as the shared hold logs its own.
SHARED_STOP_LOG = 'allocation_tempest_plugin shared stop:'

MOVES = evacuation_steps.MOVES
DELETED = evacuation_steps.DELETED
LOCAL_DELETE = evacuation_steps.LOCAL_DELETE
NO_VALID_HOST = evacuation_steps.NO_VALID_HOST
STORIES = evacuation_steps.STORIES


class EvacuationStop(evacuation_steps.EvacuationSteps,
                     shared_stop.SharedStop):
    """Runs the stories of STORIES (named so) for test_class."""

    def __init__(self, test_class, stories):
        super(EvacuationStop, self).__init__(test_class, stories)
        if set(self.stories) != set(STORIES):
            raise ValueError('the shared stop runs the stories %s, not %s'
                             % (STORIES, sorted(self.stories)))
        self.host_b = self.rp_a = self.rp_b = None
        self.flavor = placement.flavor_resources(test_class.flavor)
        self.baselines = {}    # story name -> snapshot before the boot
        self.deleted_while_down = []

    def run(self):
        """Every story's Outcome, by test method name.

        Logs what the whole sequence cost, from host choice to the
        restore of A.
        """
        started = time.monotonic()
        try:
            self._run()
        finally:
            self.fail_unjudged()
            LOG.info('%s %d stories, %s stopped once, in %.2f s: %s',
                     SHARED_STOP_LOG, len(self.stories), self.host,
                     time.monotonic() - started, ', '.join(
                         '%s %s' % (name, self.outcomes[story.test].kind)
                         for name, story in self.stories.items()))
        return self.outcomes

    def _run(self):
        with self.step(STORIES, 'choosing the hosts'):
            self._choose_hosts()
        if not self.pending():
            return
        guard_a = None
        with self.step(STORIES, 'preparing the stop of %s' % self.host):
            guard_a = self.cls.guard_for(
                self.host, self.cls.exclusive_check_for(self.host,
                                                        self.own_ids),
                self.cls.recheck_for(self.own_ids), fence=True)
            # Read before any server exists (as each story read it
            # before its own server, when each had a stop of its own).
            for name in STORIES:
                self.baselines[name] = self.snapshot(name)
        if guard_a is None or len(self.pending()) != len(STORIES):
            return
        with self.step([LOCAL_DELETE, NO_VALID_HOST], 'reading %s' %
                       self.host_b):
            self._skip_unless_b_may_be_held()
        names = self.pending()
        with self.step(names, 'booting %d servers on %s' % (
                len(names), self.host)):
            self._boot(names)
        if self.pending() and self._stop_a(guard_a):
            self._after_a_returned()

    def own_ids(self):
        return set(self.servers.values())

    def _choose_hosts(self):
        """A, which the class holds and stops, and B; skips every story."""
        host_a, why_not = self.cls.choose_disruptable_host(self.own_ids)
        if host_a is None:
            raise self.cls.skipException(why_not)
        self.host = host_a
        # The first other up and enabled host, as a single story chose it.
        self.host_b = next((host for host in hosts.available_hosts(
            self.cls.os_admin.hypervisor_client) if host != host_a), None)
        if self.host_b is None:
            raise self.cls.skipException(
                'needs a second up and enabled compute besides %s' % host_a)
        self.rp_a = self.cls.provider_for_host(host_a)
        self.rp_b = self.cls.provider_for_host(self.host_b)
        self.providers = {self.rp_a: host_a, self.rp_b: self.host_b}

    def _skip_unless_b_may_be_held(self):
        """Skips the two stories that hold B too when B may not be held.

        Before their servers are booted: B is not in disruptable_hosts
        (a multinode gate holds only its controller) or runs another
        project's server. Asked again when B is held.
        """
        why_not = hosts.host_refusal(
            self.cls.compute_services_client, self.cls.admin_servers_client,
            self.host_b, CONF.allocation.disruptable_hosts, self.own_ids())
        if why_not is not None:
            raise self.cls.skipException('cannot hold %s: %s' % (
                self.host_b, why_not))

    # -- before the stop --------------------------------------------------

    def _boot(self, names):
        """One server per story of names on A, in one request; premises.

        A host taken meanwhile skips every story; a scheduler that found
        no valid host on a host that still takes servers gets one more
        request, as a single boot does.
        """
        clients = self.cls.os_admin
        servers = self.cls.boot_onto_host(
            self.host, lambda: compute.create_test_server(
                clients, networks='none', host=self.host,
                min_count=len(names), wait_until='ACTIVE')[1])
        # Tempest's order: every delete is sent before any wait. A server
        # left in ERROR on purpose (no-valid-host) is still awaited.
        for server in servers:
            self.cls.addClassResourceCleanup(
                tempest_waiters.wait_for_server_termination,
                clients.servers_client, server['id'], ignore_error=True)
        for server in servers:
            self.cls.addClassResourceCleanup(
                test_utils.call_and_ignore_notfound_exc,
                clients.servers_client.delete_server, server['id'])
        for name, server in zip(names, servers):
            self.servers[name] = server['id']
        for name, server in zip(names, servers):
            with self.step([name], 'reading server %s in Placement' %
                           server['id']):
                self._premise_booted(name, server)

    def _premise_booted(self, name, server):
        """Its server holds exactly its flavor on A, in its own project."""
        mismatch = self.cls.allocation_mismatch(
            server['id'], {self.rp_a: self.flavor},
            'premise: the server booted for the %s story holds its flavor '
            'on %s' % (name, self.host))
        if mismatch:
            return self.judge(name, FAIL, mismatch)
        project = allocations.project_of(self.cls.allocations_client,
                                         server['id'])
        if project != server['tenant_id']:
            return self.judge(name, FAIL, (
                'premise: the allocations of server %s (the %s story) '
                'belong to project %s, not to its own %s' % (
                    server['id'], name, project, server['tenant_id'])))
        self.projects[server['id']] = project

    # -- the stop ---------------------------------------------------------

    def _stop_a(self, guard_a):
        """The steps in one stop of A; whether A returned, stop proven."""
        try:
            with contextlib.ExitStack() as stack:
                guard = self.enter_guard(stack, guard_a, self.pending())
                if guard is None:
                    return False
                self.held.add(self.rp_a)
                stack.callback(self.held.discard, self.rp_a)
                self.moves(guard)
                self.evacuate_to_b(DELETED, LOCAL_DELETE)
                self.delete_while_source_down()
                self._hold_b()
        except Exception as error:
            LOG.exception('The shared stop of %s ended in error', self.host)
            ended = ('the shared stop of %s ended in error, so nothing after '
                     'it returned could be judged: %s' % (self.host, error))
            if self.deleted_while_down:
                # The one way a story's step can keep the others from
                # their check after A returned: Nova's own defect.
                ended += ('; evacuated servers were deleted while %s was '
                          'down (by the stories %s), after which its '
                          'nova-compute must still start (bug 1794996)' % (
                              self.host, ', '.join(self.deleted_while_down)))
            if guard_a.stop_unproven:
                # The cause, when it is known: a compute that never stopped
                # never runs init_host, and Nova keeps it forced down.
                ended = 'premise: %s; then %s' % (guard_a.stop_unproven,
                                                  ended)
            self.judge_all(self.pending(), FAIL, ended)
            return False
        if guard_a.stop_unproven:
            # Every step passed, but against a compute that kept running.
            self.judge_all(self.pending(), FAIL,
                           'premise: %s' % guard_a.stop_unproven)
            return False
        return True

    def _hold_b(self):
        """B held too (forced down, its process left running) for two.

        The guard restores B when the block ends, before A's restore.
        """
        names = self.pending(LOCAL_DELETE, NO_VALID_HOST)
        if not names:
            return
        guard_b = None
        with self.step(names, 'preparing the hold of %s' % self.host_b):
            guard_b = self.cls.guard_for(
                self.host_b, self.cls.exclusive_check_for(self.host_b,
                                                          self.own_ids),
                self.cls.recheck_for(self.own_ids))
        if guard_b is None:
            return
        try:
            with contextlib.ExitStack() as stack:
                guard = self.enter_guard(stack, guard_b, names)
                if guard is None:
                    return
                self.held.add(self.rp_b)
                stack.callback(self.held.discard, self.rp_b)
                self.local_delete(guard)
                self.no_valid_host()
        except Exception as error:
            LOG.exception('The hold of %s ended in error', self.host_b)
            self.judge_all(self.pending(*names), FAIL, (
                'the hold of %s (inside the shared stop of %s) ended in '
                'error: %s' % (self.host_b, self.host, error)))

    # -- after A returned -------------------------------------------------

    def _after_a_returned(self):
        """Each story's server against Placement read before the boot.

        A, started, has run init_host and its startup resource update
        (the guard waited for its own heartbeat). Each story judges its
        own server; the others' are theirs (left out).
        """
        final = {MOVES: {self.rp_b: self.flavor}, DELETED: {},
                 LOCAL_DELETE: {}, NO_VALID_HOST: {self.rp_a: self.flavor}}
        context = {
            MOVES: 'evacuation of %s from %s to %s, source back' % (
                self.servers[MOVES], self.host, self.host_b),
            DELETED: 'after %s returned' % self.host,
            LOCAL_DELETE: 'after %s and %s returned' % (self.host,
                                                        self.host_b),
            NO_VALID_HOST: 'after both computes returned'}
        for name in self.pending():
            server_id = self.servers[name]
            with self.step([name], 'reading Placement after %s returned' %
                           self.host):
                owned = self.baselines[name]
                owned.expect(server_id, final[name],
                             project_id=self.projects[server_id])
                for other in self.servers.values():
                    if other != server_id:
                        owned.ignore(other,
                                     project_id=self.projects.get(other))
                self.leave_out_reported(owned)
                if self.verdict([name], owned, context[name]):
                    self.judge(name, PASS)
