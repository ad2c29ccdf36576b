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
"""Placement before a test's server exists, compared after: one owner.

The snapshot reads only the providers the test uses and the test's own
projects, so its cost does not grow with the cloud. What it may compare
depends on what the test holds:

- a provider the test holds exclusively (a serial class, the host disabled
  by the guard and found free of anything foreign): every change of every
  consumer on it counts, as in Nova's own regression test;
- any other provider: only changes of the test's own consumers count
  (the ones it tracks, and any new consumer whose project is the test's,
  e.g. a migration it caused); other tests' servers come and go beside
  it and are printed as context, never as the failure.

Consumer level: every tracked consumer holds nothing
(GET /allocations/{uuid} never 404s, it answers {}). Project level: the
test's projects use exactly what they used before the test (dynamic
credentials give each test class projects of its own).
"""

from allocation_tempest_plugin.placement_checks import leak_report
from allocation_tempest_plugin.placement_checks import placement
from allocation_tempest_plugin.reads import allocations


class PlacementSnapshot(object):
    """capture() before the server exists; leaks() after, read once."""

    def __init__(self, providers_client, allocations_client, usages_client,
                 owner, project_ids, compare_projects=True):
        self.providers_client = providers_client
        self.allocations_client = allocations_client
        self.usages_client = usages_client
        # The test that owns what is checked, named in every report.
        self.owner = owner
        self.project_ids = sorted(set(project_ids))
        # False when the project may be shared (pre-provisioned
        # credentials): its usage is then not compared.
        self.compare_projects = compare_projects
        self.hosts = {}            # rp uuid -> host
        self.before = {}           # rp uuid -> {consumer: resources}
        self.project_before = {}   # project -> usages
        self.captured_rps = set()  # providers read with project_before
        # consumer uuid -> (role, {rp uuid: resources} it must hold at the
        # end, project); {} for a consumer that must be gone.
        self.expected = {}
        # Consumers whose leak an earlier verdict already reported: not
        # compared, and counted in their project at what they hold now.
        self.ignored = set()
        self.exclusive = set()     # rp uuids the test holds exclusively
        self.at_hold = {}          # held rp uuid -> {consumer: resources}
        self._project_of = {}      # consumer uuid -> project (cache)
        # Set when a known Nova defect reproduced: its leftovers are then
        # released at cleanup (release_leftovers).
        self.release_after_verdict = False
        # What the last leaks() read: ({rp uuid: {consumer: resources}},
        # {project: usages}), the baseline next_moment() hands on.
        self.last_read = None

    # -- before -----------------------------------------------------------

    def capture(self, providers, held=()):
        """Read providers ({rp uuid: host}) and the test's projects.

        held: those of providers the test holds already (see
        hold_exclusively), held from this very read rather than from a
        second one of the same provider a moment later.
        """
        self.add_providers(providers)
        # What the projects' usage read now already counts: consumers on
        # these providers, not on providers added later (add_providers).
        self.captured_rps = set(providers)
        for rp_uuid in held:
            self._held_as(rp_uuid, self.before[rp_uuid])
        for project_id in self.project_ids:
            self.project_before[project_id] = self._project_usages(
                project_id)
        return self

    def next_moment(self, owner):
        """A snapshot of the moment the last leaks() read; None without one.

        For a story that judges one step after another on the same
        providers and projects (the shared hold): when the test did
        nothing between the reads that judged one step and the next
        step, those reads are the next step's baseline, and reading the
        same providers and projects again a moment later would only
        cost calls. The providers held now stay held, from that read;
        the projects already read are known. Expectations, ignored
        consumers and the owner are the caller's to set again.
        """
        if self.last_read is None:
            return None
        providers, projects = self.last_read
        moment = PlacementSnapshot(
            self.providers_client, self.allocations_client,
            self.usages_client, owner, self.project_ids,
            self.compare_projects)
        moment.hosts = dict(self.hosts)
        moment.before = {rp_uuid: dict(on_rp)
                         for rp_uuid, on_rp in providers.items()}
        moment.captured_rps = set(providers)
        moment.project_before = dict(projects)
        for rp_uuid in self.exclusive:
            moment._held_as(rp_uuid, providers[rp_uuid])
        moment._project_of = dict(self._project_of)
        return moment

    def add_providers(self, providers):
        """Read more providers now, e.g. where a resize went.

        Their baseline is this moment: what the test's tracked consumers
        hold there already is judged by their expectations, not by it.
        """
        for rp_uuid, host in providers.items():
            if rp_uuid not in self.before:
                self.hosts[rp_uuid] = host
                self.before[rp_uuid] = self._allocations_on(rp_uuid)

    def track(self, consumer_uuid, role='server'):
        """A consumer the test created: it must hold nothing at the end."""
        self.expect(consumer_uuid, {}, role)

    def keep(self, consumer_uuid, role='server', project_id=None):
        """A live consumer of the test's that must keep what it held.

        Compared with what capture() saw on the captured providers. Its
        project is read now, while it holds something (unless the caller
        read it already: project_id): a report about a consumer stripped
        later can still name it.
        """
        holdings = {rp_uuid: on_rp[consumer_uuid]
                    for rp_uuid, on_rp in self.before.items()
                    if consumer_uuid in on_rp}
        if holdings or project_id:
            # One that holds nothing here (a shelve-offloaded server) has
            # no project in Placement to read, and nothing to be stripped
            # of; its own read at the comparison names what it gained.
            self._know_project(consumer_uuid, project_id)
        self.expect(consumer_uuid, holdings, role)

    def expect_gone(self, consumer_uuid, role='server', project_id=None):
        """A live consumer that must hold nothing at the end.

        For a snapshot captured while it exists: its project is read now,
        while it holds something (unless the caller read it already:
        project_id), and that project's usage is expected to drop by what
        it held at capture().
        """
        self._know_project(consumer_uuid, project_id)
        self.expect(consumer_uuid, {}, role)

    def _know_project(self, consumer_uuid, project_id):
        if project_id:
            self._project_of[consumer_uuid] = project_id
        else:
            self.project_of(consumer_uuid)

    def projects(self):
        """{consumer: project} read so far (for a later snapshot's keep)."""
        return dict(self._project_of)

    def ignore(self, consumer_uuid, project_id=None):
        """Leave out a consumer an earlier verdict already failed for.

        Its leftovers are that verdict's finding; whether the resource
        tracker heals them meanwhile is not this one's. Its project's
        usage is expected to hold what it holds at the comparison. Pass
        project_id where it is known: a consumer healed between capture()
        and this call has no project to read any more, and its usage
        would count against this verdict.
        """
        self._know_project(consumer_uuid, project_id)
        self.ignored.add(consumer_uuid)

    def expect(self, consumer_uuid, holdings, role='server',
               project_id=None):
        """consumer_uuid must hold exactly holdings ({rp: resources}).

        Its project's usage is then expected to change by what it holds
        more (or less) than at capture().
        """
        self.expected[consumer_uuid] = (role, holdings)
        if project_id:
            self._project_of[consumer_uuid] = project_id

    def hold_exclusively(self, rp_uuid):
        """From now on every change on rp_uuid is the test's to answer for.

        Only for a provider whose host the guard holds: disabled, nothing
        foreign on it, in a serial class. What is on it now is read: a
        consumer the test does not track must hold exactly that at the
        end, so one that vanishes or shrinks while the host is held (a
        local delete that freed more than its server) is a finding too.
        """
        self._held_as(rp_uuid, self._allocations_on(rp_uuid))

    def _held_as(self, rp_uuid, on_rp):
        """rp_uuid is held from now, with on_rp ({consumer: resources})."""
        self.exclusive.add(rp_uuid)
        self.at_hold[rp_uuid] = dict(on_rp)

    def release_hold(self, rp_uuid):
        self.exclusive.discard(rp_uuid)
        self.at_hold.pop(rp_uuid, None)

    # -- reads ------------------------------------------------------------

    def _allocations_on(self, rp_uuid):
        return allocations.on_provider(self.providers_client, rp_uuid)

    def _project_usages(self, project_id):
        return allocations.project_usages(self.usages_client, project_id)

    def project_of(self, consumer_uuid):
        if consumer_uuid not in self._project_of:
            project = allocations.project_of(self.allocations_client,
                                             consumer_uuid)
            if project is None:
                return None
            self._project_of[consumer_uuid] = project
        return self._project_of[consumer_uuid]

    # -- after ------------------------------------------------------------

    def leaks(self):
        """Findings at the three levels, read once now; [] when clean."""
        findings = []
        for consumer_uuid, (role, holdings) in sorted(self.expected.items()):
            if not self._other_levels_see_all_of(consumer_uuid, holdings):
                findings.append(self._consumer_finding(consumer_uuid, role,
                                                       holdings))
        providers_now, projects_now = {}, {}
        for rp_uuid in sorted(self.before):
            providers_now[rp_uuid] = self._allocations_on(rp_uuid)
            findings.append(self._provider_finding(
                rp_uuid, providers_now[rp_uuid]))
        if self.compare_projects:
            for project_id in self.project_ids:
                projects_now[project_id] = self._project_usages(project_id)
                findings.append(leak_report.project_finding(
                    project_id, self._project_expected(project_id),
                    projects_now[project_id]))
        # Projects not compared are not read: the next moment's baseline
        # has none to compare either.
        self.last_read = (providers_now, projects_now)
        return [finding for finding in findings if finding]

    def leaks_against(self, holdings):
        """leaks(), as if consumers held holdings ({consumer: {rp: res}}).

        How a known defect is matched exactly: [] only when every
        consumer, provider and project is what the defect describes.
        """
        saved = dict(self.expected)
        try:
            for consumer, held in holdings.items():
                role = self.expected.get(consumer, ('server', {}))[0]
                self.expected[consumer] = (role, held)
            return self.leaks()
        finally:
            self.expected = saved

    def _other_levels_see_all_of(self, consumer_uuid, holdings):
        """Whether consumer_uuid's own read could find nothing new.

        True for a consumer that must keep what it holds (a shared hold's
        neighbour), all of it on providers held exclusively, and whose
        project's usage is compared: a change of it on those providers is
        a provider finding (read again, every consumer on them counts),
        and anything it gained anywhere else a project finding. Reading
        it too would cost one call per neighbour and per verdict
        (quadratic in the states of a shared hold) and tell nothing more.
        A consumer that must be gone, or whose expectation reaches past
        the held providers or its project, is always read.
        """
        return bool(holdings) and self.compare_projects and (
            set(holdings) <= self.exclusive & set(self.before)) and (
            self._project_of.get(consumer_uuid) in self.project_ids)

    def _consumer_finding(self, consumer_uuid, role, holdings):
        body = self.allocations_client.list_allocations(consumer_uuid)
        if body.get('project_id'):
            self._project_of[consumer_uuid] = body['project_id']
        if allocations.by_provider(body) == holdings:
            return None
        return leak_report.consumer_finding(consumer_uuid, role, body,
                                            holdings, self.hosts)

    def _holdings_now(self, consumer_uuid):
        return allocations.of_consumer(self.allocations_client,
                                       consumer_uuid)

    def _project_expected(self, project_id):
        """The project's usage before, plus what expected consumers add.

        A consumer that must be gone adds nothing and takes away what it
        held at capture (expect_gone); an ignored one adds what it holds
        now.
        """
        held = [(consumer, holdings.values())
                for consumer, (_, holdings) in self.expected.items()
                if self._project_of.get(consumer) == project_id]
        held += [(consumer, self._holdings_now(consumer).values())
                 for consumer in sorted(self.ignored)
                 if self._project_of.get(consumer) == project_id]
        expected = dict(self.project_before[project_id])
        for consumer, holdings in held:
            at_capture = [on_rp[consumer]
                          for rp_uuid, on_rp in self.before.items()
                          if rp_uuid in self.captured_rps and
                          consumer in on_rp]
            for rc, amount in placement.add_resources(*holdings).items():
                expected[rc] = expected.get(rc, 0) + amount
            for rc, amount in placement.add_resources(*at_capture).items():
                expected[rc] = expected.get(rc, 0) - amount
        return expected

    def _provider_finding(self, rp_uuid, now):
        """rp_uuid's finding, now being what is on it now."""
        before = self.before[rp_uuid]
        exclusive = rp_uuid in self.exclusive
        at_hold = self.at_hold.get(rp_uuid, {})
        ours, others = [], []
        for consumer in sorted((set(before) | set(now) | set(at_hold)) -
                               self.ignored):
            was, is_now = before.get(consumer, {}), now.get(consumer, {})
            if consumer in self.expected:
                should = self.expected[consumer][1].get(rp_uuid, {})
                if placement.usage_diff(should, is_now):
                    ours.append((consumer, self._project_of.get(consumer),
                                 was, is_now))
                continue
            if exclusive and placement.usage_diff(
                    at_hold.get(consumer, {}), is_now):
                # Held: nothing may come, go, grow or shrink meanwhile.
                ours.append((consumer, self.project_of(consumer) if is_now
                             else self._project_of.get(consumer),
                             at_hold.get(consumer, {}), is_now))
                continue
            if exclusive or not placement.usage_diff(was, is_now):
                continue
            project = None if not is_now else self.project_of(consumer)
            # A consumer that went away freed its resources: whoever it
            # was, that is not a leak. One that is new or grew is the
            # test's leak if its project is the test's, or if it appeared
            # on a held host, where nothing may.
            if is_now and (exclusive or project in self.project_ids):
                ours.append((consumer, project, was, is_now))
            else:
                others.append((consumer, project, was, is_now))
        return leak_report.provider_finding(
            rp_uuid, self.hosts[rp_uuid], exclusive,
            placement.usages_of(before), placement.usages_of(now), ours,
            others)

    def release_leftovers(self):
        """Delete what consumers that must be gone still hold; [] if none.

        A cleanup, run after the test's verdict and after its servers
        were deleted: a leak already reported (or a known Nova defect)
        must not make the host look foreign to every later test. Returns
        the consumers it released, for the log.
        """
        released = []
        for consumer_uuid, (role, holdings) in sorted(self.expected.items()):
            if holdings:
                continue
            body = self.allocations_client.list_allocations(consumer_uuid)
            if body['allocations']:
                self.allocations_client.delete_allocations(consumer_uuid)
                released.append('%s %s (%s)' % (
                    role, consumer_uuid, ', '.join(
                        '%s: %s' % (rp, placement.format_amounts(
                            allocation['resources']))
                        for rp, allocation in sorted(
                            body['allocations'].items()))))
        return released

    def report(self, findings, context):
        return leak_report.leak_report(findings, context, self.owner)
