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

"""selection.py is the one place a plugin regex is written.

A doc example that spells a regex by hand drifts when the tests move
(the serial_tests split did that once); these checks hold every example
to one of selection.py's values, and every value to selecting plugin
tests only.
"""

import glob
import os
import re

import testtools

from allocation_tempest_plugin import selection
from allocation_tempest_plugin.tests.unit import test_zuul_jobs

REPO_ROOT = test_zuul_jobs.REPO_ROOT
DOCS = (['README.rst', os.path.join('tools', 'local-cloud', 'README.md')] +
        [os.path.relpath(path, REPO_ROOT) for path in glob.glob(
            os.path.join(REPO_ROOT, 'doc', 'source', '*.rst'))])
# `tempest run --regex '...'` and a job's `tempest_test_regex: '...'`.
EXAMPLE = re.compile(r"(?:--regex|tempest_test_regex:)\s+'([^']+)'")


def documented_regexes():
    """(file, regex) of every plugin regex a document spells out."""
    found = []
    for name in DOCS:
        with open(os.path.join(REPO_ROOT, name)) as doc:
            for regex in EXAMPLE.findall(doc.read()):
                if 'allocation_tempest_plugin' in regex:
                    found.append((name, regex))
    return found


class SelectionTest(testtools.TestCase):

    def test_doc_examples_are_selection_values(self):
        examples = documented_regexes()
        self.assertNotEqual([], examples)
        for name, regex in examples:
            self.assertIn(regex, test_zuul_jobs.SELECTIONS,
                          '%s: %s is not one of selection.py\'s' % (
                              name, regex))

    def test_every_selection_selects_plugin_tests_only(self):
        test_ids, load_errors = test_zuul_jobs.plugin_test_ids()
        self.assertEqual([], load_errors)
        for name, regex in sorted(vars(selection).items()):
            if not name.isupper():
                continue
            pattern = re.compile(regex)
            self.assertNotEqual(
                [], [t for t in test_ids if pattern.search(t)],
                'selection.%s selects no plugin test' % name)
            self.assertEqual(
                [], [t for t in test_zuul_jobs.OUTSIDE_IDS
                     if pattern.search(t)],
                'selection.%s selects tests outside the plugin' % name)

    def test_seed_is_one_test(self):
        test_ids, _ = test_zuul_jobs.plugin_test_ids()
        seed = re.compile(selection.SEED)
        self.assertEqual(
            ['allocation_tempest_plugin.serial_tests.api.admin.'
             'test_local_delete.LocalDeleteTest.'
             'test_local_delete_active_server'],
            [t.split('[')[0] for t in test_ids if seed.search(t)])
