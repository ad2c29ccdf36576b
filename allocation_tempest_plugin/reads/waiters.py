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
until its condition holds or its deadline passes; no fixed sleeps.
"""

import time

from oslo_log import log as logging
from tempest.lib.common.utils import test_utils

LOG = logging.getLogger(__name__)
# tools/bench sums these lines: what the plugin's own waiting cost.
WAIT_LOG = 'allocation_tempest_plugin wait: %d polls, %.3f s, done=%s'


class Outcome(object):
    """What the last poll saw, and whether the condition held."""

    def __init__(self):
        self.value = None
        self.done = False
        self.polls = 0


def wait_for(probe, condition, timeout, interval):
    """Call probe() until condition(value) is true or timeout passes.

    Returns an Outcome with the last value seen, so the caller can build
    its failure message from what was really observed.
    """
    outcome = Outcome()

    def poll():
        outcome.value = probe()
        outcome.polls += 1
        outcome.done = bool(condition(outcome.value))
        return outcome.done

    started = time.monotonic()
    test_utils.call_until_true(poll, timeout, interval)
    if not outcome.polls:
        # A zero or negative timeout still deserves one look.
        poll()
    LOG.info(WAIT_LOG, outcome.polls, time.monotonic() - started,
             outcome.done)
    return outcome
