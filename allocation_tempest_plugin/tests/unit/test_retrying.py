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

"""retrying.until in fake time: what a step that never succeeds reports."""

from tempest.lib import exceptions as lib_exc
import testtools

from allocation_tempest_plugin import exceptions
from allocation_tempest_plugin.fakes import clock
from allocation_tempest_plugin.guard import retrying

REFUSED = lib_exc.BadRequest('evacuations in "done" state')


def _timeout():
    return exceptions.ApiTimeout(
        method='ComputeServicesClient.update_service', http_method='PUT',
        url='compute /os-services/x', timeout=0.5, reason='read timed out')


class UntilTest(testtools.TestCase):

    def _until(self, *outcomes):
        """Each try takes 1 s of fake time; the deadline is at 10 s.

        Tries at 1, 3, 6 and 11 s (backoff 1, 2, then 4 s): four outcomes.
        """
        fake_clock = clock.FakeClock()
        tries = iter(outcomes)

        def step():
            fake_clock.sleep(1)
            outcome = next(tries)
            if isinstance(outcome, Exception):
                raise outcome
            return outcome
        return retrying.until(step, 10, fake_clock, 1, 'step',
                              done=lambda value: value == 'done')

    def test_last_try_without_answer_keeps_the_last_refusal(self):
        # The try at the deadline timed out (a stalled test process, a
        # slow proxy): Nova's refusal before it still explains the failure.
        attempts = self._until(REFUSED, REFUSED, REFUSED, _timeout())
        self.assertFalse(attempts.done)
        self.assertEqual(4, attempts.polls)
        why = attempts.why_not()
        self.assertTrue(why.startswith('ApiTimeout: '), why)
        self.assertIn('; the last answer before it: BadRequest: ', why)
        self.assertIn('evacuations in "done" state', why)

    def test_refusals_alone_name_the_last_one(self):
        attempts = self._until(REFUSED, REFUSED, REFUSED, REFUSED, REFUSED)
        self.assertEqual('BadRequest: Bad request Details: evacuations in '
                         '"done" state', attempts.why_not())

    def test_no_answer_at_all_names_only_that(self):
        attempts = self._until(*[_timeout()] * 5)
        self.assertTrue(attempts.why_not().startswith('ApiTimeout: '))
        self.assertNotIn('last answer', attempts.why_not())

    def test_a_value_after_a_refusal_is_the_last_answer(self):
        # Tries at 1, 3 (not yet: the next after 1 s), 5, 8 and 11 s.
        attempts = self._until(REFUSED, 'not yet', _timeout(), _timeout(),
                               _timeout())
        self.assertEqual(5, attempts.polls)
        self.assertTrue(attempts.why_not().startswith('ApiTimeout: '))
        self.assertNotIn('BadRequest', attempts.why_not())

    def test_done_value(self):
        attempts = self._until(REFUSED, _timeout(), 'done')
        self.assertTrue(attempts.done)
        self.assertEqual('done', attempts.value)
        self.assertEqual(3, attempts.polls)

    def test_permanent_errors_end_at_once(self):
        for error in (exceptions.UnsafeCommand(reason='bad template'),
                      lib_exc.NotFound('no such service')):
            attempts = self._until(error, 'done')
            self.assertFalse(attempts.done)
            self.assertEqual(1, attempts.polls)
            self.assertIn(type(error).__name__, attempts.why_not())

    def test_an_answer_not_yet_done_is_read_again_after_the_interval(self):
        # A heartbeat still to come is polled, not backed off from: tries
        # every 2 s (1 s each plus the 1 s interval) until the deadline.
        attempts = self._until(*['not yet'] * 6)
        self.assertFalse(attempts.done)
        self.assertEqual(6, attempts.polls)
        self.assertEqual('last seen not yet', attempts.why_not())
