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
runner writes, waits claim_settle_seconds and reads again; the last
write wins in Nova's database. Suppose runner A wrote at tA and B at
tB > tA. B read the service before writing, at or after tB - d (d: B's
read-to-write time, which the protocol requires to be shorter than the
settle delay S). If tB - tA > d, B's read came after A's write: B saw
A's marker and never wrote. So whenever both wrote, tB - tA <= d < S,
and A's second read at tA + S comes after tB: A sees B's marker and
backs off, without restoring (the state is B's now). B sees its own and
holds the host. With more runners the last writer holds it and every
earlier one sees a later marker. A runner that measures its own
read-to-write time at S or more cannot rely on this and backs off too,
undoing only its own marker. Before the delete (confirm_held) and
before restoring, the guard reads the marker again, so a broken
assumption ends in a refusal, never in two runners restoring each
other's state.

S is the protocol's whole cost: about S per disruption, since the
disable before it is what nova-api answers slowest (its RPC to the
compute for the COMPUTE_STATUS_DISABLED trait), so S cannot be made
much shorter than a second or two. A cloud that no other runner shares
(a gate node of its own) can set S to 0: no settle and no second read,
only the checks before the delete and before the restore remain.
"""

from allocation_tempest_plugin.common import compute_services
from allocation_tempest_plugin.common import marker
from allocation_tempest_plugin import exceptions

BINARY = compute_services.BINARY


def refuse_unless_free(service, host):
    """Raise HostNotFree unless service is up, enabled and unmarked."""
    held_by = marker.run_of(service)
    if held_by is not None:
        raise exceptions.HostNotFree(
            reason='%s on %s is held by run %s (disabled_reason %r)' % (
                BINARY, host, held_by, service['disabled_reason']))
    if not compute_services.is_available(service):
        raise exceptions.HostNotFree(
            reason='%s on %s is not up and enabled: %s' % (
                BINARY, host, compute_services.summary(service)))


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
        # (common/exclusive.py).
        self.exclusive_check = exclusive_check
        self.written = False

    def take(self, reason, read_started):
        """Disable with reason (the marker); what exclusive_check found.

        The check runs while the claim settles, so the settle delay costs
        only what the check does not already take. Raises HostNotFree
        when another runner's claim came later or when this one was too
        slow to tell (see the module docstring).
        """
        # Set first: a disable whose answer was lost may have landed.
        self.written = True
        self.record.put(status='disabled', disabled_reason=reason)
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
                       '(found %s); left it to them' % (
                           BINARY, self.record.host,
                           compute_services.summary(seen)))
        if round_trip >= self.settle_seconds:
            raise exceptions.HostNotFree(
                reason='claiming %s on %s took %.1f s, not less than '
                       '[allocation] claim_settle_seconds (%s s), so '
                       'another runner\'s claim could have been missed; '
                       'undid this claim' % (
                           BINARY, self.record.host, round_trip,
                           self.settle_seconds))

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
                found=compute_services.summary(service))
        return service


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
