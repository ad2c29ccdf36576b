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

"""Claiming a host: free before, ours alone after, still ours later.

The guard takes only a host that is up and enabled and carries no
marker. It claims it by disabling it with this run's marker, checks what
the host holds (after the disable, so nothing new lands there
meanwhile), lets the claim settle and reads the service again.

os-services has no compare-and-swap, so two runners (separate lock
paths, one cloud) can both read the host free and both write. Each
runner writes, waits its settle S and reads again; the last write wins
in Nova's database. Every runner's read-to-write time d must stay under
one bound shared by all, MIN_SETTLE_SECONDS (M), and every runner that
shares hosts settles at least M. Suppose runner A wrote at tA and B at
tB > tA. B read the service before writing, at or after tB - dB. If
tB - tA > dB, B's read came after A's write: B saw A's marker and never
wrote. So whenever both wrote, tB - tA <= dB < M <= SA, and A's second
read at tA + SA comes after tB: A sees B's marker and backs off, without
restoring (the state is B's now). B sees its own and holds the host.
With more runners the last writer holds it and every earlier one sees a
later marker. This holds whatever settle each runner configured, as long
as each is at least M: a smaller one is raised to M (effective_settle).
A runner that measures its own read-to-write time at M or more cannot
rely on this and backs off too, undoing only its own marker. Before the
delete (confirm_held) and before restoring, the guard reads the marker
again, so a broken assumption ends in a refusal, never in two runners
restoring each other's state.

The argument needs Nova's services table to read its latest write: one
primary database (or a Galera cluster writing through one node, as
OpenStack deployments do); a read from a lagging replica could show a
host free after another runner's marker landed.

S is the protocol's whole cost: about S per disruption, since the
disable before it is what nova-api answers slowest (its RPC to the
compute for the COMPUTE_STATUS_DISABLED trait), so M cannot be made
much shorter than a second or two. A runner whose hosts no other runner
uses can set S to 0: no settle and no second read, only the checks
before the delete and before the restore remain. The guard allows 0
only where [allocation] disruptable_hosts names the hosts, the
operator's statement that they are this runner's alone; without it 0
means "shared cloud" like any other value below M and is raised to M.
The marker carries the writer's S, so a runner that meets another's
marker says which protocol it met.
"""

from allocation_tempest_plugin import exceptions
from allocation_tempest_plugin.guard import marker
from allocation_tempest_plugin.reads import services

BINARY = services.BINARY

# The bound on every runner's read-to-write time, and the least settle of
# a runner that shares hosts (see the module docstring).
MIN_SETTLE_SECONDS = 3.0


def effective_settle(configured, disruptable_hosts):
    """The settle the guard uses: 0 only on hosts named as this runner's.

    Any other value below MIN_SETTLE_SECONDS is raised to it: two
    runners are safe together only when each settles at least the bound
    that both keep their round trip under.
    """
    if not configured and disruptable_hosts:
        return 0.0
    return max(float(configured or 0.0), MIN_SETTLE_SECONDS)


def refuse_unless_free(service, host):
    """Raise HostNotFree unless service is up, enabled and unmarked."""
    held_by = marker.run_of(service)
    if held_by is not None:
        raise exceptions.HostNotFree(
            reason='%s on %s is held by run %s (disabled_reason %r)' % (
                BINARY, host, held_by, service['disabled_reason']))
    why = services.why_not_usable(service)
    if why is not None:
        raise exceptions.HostNotFree(
            reason='%s on %s is %s' % (BINARY, host, why))


class Claim(object):
    """One run's claim on the service a ServiceRecord reads and writes.

    written: whether this run's disable may have landed, so the restore
    has something of its own to undo.
    """

    def __init__(self, record, run_id, clock, settle_seconds,
                 exclusive_check=None):
        self.record = record
        self.run_id = run_id
        self.clock = clock
        self.settle_seconds = settle_seconds
        # exclusive_check(host) -> list of foreign findings
        # (guard/exclusive.py).
        self.exclusive_check = exclusive_check
        self.written = False

    def take(self, reason, read_started, forced_down=None):
        """Disable with reason (the marker); what exclusive_check found.

        forced_down: also set in the same PUT (a lent host taken back:
        Nova saves the three fields at once, so there is no moment when
        it is forced down without the marker). The check runs while the
        claim settles, so the settle delay costs only what the check does
        not already take. Raises HostNotFree
        when another runner's claim came later or when this one was too
        slow to tell (see the module docstring).
        """
        # Set first: a disable whose answer was lost may have landed.
        self.written = True
        fields = dict(status='disabled', disabled_reason=reason)
        if forced_down is not None:
            fields['forced_down'] = forced_down
        self.record.put(**fields)
        written_at = self.clock.monotonic()
        round_trip = written_at - read_started
        # Checked after the disable: nothing new can be scheduled there.
        findings = self.check_exclusive()
        if not self.settle_seconds:
            # One runner by configuration: nobody else's claim to wait for.
            return findings
        self.clock.sleep(max(0.0, self.settle_seconds -
                             (self.clock.monotonic() - written_at)))
        self._back_off_unless_ours(self.record.read(), round_trip)
        return findings

    def check_exclusive(self):
        """What exclusive_check finds on the host now; [] without one."""
        if self.exclusive_check is None:
            return []
        return self.exclusive_check(self.record.host)

    def _back_off_unless_ours(self, seen, round_trip):
        if marker.run_of(seen) != self.run_id:
            # Someone else's write landed after ours: it is theirs now.
            self.written = False
            raise exceptions.HostNotFree(
                reason='another runner claimed %s on %s at the same time '
                       '(found %s%s); left it to them' % (
                           BINARY, self.record.host,
                           services.summary(seen),
                           _their_settle(seen)))
        bound = min(self.settle_seconds, MIN_SETTLE_SECONDS)
        if round_trip >= bound:
            raise exceptions.HostNotFree(
                reason='claiming %s on %s took %.1f s, not less than the '
                       '%s s every runner sharing the cloud must stay '
                       'under, so another runner\'s claim could have been '
                       'missed; undid this claim' % (
                           BINARY, self.record.host, round_trip, bound))

    def confirm_held(self):
        """The service, re-read, if it is still held as this run left it.

        The premise of a local delete: this run's marker, disabled,
        forced down and reading state "down". Raises HostTakenOver
        saying what differs otherwise.
        """
        service = self.record.read()
        problems = held_problems(service, self.run_id)
        if problems:
            raise exceptions.HostTakenOver(
                host=self.record.host, run_id=self.run_id,
                reason='; '.join(problems),
                found=services.summary(service))
        return service


def _their_settle(service):
    found = marker.parse_marker(service.get('disabled_reason'))
    if found is None or found.settle is None:
        return ''
    if not found.settle:
        return ('; that runner claims with claim_settle_seconds = 0, '
                'which is safe only on hosts no other runner uses')
    return '; that runner settles %s s' % found.settle


def held_problems(service, run_id):
    """What keeps service from being held by run_id for a local delete."""
    problems = []
    if marker.run_of(service) != run_id:
        problems.append('disabled_reason is not this run\'s marker')
    if service['status'] != 'disabled':
        problems.append('status is %s' % service['status'])
    if not service['forced_down']:
        problems.append('forced_down is false')
    if service['state'] != 'down':
        problems.append('state is %s, so Nova would not delete '
                        'locally' % service['state'])
    return problems
