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
"""Stories that share one stop of a compute, each judged on its own.

A story whose premise is a stopped compute pays the compute's start and
first heartbeat; several stories can share one stop when their steps do
not change each other's verdict. A class's resource_setup then runs
them in one sequence (evacuation_stop.py for EvacuationTest), and each
story keeps its own test id, verdict and message, which its test method
reports (shared_hold.SharedVerdicts), as the local-delete states of one
hold do (shared_hold.py).

This module is how the sequence judges. Every story has one server.
Each step's check reads a snapshot of Placement taken right before the
step, which keeps every other story's server at what it then held
(placement_checks/snapshot.py keep), so a step that changes another
story's server fails the story whose step it was. The first verdict of a
story stands. A story that did not pass is out: the sequence takes no
further step for it, and every later check leaves its server (and any
consumer a failure named) out, so one story's failure does not change
another's verdict and a Nova broken for one story fails that story. A
step that prepares several stories and fails (a shared boot, a hold)
fails or skips each of them, naming it. A story that was never judged
fails: nothing passes by default.
"""

import collections
import contextlib

from oslo_log import log as logging
from tempest import config

from allocation_tempest_plugin import exceptions
from allocation_tempest_plugin.placement_checks import placement
from allocation_tempest_plugin.placement_checks import snapshot
from allocation_tempest_plugin.reads import allocations
from allocation_tempest_plugin.serial_tests import shared_hold

CONF = config.CONF
LOG = logging.getLogger(__name__)

PASS, FAIL, SKIP = shared_hold.PASS, shared_hold.FAIL, shared_hold.SKIP
Outcome = shared_hold.Outcome


class Story(collections.namedtuple('Story', 'name test')):
    """A story of a shared stop: its name in messages, and its test method."""


