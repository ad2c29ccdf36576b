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
"""

import time

from oslo_log import log as logging

LOG = logging.getLogger(__name__)


class Clock(object):
    monotonic = staticmethod(time.monotonic)
    sleep = staticmethod(time.sleep)


class Attempts(object):
    """How a step went: done, the last value or error, tries made."""

    def __init__(self):
        self.done = False
        self.value = None
        self.error = None
        self.tries = 0

    def why_not(self):
        if self.error is not None:
            return '%s: %s' % (type(self.error).__name__,
                               ' '.join(str(self.error).split())[:300])
        return 'last seen %s' % (self.value,)


def until(step, deadline, clock, interval, what, done=None):
    """Call step() until it returns a value done(value) accepts.

    Exceptions (5xx, timeouts, a 400 Nova will stop giving, a failed
    command) count as "not yet". Tries at least once, even past the
    deadline; backs off from interval up to eight times it.
    """
    attempts = Attempts()
    delay = max(interval, 0.01)
    cap = max(interval * 8, 1.0)
    while True:
        attempts.tries += 1
        try:
            attempts.value = step()
            attempts.error = None
            if done is None or done(attempts.value):
                attempts.done = True
                return attempts
        except Exception as error:
            attempts.error = error
            # The first failure is news; the retries are detail.
            log = LOG.warning if attempts.tries == 1 else LOG.debug
            log('%s failed (try %d): %s', what, attempts.tries,
                attempts.why_not())
        remaining = deadline - clock.monotonic()
        if remaining <= 0:
            return attempts
        clock.sleep(min(delay, remaining))
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
