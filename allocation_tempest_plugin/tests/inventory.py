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
"""The plugin's Tempest tests as data, for the docs and the unit tests.

The test packages are loaded the way Tempest loads them (unittest
discovery from the directory above the package), which needs Tempest's
configuration module but no tempest.conf. Each test method's decorators
and docstring are read from its source: Tempest's related_bug leaves no
trace on the function, and idempotent_id rewrites the docstring.
"""

import ast
import collections
import inspect
import os
import sys
import unittest

import allocation_tempest_plugin

PACKAGE_DIR = os.path.dirname(os.path.abspath(
    allocation_tempest_plugin.__file__))
TOP_DIR = os.path.dirname(PACKAGE_DIR)
# Packages that hold the plugin's Tempest tests (selection.ALL).
TEST_PACKAGES = ('api', 'serial_tests')

PluginTest = collections.namedtuple('PluginTest', [
    'test_id',            # module.Class.method, without Tempest's [attrs]
    'module',             # dotted module name
    'class_name',
    'method',
    'idempotent_id',      # None when the test lacks one
    'related_bugs',       # tuple of bug numbers, as written
    'types',              # decorators.attr(type=...) values, e.g. 'slow'
    'credentials',        # the class's credentials, e.g. ('primary',)
    'serial',             # decorators.serial on the class or a base
    'docstring',          # the method's own docstring (cleaned)
])


def _flatten(suite):
    for test in suite:
        if isinstance(test, unittest.TestSuite):
            yield from _flatten(test)
        else:
            yield test


def _call_name(node):
    """'decorators.related_bug' for decorators.related_bug('1')."""
    func = node.func if isinstance(node, ast.Call) else node
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return None


def _constant_args(call):
    return [arg.value for arg in call.args if isinstance(arg, ast.Constant)]


def method_facts(cls, method_name):
    """(docstring, idempotent id, related bugs, types) from the source."""
    for klass in cls.__mro__:
        if method_name in vars(klass):
            source = inspect.getsource(sys.modules[klass.__module__])
            break
    else:
        return '', None, (), ()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ClassDef) and node.name == klass.__name__:
            break
    methods = [item for item in node.body
               if isinstance(item, ast.FunctionDef) and
               item.name == method_name]
    if not methods:
        return '', None, (), ()
    [method] = methods
    idempotent_id, bugs, types = None, [], []
    for decorator in method.decorator_list:
        if not isinstance(decorator, ast.Call):
            continue
        name = _call_name(decorator)
        if name == 'idempotent_id':
            idempotent_id = _constant_args(decorator)[0]
        elif name == 'related_bug':
            bugs.extend(str(arg) for arg in _constant_args(decorator))
        elif name == 'attr':
            for keyword in decorator.keywords:
                if keyword.arg == 'type':
                    value = ast.literal_eval(keyword.value)
                    types.extend([value] if isinstance(value, str)
                                 else value)
    return (ast.get_docstring(method) or '', idempotent_id, tuple(bugs),
            tuple(types))


def load():
    """([PluginTest], loader errors), ordered by test id."""
    loader = unittest.TestLoader()
    tests = []
    for package in TEST_PACKAGES:
        suite = loader.discover(os.path.join(PACKAGE_DIR, package),
                                top_level_dir=TOP_DIR)
        for case in _flatten(suite):
            cls = type(case)
            method = case._testMethodName
            docstring, idempotent_id, bugs, types = method_facts(cls, method)
            tests.append(PluginTest(
                test_id='%s.%s.%s' % (cls.__module__, cls.__name__, method),
                module=cls.__module__,
                class_name=cls.__name__,
                method=method,
                idempotent_id=idempotent_id,
                related_bugs=bugs,
                types=types,
                credentials=tuple(
                    c if isinstance(c, str) else '+'.join(c)
                    for c in getattr(cls, 'credentials', ())),
                serial=bool(getattr(cls, '_serial', False)),
                docstring=docstring))
    return sorted(tests), list(loader.errors)


def is_member_only(test):
    """Runs with one project member's credentials and nothing else."""
    return test.credentials == ('primary',)
