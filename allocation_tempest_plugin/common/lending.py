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
check, the settle, the re-read). It re-enables the service while the
compute still runs, so nova-api's set_host_enabled RPC removes the
trait (about 1 s; against a stopped compute that reads up the same call
waits rpc_response_timeout, 60 s, and the trait stays), then stops the
process. Enabling clears disabled_reason, so while the host is lent it
carries no marker: a run killed then leaves an enabled service whose
compute is stopped, which allocation-tempest-recover cannot find.

take_back() claims it again: force down first (no RPC), then disable
with the marker through the guard's claim (no RPC either, the service
reads down now), settle, re-read, and check again that the host holds
nothing foreign.
"""

from allocation_tempest_plugin.common import compute_services
from allocation_tempest_plugin.common import marker
from allocation_tempest_plugin.common import signals
from allocation_tempest_plugin import exceptions

BINARY = compute_services.BINARY


class Lending(object):
    """The lend and take-back of one guard's host.

    Built by the guard from its own parts (common/disruption.py): the
    service record, the compute process, the claim, the deadline (its
    signal handlers), the restorer (to start a compute handed back), the
    clock, on_step, and the wait for "down" (timeout, interval).
    """

    def __init__(self, record, process, host_claim, deadline, restorer,
                 clock, on_step, timeout, interval, restore_timeout):
        self.record = record
        self.process = process
        self.host_claim = host_claim
        self.deadline = deadline
        self.restorer = restorer
        self.clock = clock
        self.on_step = on_step
        self.timeout, self.interval = timeout, interval
        self.restore_timeout = restore_timeout
        # This run's marker while the host is lent, for the take-back.
        self.marker = None

    @property
    def host(self):
        return self.record.host

    def lend(self, reason):
        """Re-enable the claimed host while its compute lives, stop it."""
        if not (self.process.stop_command and self.process.start_command):
            raise exceptions.DisruptionError(
                reason='lending %s on %s needs the stop and start '
                       'commands' % (BINARY, self.host))
        self.record.put(status='enabled')
        self.marker = reason
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
        # Signals wait for both writes: between them the service is
        # forced down without a marker, a state the restore would take
        # for someone else's. They act once the host is held again (or
        # given up).
        handlers = self.deadline.handlers
        with handlers.held() as received:
            try:
                findings = self._force_down_and_claim(read_started)
            finally:
                handlers.act_on(received)
        if self.deadline.expired:
            # The deadline fired while held: unwind to the restore as it
            # would have.
            raise signals.DisruptionExpired(
                '[allocation] max_disruption_seconds passed')
        self.marker = None
        self.on_step('taken_back')
        if findings:
            raise exceptions.HostNotExclusive(self.host, findings)
        return self.record.wait_for(lambda s: s['state'] == 'down', 'down',
                                    self.timeout, self.interval)

    def _force_down_and_claim(self, read_started):
        self.record.put(forced_down=True)
        self.on_step('forced_down')
        try:
            return self.host_claim.take(self.marker, read_started)
        except exceptions.HostNotFree as taken:
            if self.host_claim.written:
                raise
            # Another runner's marker landed after ours: theirs now.
            left = self._start_stopped(self.record.read())
            if left:
                raise exceptions.HostNotFree(reason='%s; %s' % (
                    taken, '; '.join(left)))
            raise
        except Exception:
            # The disable may not have landed: a service forced down
            # without the marker reads as someone else's to the restore,
            # so undo the force-down first where that is what is there.
            service = self.record.read()
            if service['forced_down'] and marker.run_of(service) is None:
                self.record.put(forced_down=False)
            raise

    def _give_up(self, found):
        self.host_claim.written = False
        left = self._start_stopped(found)
        raise exceptions.HostNotFree(
            reason='%s on %s was changed by someone else while it was lent '
                   'to the scheduler (found %s), so it was left as found%s'
                   % (BINARY, self.host, compute_services.summary(found),
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
