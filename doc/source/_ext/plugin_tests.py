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
"""Sphinx directives that render the plugin's tests from the code itself.

``.. allocation-tests::`` walks the test packages (through
allocation_tempest_plugin.tests.inventory, the same walk the unit tests
use) and writes, per module, class and test: the docstrings, the
idempotent id, related bugs, credentials and whether the test is serial
(destructive). ``:member-only:`` limits it to the certification tests.
``.. allocation-selections::`` lists the regexes of selection.py. Nothing
here is kept by hand, so the pages cannot drift from the tests.
"""

import inspect
import itertools
import sys

from docutils import nodes
from docutils.parsers.rst import directives
from docutils import statemachine
from sphinx.util.docutils import SphinxDirective
from sphinx.util.nodes import nested_parse_with_titles

from allocation_tempest_plugin.placement_checks import known_defects
from allocation_tempest_plugin import selection
from allocation_tempest_plugin.tests import inventory

BUG_URL = 'https://bugs.launchpad.net/nova/+bug/%s'


def _indent(text, prefix='   '):
    return [prefix + line if line else '' for line in text.splitlines()]


def _heading(text, underline):
    return [text, underline * len(text), '']


def _docstring(obj):
    return inspect.cleandoc(obj.__doc__ or '')


def class_lines(cls, tests):
    first = tests[0]
    lines = _heading('``%s``' % first.class_name, '~')
    lines += _docstring(cls).splitlines() + ['']
    destructive = ('**yes**: serial; skipped unless ``[allocation] '
                   'allow_compute_disruption`` is true' if first.serial
                   else 'no')
    credentials = ', '.join('``%s``' % c for c in first.credentials)
    lines += [':Credentials: %s' % credentials,
              ':Destructive: %s' % destructive,
              '']
    for test in tests:
        lines += ['``%s``' % test.method]
        facts = [':Idempotent id: ``%s``' % test.idempotent_id]
        if test.related_bugs:
            facts += [':Related bugs: %s' % ', '.join(
                '`%s <%s>`__' % (bug, BUG_URL % bug)
                for bug in test.related_bugs)]
        if test.types:
            facts += [':Type: %s' % ', '.join(test.types)]
        lines += _indent('\n'.join(facts))
        lines += ['']
        lines += _indent(test.docstring or '(no docstring)')
        lines += ['']
    return lines


def tests_rst(tests):
    lines = []
    by_module = itertools.groupby(tests, key=lambda test: test.module)
    for module_name, module_tests in by_module:
        module = sys.modules[module_name]
        lines += _heading('``%s``' % module_name, '-')
        if module.__doc__:
            lines += _docstring(module).splitlines() + ['']
        by_class = itertools.groupby(list(module_tests),
                                     key=lambda test: test.class_name)
        for class_name, class_tests in by_class:
            lines += class_lines(getattr(module, class_name),
                                 list(class_tests))
    return lines


def parse_rst(directive, lines):
    """Nodes for generated reStructuredText, headings nested.

    Its headings become subsections of the section the directive stands
    in.
    """
    container = nodes.section()
    container.document = directive.state.document
    nested_parse_with_titles(directive.state,
                             statemachine.StringList(lines, 'generated'),
                             container, directive.content_offset)
    return container.children


class AllocationTests(SphinxDirective):
    option_spec = {'member-only': directives.flag}

    def run(self):
        tests, errors = inventory.load()
        if errors:
            raise self.error('the test packages do not load: %s' % errors)
        if 'member-only' in self.options:
            tests = [test for test in tests
                     if inventory.is_member_only(test) and not test.serial]
        for test in tests:
            self.env.note_dependency(sys.modules[test.module].__file__)
        return parse_rst(self, tests_rst(tests))


class AllocationSelections(SphinxDirective):
    """The regexes of allocation_tempest_plugin/selection.py."""

    def run(self):
        lines = []
        for name, value in vars(selection).items():
            if name.isupper():
                lines += ['``selection.%s``' % name,
                          '   ``%s``' % value, '']
        self.env.note_dependency(selection.__file__)
        return parse_rst(self, lines)


class AllocationKnownDefects(SphinxDirective):
    """The Nova defects placement_checks/known_defects.py knows by name."""

    def run(self):
        lines = []
        for name, defect in sorted(known_defects.DEFECTS.items()):
            lines += ['``%s``' % name, '   %s.' % defect.summary, '',
                      '   Nova code path: %s.' % defect.code_path, '']
            lines += ['   Nova bug %s.' % bug for bug in defect.bugs]
            lines.append('')
        self.env.note_dependency(known_defects.__file__)
        return parse_rst(self, lines)


def setup(app):
    app.add_directive('allocation-known-defects', AllocationKnownDefects)
    app.add_directive('allocation-tests', AllocationTests)
    app.add_directive('allocation-selections', AllocationSelections)
    return {'parallel_read_safe': True, 'parallel_write_safe': True}
