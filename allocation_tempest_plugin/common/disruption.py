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

It records the service's status, disabled_reason and forced_down, disables
it with a marker, forces it down (compute API 2.53) and optionally stops
its process; on the way out, in every case, it restores exactly what it
recorded and waits until the service reports up again.
"""

import contextlib
import datetime
import signal
import subprocess
import threading
import uuid

from oslo_log import log as logging
from tempest.lib import exceptions as lib_exc

from allocation_tempest_plugin.common import commands
from allocation_tempest_plugin.common import heartbeat
from allocation_tempest_plugin.common import hosts
from allocation_tempest_plugin.common import marker
from allocation_tempest_plugin.common import waiters
from allocation_tempest_plugin import exceptions

LOG = logging.getLogger(__name__)

RECORDED_FIELDS = ('status', 'disabled_reason', 'forced_down')


class TerminatedBySignal(BaseException):
    """SIGTERM arrived while a service was disrupted; unwinds to restore."""


def _raise_terminated(signum, frame):
    raise TerminatedBySignal('signal %d while a compute was disrupted' %
                             signum)


class ComputeDisruption(object):
    """Context manager that holds one host's nova-compute down."""

    def __init__(self, services_client, host, max_seconds, timeout,
                 interval, stop_command=None, start_command=None,
                 command_timeout=300, run_id=None, precheck=None,
                 on_step=None, runner=subprocess.run,
                 timer_factory=threading.Timer):
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
        # Called with the name of each step once it is done (logging, and
        # the kill matrix in tools/ that signals the run at each step).
        self.on_step = on_step or (lambda step: None)
        self.runner = runner
        self.timer_factory = timer_factory
        self.service_id = None
        self.original = None
        self.original_state = None
        self.stopped = False
        self.expired = False
        self.restored = False
        self.restored_service = None
        self.service_deleted = False
        self._lock = threading.Lock()
        self._timer = None
        self._previous_sigterm = None

    # -- reading ----------------------------------------------------------

    def _service(self):
        services = self.services_client.list_services(
            binary=hosts.COMPUTE_BINARY, host=self.host)['services']
        if len(services) != 1:
            raise exceptions.DisruptionError(
                reason='expected one %s service on host %s, found %d' % (
                    hosts.COMPUTE_BINARY, self.host, len(services)))
        return services[0]

    def _wait_for_service(self, condition, what):
        outcome = waiters.wait_for(self._service, condition, self.timeout,
                                   self.interval)
        if not outcome.done:
            seen = outcome.value or {}
            raise exceptions.DisruptionError(
                reason='%s on host %s did not become %s within %s s; last '
                       'seen: %s' % (hosts.COMPUTE_BINARY, self.host, what,
                                     self.timeout,
                                     {k: seen.get(k) for k in
                                      RECORDED_FIELDS + ('state',)}))
        return outcome.value

    # -- disrupting -------------------------------------------------------

    def __enter__(self):
        try:
            self._disrupt()
        except BaseException:
            # __exit__ does not run when __enter__ raises.
            self._restore_or_log()
            raise
        return self

    def _disrupt(self):
        if self.precheck is not None:
            self.precheck(self.host)
        service = self._service()
        self.service_id = service['id']
        self.original = {field: service[field] for field in RECORDED_FIELDS}
        self.original_state = service['state']
        self._arm_deadline()
        deadline = (datetime.datetime.now(datetime.timezone.utc) +
                    datetime.timedelta(seconds=self.max_seconds))
        LOG.info('Disrupting %s on %s (was %s)', hosts.COMPUTE_BINARY,
                 self.host, self.original)
        self.services_client.update_service(
            self.service_id, status='disabled',
            disabled_reason=marker.make(self.run_id, deadline))
        self.on_step('disabled')
        self.services_client.update_service(self.service_id,
                                            forced_down=True)
        self.on_step('forced_down')
        if self.stop_command:
            # Set first: a stop that half-worked must still be undone.
            self.stopped = True
            commands.run(self.stop_command, self.host, self.command_timeout,
                         self.runner)
            self.on_step('stopped')
        self._wait_for_service(lambda s: s['state'] == 'down', 'down')

    def confirm_held(self):
        """The service as it reads now; fails unless still held by us.

        (Minimal version; the guard's ownership checks extend it.)
        """
        service = self._service()
        parsed = marker.parse(service['disabled_reason'])
        if (parsed is None or parsed[0] != self.run_id or
                service['status'] != 'disabled' or
                not service['forced_down']):
            raise exceptions.DisruptionError(
                reason='%s on %s is no longer held by run %s: %s' % (
                    hosts.COMPUTE_BINARY, self.host, self.run_id,
                    {k: service.get(k) for k in
                     RECORDED_FIELDS + ('state',)}))
        return service

    def try_clear_forced_down(self):
        """Ask Nova to clear forced_down now; the error it answers, or None.

        For tests of Nova's refusal (400 while evacuations from the host
        are "done", bug 1922053). If Nova accepts, the guard forces the
        service down again at once: it still holds the host.
        """
        try:
            self.services_client.update_service(self.service_id,
                                                forced_down=False)
        except lib_exc.RestClientException as error:
            return error
        self.services_client.update_service(self.service_id,
                                            forced_down=True)
        return None

    def try_delete_service(self):
        """Ask Nova to delete the held service; the error it answers, or None.

        For tests of Nova's refusal (409 while the host has servers or
        migrations in progress). None means Nova deleted it: nothing the
        guard does can bring the service record back (a restart of that
        nova-compute registers it again), and restore() will say so.
        """
        try:
            self.services_client.delete_service(self.service_id)
        except lib_exc.RestClientException as error:
            return error
        self.service_deleted = True
        LOG.error('Nova deleted %s on %s although it was asked to refuse; '
                  'restart that nova-compute to register it again',
                  hosts.COMPUTE_BINARY, self.host)
        return None

    def _arm_deadline(self):
        if threading.current_thread() is threading.main_thread():
            self._previous_sigterm = signal.signal(signal.SIGTERM,
                                                   _raise_terminated)
        self._timer = self.timer_factory(self.max_seconds, self._expire)
        self._timer.daemon = True
        self._timer.start()

    def _expire(self):
        LOG.error('%s on %s disrupted for more than %s s: restoring it now',
                  hosts.COMPUTE_BINARY, self.host, self.max_seconds)
        self.expired = True
        self._restore_or_log()

    # -- restoring --------------------------------------------------------

    def __exit__(self, exc_type, exc_value, traceback):
        try:
            self.restore()
        except Exception:
            if exc_type is None:
                raise
            # Keep the test's own failure; the restore failure is logged.
            LOG.exception('Restoring %s on %s failed', hosts.COMPUTE_BINARY,
                          self.host)
        if self.expired and exc_type is None:
            raise exceptions.DisruptionTimeout(host=self.host,
                                               seconds=self.max_seconds)
        return False

    def _restore_or_log(self):
        try:
            self.restore()
        except Exception:
            LOG.exception('Restoring %s on %s failed', hosts.COMPUTE_BINARY,
                          self.host)

    def restore(self):
        """Put the service back exactly as it was found; idempotent.

        SIGINT and SIGTERM arriving meanwhile are held until the service
        is back, then raised: an interrupted restore would leave it down.
        """
        with self._lock:
            if self.restored or self.original is None:
                self._disarm()
                return
            try:
                with _held_signals() as received:
                    self._restore_steps()
            finally:
                self._disarm()
            if received:
                raise _signal_exception(received[0])

    def _restore_steps(self):
        # A restarted compute counts as back only once it heartbeats again:
        # a heartbeat from before the stop can still be fresh enough for
        # Nova to call the service up.
        last_old_heartbeat = None
        if self.stopped:
            last_old_heartbeat = heartbeat.parse_updated_at(
                self._service()['updated_at'])
            commands.run(self.start_command, self.host,
                         self.command_timeout, self.runner)
            self.stopped = False
        self.on_step('restoring')
        self.services_client.update_service(
            self.service_id, **restore_fields(self.original))
        want_up = self.original_state == 'up'

        def back(service):
            updated_at = heartbeat.parse_updated_at(service['updated_at'])
            return (matches_original(service, self.original) and
                    (service['state'] == 'up' or not want_up) and
                    (last_old_heartbeat is None or
                     (updated_at or last_old_heartbeat) >
                     last_old_heartbeat))
        self.restored_service = self._wait_for_service(
            back, 'as recorded (%s%s)' % (self.original,
                                          ', up' if want_up else ''))
        self.restored = True
        LOG.info('Restored %s on %s to %s', hosts.COMPUTE_BINARY,
                 self.host, self.original)
        self.on_step('restored')

    def _disarm(self):
        if self._timer is not None:
            self._timer.cancel()
        if self._previous_sigterm is not None and (
                threading.current_thread() is threading.main_thread()):
            signal.signal(signal.SIGTERM, self._previous_sigterm)
            self._previous_sigterm = None


@contextlib.contextmanager
def _held_signals():
    """Record SIGINT/SIGTERM instead of acting on them, in the main thread.

    Yields the list the received signal numbers are appended to.
    """
    received = []
    if threading.current_thread() is not threading.main_thread():
        yield received
        return
    previous = {signum: signal.signal(signum,
                                      lambda n, frame: received.append(n))
                for signum in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield received
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _signal_exception(signum):
    if signum == signal.SIGINT:
        return KeyboardInterrupt()
    return TerminatedBySignal('signal %d while restoring a compute' % signum)


def restore_fields(original):
    """The PUT /os-services body that brings back the recorded state.

    Nova refuses a disabled_reason together with status=enabled, so the
    reason is only sent back for a service that was disabled.
    """
    fields = {'status': original['status'],
              'forced_down': original['forced_down']}
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
