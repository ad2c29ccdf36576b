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

"""The guard: the only code that changes a compute service's state.

It takes only a host that is up and enabled and carries no marker,
claims it with a marker recording what it found, checks that the host
holds nothing foreign, forces it down (compute API 2.53) and optionally
stops its process; on the way out, in every case, it restores exactly
what it recorded, step by step, each step retried until
[allocation] restore_timeout, and never overwrites a service that
someone else changed meanwhile.

Threads and signals: the max_disruption_seconds timer runs in another
thread but never touches the service; it flags the expiry and interrupts
the main thread (DEADLINE_SIGNAL), which unwinds to the restore. The
restore itself holds SIGINT, SIGTERM, SIGHUP, SIGALRM (Tempest's per-test
timeout fixture) and the deadline signal until it is done, then lets
them act.
"""

import datetime
import os
import subprocess
import threading
import uuid

from oslo_log import log as logging
from tempest.lib import exceptions as lib_exc

from allocation_tempest_plugin.common import commands
from allocation_tempest_plugin.common import compute_services
from allocation_tempest_plugin.common import lending
from allocation_tempest_plugin.common import marker
from allocation_tempest_plugin.common import retrying
from allocation_tempest_plugin.common import signals
from allocation_tempest_plugin.common import waiters
from allocation_tempest_plugin import exceptions

LOG = logging.getLogger(__name__)

RECORDED_FIELDS = ('status', 'disabled_reason', 'forced_down')
BINARY = compute_services.BINARY
TerminatedBySignal = signals.TerminatedBySignal
DisruptionExpired = signals.DisruptionExpired


