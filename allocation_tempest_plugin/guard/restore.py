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

"""The guard's restore: put the held service back, or say what is left.

A restore that gives up at the first failure leaves a compute down until
someone notices, and one that writes blindly can undo an operator's or
another runner's decision. So the restore first reads the service and
writes only to one that is still this run's (or untouched); then it runs
each step (restore_steps.py) retried until [allocation] restore_timeout,
independently of the others, reads the end state back, and when it still
cannot restore, fails with what is left and the exact command that
repairs it. A stopped compute that cannot be started stays marked,
disabled and forced down: the state the recovery command repairs.
"""

import os

from allocation_tempest_plugin import exceptions
from allocation_tempest_plugin.guard import marker
from allocation_tempest_plugin.guard import restore_steps
from allocation_tempest_plugin.guard import retrying
from allocation_tempest_plugin.guard import service_record
from allocation_tempest_plugin.reads import services

BINARY = services.BINARY


class Restorer(object):
    """Restores what a ServiceRecord and a ComputeProcess hold.

    start_heartbeat: the service as read at the first heartbeat after the
    start command that the guard did not cause (its startup resource
    update runs before it), None until then.
    """

    def __init__(self, record, process, run_id, clock, interval, timeout,
                 config_file=None):
        self.record = record
        self.process = process
        self.host = record.host
        self.run_id = run_id
        self.timeout = timeout
        self.config_file = config_file
        self.start_heartbeat = None
        self._step = retrying.Retrier(clock, interval, '%s %s on %s' % (
            run_id, BINARY, self.host))

    def run(self, deadline, original, original_state, service_deleted):
        """Restore original; raises RestoreFailed or HostTakenOver."""
        if service_deleted:
            self._fail(self._start_without_record(deadline))
        read = self._step(self.record.read, deadline, 'read the service')
        if not read.done:
            self._fail(['the service could not be read (%s)' %
                        read.why_not()])
        verdict = ownership(read.value, self.run_id, original,
                            self.record.attempted_forced,
                            self.record.intended)
        if verdict == 'other':
            raise exceptions.HostTakenOver(
                host=self.host, run_id=self.run_id,
                reason='someone else changed it' + (
                    '; the nova-compute process this run stopped was not '
                    'started again' if self.process.stopped else ''),
                found=services.summary(read.value))
        left = self._steps(read.value, verdict, original, original_state,
                           deadline)
        if left:
            self._fail(left)

    def _start_without_record(self, deadline):
        left = ['Nova deleted the service record (try_delete_service); '
                'only a restart of that nova-compute registers it again']
        if self.process.stopped:
            started = self._step(self.process.start, deadline,
                                 'start command')
            self.process.stopped = not started.done
        return left

    def _steps(self, before_start, verdict, original, original_state,
               deadline):
        left = []
        if self.process.stopped:
            left.extend(self.start_compute(before_start, deadline))
            if left and verdict == 'ours':
                # A stopped compute stays marked, disabled and forced
                # down: that is the state recovery looks for and repairs.
                left.append('left disabled and forced down with the '
                            'marker')
        if verdict == 'ours' and not left:
            left.extend(restore_steps.put_back(
                self.record.put, original,
                bool(self.record.attempted_forced -
                     {original['forced_down']}),
                lambda step, what: self._step(step, deadline, what)))
        if not left:
            left.extend(self._verify(original, original_state, deadline))
        return left

    def start_compute(self, before_start, deadline):
        """Start the stopped compute, await its heartbeat; what is left."""
        self.record.note_write(before_start)
        started, left, self.start_heartbeat = (
            restore_steps.start_and_await_heartbeat(
                self.process.start, self.record.read,
                lambda: self.record.last_write,
                lambda step, what, done=None: self._step(step, deadline,
                                                         what, done)))
        if started:
            self.process.stopped = False
        return left

    def _verify(self, original, original_state, deadline):
        want_up = original_state == 'up'

        def back(service):
            return (restore_steps.matches_original(service, original) and
                    (service['state'] == 'up' or not want_up))
        seen = self._step(self.record.read, deadline, 'read back', back)
        if not seen.done:
            return ['the service does not read as found %s%s (%s)' % (
                original, ', up' if want_up else '', seen.why_not())]
        return []

    def _fail(self, left):
        raise exceptions.RestoreFailed(
            host=self.host, seconds=self.timeout,
            left='; '.join(left), repair=repair_command(
                self.host, self.config_file))

    def heartbeat_after_restore(self):
        """The first heartbeat past the guard's last write (DisruptionError).

        Every PUT moves updated_at, so only one past the last write is the
        compute's own (nova-behaviour.md).
        """
        deadline = self._step.clock.monotonic() + self.timeout
        threshold = self.record.last_write
        outcome = self._step(self.record.read, deadline,
                             'heartbeat after %s' % threshold,
                             lambda s: fresh_heartbeat(s, threshold))
        if not outcome.done:
            raise exceptions.DisruptionError(
                reason='%s on %s sent no heartbeat past the guard\'s '
                       'last write %s within %s s: %s' % (
                           BINARY, self.host, self.record.last_write,
                           self.timeout, outcome.why_not()))
        return outcome.value


def ownership(service, run_id, original, attempted_forced, intended=None):
    """'ours', 'as_found' or 'other': may the guard write to service?

    Ours: this run's marker, disabled, forced_down as found or as the
    guard set it; or, without the marker, exactly what the guard's own
    last write left (intended, service_record.py), also when that write's
    answer was lost: a lent host's take-back forces it down before the
    marker goes back. As found: no marker and the recorded state (nothing
    of the guard's landed, or it was already put back). Anything else was
    changed by someone else (an operator, another runner's recovery).
    """
    if (marker.run_of(service) == run_id and
            service['status'] == 'disabled' and
            service['forced_down'] in (set(attempted_forced) |
                                       {original['forced_down']})):
        return 'ours'
    if (marker.run_of(service) is None and
            restore_steps.matches_original(service, original)):
        return 'as_found'
    if (intended is not None and marker.run_of(service) is None and
            service_record.recorded(service) == intended):
        return 'ours'
    return 'other'


def fresh_heartbeat(service, threshold):
    return (service['state'] == 'up' and
            services.heartbeat_after(service, threshold))


def repair_command(host, config_file=None):
    """The commands that finish a restore the guard could not."""
    if config_file is None:
        config_file = os.path.join(
            os.environ.get('TEMPEST_CONFIG_DIR', 'etc'),
            os.environ.get('TEMPEST_CONFIG', 'tempest.conf'))
    return ('allocation-tempest-recover --config-file %s --host %s --force '
            '(or start its nova-compute, then "openstack '
            '--os-compute-api-version 2.53 compute service set --up '
            '--enable %s %s")' % (config_file, host, host, BINARY))
