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

This module is the order of those steps; each concern has its own
module: service_record.py (reads, writes and the guard's own last
write), claim.py (the claim protocol between runners), compute_process.py
(the stop and start commands), restore.py and restore_steps.py (the
restore), deadline.py (max_disruption_seconds and the signals that
unwind to the restore) and lending.py (lend mode).
"""

import datetime
import subprocess
import threading
import uuid

from oslo_log import log as logging
from tempest.lib import exceptions as lib_exc

from allocation_tempest_plugin import exceptions
from allocation_tempest_plugin.guard import claim
from allocation_tempest_plugin.guard import compute_process
from allocation_tempest_plugin.guard import deadline
from allocation_tempest_plugin.guard import lending
from allocation_tempest_plugin.guard import marker
from allocation_tempest_plugin.guard import restore
from allocation_tempest_plugin.guard import restore_steps
from allocation_tempest_plugin.guard import retrying
from allocation_tempest_plugin.guard import service_record
from allocation_tempest_plugin.guard import signals
from allocation_tempest_plugin.guard import stop_proof
from allocation_tempest_plugin.reads import services

LOG = logging.getLogger(__name__)

BINARY = services.BINARY
# Known by these names to the tests and tools that use the guard.
TerminatedBySignal = signals.TerminatedBySignal
DisruptionExpired = signals.DisruptionExpired
ownership = restore.ownership
restore_fields = restore_steps.restore_fields


class ComputeDisruption(object):
    """Context manager that holds one host's nova-compute down.

    restored_service: the service record of the first heartbeat the
    plugin did not cause after the restore (updated_at past the guard's
    own last write; every PUT moves updated_at). Read after the with
    block; reading it waits for that heartbeat when the restore did not
    already see it. The scenario tests count resource-tracker runs from
    it.

    settings: the configuration (guard/settings.py GuardSettings). The
    rest is this hold's. stop_process: also run the configured stop
    command, and the start command in the restore; without it the
    service is only forced down. fence: stop it with the fence command
    (its guests too, before an evacuation; settings.stop_command).
    precheck: called just before anything changes; raises to refuse the
    host. on_step: called with the name of
    each step once it is done (logging, and the kill matrix that signals
    the run at each step). lend: lend mode (guard/lending.py), the host
    re-enabled after the claim and its compute stopped (the commands are
    used as with stop_process), until take_back(); the loan is recorded
    under settings.lock_path (guard/loans.py) meanwhile. runner,
    timer_factory, clock: subprocess.run, threading.Timer and the clock,
    replaced by the unit tests. original, original_state: the recorded
    fields and state, as __enter__ found them.
    """

    def __init__(self, services_client, host, settings, stop_process=False,
                 lend=False, fence=False, run_id=None, precheck=None,
                 exclusive_check=None,
                 on_step=None, runner=subprocess.run,
                 timer_factory=threading.Timer, clock=None):
        self.host = host
        self.settings = settings
        self.run_id = run_id or uuid.uuid4().hex[:12]
        self.precheck = precheck
        self.on_step = on_step or (lambda step: None)
        self.clock = clock or retrying.Clock()
        self.lend = lend
        self._stop_watch = None
        self.original = self.original_state = None
        self.restored = self.service_deleted = False
        self._restored_service = None
        self._lock = threading.Lock()
        self._record = service_record.ServiceRecord(services_client, host)
        uses_commands = stop_process or lend or fence
        self._process = compute_process.ComputeProcess(
            host,
            settings.stop_command(fence) if uses_commands else None,
            settings.compute_start_command if uses_commands else None,
            settings.command_timeout, runner, settings.disruptable_hosts)
        # settle_seconds is 0 only on hosts named as this runner's
        # (claim.effective_settle, applied when settings was built).
        self._host_claim = claim.Claim(
            self._record, self.run_id, self.clock, settings.settle_seconds,
            exclusive_check)
        self._deadline = deadline.Deadline(
            host, settings.max_disruption_seconds, timer_factory)
        self._restorer = restore.Restorer(
            self._record, self._process, self.run_id, self.clock,
            settings.poll_interval, settings.restore_timeout,
            settings.config_file)
        self._lending = lending.Lending(
            self._record, self._process, self._host_claim, self._restorer,
            self.clock, self.on_step, settings)

    @property
    def service_id(self):
        return self._record.service_id

    @service_id.setter
    def service_id(self, value):
        self._record.service_id = value

    @property
    def start_heartbeat(self):
        """The service at the restarted compute's first own heartbeat.

        The first heartbeat after the start command that the plugin did
        not cause: the evidence that a stopped compute really came back
        (its startup resource update runs before it). None until then.
        """
        return self._restorer.start_heartbeat

    # -- disrupting -------------------------------------------------------

    def __enter__(self):
        self._deadline.handlers.install()
        try:
            self._deadline.set_phase('disrupting')
            self._disrupt()
            self._deadline.set_phase('held')
        except BaseException as error:
            # __exit__ does not run when __enter__ raises.
            self._deadline.finish(self.restore, error)
            raise
        return self

    def _disrupt(self):
        self._process.check_templates()
        if self.lend:
            self._lending.check()
        if self.precheck is not None:
            self.precheck(self.host)
        read_started = self.clock.monotonic()
        service = self._record.read()
        self.service_id = service['id']
        claim.refuse_unless_free(service, self.host)
        self.original = {field: service[field]
                         for field in services.WRITABLE_FIELDS}
        self.original_state = service['state']
        reason = self._marker()
        self._deadline.arm()
        LOG.info('Disrupting %s on %s (was %s)', BINARY, self.host,
                 self.original)
        findings = self._claim(reason, read_started)
        self.on_step('disabled')
        if findings:
            raise exceptions.HostNotExclusive(self.host, findings)
        if self.lend:
            self._lending.lend(reason)
            self._watch_stop()
            return
        self._record.put(forced_down=True)
        self.on_step('forced_down')
        if self._process.stop():
            self.on_step('stopped')
            self._watch_stop()
        self._record.wait_for(lambda s: s['state'] == 'down', 'down',
                              self.settings.wait_timeout,
                              self.settings.poll_interval)
        # Checked again once the host is down and the claim settled: a
        # build scheduled just before the disable landed shows only now.
        findings = self._host_claim.check_exclusive()
        if findings:
            raise exceptions.HostNotExclusive(self.host, findings)

    def _watch_stop(self):
        # The computes' report_interval: a stop is proven by no heartbeat
        # for a while after it (stop_proof.py); None: not judged.
        report_interval = self.settings.compute_report_interval
        if report_interval:
            self._stop_watch = stop_proof.StopWatch(
                self._record, self.clock, report_interval,
                self._process.stop_command, self.settings.poll_interval)

    def confirm_stopped(self):
        """Why the stop is not proven (waits out the quiet period); ''.

        A test whose premise is a stopped compute calls it before acting;
        the restore calls it before the start command in any case.
        """
        if self._stop_watch is None:
            return ''
        return self._stop_watch.settle()

    @property
    def stop_unproven(self):
        """After the block: why the stop was not proven, or ''."""
        if self._stop_watch is None:
            return ''
        return self._stop_watch.verdict or ''

    def _marker(self):
        # Automatic recovery must not fight a restore still under way.
        until = (datetime.datetime.now(datetime.timezone.utc) +
                 datetime.timedelta(
                     seconds=self.settings.max_disruption_seconds +
                     self.settings.restore_timeout))
        # stop=1 before the stop: a run killed around it leaves a compute
        # that recovery must start.
        return marker.make(
            self.run_id, until, self.original,
            stops=self.lend or bool(self._process.stop_command),
            settle=self._host_claim.settle_seconds)

    def _claim(self, reason, read_started):
        """Disable with this run's marker; what exclusive_check found."""
        return self._host_claim.take(reason, read_started)

    def confirm_held(self):
        """The service, re-read, if it is still held as this run left it.

        The premise of a local delete (claim.Claim.confirm_held).
        """
        return self._host_claim.confirm_held()

    def take_back(self):
        """Hold the host lent by lend mode again (guard/lending.py)."""
        return self._lending.take_back()

    def try_clear_forced_down(self):
        """Ask Nova to clear forced_down now; the error it answers, or None.

        For tests of Nova's refusal (400 while evacuations from the host
        are "done", bug 1922053). If Nova accepts, the guard forces the
        service down again at once: it still holds the host.
        """
        try:
            self._record.put(forced_down=False)
        except lib_exc.RestClientException as error:
            return error
        self._record.put(forced_down=True)
        return None

    def try_delete_service(self):
        """Ask Nova to delete the held service; the error it answers, or None.

        For tests of Nova's refusal (409 while the host has servers or
        migrations in progress). None means Nova deleted it: nothing the
        guard does can bring the service record back (a restart of that
        nova-compute registers it again), and restore() says so.
        """
        try:
            self._record.services_client.delete_service(self.service_id)
        except lib_exc.RestClientException as error:
            return error
        self.service_deleted = True
        LOG.error('Nova deleted %s on %s although it was asked to refuse; '
                  'restart that nova-compute to register it again',
                  BINARY, self.host)
        return None

    # -- restoring --------------------------------------------------------

    def __exit__(self, exc_type, exc_value, traceback):
        self._deadline.finish(self.restore, exc_value)
        return False

    def restore(self):
        """Put the service back exactly as it was found; idempotent.

        Signals arriving meanwhile are held until the restore is over,
        then act: an interrupted restore would leave the host down.
        """
        with self._lock:
            if self.restored or not self._host_claim.written:
                self._deadline.done()
                return
            self._deadline.restoring(self._restore_steps)

    def _restore_steps(self):
        deadline_at = (self.clock.monotonic() +
                       self.settings.restore_timeout)
        self.on_step('restoring')
        if self._process.stopped:
            # Judged before the start, which makes heartbeats legitimate.
            self.confirm_stopped()
        self._restorer.run(deadline_at, self.original, self.original_state,
                           self.service_deleted)
        # Restored: a loan still on record is over.
        self._lending.end()
        self.restored = True
        LOG.info('Restored %s on %s to %s', BINARY, self.host, self.original)
        self.on_step('restored')

    # -- after the restore ------------------------------------------------

    @property
    def restored_service(self):
        if self._restored_service is None and self.restored:
            self._restored_service = (
                self._restorer.heartbeat_after_restore())
        return self._restored_service