class ComputeDisruption(object):
    """Context manager that holds one host's nova-compute down.

    restored_service: the service record of the first heartbeat the
    plugin did not cause after the restore (updated_at past the guard's
    own last write; every PUT moves updated_at). Read after the with
    block; reading it waits for that heartbeat when the restore did not
    already see it. The scenario tests count resource-tracker runs from
    it.
    """

    def __init__(self, services_client, host, max_seconds, timeout,
                 interval, stop_command=None, start_command=None,
                 command_timeout=300, run_id=None, precheck=None,
                 on_step=None, runner=subprocess.run,
                 timer_factory=threading.Timer, exclusive_check=None,
                 restore_timeout=600, claim_settle_seconds=3.0,
                 disruptable_hosts=(), config_file=None, clock=None,
                 lend=False):
        self.services_client = services_client
        self.host = host
        self.max_seconds = max_seconds
        self.timeout = timeout
        self.interval = interval
        self.stop_command = stop_command
        self.start_command = start_command
        self.command_timeout = command_timeout
        self.run_id = run_id or uuid.uuid4().hex[:12]
        # Called just before anything changes; raises to refuse the host.
        self.precheck = precheck
        # exclusive_check(host) -> list of foreign findings; called after
        # the disable, before forcing down (common/exclusive.py).
        self.exclusive_check = exclusive_check
        # Called with the name of each step once it is done (logging, and
        # the kill matrix in tools/ that signals the run at each step).
        self.on_step = on_step or (lambda step: None)
        self.runner = runner
        self.timer_factory = timer_factory
        self.restore_timeout = restore_timeout
        self.claim_settle_seconds = claim_settle_seconds
        self.disruptable_hosts = list(disruptable_hosts or ())
        self.config_file = config_file
        self.clock = clock or retrying.Clock()
        # Lend mode (common/lending.py): after the claim the host is
        # re-enabled and its compute stopped, until take_back().
        self.lend = lend
        self.lent_marker = None
        self.service_id = None
        self.original = None
        self.original_state = None
        self.stopped = False
        self.expired = False
        self.restored = False
        self.service_deleted = False
        self._restored_service = None
        # The service as read at the first heartbeat after the start
        # command that the plugin did not cause: the evidence that a
        # stopped compute really came back (its startup resource update
        # runs before that heartbeat). None until then.
        self.start_heartbeat = None
        self._claimed = False
        self._attempted_forced = set()
        # updated_at of the guard's own latest write (naive UTC): a
        # heartbeat counts only past it.
        self._last_write = None
        self._write_unsure = False
        self._lock = threading.Lock()
        # Reentrant: the deadline handler reads the phase in the main thread,
        # possibly while the main thread itself holds the lock.
        self._phase_lock = threading.RLock()
        self._phase = 'idle'
        self._timer = None
        self._handlers = signals.GuardHandlers(self._deadline_signalled)

    # -- reading ----------------------------------------------------------

    def _read(self):
        service = compute_services.show(self.services_client, self.host)
        if self._write_unsure:
            # A write whose answer was lost may have landed: whatever
            # updated_at reads now may be the guard's own.
            self._note_write(service)
            self._write_unsure = False
        return service

    def _note_write(self, service):
        try:
            moment = compute_services.parse_updated_at(
                service.get('updated_at'))
        except ValueError:
            self._write_unsure = True
            return
        if moment and (self._last_write is None or
                       moment > self._last_write):
            self._last_write = moment

    def _put(self, **fields):
        if 'forced_down' in fields:
            self._attempted_forced.add(fields['forced_down'])
        try:
            service = self.services_client.update_service(
                self.service_id, **fields)['service']
        except Exception:
            self._write_unsure = True
            raise
        self._note_write(service)
        return service

    def _wait_for_service(self, condition, what):
        outcome = waiters.wait_for(self._read, condition, self.timeout,
                                   self.interval)
        if not outcome.done:
            raise exceptions.DisruptionError(
                reason='%s on host %s did not become %s within %s s; last '
                       'seen: %s' % (BINARY, self.host, what, self.timeout,
                                     compute_services.summary(
                                         outcome.value)))
        return outcome.value

    # -- disrupting -------------------------------------------------------

    def __enter__(self):
        self._handlers.install()
        try:
            self._set_phase('disrupting')
            self._disrupt()
            self._set_phase('held')
        except BaseException as error:
            # __exit__ does not run when __enter__ raises.
            self._finish(error)
            raise
        return self

    def _disrupt(self):
        for template in (self.stop_command, self.start_command):
            if template:
                commands.check_template(template, self.host,
                                        self.disruptable_hosts)
        if self.precheck is not None:
            self.precheck(self.host)
        read_started = self.clock.monotonic()
        service = self._read()
        self.service_id = service['id']
        self._refuse_unless_free(service)
        self.original = {field: service[field] for field in RECORDED_FIELDS}
        self.original_state = service['state']
        # Automatic recovery must not fight a restore still under way.
        until = (datetime.datetime.now(datetime.timezone.utc) +
                 datetime.timedelta(seconds=self.max_seconds +
                                    self.restore_timeout))
        reason = marker.make(self.run_id, until, self.original)
        self._arm_deadline()
        LOG.info('Disrupting %s on %s (was %s)', BINARY, self.host,
                 self.original)
        findings = self._claim(reason, read_started)
        self.on_step('disabled')
        if findings:
            raise exceptions.HostNotExclusive(self.host, findings)
        if self.lend:
            lending.lend(self, reason)
            return
        self._put(forced_down=True)
        self.on_step('forced_down')
        if self.stop_command:
            # Set first: a stop that half-worked must still be undone.
            self.stopped = True
            commands.run(self.stop_command, self.host, self.command_timeout,
                         self.runner, self.disruptable_hosts)
            self.on_step('stopped')
        self._wait_for_service(lambda s: s['state'] == 'down', 'down')

    def _refuse_unless_free(self, service):
        held_by = marker.run_of(service)
        if held_by is not None:
            raise exceptions.HostNotFree(
                reason='%s on %s is held by run %s (disabled_reason %r)' % (
                    BINARY, self.host, held_by, service['disabled_reason']))
        if not compute_services.is_available(service):
            raise exceptions.HostNotFree(
                reason='%s on %s is not up and enabled: %s' % (
                    BINARY, self.host, compute_services.summary(service)))

    def _claim(self, reason, read_started):
        """Disable with this run's marker and make sure it is ours alone.

        Returns what exclusive_check found on the host: it runs while the
        claim settles, so the settle delay costs only what the check does
        not already take.

        os-services has no compare-and-swap, so two runners (separate
        lock paths, one cloud) can both read the host free and both
        write. Each runner writes, waits claim_settle_seconds and reads
        again; the last write wins in Nova's database. Suppose runner A
        wrote at tA and B at tB > tA. B read the service before writing,
        at or after tB - d (d: B's read-to-write time, which the
        protocol requires to be shorter than the settle delay S). If
        tB - tA > d, B's read came after A's write: B saw A's marker and
        never wrote. So whenever both wrote, tB - tA <= d < S, and A's
        second read at tA + S comes after tB: A sees B's marker and
        backs off, without restoring (the state is B's now). B sees its
        own and holds the host. With more runners the last writer holds
        it and every earlier one sees a later marker. A runner that
        measures its own read-to-write time at S or more cannot rely on
        this and backs off too, undoing only its own marker. Before the
        delete (confirm_held) and before restoring, the guard reads the
        marker again, so a broken assumption ends in a refusal, never in
        two runners restoring each other's state.
        """
        # Set first: a disable whose answer was lost may have landed.
        self._claimed = True
        self._put(status='disabled', disabled_reason=reason)
        written = self.clock.monotonic()
        round_trip = written - read_started
        # Checked after the disable: nothing new can be scheduled there.
        findings = (self.exclusive_check(self.host)
                    if self.exclusive_check is not None else [])
        self.clock.sleep(max(0.0, self.claim_settle_seconds -
                             (self.clock.monotonic() - written)))
        seen = self._read()
        if marker.run_of(seen) != self.run_id:
            # Someone else's write landed after ours: it is theirs now.
            self._claimed = False
            raise exceptions.HostNotFree(
                reason='another runner claimed %s on %s at the same time '
                       '(found %s); left it to them' % (
                           BINARY, self.host,
                           compute_services.summary(seen)))
        if round_trip >= self.claim_settle_seconds:
            raise exceptions.HostNotFree(
                reason='claiming %s on %s took %.1f s, not less than '
                       '[allocation] claim_settle_seconds (%s s), so '
                       'another runner\'s claim could have been missed; '
                       'undid this claim' % (
                           BINARY, self.host, round_trip,
                           self.claim_settle_seconds))
        return findings

    def confirm_held(self):
        """The service, re-read, if it is still held as this run left it.

        The premise of a local delete: this run's marker, disabled,
        forced down and reading state "down". Raises HostTakenOver
        saying what differs otherwise.
        """
        service = self._read()
        problems = []
        if marker.run_of(service) != self.run_id:
            problems.append('disabled_reason is not this run\'s marker')
        if service['status'] != 'disabled':
            problems.append('status is %s' % service['status'])
        if not service['forced_down']:
            problems.append('forced_down is false')
        if service['state'] != 'down':
            problems.append('state is %s, so Nova would not delete '
                            'locally' % service['state'])
        if problems:
            raise exceptions.HostTakenOver(
                host=self.host, run_id=self.run_id,
                reason='; '.join(problems),
                found=compute_services.summary(service))
        return service

    def take_back(self):
        """Hold the host lent by lend mode again (common/lending.py)."""
        return lending.take_back(self)

    def try_clear_forced_down(self):
        """Ask Nova to clear forced_down now; the error it answers, or None.

        For tests of Nova's refusal (400 while evacuations from the host
        are "done", bug 1922053). If Nova accepts, the guard forces the
        service down again at once: it still holds the host.
        """
        try:
            self._put(forced_down=False)
        except lib_exc.RestClientException as error:
            return error
        self._put(forced_down=True)
        return None

    def try_delete_service(self):
        """Ask Nova to delete the held service; the error it answers, or None.

        For tests of Nova's refusal (409 while the host has servers or
        migrations in progress). None means Nova deleted it: nothing the
        guard does can bring the service record back (a restart of that
        nova-compute registers it again), and restore() says so.
        """
        try:
            self.services_client.delete_service(self.service_id)
        except lib_exc.RestClientException as error:
            return error
        self.service_deleted = True
        LOG.error('Nova deleted %s on %s although it was asked to refuse; '
                  'restart that nova-compute to register it again',
                  BINARY, self.host)
        return None

    # -- the deadline -----------------------------------------------------

    def _arm_deadline(self):
        self._timer = self.timer_factory(self.max_seconds, self._expire)
        self._timer.daemon = True
        self._timer.start()

    def _set_phase(self, phase):
        with self._phase_lock:
            self._phase = phase

    def _expire(self):
        # Timer thread: never touch the service from here (the main
        # thread may be mid-write or running the stop command); make the
        # main thread unwind to the restore instead.
        LOG.error('%s on %s disrupted for more than %s s: interrupting the '
                  'test to restore it', BINARY, self.host, self.max_seconds)
        with self._phase_lock:
            self.expired = True
            if self._phase in ('disrupting', 'held'):
                self._handlers.interrupt_main()

    def _deadline_signalled(self):
        with self._phase_lock:
            return self._phase in ('disrupting', 'held')

    # -- restoring --------------------------------------------------------

    def __exit__(self, exc_type, exc_value, traceback):
        self._finish(exc_value)
        return False

    def _finish(self, error):
        """Restore, whatever interrupts the way there; then let it act.

        A signal can still unwind the main thread between the start of
        __exit__ and the moment the restore holds signals; the restore
        is then simply run again, and the signal raised once it is over.
        """
        interrupted = None
        try:
            while True:
                try:
                    self.restore()
                    break
                except (TerminatedBySignal, DisruptionExpired,
                        KeyboardInterrupt) as signalled:
                    interrupted = interrupted or signalled
                    if self._phase == 'done':
                        break
        finally:
            self._handlers.uninstall()
        if interrupted is not None and not isinstance(interrupted,
                                                      DisruptionExpired):
            raise interrupted
        if self.expired and (error is None or
                             isinstance(error, DisruptionExpired) or
                             interrupted is not None):
            raise exceptions.DisruptionTimeout(
                host=self.host, seconds=self.max_seconds) from error

    def restore(self):
        """Put the service back exactly as it was found; idempotent.

        Signals arriving meanwhile are held until the restore is over,
        then act: an interrupted restore would leave the host down.
        """
        with self._lock:
            if self.restored or not self._claimed:
                self._disarm()
                self._set_phase('done')
                return
            self._set_phase('restoring')
            with self._handlers.held() as received:
                try:
                    self._restore_steps()
                finally:
                    self._disarm()
                    self._set_phase('done')
            self._handlers.act_on(received)

    def _disarm(self):
        if self._timer is not None:
            self._timer.cancel()

    def _restore_steps(self):
        deadline = self.clock.monotonic() + self.restore_timeout
        self.on_step('restoring')
        if self.service_deleted:
            left = ['Nova deleted the service record (try_delete_service); '
                    'only a restart of that nova-compute registers it again']
            if self.stopped:
                started = self._step(
                    lambda: commands.run(self.start_command, self.host,
                                         self.command_timeout, self.runner,
                                         self.disruptable_hosts),
                    deadline, 'start command')
                self.stopped = not started.done
            self._fail_restore(left)
        read = self._step(self._read, deadline, 'read the service')
        if not read.done:
            self._fail_restore(['the service could not be read (%s)' %
                                read.why_not()])
        verdict = ownership(read.value, self.run_id, self.original,
                            self._attempted_forced)
        if verdict == 'other':
            raise exceptions.HostTakenOver(
                host=self.host, run_id=self.run_id,
                reason='someone else changed it' + (
                    '; the nova-compute process this run stopped was not '
                    'started again' if self.stopped else ''),
                found=compute_services.summary(read.value))
        left = []
        if self.stopped:
            left.extend(self._start_compute(read.value, deadline))
            if left and verdict == 'ours':
                # A stopped compute stays marked, disabled and forced
                # down: that is the state recovery looks for and repairs.
                left.append('left disabled and forced down with the '
                            'marker')
        if verdict == 'ours' and not left:
            left.extend(self._write_back(deadline))
        if not left:
            left.extend(self._verify(deadline))
        if left:
            self._fail_restore(left)
        self.restored = True
        LOG.info('Restored %s on %s to %s', BINARY, self.host, self.original)
        self.on_step('restored')

    def _step(self, step, deadline, what, done=None):
        return retrying.until(step, deadline, self.clock, self.interval,
                              '%s %s on %s: %s' % (self.run_id, BINARY,
                                                   self.host, what), done)

    def _start_compute(self, before_start, deadline):
        self._note_write(before_start)
        started, left, self.start_heartbeat = start_and_await_heartbeat(
            lambda: commands.run(self.start_command, self.host,
                                 self.command_timeout, self.runner,
                                 self.disruptable_hosts),
            self._read, lambda: self._last_write,
            lambda step, what, done=None: self._step(step, deadline, what,
                                                     done))
        if started:
            self.stopped = False
        return left

    def _wait_for_own_heartbeat(self, deadline):
        threshold = self._last_write
        return self._step(self._read, deadline,
                          'heartbeat after %s' % threshold,
                          lambda s: fresh_heartbeat(s, threshold))

    def _write_back(self, deadline):
        return put_back(
            self._put, self.original,
            bool(self._attempted_forced - {self.original['forced_down']}),
            lambda step, what: self._step(step, deadline, what))

    def _verify(self, deadline):
        want_up = self.original_state == 'up'

        def back(service):
            return (matches_original(service, self.original) and
                    (service['state'] == 'up' or not want_up))
        seen = self._step(self._read, deadline, 'read back', back)
        if not seen.done:
            return ['the service does not read as found %s%s (%s)' % (
                self.original, ', up' if want_up else '', seen.why_not())]
        return []

    def _fail_restore(self, left):
        raise exceptions.RestoreFailed(
            host=self.host, seconds=self.restore_timeout,
            left='; '.join(left), repair=repair_command(
                self.host, self.config_file))

    # -- after the restore ------------------------------------------------

    @property
    def restored_service(self):
        if self._restored_service is None and self.restored:
            outcome = self._wait_for_own_heartbeat(
                self.clock.monotonic() + self.restore_timeout)
            if not outcome.done:
                raise exceptions.DisruptionError(
                    reason='%s on %s sent no heartbeat past the guard\'s '
                           'last write %s within %s s: %s' % (
                               BINARY, self.host, self._last_write,
                               self.restore_timeout, outcome.why_not()))
            self._restored_service = outcome.value
        return self._restored_service


