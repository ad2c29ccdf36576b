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
"""The certification include-list names exactly the member-only tests.

A certification run hands Tempest one member account: a listed test that
needs admin would error, and one that disrupts a compute must never run
there. A member test missing from the list is coverage the certifier
silently loses.
"""

import re

import testtools

from allocation_tempest_plugin import selection
from allocation_tempest_plugin.tests import certification
from allocation_tempest_plugin.tests import inventory

INCLUDE_LIST = certification.INCLUDE_LIST
read_include_list = certification.read_include_list


def problems(entries, tests):
    """What is wrong with an include-list, as readable lines."""
    by_id = {test.test_id: test for test in tests}
    found = []
    for line, comment_id in entries:
        test = by_id.get(line)
        if test is None:
            found.append('%s: no such test' % line)
            continue
        # stestr reads each line as a regex: it must select only the test
        # it names (no prefix of a longer name).
        matched = sorted(test_id for test_id in by_id
                         if re.search(line, test_id))
        if matched != [line]:
            found.append('%s: selects %s' % (line, matched))
        if not inventory.is_member_only(test):
            found.append('%s: needs credentials %s' % (
                line, list(test.credentials)))
        if test.serial or '.serial_tests.' in line:
            found.append('%s: serial (destructive)' % line)
        if not re.search(selection.MEMBER, line):
            found.append('%s: outside selection.MEMBER' % line)
        if comment_id != test.idempotent_id:
            found.append('%s: comment says id-%s, the test has id-%s' % (
                line, comment_id, test.idempotent_id))
    listed = {line for line, _ in entries}
    for test in tests:
        if (inventory.is_member_only(test) and not test.serial and
                '.serial_tests.' not in test.test_id and
                test.test_id not in listed):
            found.append('%s: member test not listed' % test.test_id)
    return found


class CertificationListTest(testtools.TestCase):

    @classmethod
    def setUpClass(cls):
        super(CertificationListTest, cls).setUpClass()
        cls.tests, cls.load_errors = inventory.load()
        cls.entries = read_include_list()

    def test_tests_load(self):
        self.assertEqual([], self.load_errors)

    def test_published_list_is_right(self):
        self.assertNotEqual([], self.entries)
        self.assertEqual([], problems(self.entries, self.tests))

    def test_a_member_test_exists(self):
        self.assertTrue(any(inventory.is_member_only(test)
                            for test in self.tests))

    def entry_for(self, predicate):
        test = next(test for test in self.tests if predicate(test))
        return (test.test_id, test.idempotent_id)

    def test_admin_test_is_refused(self):
        admin = self.entry_for(lambda t: 'admin' in t.credentials and
                               not t.serial)
        found = problems(self.entries + [admin], self.tests)
        self.assertEqual(['%s: needs credentials %s' % (
            admin[0], ['primary', 'admin']),
            '%s: outside selection.MEMBER' % admin[0]], found)

    def test_serial_test_is_refused(self):
        serial = self.entry_for(lambda t: t.serial)
        found = problems(self.entries + [serial], self.tests)
        self.assertIn('%s: serial (destructive)' % serial[0], found)

    def test_missing_member_test_and_unknown_id_are_refused(self):
        [(dropped, _), *rest] = self.entries
        found = problems(rest + [('allocation_tempest_plugin.api.'
                                  'test_gone.GoneTest.test_gone', None)],
                         self.tests)
        self.assertEqual(
            ['allocation_tempest_plugin.api.test_gone.GoneTest.test_gone: '
             'no such test', '%s: member test not listed' % dropped],
            found)

    def test_prefix_and_wrong_id_are_refused(self):
        line, idempotent_id = self.entries[0]
        prefix = line.rsplit('_', 1)[0]
        found = problems([(prefix, idempotent_id)] + self.entries[1:] +
                         [(line, 'not-the-id')], self.tests)
        self.assertIn('%s: no such test' % prefix, found)
        self.assertIn('%s: comment says id-not-the-id, the test has id-%s'
                      % (line, idempotent_id), found)

    def test_refstack_list_is_what_the_command_writes(self):
        with open(certification.REFSTACK_LIST) as committed:
            self.assertEqual(
                certification.render(self.entries, self.tests),
                committed.read(),
                'certification-refstack-list.txt is stale: run '
                'tox -e refstack-list')

    def test_refstack_lines_carry_each_tests_own_id(self):
        by_id = {test.test_id: test for test in self.tests}
        lines = certification.refstack_lines(self.entries, self.tests)
        self.assertEqual(len(self.entries), len(lines))
        for (name, _), line in zip(self.entries, lines):
            self.assertEqual(
                '%s[id-%s]' % (name, by_id[name].idempotent_id), line)

    def test_refstack_refuses_unknown_idless_and_attributed_tests(self):
        [test, *_] = [t for t in self.tests
                      if t.test_id == self.entries[0][0]]
        entry = [(test.test_id, None)]
        for broken, reason in ((test._replace(test_id='gone'),
                                'no such test'),
                               (test._replace(idempotent_id=None),
                                'no idempotent id'),
                               (test._replace(types=('slow',)),
                                "attributes ['slow']")):
            error = self.assertRaises(ValueError,
                                      certification.refstack_lines,
                                      entry, [broken])
            self.assertIn(reason, str(error))
