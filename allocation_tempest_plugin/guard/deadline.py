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

"""max_disruption_seconds, and the way every interruption ends in a restore.

The timer runs in another thread but never touches the service (the
main thread may be mid-write or running the stop command): it flags the
expiry and interrupts the main thread (signals.DEADLINE_SIGNAL), which
unwinds to the restore. The restore itself holds SIGINT, SIGTERM,
SIGHUP, SIGALRM (Tempest's per-test timeout fixture) and the deadline
signal until it is done, then lets them act: an interrupted restore
would leave the host down.
"""

import threading

from oslo_log import log as logging

from allocation_tempest_plugin import exceptions
from allocation_tempest_plugin.guard import signals
from allocation_tempest_plugin.reads import services

LOG = logging.getLogger(__name__)
BINARY = services.BINARY
# Where the main thread is: only 'disrupting' and 'held' may be
# interrupted by the deadline; 'restoring' holds signals; 'done' is final.
INTERRUPTIBLE = ('disrupting', 'held')


class Deadline(object):
    """One guard's timer, phase and signal handlers."""

    def __init__(self, host, seconds, timer_factory=threading.Timer):
        self.host = host
        self.seconds = seconds
        self.timer_factory = timer_factory
        self.expired = False
        self._timer = None
        # Reentrant: the deadline handler reads the phase in the main
        # thread, possibly while the main thread itself holds the lock.
        self._phase_lock = threading.RLock()
        self._phase = 'idle'
        self.handlers = signals.GuardHandlers(self._may_interrupt)

    def set_phase(self, phase):
        with self._phase_lock:
            self._phase = phase

    def arm(self):
        self._timer = self.timer_factory(self.seconds, self._expire)
        self._timer.daemon = True
        self._timer.start()

    def disarm(self):
        if self._timer is not None:
            self._timer.cancel()

    def done(self):
        self.disarm()
        self.set_phase('done')

    def _expire(self):
        # Timer thread: never touch the service from here; make the main
        # thread unwind to the restore instead.
        LOG.error('%s on %s disrupted for more than %s s: interrupting the '
                  'test to restore it', BINARY, self.host, self.seconds)
        with self._phase_lock:
            self.expired = True
            if self._phase in INTERRUPTIBLE:
                self.handlers.interrupt_main()

    def _may_interrupt(self):
        with self._phase_lock:
            return self._phase in INTERRUPTIBLE

    def restoring(self, steps):
        """Run steps with the signals held, then let the first one act."""
        self.set_phase('restoring')
        with self.handlers.held() as received:
            try:
                steps()
            finally:
                self.done()
        self.handlers.act_on(received)

    def finish(self, restore, error):
        """Restore, whatever interrupts the way there; then let it act.

        error: what ended the disruption (None on success). A signal can
        still unwind the main thread between the start of __exit__ and
        the moment the restore holds signals; the restore is then simply
        run again, and the signal raised once it is over.
        """
        try:
            interrupted = self._run_through_signals(restore)
        finally:
            self.handlers.uninstall()
        if interrupted is not None and not isinstance(
                interrupted, signals.DisruptionExpired):
            raise interrupted
        if self.expired and (error is None or
                             isinstance(error, signals.DisruptionExpired) or
                             interrupted is not None):
            raise exceptions.DisruptionTimeout(
                host=self.host, seconds=self.seconds) from error

    def _run_through_signals(self, restore):
        interrupted = None
        while True:
            try:
                restore()
                return interrupted
            except (signals.TerminatedBySignal, signals.DisruptionExpired,
                    KeyboardInterrupt) as signalled:
                interrupted = interrupted or signalled
                if self._phase == 'done':
                    return interrupted