class SharedStop(object):
    """Verdicts of test_class's stories (a list of Story), in their order.

    A subclass sets host (the stopped compute, for messages), servers
    ({story name: server id}), projects ({server id: project}) and the
    providers it reads ({rp uuid: host}), and runs its steps inside
    step().
    """

    def __init__(self, test_class, stories):
        self.cls = test_class
        self.stories = collections.OrderedDict(
            (story.name, story) for story in stories)
        self.outcomes = {}
        self.host = None
        self.providers = {}     # rp uuid -> host, read by every snapshot
        self.held = set()       # rp uuids a guard holds now
        self.servers = {}       # story name -> its server id
        self.projects = {}      # server id -> its consumer's project
        self.left_out = set()   # consumers no later check compares

    # -- verdicts ---------------------------------------------------------

    def test_id(self, name):
        return '%s.%s.%s' % (self.cls.__module__, self.cls.__name__,
                             self.stories[name].test)

    def judged(self, name):
        return self.stories[name].test in self.outcomes

    def pending(self, *names):
        """The stories of names (default: all) not judged yet, in order."""
        return [name for name in (names or self.stories)
                if not self.judged(name)]

    def judge(self, name, kind, message=None):
        """name's verdict, unless it has one; a story not passed is out."""
        if self.judged(name):
            return
        self.outcomes[self.stories[name].test] = Outcome(kind, message)
        if kind == PASS:
            return
        LOG.warning('%s: %s: %s', self.test_id(name), kind, message)
        if name in self.servers:
            self.left_out.add(self.servers[name])

    def judge_all(self, names, kind, message):
        for name in names:
            self.judge(name, kind, message)

    def fail_unjudged(self):
        """Every story without a verdict fails: none passes by default."""
        self.judge_all(self.pending(), FAIL, 'not judged: the shared stop '
                       'of %s ended before this story\'s last check' %
                       self.host)

    @contextlib.contextmanager
    def step(self, names, what):
        """Run a step of the stories names; its error is their verdict.

        A skip skips each (a host taken meanwhile); any other error fails
        each, naming the story and the step. BaseException (a signal,
        the guard's deadline) goes on: it must unwind to the restores.
        """
        try:
            yield
        except self.cls.skipException as skip:
            self.judge_all(names, SKIP, str(skip))
        except Exception as error:
            LOG.exception('Shared stop of %s: %s failed', self.host, what)
            for name in names:
                self.judge(name, FAIL, 'the %s story (one of %d sharing one '
                           'stop of %s): %s failed: %s' % (
                               name, len(self.stories),
                               self.host or 'a compute', what, error))

    def enter_guard(self, stack, guard, names):
        """guard entered on stack (its host held), or None, names judged.

        A host someone else holds (or took since it was chosen) skips
        each story of names; orphaned allocations on it fail the first
        that this run did not fail for yet and skip the others
        (HostHoldingChecks.orphan_verdict). Other errors go on, the guard
        having restored what it changed.
        """
        try:
            return stack.enter_context(guard)
        except (exceptions.HostNotFree, exceptions.HostNotExclusive,
                self.cls.skipException) as why:
            self.judge_all(names, SKIP, 'cannot hold %s: %s' % (
                guard.host, why))
        except exceptions.OrphanedAllocations as found:
            first, message = self.cls.orphan_verdict(
                found, self.test_id(names[0]))
            self.judge(names[0], FAIL if first else SKIP, message)
            self.judge_all(names, SKIP, message)
        return None

    # -- Placement --------------------------------------------------------

    def snapshot(self, name, held=()):
        """Placement now on the providers and the class's projects.

        held: the providers of hosts held now (snapshot.capture's held).
        """
        cls = self.cls
        owned = snapshot.PlacementSnapshot(
            cls.providers_client, cls.allocations_client, cls.usages_client,
            owner=self.test_id(name),
            project_ids=[cls.os_admin.credentials.project_id,
                         cls.os_primary.credentials.project_id],
            # Pre-provisioned projects may hold servers of other runs.
            compare_projects=CONF.auth.use_dynamic_credentials)
        return owned.capture(dict(self.providers), held=held)

    def moment(self, name, acting=None):
        """Placement right before a step, for name's verdict (its report).

        The step is that of the stories acting (default: name alone);
        their servers' expectations are the caller's. Every other story's
        server must keep exactly what it holds now, and the held
        providers are compared whole.
        """
        owned = self.snapshot(name, held=sorted(self.held))
        acting = set(acting or [name])
        for story, server_id in self.servers.items():
            if story in acting or server_id in self.left_out:
                continue
            owned.keep(server_id, project_id=self.projects.get(server_id))
        self.leave_out_reported(owned)
        return owned

    def leave_out_reported(self, owned):
        """owned compares no consumer an earlier verdict was about."""
        for consumer in sorted(self.left_out):
            owned.ignore(consumer, project_id=self.projects.get(consumer))
        self.projects.update(owned.projects())

    def premise_holds(self, name, owned, holdings, before_what):
        """Why name's server does not hold holdings in owned; None if it does.

        holdings: {rp uuid: resources}, read from owned's capture, taken
        right before the step.
        """
        server_id = self.servers[name]
        held = {rp_uuid: on_rp[server_id]
                for rp_uuid, on_rp in owned.before.items()
                if server_id in on_rp}
        if held == holdings:
            return None
        return ('premise: the %s story\'s server %s holds %s right before '
                '%s, not %s; see: openstack resource provider allocation '
                'show %s' % (name, server_id, self.describe(held),
                             before_what, self.describe(holdings),
                             server_id))

    def describe(self, holdings):
        return ', '.join('%s on %s' % (
            placement.format_amounts(resources),
            self.providers.get(rp_uuid, rp_uuid))
            for rp_uuid, resources in sorted(holdings.items())) or (
                '(nothing)')

    def verdict(self, names, owned, context):
        """Fails names if Placement is not as owned expects, read once now.

        True when it is. The consumers a failure names are recorded for
        the run under the first story's test (later classes skip meeting
        them) and left out of every later check. Another story whose
        server the step changed fails on its premise, naming the story
        whose step it was: it cannot be judged any more.
        """
        findings = owned.leaks()
        if not findings:
            return True
        leaked = sorted({consumer for finding in findings
                         for consumer in finding.consumers})
        self.cls.leak_registry().record(leaked, self.test_id(names[0]))
        self.left_out.update(leaked)
        self.judge_all(names, FAIL, owned.report(findings, context))
        for story, server_id in self.servers.items():
            if story in names or server_id not in owned.expected:
                continue
            should = owned.expected[server_id][1]
            now = allocations.of_consumer(self.cls.allocations_client,
                                          server_id)
            if now != should:
                self.judge(story, FAIL, (
                    'premise: the %s story\'s server %s changed during the '
                    '%s story\'s step (%s), which fails for it: it held %s, '
                    'now %s' % (story, server_id, names[0], context,
                                self.describe(should), self.describe(now))))
        return False