def ownership(service, run_id, original, attempted_forced):
    """'ours', 'as_found' or 'other': may the guard write to service?

    Ours: this run's marker, disabled, forced_down as found or as the
    guard set it. As found: no marker and the recorded state (nothing of
    the guard's landed, or it was already put back). Anything else was
    changed by someone else (an operator, another runner's recovery).
    """
    if (marker.run_of(service) == run_id and
            service['status'] == 'disabled' and
            service['forced_down'] in (set(attempted_forced) |
                                       {original['forced_down']})):
        return 'ours'
    if (marker.run_of(service) is None and
            matches_original(service, original)):
        return 'as_found'
    return 'other'


def fresh_heartbeat(service, threshold):
    return (service['state'] == 'up' and
            compute_services.heartbeat_after(service, threshold))


def start_and_await_heartbeat(start, read, threshold, step):
    """Start the process, then wait for its own first heartbeat.

    systemctl start returns once the process is forked, long before
    init_host and the first heartbeat; a heartbeat counts only when
    updated_at moves past threshold(), the restorer's own last write or
    what it read before the start (nova-behaviour.md). step(callable,
    what, done) retries until the restore deadline. Returns whether the
    start command succeeded, what is left undone (for the message) and
    the service record of that heartbeat (None without one).
    """
    started = step(start, 'start command')
    if not started.done:
        return False, ['nova-compute was stopped and the start command '
                       'kept failing (%s)' % started.why_not()], None
    since = threshold()
    # Still forced down, so state reads "down" whatever the compute
    # does; the heartbeat shows only in updated_at.
    beat = step(read, 'heartbeat after %s' % since,
                lambda s: compute_services.heartbeat_after(s, since))
    if not beat.done:
        return True, ['nova-compute was started but sent no heartbeat '
                      'past %s (%s)' % (since, beat.why_not())], None
    return True, [], beat.value


