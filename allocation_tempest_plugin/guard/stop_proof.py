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

"""Whether the stop command really stopped nova-compute: seen, not trusted.

A live nova-compute heartbeats every report_interval, forced down or not
(nova/servicegroup/drivers/db.py _report_state: report_count += 1, then
save()), and every heartbeat moves the service's updated_at. So once the
stop command has returned, updated_at must stay where it was, or where the
guard's own writes put it, for longer than the report interval. A stop
command that does nothing (a wrong unit name, a sudo rule that no longer
matches, an operator's typo) would otherwise turn every restart test into
the forced-down test, and the known-defect test that needs its source
stopped into a false "fixed".
"""

from allocation_tempest_plugin.guard import retrying
from allocation_tempest_plugin.reads import services

# Two report intervals without a heartbeat: one late heartbeat of a busy
# compute still shows, and a compute that lives shows within one.
QUIET_INTERVALS = 2


class StopWatch(object):
    """Started right after the stop command returned; settle() judges.

    verdict: None until judged, '' when the stop is proven, otherwise the
    message that says what was seen.
    """

    def __init__(self, record, clock, report_interval, command, interval):
        self.record = record
        self.clock = clock
        self.command = command
        self.interval = interval
        self.quiet_seconds = QUIET_INTERVALS * report_interval
        self.stopped_at = clock.monotonic()
        # The stop command waited for the process to exit (systemctl stop
        # does): whatever updated_at reads now is its last heartbeat or
        # the guard's own write.
        self.since = services.parse_updated_at(
            record.read().get('updated_at'))
        self.verdict = None

    def _threshold(self):
        moments = [m for m in (self.since, self.record.last_write) if m]
        return max(moments) if moments else None

    def _heartbeat(self, service):
        return services.heartbeat_after(service, self._threshold())

    def settle(self):
        """Wait out the quiet period (what is left of it); the verdict."""
        if self.verdict is not None:
            return self.verdict
        seen = retrying.until(
            self.record.read, self.stopped_at + self.quiet_seconds,
            self.clock, self.interval,
            'no heartbeat of the stopped nova-compute on %s' %
            self.record.host, done=self._heartbeat)
        quiet_for = self.clock.monotonic() - self.stopped_at
        if seen.done:
            self.verdict = (
                'the stop command %r did not stop nova-compute on %s: the '
                'service heartbeated %.1f s after the command returned '
                '(updated_at moved past %s: %s); a nova-compute that still '
                'runs can answer RPCs and heal Placement, so the test would '
                'prove nothing about a stopped compute. Check [allocation] '
                'compute_stop_command' % (
                    self.command, self.record.host, quiet_for,
                    self._threshold(), services.summary(seen.value)))
        elif seen.error is not None:
            self.verdict = (
                'whether the stop command %r stopped nova-compute on %s '
                'could not be seen: the service could not be read (%s)' % (
                    self.command, self.record.host, seen.why_not()))
        else:
            self.verdict = ''
        return self.verdict
