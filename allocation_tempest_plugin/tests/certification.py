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
"""The certification lists: the regex include-list and its RefStack twin.

certification-include-list.txt is written by hand (one regex per test,
each with a comment saying what it proves); unit tests keep it exact.
certification-refstack-list.txt is produced from it and from the tests
by this module, in RefStack's test-list format: one full test id with
its idempotent id per line, ``module.Class.test[id-<uuid>]``, which is
also the id ``tempest run --list-tests`` prints, so ``tempest run
--load-list`` selects exactly these tests. Write it again after the
include-list or an id changed::

    tox -e refstack-list

A unit test (tests/unit/test_certification.py) fails while the
committed file differs from what this writes.
"""

import argparse
import os
import re
import sys

from allocation_tempest_plugin.tests import inventory

INCLUDE_LIST = os.path.join(inventory.PACKAGE_DIR,
                            'certification-include-list.txt')
REFSTACK_LIST = os.path.join(inventory.PACKAGE_DIR,
                             'certification-refstack-list.txt')
ID_COMMENT = re.compile(r'^# id-([0-9a-f-]{36}):')


def read_include_list(path=INCLUDE_LIST):
    """[(test id line, idempotent id of the comment above it or None)]."""
    entries, comment_id = [], None
    with open(path) as include_list:
        for line in include_list:
            line = line.strip()
            match = ID_COMMENT.match(line)
            if match:
                comment_id = match.group(1)
            elif line and not line.startswith('#'):
                entries.append((line, comment_id))
                comment_id = None
    return entries


def refstack_lines(entries, tests):
    """RefStack lines for the include-list's tests, in its order.

    The id comes from the test itself, not from the include-list's
    comment. Raises ValueError for a line that names no test, a test
    without an idempotent id, or one with other Tempest attributes (its
    full id would then be ``name[id-...,slow]``, which a ``name[id-...]``
    line does not match under ``tempest run --load-list``).
    """
    by_id = {test.test_id: test for test in tests}
    lines = []
    for line, _ in entries:
        test = by_id.get(line)
        if test is None:
            raise ValueError('%s: no such test' % line)
        if not test.idempotent_id:
            raise ValueError('%s: no idempotent id (tox -e uuidgen)' % line)
        if test.types:
            raise ValueError('%s: attributes %s besides its id' % (
                line, list(test.types)))
        lines.append('%s[id-%s]' % (test.test_id, test.idempotent_id))
    return lines


def render(entries=None, tests=None):
    """The whole text of certification-refstack-list.txt."""
    if entries is None:
        entries = read_include_list()
    if tests is None:
        tests, errors = inventory.load()
        if errors:
            raise ValueError('tests do not load: %s' % (errors,))
    return ''.join('%s\n' % line for line in refstack_lines(entries, tests))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--check', action='store_true',
                        help='only compare; exit 1 if the file differs')
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        with open(REFSTACK_LIST) as committed:
            if committed.read() != text:
                print('%s differs from what the tests give; run tox -e '
                      'refstack-list' % REFSTACK_LIST)
                return 1
        print('%s is up to date' % REFSTACK_LIST)
        return 0
    with open(REFSTACK_LIST, 'w') as refstack_list:
        refstack_list.write(text)
    print('wrote %s (%d tests)' % (REFSTACK_LIST, text.count('\n')))
    return 0


if __name__ == '__main__':
    sys.exit(main())
