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

"""The guard's signal handling, main thread only (Python's rule).

While a host is held, SIGTERM and SIGHUP unwind the test like an
exception, so the guard's __exit__ restores; SIGINT does so already
(KeyboardInterrupt), and so does SIGALRM under Tempest's per-test timeout
(fixtures.Timeout raises from its handler). DEADLINE_SIGNAL is how the
max_disruption_seconds timer thread interrupts the main thread instead
of restoring behind its back. While the restore runs, all of them are
recorded and only act once it is over: a second Ctrl-C or the test
timeout must not leave the compute half-restored.

DEADLINE_SIGNAL is SIGUSR2, unused by Tempest and stestr; oslo.reports
uses it for its report when enabled, which then waits until the guard
has let the host go.
"""

import contextlib
import signal
import threading

DEADLINE_SIGNAL = signal.SIGUSR2
UNWINDING = (signal.SIGTERM, signal.SIGHUP)
HELD = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGALRM,
        DEADLINE_SIGNAL)


class TerminatedBySignal(BaseException):
    """SIGTERM or SIGHUP arrived while a service was disrupted."""


class DisruptionExpired(BaseException):
    """max_disruption_seconds passed; unwinds the test to the restore."""


def _in_main_thread():
    return threading.current_thread() is threading.main_thread()


def _raise_terminated(signum, frame):
    raise TerminatedBySignal('signal %d while a compute was disrupted' %
                             signum)


class GuardHandlers(object):
    """Install, hold and act on the signals around one guard."""

    def __init__(self, should_interrupt):
        # should_interrupt() tells whether the deadline may still unwind
        # the main thread (not once the restore has begun).
        self.should_interrupt = should_interrupt
        self._previous = {}

    def install(self):
        if not _in_main_thread() or self._previous:
            return
        for signum in UNWINDING:
            self._previous[signum] = signal.signal(signum,
                                                   _raise_terminated)
        self._previous[DEADLINE_SIGNAL] = signal.signal(
            DEADLINE_SIGNAL, self._on_deadline)

    def _on_deadline(self, signum, frame):
        if self.should_interrupt():
            raise DisruptionExpired('[allocation] max_disruption_seconds '
                                    'passed')

    def uninstall(self):
        if not _in_main_thread():
            return
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
        self._previous = {}

    def interrupt_main(self):
        """From the timer thread: interrupt the main thread, if ours."""
        if self._previous:
            signal.pthread_kill(threading.main_thread().ident,
                                DEADLINE_SIGNAL)

    @contextlib.contextmanager
    def held(self):
        """Record the signals instead of acting on them.

        Yields the list of (signum, handler in force before) received.
        """
        received = []
        if not _in_main_thread():
            yield received
            return
        previous = {}

        def record(signum, frame):
            received.append((signum, previous[signum]))
        try:
            for signum in HELD:
                previous[signum] = signal.signal(signum, record)
            yield received
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)

    @staticmethod
    def act_on(received):
        """Let the first signal held during the restore act now."""
        for signum, handler in received:
            if signum == DEADLINE_SIGNAL or handler == signal.SIG_IGN:
                continue
            if callable(handler):
                handler(signum, None)
                return
            if signum == signal.SIGINT:
                raise KeyboardInterrupt()
            raise TerminatedBySignal('signal %d while restoring a compute'
                                     % signum)
