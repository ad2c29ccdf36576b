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
independently of the others, until the restore deadline, by the plugin's
one polling primitive (reads/polling.py), which also keeps the last
refusal in the message when the last try got no answer at all. The
clock is passed in so the unit tests run in fake time.
"""

import time

from tempest.lib import exceptions as lib_exc

from allocation_tempest_plugin import exceptions
from allocation_tempest_plugin.reads import polling

# Errors no retry can mend: a command the guard refuses to run (a bad
# template, a hostile host name), a service that does not exist.
PERMANENT = (exceptions.UnsafeCommand, lib_exc.NotFound)


class Clock(object):
    monotonic = staticmethod(time.monotonic)
    sleep = staticmethod(time.sleep)


def _any_value(value):
    return True


def until(step, deadline, clock, interval, what, done=None):
    """Polls of step() until done(value) accepts one or deadline passes.

    deadline is on clock's monotonic seconds, shared by every step of one
    restore. Any exception (5xx, timeouts, a 400 Nova will stop giving, a
    failed command) counts as "not yet"; PERMANENT ones end it at once.
    """
    return polling.poll(step, done or _any_value,
                        deadline - clock.monotonic(), interval, what,
                        clock=clock, retry_on=(Exception,),
                        give_up_on=PERMANENT)


class Retrier(object):
    """until() with one clock, interval and log label for every step."""

    def __init__(self, clock, interval, label):
        self.clock = clock
        self.interval = interval
        self.label = label

    def __call__(self, step, deadline, what, done=None):
        return until(step, deadline, self.clock, self.interval,
                     '%s: %s' % (self.label, what), done)
