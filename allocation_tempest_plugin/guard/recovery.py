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

"""Heals compute services that a killed run or a failed restore left.

The guard writes a marker into disabled_reason that carries a deadline
and the state it found. Recovery acts only on the exact states the guard
leaves: its marker on a disabled service (forced down, or no longer if a
restore got half way), and a lent host (loans.py: a record under
lock_path naming the marker it was lent with; the service enabled
without a marker, forced down or not). It restores what the marker
recorded, by the same steps as the guard (start the compute, wait for a
heartbeat it did not cause, forced_down, then status), verifies the
result, reports every other state instead of changing it, and carries on
past a host it cannot fix. A marker that says the run stopped the
compute (stop=1, as every loan's does) is restored only with a start
command: without one recovery fails, leaving the marker, rather than
call a stopped compute restored. It touches only hosts this runner may
disrupt ([allocation] disruptable_hosts, when set) unless told
otherwise.
"""

import datetime

from allocation_tempest_plugin.guard import commands
from allocation_tempest_plugin.guard import loans
from allocation_tempest_plugin.guard import marker
from allocation_tempest_plugin.guard import restore_steps
from allocation_tempest_plugin.guard import retrying
from allocation_tempest_plugin.guard import service_record
from allocation_tempest_plugin.reads import services

RESTORE = 'restore'


class Action(object):
    """What recovery does about one service; loan: its loans.Loan, if lent.

    found: the marker (marker.Marker) the guard wrote, for a loan the one
    the host was lent with.
    """

    def __init__(self, service, found, verdict, loan=None):
        self.service = service
        self.found = found
        self.verdict = verdict
        self.loan = loan

    def changed(self, service):
        """Whether service is no longer in the state recovery listed."""
        if self.loan is not None:
            return not lent_as_recorded(service, self.found)
        return (marker.run_of(service) != self.found.run_id or
                service['status'] != 'disabled')

    @property
    def failed(self):
        return self.verdict.startswith('FAILED')

    def line(self):
        if self.found is None:
            return '%s %s: %s' % (self.service['host'],
                                  self.service['binary'], self.verdict)
        return '%s %s run=%s until=%s%s: %s' % (
            self.service['host'], self.service['binary'],
            self.found.run_id,
            self.found.deadline.strftime('%Y-%m-%dT%H:%M:%SZ'),
            ' (lent)' if self.loan is not None else '', self.verdict)


def lent_as_recorded(service, found):
    """Enabled as found, no marker, forced down or not: a loan's states.

    A take-back whose single PUT did not land leaves it as lent; an older
    guard's two-step take-back could leave it forced down in between.
    """
    return (marker.run_of(service) is None and
            service['status'] == found.found['status'] and
            service['disabled_reason'] == found.found['disabled_reason'])


def _verdict(service, found, now, force, allowed_hosts, lent=False,
             owner_gone=False):
    if not commands.valid_host(service['host']):
        return ('left alone: %r is not a plain host name' %
                service['host'])
    if allowed_hosts and service['host'] not in allowed_hosts:
        return ('skip: not in [allocation] disruptable_hosts %s (use '
                '--any-host)' % sorted(allowed_hosts))
    if lent and not lent_as_recorded(service, found):
        return ('FAILED: changed by someone else while lent (now %s); '
                'the nova-compute run %s stopped may still be stopped, '
                'left alone' % (services.summary(service),
                                found.run_id))
    if not lent and service['status'] != 'disabled':
        return ('left alone: carries the marker but is %s, not a state '
                'the guard leaves' % service['status'])
    if not force and found.deadline > now and not owner_gone:
        # A loan whose lending process has ended (same machine, the
        # record says which) need not wait out the deadline.
        return 'skip: its run may still hold it (use --force)'
    return RESTORE


def plan(listed, now, force=False, allowed_hosts=(), only_hosts=(),
         lent=()):
    """An Action for every marked or lent service of listed (only_hosts).

    lent: the loans.Loan records of this runner's lock_path.
    """
    listed = [service for service in listed
              if not only_hosts or service['host'] in only_hosts]
    actions = []
    for service in listed:
        found = marker.parse_marker(service['disabled_reason'])
        if found is None:
            continue
        actions.append(Action(service, found, _verdict(
            service, found, now, force, allowed_hosts)))
    by_host = {service['host']: service for service in listed}
    for loan in lent:
        action = _loan_action(loan, by_host, now, force, allowed_hosts,
                              only_hosts)
        if action is not None:
            actions.append(action)
    return actions


