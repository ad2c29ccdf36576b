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
"""One hold of one host for many local deletes, each judged on its own.

Holding a compute costs a claim, a force-down and a restore; the local
delete it serves costs one DELETE. A class's resource_setup brings one
server to each state on one host (booted in one request, the state
changes sent together), holds the host once, and deletes the servers
locally one after another. Each delete is judged the moment it answers,
against Placement read right before it (the provider, held exclusively,
and the project the servers were booted in; the reads that judged the
delete before it, when nothing came between): its server's consumer
empty, the provider and the project short of exactly what that server
held, every other server untouched. The other servers are judged on the
held provider, re-read whole, and in the project's usage, not by a read
of each (placement_checks/snapshot.py _other_levels_see_all_of): a
read of each per state would cost calls quadratic in the states and see
nothing those two do not. Each state keeps its own test id, verdict and
message; its test method only reports it (LocalDeleteTest).

What a shared step cannot do for one state (a state change that fails,
a premise that does not hold) fails that state's test alone. A leak found
for one state fails that state's test; the later states' comparisons
leave its consumers out (placement_checks/snapshot.py ignore), so each state is
judged on its own and a Nova that leaks in every state turns every
state's test red. A delete that fails leaves Placement unknown: the
later states are then skipped naming it.
"""

import collections
import contextlib
import time

from oslo_log import log as logging
from tempest.common import compute
from tempest.common import waiters as tempest_waiters
from tempest import config
from tempest import exceptions as tempest_exceptions
from tempest.lib.common.utils import test_utils

from allocation_tempest_plugin import exceptions
from allocation_tempest_plugin.placement_checks import placement
from allocation_tempest_plugin.placement_checks import snapshot
from allocation_tempest_plugin.serial_tests import premises

CONF = config.CONF
LOG = logging.getLogger(__name__)

PASS, FAIL, SKIP = 'pass', 'fail', 'skip'
# The line run() logs (tools/bench/bench.py reads it).
SHARED_HOLD_LOG = 'allocation_tempest_plugin shared hold:'


class Outcome(collections.namedtuple('Outcome', 'kind message')):
    """A state's verdict, reported by its test method."""


class SharedVerdicts(object):
    """A test that reports the verdict its class's shared setup judged.

    The class sets verdicts ({test method name: Outcome}) in
    resource_setup.
    """

    def report_shared_verdict(self):
        """Pass, fail or skip as resource_setup judged this test."""
        verdict = self.verdicts[self._testMethodName]
        if verdict.kind == SKIP:
            raise self.skipException(verdict.message)
        if verdict.kind == FAIL:
            self.fail(verdict.message)


class State(collections.namedtuple(
        'State', 'name test enter holds_on_host skip_reason')):
    """A server state served by the shared hold.

    name: the status the server must reach (e.g. 'PAUSED'); test: the
    test method that reports its verdict; enter(test_class, server_id):
    sends what brings a server there and returns without waiting, or
    None for ACTIVE; holds_on_host: whether the server still holds its
    flavor on its host there (False: shelve offload frees it);
    skip_reason: why the cloud cannot have this state, or None.
    """