def put_back(put, found, unforce, step):
    """forced_down, then status: separate PUTs, each retried.

    Nova answers 400 to unforcing while evacuations from the host are
    "done" (bug 1922053), until the compute's init_host completes them.
    Status goes back only once forced_down is: re-enabling clears the
    marker, and a forced-down service without it is one the recovery
    command could no longer find. Returns what is left undone.
    """
    if unforce:
        forced = step(lambda: put(forced_down=found['forced_down']),
                      'forced_down=%s' % found['forced_down'])
        if not forced.done:
            return ['forced_down is still true and the service still '
                    'disabled with the marker (%s)' % forced.why_not()]
    status = step(lambda: put(**restore_fields(found,
                                               with_forced_down=False)),
                  'status=%s' % found['status'])
    if not status.done:
        return ['status is still disabled with the marker (%s)' %
                status.why_not()]
    return []


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


def restore_fields(original, with_forced_down=True):
    """The PUT /os-services body that brings back the recorded state.

    Nova refuses a disabled_reason together with status=enabled, so the
    reason is only sent back for a service that was disabled.
    """
    fields = {'status': original['status']}
    if with_forced_down:
        fields['forced_down'] = original['forced_down']
    if original['status'] == 'disabled' and original['disabled_reason']:
        fields['disabled_reason'] = original['disabled_reason']
    return fields


def matches_original(service, original):
    """Whether service is back in the recorded state.

    Enabling a service clears its disabled_reason in Nova, so the reason
    only counts for a service that was recorded as disabled.
    """
    if (service['status'] != original['status'] or
            service['forced_down'] != original['forced_down']):
        return False
    return (original['status'] == 'enabled' or
            service['disabled_reason'] == original['disabled_reason'])