def _loan_action(loan, by_host, now, force, allowed_hosts, only_hosts):
    """The Action for one loan record; None when there is nothing to do."""
    if only_hosts and loan.host not in only_hosts:
        return None
    found = None if loan.problem else marker.parse_marker(loan.reason)
    if found is None:
        problem = loan.problem or 'its marker %r is not one' % loan.reason
        return Action({'host': loan.host or loan.path,
                       'binary': services.BINARY}, None,
                      'FAILED: loan record %s %s' % (loan.path, problem))
    service = by_host.get(loan.host)
    if service is None or service['id'] != loan.service_id:
        return Action({'host': loan.host, 'binary': services.BINARY},
                      found, 'FAILED: lent, but its service %s is gone '
                      '(record %s)' % (loan.service_id, loan.path), loan)
    if marker.run_of(service) == found.run_id:
        # Taken back: the marker is there and has its own Action.
        return None
    return Action(service, found, _verdict(
        service, found, now, force, allowed_hosts, lent=True,
        owner_gone=loan.owner_gone()), loan)


class _Restorer(object):
    """Puts one marked service back to the state its marker recorded."""

    def __init__(self, services_client, action, settings, runner, deadline,
                 clock):
        self.action = action
        self.host = action.service['host']
        # Read and written as the guard does: a heartbeat counts only past
        # recovery's own last write.
        self.record = service_record.ServiceRecord(services_client,
                                                   self.host)
        self.record.service_id = action.service['id']
        self.start_command = settings.compute_start_command
        self.command_timeout = settings.command_timeout
        self.runner = runner
        self.disruptable_hosts = list(settings.disruptable_hosts)
        self.deadline = deadline
        self.retry = retrying.Retrier(clock, settings.poll_interval,
                                      'recover %s' % self.host)

    def step(self, call, what, done=None):
        return self.retry(call, self.deadline, what, done)

    def run(self):
        seen = self.step(self.record.read, 'read')
        if not seen.done:
            return 'FAILED: could not read it (%s)' % seen.why_not()
        service = seen.value
        if self.action.changed(service):
            return 'left alone: changed since it was listed (now %s)' % (
                services.summary(service),)
        self.record.note_write(service)
        found = self.action.found.found
        if self.action.found.stops and not self.start_command:
            # Left marked (or recorded as lent): the state to come back to
            # once the compute runs again.
            return ('FAILED: run %s stopped its nova-compute and no '
                    '[allocation] compute_start_command is set; start it, '
                    'then run this again' % self.action.found.run_id)
        left = []
        if self.start_command:
            kwargs = {'runner': self.runner} if self.runner else {}
            _, left, _ = restore_steps.start_and_await_heartbeat(
                lambda: commands.run(
                    self.start_command, self.host, self.command_timeout,
                    disruptable_hosts=self.disruptable_hosts,
                    **kwargs),
                self.record.read, lambda: self.record.last_write,
                self.step)
        if not left:
            left = restore_steps.put_back(
                self.record.put, found, service['forced_down'] !=
                found['forced_down'], lambda call, what: self.step(
                    call, what))
        if not left:
            back = self.step(self.record.read, 'read back', lambda s: (
                restore_steps.matches_original(s, found)))
            if not back.done:
                left = ['does not read as %s (%s)' % (found,
                                                      back.why_not())]
            else:
                return 'restored to %s (now %s)' % (
                    _describe(found), back.value['state'])
        return 'FAILED: %s' % '; '.join(left)


def _describe(found):
    text = '%s, forced_down=%s' % (found['status'],
                                   str(found['forced_down']).lower())
    if found['status'] == 'disabled':
        text += ', reason %r' % found['disabled_reason']
    return text


def recover(services_client, settings, force=False, dry_run=False,
            any_host=False, hosts=(), now=None, runner=None, clock=None):
    """Restore marked and lent services; returns the actions, for printing.

    settings: the guard's (guard/settings.py): its start command, its
    disruptable_hosts (when set, only they are touched unless any_host),
    its restore timeout and poll interval, and its lock_path (Tempest's
    [oslo_concurrency] lock_path), where this runner records loans.
    hosts: only these (named by the operator, so they count as allowed).
    """
    now = now or datetime.datetime.now(datetime.timezone.utc)
    clock = clock or retrying.Clock()
    allowed = []
    if settings.disruptable_hosts and not any_host:
        allowed = sorted(set(settings.disruptable_hosts) | set(hosts or ()))
    book = loans.LoanBook(settings.lock_path)
    lent = book.loans()
    actions = plan(services.list_all(services_client), now, force,
                   allowed, hosts, lent)
    with_action = {id(action.loan) for action in actions}
    for loan in lent:
        if (not dry_run and loan.problem is None and
                id(loan) not in with_action and
                (not hosts or loan.host in hosts)):
            # Taken back: the host carries the marker again.
            book.drop(loan)
    for action in actions:
        if action.verdict != RESTORE:
            continue
        if dry_run:
            action.verdict = 'would restore to %s (dry run)' % _describe(
                action.found.found)
            continue
        restorer = _Restorer(services_client, action, settings, runner,
                             clock.monotonic() + settings.restore_timeout,
                             clock)
        try:
            action.verdict = restorer.run()
        except Exception as error:
            # Carry on with the next host; this one is reported.
            action.verdict = 'FAILED: %s: %s' % (type(error).__name__,
                                                 error)
        if action.loan is not None and action.verdict.startswith(
                'restored'):
            book.drop(action.loan)
    return actions
