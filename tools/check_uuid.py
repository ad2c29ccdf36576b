"""Tempest's check-uuid over all of the plugin's Tempest tests, in one pass.

    python tools/check_uuid.py          # tox -e pep8: report, exit non-zero
    python tools/check_uuid.py --fix    # tox -e uuidgen: add missing ids

Tempest's `check-uuid --package P` finds tests missing an idempotent_id
and ids used twice, but only within P, and it leaves out only
`tempest.tests`. Run once per test package (api, serial_tests) it would
miss an id copied from one package into the other; run on the whole
plugin it would ask ids of the unit tests. So this runs Tempest's own
checker once, on the whole plugin, with the plugin's unit-test package
(`allocation_tempest_plugin.tests`) in the place of `tempest.tests`.

Before that it checks that every id is one `check-uuid --fix` could have
written: a random (version 4) UUID in canonical form. A hand-typed id
usually is too, so this does not prove an id was generated; replacing
one is done by deleting its decorator and running `tox -e uuidgen`.
"""

import sys
import uuid

from tempest.lib.cmd import check_uuid

PACKAGE = 'allocation_tempest_plugin'
UNIT_TESTS = 'allocation_tempest_plugin.tests'


def malformed_ids(tests):
    """['path:line: Class.test: id ...'] for ids that are not uuid4."""
    found = []
    for module in tests.values():
        for test_name, node in sorted(module['tests'].items()):
            test_id = check_uuid.TestChecker._get_idempotent_id(node)
            if not test_id:
                continue  # check-uuid reports (or fixes) a missing id
            try:
                parsed = uuid.UUID(test_id)
            except (TypeError, ValueError):
                parsed = None
            if parsed is None or str(parsed) != test_id or \
                    parsed.version != 4:
                found.append('%s:%s: %s: id %r is not a lower-case '
                             'version 4 UUID as check-uuid --fix writes'
                             % (module['source_path'], node.lineno,
                                test_name, test_id))
    return found


def main(argv):
    if not hasattr(check_uuid, 'UNIT_TESTS_EXCLUDE'):
        sys.exit('tempest.lib.cmd.check_uuid has no UNIT_TESTS_EXCLUDE: '
                 'this Tempest\'s check-uuid cannot leave out the unit '
                 'tests; update tools/check_uuid.py')
    check_uuid.UNIT_TESTS_EXCLUDE = UNIT_TESTS
    sys.path.insert(0, '.')
    __import__(PACKAGE)
    checker = check_uuid.TestChecker(sys.modules[PACKAGE])
    tests = checker.get_tests()
    count = sum(len(module['tests']) for module in tests.values())
    if not count:
        sys.exit('check_uuid: no Tempest test found in %s' % PACKAGE)
    malformed = malformed_ids(tests)
    for line in malformed:
        print(line)
    sys.argv = ['check-uuid', '--package', PACKAGE] + list(argv)
    check_uuid.run()  # exits non-zero on a missing or duplicate id
    if malformed:
        sys.exit('%d malformed idempotent id(s): delete the decorator and '
                 'run tox -e uuidgen' % len(malformed))
    print('check_uuid: %d Tempest tests in %s, every one with its own '
          'idempotent id' % (count, PACKAGE))


if __name__ == '__main__':
    main(sys.argv[1:])
