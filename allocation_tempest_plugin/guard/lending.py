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

"""The guard's lend mode: a claimed host taken by the scheduler once.

Nova bug 1859496 needs a server the scheduler placed on a host whose
nova-compute cannot take it yet: the scheduler's allocation exists, the
build message waits in the stopped compute's queue and instance.host is
still None (the compute's claim sets it, not the conductor). Nova
schedules there only while the service is enabled (ComputeFilter, and
the forbidden trait COMPUTE_STATUS_DISABLED of the compute_status_filter
request filter) and reads up (ComputeFilter: service_is_up, true until
service_down_time after the last heartbeat).

lend() runs after the guard's claim (this run's marker, the exclusive
check, the settle, the re-read). It records the loan (loans.py: a file
under lock_path holding the marker, since an enabled service cannot
carry one), then re-enables the service while the compute still runs,
so nova-api's set_host_enabled RPC removes the trait (about 1 s; against
a stopped compute that reads up the same call waits
rpc_response_timeout, 60 s, and the trait stays), then stops the
process. The marker written at the claim already says stop=1, so from
the first write to the last a killed run leaves either the marker or
the loan record, and recovery restores either one, starting the
compute.

take_back() claims it again in one PUT (forced_down, status and the
marker together: Nova saves them at once and makes no RPC, since the
service reads down from that save on), settles, re-reads, removes the
loan record and checks again that the host holds nothing foreign.
"""

from allocation_tempest_plugin import exceptions
from allocation_tempest_plugin.guard import loans
from allocation_tempest_plugin.guard import marker
from allocation_tempest_plugin.reads import services

BINARY = services.BINARY


class Lending(object):
    """The lend and take-back of one guard's host.

    Built by the guard from its own parts (guard/disruption.py): the
    service record, the compute process, the claim, the restorer (to
    start a compute handed back), the clock, on_step, and the guard's
    settings (the wait for "down", the restore timeout, and lock_path,
    where the loan is recorded).
    """

    def __init__(self, record, process, host_claim, restorer, clock,
                 on_step, settings):
        self.record = record
        # Where the loan is recorded while lent.
        self.loan_book = loans.LoanBook(settings.lock_path)
        self.process = process
        self.host_claim = host_claim
        self.restorer = restorer
        self.clock = clock
        self.on_step = on_step
        self.timeout = settings.wait_timeout
        self.interval = settings.poll_interval
        self.restore_timeout = settings.restore_timeout
        # This run's marker while the host is lent, for the take-back.
        self.marker = None

    @property
    def host(self):
        return self.record.host

    def check(self):
        """Before the claim: what lending needs is configured.

        Raises DisruptionError naming what is missing, having changed
        nothing.
        """
        if not (self.process.stop_command and self.process.start_command):
            raise exceptions.DisruptionError(
                reason='lending %s on %s needs the stop and start '
                       'commands' % (BINARY, self.host))
        if not self.loan_book.lock_path:
            raise exceptions.DisruptionError(
                reason='lending %s on %s needs [oslo_concurrency] '
                       'lock_path, where the loan is recorded for '
                       'recovery' % (BINARY, self.host))

    def lend(self, reason):
        """Re-enable the claimed host while its compute lives, stop it."""
        # Before the first change: from the re-enable on, the host
        # carries no marker and this record is the only trace of it.
        self.loan_book.record(self.host, self.record.service_id, reason)
        self.marker = reason
        self.record.put(status='enabled')
        self.on_step('lent')
        self.process.stop()
        self.on_step('stopped')

    def take_back(self):
        """Hold the lent host again, as the guard holds a disrupted one.

        Returns the service as re-read. Raises HostNotFree when someone
        took the host while it was lent (nothing is written over their
        state; the compute this run stopped is started again) and
        HostNotExclusive when something foreign landed on it meanwhile
        (the guard's restore then runs as for any held host).
        """
        read_started = self.clock.monotonic()
        found = self.record.read()
        if not reads_as_lent(found):
            self._give_up(found)
        try:
            # One write: there is no moment when the service is forced
            # down without the marker. A lost answer leaves the loan
            # record in place and the restore (or recovery) reads what
            # landed.
            findings = self.host_claim.take(self.marker, read_started,
                                            forced_down=True)
        except exceptions.HostNotFree as taken:
            if self.host_claim.written:
                raise
            # Another runner's marker landed after ours: theirs now.
            left = self._start_stopped(self.record.read())
            if left:
                raise exceptions.HostNotFree(reason='%s; %s' % (
                    taken, '; '.join(left)))
            self._end_loan()
            raise
        self._end_loan()
        self.on_step('taken_back')
        if findings:
            raise exceptions.HostNotExclusive(self.host, findings)
        return self.record.wait_for(lambda s: s['state'] == 'down', 'down',
                                    self.timeout, self.interval)

    def _end_loan(self):
        """The host carries the marker again, or is not ours: no record."""
        if self.marker is not None:
            self.loan_book.clear(self.host, self.marker)
            self.marker = None

    def end(self):
        """After the restore: a loan still recorded is over now."""
        if self.marker is not None:
            self._end_loan()

    def _give_up(self, found):
        self.host_claim.written = False
        left = self._start_stopped(found)
        if not left:
            # Nothing of this run's is left on the host to recover.
            self._end_loan()
        raise exceptions.HostNotFree(
            reason='%s on %s was changed by someone else while it was lent '
                   'to the scheduler (found %s), so it was left as found%s'
                   % (BINARY, self.host, services.summary(found),
                      '; ' + '; '.join(left) if left else
                      '; the nova-compute this run stopped was started '
                      'again'))

    def _start_stopped(self, before_start):
        """Start the compute this run stopped; what is left undone."""
        return self.restorer.start_compute(
            before_start, self.clock.monotonic() + self.restore_timeout)


def reads_as_lent(service):
    """Enabled, no marker, not forced down: as lend() left it."""
    return (service['status'] == 'enabled' and
            marker.run_of(service) is None and
            not service['forced_down'])
