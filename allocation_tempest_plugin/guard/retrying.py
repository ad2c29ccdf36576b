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

"""One restore step, tried again with backoff until a deadline.

A restore that gives up after one 5xx, one timeout or one failed start
leaves a compute down until someone notices; so each step is retried,
independently of the others, until the restore deadline. The clock is
passed in so the unit tests run in fake time.

When a step fails for good, its message names the last error and, if
that try got no answer at all (a timeout, a broken connection), also
the last answer the service did give: a try that happened to time out
at the deadline must not hide why the service refused every try before
it (Nova's 400 while evacuations are "done", bug 1922053, is what tells
the operator what to do).
"""

import time

from oslo_log import log as logging
from tempest.lib import exceptions as lib_exc

from allocation_tempest_plugin import exceptions

LOG = logging.getLogger(__name__)
# Errors that carry no answer from the service.
NO_ANSWER = (exceptions.ApiTimeout, exceptions.ApiConnectionError,
             lib_exc.TimeoutException)
# Errors no retry can mend: a command the guard refuses to run (a bad
# template, a hostile host name), a service that does not exist.
PERMANENT = (exceptions.UnsafeCommand, lib_exc.NotFound)


class Clock(object):
    monotonic = staticmethod(time.monotonic)
    sleep = staticmethod(time.sleep)


def _describe(error):
    return '%s: %s' % (type(error).__name__,
                       ' '.join(str(error).split())[:300])


class Attempts(object):
    """How a step went: done, the last value or error, tries made.

    refusal: the last error that was the service's answer, until a later
    try returns a value.
    """

    def __init__(self):
        self.done = False
        self.value = None
        self.error = None
        self.refusal = None
        self.tries = 0

    def failed(self, error):
        self.error = error
        if not isinstance(error, NO_ANSWER):
            self.refusal = error

    def returned(self, value):
        self.value = value
        self.error = None
        self.refusal = None

    def why_not(self):
        if self.error is None:
            return 'last seen %s' % (self.value,)
        if self.refusal is None or self.refusal is self.error:
            return _describe(self.error)
        return '%s; the last answer before it: %s' % (
            _describe(self.error), _describe(self.refusal))


def until(step, deadline, clock, interval, what, done=None):
    """Call step() until it returns a value done(value) accepts.

    Exceptions (5xx, timeouts, a 400 Nova will stop giving, a failed
    command) count as "not yet"; PERMANENT ones end it at once. Tries
    at least once, even past the deadline. After an error it backs off
    from interval up to eight times it; an answer that is not yet done
    (a heartbeat still to come) is read again after interval, as
    Tempest's waiters poll: the event comes when it comes, and a doubled
    wait would pass it by up to half the wait (seconds per restart).
    """
    attempts = Attempts()
    delay = max(interval, 0.01)
    cap = max(interval * 8, 1.0)
    while True:
        attempts.tries += 1
        try:
            attempts.returned(step())
            if done is None or done(attempts.value):
                attempts.done = True
                return attempts
            delay = max(interval, 0.01)
        except PERMANENT as error:
            attempts.failed(error)
            LOG.warning('%s failed for good (try %d), not retried: %s',
                        what, attempts.tries, attempts.why_not())
            return attempts
        except Exception as error:
            attempts.failed(error)
            # The first failure is news; the retries are detail.
            log = LOG.warning if attempts.tries == 1 else LOG.debug
            log('%s failed (try %d): %s', what, attempts.tries,
                attempts.why_not())
        remaining = deadline - clock.monotonic()
        if remaining <= 0:
            return attempts
        clock.sleep(min(delay, remaining))
        if attempts.error is not None:
            delay = min(delay * 2, cap)


class Retrier(object):
    """until() with one clock, interval and log label for every step."""

    def __init__(self, clock, interval, label):
        self.clock = clock
        self.interval = interval
        self.label = label

    def __call__(self, step, deadline, what, done=None):
        return until(step, deadline, self.clock, self.interval,
                     '%s: %s' % (self.label, what), done)