class SharedHold(object):
    """Runs the states' story for test_class (its clients and CONF)."""

    def __init__(self, test_class, states):
        self.cls = test_class
        self.states = [state for state in states if not state.skip_reason]
        self.outcomes = {state.test: Outcome(SKIP, state.skip_reason)
                         for state in states if state.skip_reason}
        self.servers = {}   # state name -> server id, until deleted
        self.reported = set()   # consumers a state's failure named
        self.projects = {}   # server id -> its consumer's project
        # The snapshot whose comparison read Placement last, right after
        # its delete: the next state's baseline (nothing happens between).
        self.last_judged = None
        self.host = None
        self.rp_uuid = None

    def test_id(self, state):
        return '%s.%s.%s' % (self.cls.__module__, self.cls.__name__,
                             state.test)

    def _judge(self, state, kind, message=None):
        self.outcomes[state.test] = Outcome(kind, message)
        if kind != PASS:
            LOG.warning('%s: %s: %s', self.test_id(state), kind, message)

    def _pending(self):
        return [state for state in self.states
                if state.test not in self.outcomes]

    def run(self):
        """Every state's Outcome, by test method name; fails the class.

        Fails it (SharedSetupFailed) only when the shared boot fails on a
        host that still takes servers; anything else is a state's
        outcome. Logs what the whole story cost (tools/bench compares it
        with the bare API calls of the same story).
        """
        started = time.monotonic()
        try:
            return self._run()
        finally:
            verdicts = ', '.join('%s %s' % (
                state.name, self.outcomes[state.test].kind
                if state.test in self.outcomes else 'not judged')
                for state in self.states)
            LOG.info('%s %d states on %s in %.2f s: %s', SHARED_HOLD_LOG,
                     len(self.states), self.host, time.monotonic() - started,
                     verdicts)

    def _run(self):
        """run()'s story; skips the class when the guard's precheck does.

        That is, when the host was taken between its choice and its hold
        (recheck_for); every other refusal is each state's skip.
        """
        if not self.states:
            return self.outcomes
        host, why_not = self.cls.choose_disruptable_host(self._own_ids)
        if host is None:
            return self._skip_all(why_not)
        self.host = host
        self.rp_uuid = self.cls.provider_for_host(host)
        try:
            self._boot()
        except self.cls.skipException as skip:
            return self._skip_all(str(skip))
        self._bring_to_states()
        self._hold_and_delete()
        return self.outcomes

    def _own_ids(self):
        return set(self.servers.values())

    def _skip_all(self, why):
        for state in self._pending():
            self._judge(state, SKIP, why)
        return self.outcomes

    # -- before the hold --------------------------------------------------

    def _boot(self):
        """One server per state on the host, all ACTIVE; skips or fails.

        Booted in one request. A host taken meanwhile (another runner, an
        operator) is a skip; a scheduler that found no valid host on a
        host that still takes servers gets one more request, as a single
        boot does (base.AdminAllocationTestBase.boot_server). Anything
        else fails the class naming every state it was preparing.
        """
        try:
            return self.cls.boot_onto_host(self.host, self._boot_once)
        except tempest_exceptions.BuildErrorException as failed:
            raise exceptions.SharedSetupFailed(
                states=', '.join(s.name for s in self.states),
                host=self.host, step='booting %d servers' % len(
                    self.states), reason=failed)

    def _boot_once(self):
        """The servers, awaited at class cleanup; fails the states unheld.

        A server that does not hold its flavor on the host fails its
        state's test alone.
        """
        clients = self.cls.os_admin
        _, servers = compute.create_test_server(
            clients, networks='none', host=self.host,
            min_count=len(self.states), wait_until='ACTIVE')
        # Tempest's order: every delete is sent before any wait.
        for server in servers:
            self.cls.addClassResourceCleanup(
                tempest_waiters.wait_for_server_termination,
                clients.servers_client, server['id'], ignore_error=True)
        for server in servers:
            self.cls.addClassResourceCleanup(
                test_utils.call_and_ignore_notfound_exc,
                clients.servers_client.delete_server, server['id'])
        for state, server in zip(self.states, servers):
            self.servers[state.name] = server['id']
        flavor = placement.flavor_resources(self.cls.flavor)
        for state in self.states:
            self._fail_unless_holds(
                state, {self.rp_uuid: flavor},
                'premise: the server booted for %s holds its flavor on %s'
                % (state.name, self.host))

    def _bring_to_states(self):
        """Send every state change, then wait for each; judge premises."""
        sent = []
        for state in self._pending():
            if state.enter is None:
                sent.append(state)
                continue
            try:
                state.enter(self.cls, self.servers[state.name])
            except Exception as error:
                self._judge(state, FAIL, 'preparing %s on %s: %s' % (
                    state.name, self.host, error))
                continue
            sent.append(state)
        for state in sent:
            try:
                tempest_waiters.wait_for_server_status(
                    self.cls.admin_servers_client, self.servers[state.name],
                    state.name, raise_on_error=False)
            except Exception as error:
                self._judge(state, FAIL, 'preparing %s on %s: %s' % (
                    state.name, self.host, error))
                continue
            if state.holds_on_host:
                self._fail_unless_holds(
                    state, {self.rp_uuid: placement.flavor_resources(
                        self.cls.flavor)},
                    'premise: a %s server holds its flavor on %s before '
                    'its local delete' % (state.name, self.host))
            else:
                self._fail_unless_holds(
                    state, {}, 'the way to %s freed nothing: the offload '
                    'must free the allocations on the former host %s '
                    '(nova/compute/manager.py _shelve_offload_instance, '
                    'delete_allocation_for_shelve_offloaded_instance); the '
                    'local delete below would hide it' % (
                        state.name, self.host))

    def _fail_unless_holds(self, state, holdings, what):
        if state.test in self.outcomes:
            return
        mismatch = self.cls.allocation_mismatch(self.servers[state.name],
                                                holdings, what)
        if mismatch:
            self._judge(state, FAIL, mismatch)

    # -- the hold ---------------------------------------------------------

    def _hold_and_delete(self):
        """Hold the host once and delete each state's server; may skip all.

        A host another runner holds skips every state left; orphans on
        it fail the first and skip the rest; a precheck that finds it
        taken skips the class (see _run).
        """
        if not self._pending():
            return
        with contextlib.ExitStack() as stack:
            try:
                guard = stack.enter_context(self.cls.guard_for(
                    self.host,
                    self.cls.exclusive_check_for(self.host, self._own_ids),
                    self.cls.recheck_for(self._own_ids)))
            except (exceptions.HostNotFree,
                    exceptions.HostNotExclusive) as why:
                self._skip_all('cannot hold %s: %s' % (self.host, why))
                return
            except exceptions.OrphanedAllocations as found:
                first_state = self._pending()[0]
                first, message = self.cls.orphan_verdict(
                    found, self.test_id(first_state))
                self._judge(first_state, FAIL if first else SKIP, message)
                self._skip_all(message)
                return
            for state in self._pending():
                if state.test in self.outcomes:
                    continue   # judged meanwhile (the hold ended)
                try:
                    self._delete_locally(state, guard)
                except Exception as error:
                    # An answer missing or malformed, a hold lost: what
                    # Placement or Nova holds is unknown now, and no later
                    # state could be judged against it. The guard still
                    # restores the host as the block unwinds.
                    self._judge(state, FAIL, 'judging the local delete of '
                                'the %s server on %s: %s' % (
                                    state.name, self.host, error))
                    self._skip_all('not judged: the shared hold of %s '
                                   'ended when %s could not be judged' % (
                                       self.host, self.test_id(state)))

    def _delete_locally(self, state, guard):
        """Delete state's server, judged against Placement read just before.

        One read after: nova-api frees the allocations before DELETE
        answers, and the forced-down compute, which still runs, would heal
        a leak a period later.
        """
        server_id = self.servers.pop(state.name)
        owned = self._snapshot(state, server_id)
        # Until this state's comparison has read Placement again, no later
        # state may take its baseline from an earlier one.
        self.last_judged = None
        unproven = self._no_longer_held(state, server_id, owned)
        if not unproven:
            unproven = premises.not_down(guard.confirm_held(), self.host)
        if unproven:
            self.servers[state.name] = server_id
            self._judge(state, FAIL, unproven)
            return
        servers_client = self.cls.admin_servers_client
        try:
            servers_client.delete_server(server_id)
            tempest_waiters.wait_for_server_termination(servers_client,
                                                        server_id)
        except Exception as error:
            # What Placement holds is unknown now: no later state could be
            # judged against it.
            self._judge(state, FAIL, 'the local delete of the %s server %s '
                        'on %s failed: %s' % (state.name, server_id,
                                              self.host, error))
            self._skip_all('not judged: the shared hold of %s ended when '
                           'the delete of %s failed' % (
                               self.host, self.test_id(state)))
            return
        unproven = premises.local_delete_unproven(servers_client, server_id,
                                                  self.host)
        if unproven:
            self._judge(state, FAIL, unproven)
            return
        findings = owned.leaks()
        self.last_judged = owned
        if not findings:
            self._judge(state, PASS)
            return
        leaked = sorted({consumer for finding in findings
                         for consumer in finding.consumers})
        self.cls.leak_registry().record(leaked, self.test_id(state))
        # Judged once: the later states leave these out (and whether the
        # resource tracker heals them meanwhile), so each is judged alone.
        self.reported.update(leaked)
        self._judge(state, FAIL, owned.report(
            findings, 'local delete of a %s server on %s (one of %d states '
            'deleted in one hold of the host)' % (
                state.name, self.host, len(self.states))))

    def _no_longer_held(self, state, server_id, owned):
        """Why server_id's delete could prove nothing now; None if it can.

        Read from the snapshot just taken: an earlier delete of this hold
        may have freed this server's allocations too (a finding of that
        state's), and the delete of a server that holds nothing would
        pass whatever nova-api does.
        """
        if not state.holds_on_host:
            return None
        held = owned.before[self.rp_uuid].get(server_id, {})
        flavor = placement.flavor_resources(self.cls.flavor)
        if held == flavor:
            return None
        return ('premise: a %s server holds its flavor on %s right before '
                'its local delete: server %s holds %s there, not %s; it held '
                'it when it reached %s, so something freed or changed it '
                'since (the delete of a state judged before it?); see: '
                'openstack resource provider allocation show %s' % (
                    state.name, self.host, server_id,
                    placement.format_amounts(held),
                    placement.format_amounts(flavor), state.name, server_id))

    def _snapshot(self, state, server_id):
        """Placement now: what the delete of server_id may change."""
        cls = self.cls
        owned = self.last_judged and self.last_judged.next_moment(
            self.test_id(state))
        if owned is None:
            owned = snapshot.PlacementSnapshot(
                cls.providers_client, cls.allocations_client,
                cls.usages_client, owner=self.test_id(state),
                # The project the servers were booted in (_boot_once,
                # admin): a local delete can only take from it.
                project_ids=[cls.os_admin.credentials.project_id],
                compare_projects=CONF.auth.use_dynamic_credentials)
            # The host is held (the guard): the one read is the baseline
            # and the moment the provider became the test's alone.
            owned.capture({self.rp_uuid: self.host}, held=[self.rp_uuid])
        # Each server's project is read from Placement once, by the first
        # snapshot that sees it, not again by every later state's.
        owned.expect_gone(server_id, project_id=self.projects.get(server_id))
        for other in self.servers.values():
            owned.keep(other, project_id=self.projects.get(other))
        self.projects.update(owned.projects())
        for consumer in self.reported:
            owned.ignore(consumer, project_id=self.projects.get(consumer))
        return owned
