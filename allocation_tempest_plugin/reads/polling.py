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

"""Polling with a deadline: the only way the plugin waits for anything.

Placement is eventually consistent with Nova's asynchronous work, and a
compute service reports up only after a heartbeat, so every check polls
until its condition holds or its deadline passes; no fixed sleeps. The
guard's restore steps poll the same way, also retrying errors: a restore
that gave up after one 5xx or one failed start would leave a compute down
until someone noticed.

poll() returns what it saw (Polls), for callers to whom running out of
time is an answer (a settle period, a restore step that reports, a bool);
wait_for() raises WaitTimeout naming the test and what it waited for, as
Tempest's waiters do.
"""

import time

from oslo_log import log as logging
from tempest.lib.common.utils import test_utils
from tempest.lib import exceptions as lib_exc

from allocation_tempest_plugin import exceptions

LOG = logging.getLogger(__name__)
# tools/bench sums the "wait" lines: what the plugin's own waiting cost.
# Polls that retry errors (the guard's restore steps) log "retry" lines,
# which it leaves out: they time actions, not waiting.
COST_LOG = 'allocation_tempest_plugin %s: %d polls, %.3f s, done=%s (%s)'
# Errors that carry no answer from the service: a try that ends so must
# not hide the refusal before it (Nova's 400 while evacuations are
# "done", bug 1922053, is what tells the operator what to do).
NO_ANSWER = (exceptions.ApiTimeout, exceptions.ApiConnectionError,
             lib_exc.TimeoutException)
# A zero interval (the unit tests) must not spin the CPU.
SHORTEST_INTERVAL = 0.01


def _describe(error):
    return '%s: %s' % (type(error).__name__,
                       ' '.join(str(error).split())[:300])


class Polls(object):
    """What polling saw: done, the last value or error, polls made.

    refusal: the last error that was the service's answer, until a later
    poll returns a value.
    """

    def __init__(self):
        self.done = False
        self.value = None
        self.error = None
        self.refusal = None
        self.polls = 0
        self.seconds = 0.0

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


def poll(probe, done, timeout, interval, what, clock=time, retry_on=(),
         give_up_on=()):
    """Call probe() until done(value) holds or timeout seconds pass.

    Looks at least once, even with no time left, and last at the
    deadline. A value not yet done is read again after interval, as
    Tempest's waiters poll: the event comes when it comes, and a longer
    pause would pass it by. An error of retry_on (a 5xx, a 400 Nova will
    stop giving, a failed command) is tried again, backing off from
    interval up to eight times it; one of give_up_on, which no retry can
    mend, ends polling at once; any other error propagates. clock has
    monotonic() and sleep(), so the unit tests run in fake time.
    """
    polls = Polls()
    started = clock.monotonic()
    deadline = started + timeout
    shortest = max(interval, SHORTEST_INTERVAL)
    longest = max(interval * 8, 1.0)
    pause = shortest
    while True:
        polls.polls += 1
        try:
            polls.returned(probe())
            if done(polls.value):
                polls.done = True
                break
            pause = shortest
        except give_up_on as error:
            polls.failed(error)
            LOG.warning('%s failed for good (poll %d), not retried: %s',
                        what, polls.polls, polls.why_not())
            break
        except retry_on as error:
            polls.failed(error)
            # The first failure is news; the retries are detail.
            log = LOG.warning if polls.polls == 1 else LOG.debug
            log('%s failed (poll %d): %s', what, polls.polls,
                polls.why_not())
        remaining = deadline - clock.monotonic()
        if remaining <= 0:
            break
        clock.sleep(min(pause, remaining))
        if polls.error is not None:
            pause = min(pause * 2, longest)
    polls.seconds = clock.monotonic() - started
    LOG.info(COST_LOG, 'retry' if retry_on else 'wait', polls.polls,
             polls.seconds, polls.done, what)
    return polls


def wait_for(probe, done, timeout, interval, what, **options):
    """The first value done() accepts, or WaitTimeout.

    The exception names the test that waited (Tempest's
    find_test_caller), what it waited for and what it last saw.
    options are poll()'s clock, retry_on and give_up_on.
    """
    polls = poll(probe, done, timeout, interval, what, **options)
    if not polls.done:
        caller = test_utils.find_test_caller()
        raise exceptions.WaitTimeout(
            '%d polls; %s' % (polls.polls, polls.why_not()),
            caller='(%s) ' % caller if caller else '', what=what,
            timeout=timeout)
    return polls.value
