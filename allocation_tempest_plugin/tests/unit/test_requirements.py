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
"""Requirements and constraints say what the code really uses.

A module imported but not declared works only while something else pulls
it in (urllib3 came with Tempest, PyYAML with stestr); a requirement left
unpinned makes tox runs differ from one day to the next; the repository's
constraints and the local cloud's disagreeing would test the plugin with
other versions than the cloud runs.
"""

import ast
import importlib.metadata
import os
import re
import sys

import testtools

from allocation_tempest_plugin.tests import inventory

REPO_ROOT = inventory.TOP_DIR
UPPER_CONSTRAINTS = os.path.join(REPO_ROOT, 'upper-constraints.txt')
LOCAL_CLOUD_CONSTRAINTS = os.path.join(REPO_ROOT, 'tools', 'local-cloud',
                                       'constraints.txt')
REQUIREMENT_FILES = {
    'runtime': [os.path.join(REPO_ROOT, 'requirements.txt')],
    'tests': [os.path.join(REPO_ROOT, 'requirements.txt'),
              os.path.join(REPO_ROOT, 'test-requirements.txt')],
}


def canonical(name):
    return re.sub(r'[-_.]+', '-', name).lower()


def read_names(path, pinned=False):
    """{canonical name: line} of a requirements or constraints file."""
    names = {}
    with open(path) as requirements:
        for line in requirements:
            line = line.split('#', 1)[0].strip()
            if not line or line.startswith('-'):
                continue
            match = re.match(r'([A-Za-z0-9_.\-]+)\s*(==\s*(\S+))?', line)
            names[canonical(match.group(1))] = (match.group(3) if pinned
                                                else line)
    return names


def third_party_imports(paths):
    """Top-level modules imported by the files, minus stdlib and our own."""
    modules = set()
    for path in paths:
        with open(path) as source:
            tree = ast.parse(source.read(), path)
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                modules.update(alias.name.split('.')[0]
                               for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                modules.add(node.module.split('.')[0])
    return modules - set(sys.stdlib_module_names) - {
        'allocation_tempest_plugin'}


def python_files(exclude_tests):
    for root, _, files in os.walk(inventory.PACKAGE_DIR):
        is_tests = os.path.join(inventory.PACKAGE_DIR, 'tests') in (
            root + os.sep)
        if exclude_tests == is_tests:
            continue
        for name in files:
            if name.endswith('.py'):
                yield os.path.join(root, name)


class RequirementsTest(testtools.TestCase):

    def distributions_of(self, module):
        dists = importlib.metadata.packages_distributions().get(module, [])
        self.assertNotEqual([], dists, 'no installed package provides %s'
                            % module)
        return {canonical(dist) for dist in dists}

    def assert_declared(self, paths, requirement_files):
        declared = {}
        for path in requirement_files:
            declared.update(read_names(path))
        for module in sorted(third_party_imports(paths)):
            self.assertTrue(
                self.distributions_of(module) & set(declared),
                '%s is imported but none of %s declares it' % (
                    module, [os.path.basename(p) for p in requirement_files]))

    def test_runtime_imports_are_runtime_requirements(self):
        self.assert_declared(list(python_files(exclude_tests=True)),
                             REQUIREMENT_FILES['runtime'])

    def test_test_imports_are_declared(self):
        self.assert_declared(list(python_files(exclude_tests=False)),
                             REQUIREMENT_FILES['tests'])

    def test_every_requirement_is_pinned(self):
        pins = read_names(UPPER_CONSTRAINTS, pinned=True)
        for path in REQUIREMENT_FILES['tests'] + [
                os.path.join(REPO_ROOT, 'doc', 'requirements.txt')]:
            for name in read_names(path):
                self.assertTrue(pins.get(name), '%s of %s has no pin in '
                                'upper-constraints.txt' % (name, path))

    def test_constraints_agree_with_the_local_cloud(self):
        ours = read_names(UPPER_CONSTRAINTS, pinned=True)
        cloud = read_names(LOCAL_CLOUD_CONSTRAINTS, pinned=True)
        self.assertEqual(
            {}, {name: (ours[name], version) for name, version in
                 cloud.items() if ours.get(name) != version},
            'upper-constraints.txt (ours, local cloud) disagree')

    def test_hacking_is_pinned_to_one_minor(self):
        line = read_names(os.path.join(REPO_ROOT, 'test-requirements.txt'))[
            'hacking']
        match = re.search(r'>=(\d+)\.(\d+)(\.\d+)?,<(\d+)\.(\d+)', line)
        self.assertIsNotNone(match, line)
        major, minor = int(match.group(1)), int(match.group(2))
        self.assertEqual((major, minor + 1),
                         (int(match.group(4)), int(match.group(5))), line)
