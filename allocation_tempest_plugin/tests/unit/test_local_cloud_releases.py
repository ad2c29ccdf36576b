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
"""The local cloud's releases (`cloud up --release R`), without a cloud.

tools/local-cloud is a standard-library harness, not a package of the
plugin: its modules are loaded from there, with LOCAL_CLOUD_DIR pointed
at a directory of the test's own, so that no real state dir is read.
What is checked: the default release is what `up` ran before releases
existed (same venv, constraints, markers, packages, known defects), each
release's constraints file pins its services and says where it came from,
a state dir's databases keep their release, and `up --release` parses.
"""

import importlib
import importlib.machinery
import importlib.util
import json
import os
import re
import sys
import tempfile

import fixtures
import testtools

from allocation_tempest_plugin.placement_checks import known_defects
from allocation_tempest_plugin.tests import inventory
from allocation_tempest_plugin.tests.unit import test_requirements

REPO_ROOT = test_requirements.REPO_ROOT
HARNESS_DIR = os.path.join(REPO_ROOT, 'tools', 'local-cloud')
RELEASES_DOC = os.path.join(REPO_ROOT, 'doc', 'source', 'releases.rst')

# What `up` installed before releases existed (the default release must
# keep it, so that an existing cloud's venv and markers stay valid).
TODAYS_PACKAGES = [
    'keystone==30.0.0', 'openstack-placement==16.0.0', 'glance==33.0.0',
    'neutron==29.0.0', 'nova==34.0.0', 'tempest==47.0.0',
    'python-openstackclient', 'osc-placement', 'uwsgi==2.0.31', 'PyMySQL',
    'openstacksdk', 'pyroute2']
TODAYS_KNOWN_DEFECTS = ('verify-resize-delete-source-down,'
                        'error-after-resize-delete-leaks-migration')
SERVICES = ('keystone', 'openstack-placement', 'glance', 'neutron', 'nova')


def _load_harness():
    """The harness's modules, imported with a state dir nobody uses."""
    if HARNESS_DIR not in sys.path:
        sys.path.insert(0, HARNESS_DIR)
    saved = os.environ.get('LOCAL_CLOUD_DIR')
    # A path that does not exist: settings reads cloud.json at import.
    unused = tempfile.mkdtemp(prefix='local-cloud-unit-')
    os.rmdir(unused)
    os.environ['LOCAL_CLOUD_DIR'] = unused
    try:
        names = ('settings', 'util', 'cloudstate', 'install',
                 'tempest_conf', 'break_nova', 'cli')
        modules = {name: importlib.import_module('localcloud.' + name)
                   for name in names}
        # The script too: it must import.
        loader = importlib.machinery.SourceFileLoader(
            'localcloud_script', os.path.join(HARNESS_DIR, 'cloud'))
        spec = importlib.util.spec_from_loader(loader.name, loader)
        script = importlib.util.module_from_spec(spec)
        loader.exec_module(script)
        modules['script'] = script
        return modules
    finally:
        if saved is None:
            del os.environ['LOCAL_CLOUD_DIR']
        else:
            os.environ['LOCAL_CLOUD_DIR'] = saved


HARNESS = _load_harness()
settings = HARNESS['settings']
cloudstate = HARNESS['cloudstate']
Failure = HARNESS['util'].Failure


class HarnessTestCase(testtools.TestCase):
    """A fresh state dir per test; the release's settings restored."""

    def setUp(self):
        super(HarnessTestCase, self).setUp()
        self.state = self.useFixture(fixtures.TempDir()).path
        self.useFixture(fixtures.MockPatchMultiple(
            settings,
            STATE=self.state,
            DATA=os.path.join(self.state, 'data'),
            CLOUD_JSON=os.path.join(self.state, 'cloud.json'),
            RELEASE=settings.RELEASE, VENV=settings.VENV,
            VBIN=settings.VBIN, CONSTRAINTS=settings.CONSTRAINTS,
            PIP_PACKAGES=settings.PIP_PACKAGES))

    def record(self, **values):
        with open(settings.CLOUD_JSON, 'w') as f:
            json.dump(values, f)

    def make_databases(self, *names):
        for name in names:
            os.makedirs(os.path.join(settings.DATA, 'mysql', name))


def pins(release):
    return test_requirements.read_names(release.constraints, pinned=True)


class ReleaseTableTest(HarnessTestCase):

    def test_the_maintained_releases_newest_first(self):
        self.assertEqual(['2026.2', '2026.1', '2025.2', '2025.1'],
                         settings.release_names())
        self.assertEqual('2026.2', settings.DEFAULT_RELEASE)

    def test_the_default_release_is_what_up_ran_before(self):
        settings.use_release(settings.DEFAULT_RELEASE)
        self.assertEqual(TODAYS_PACKAGES, settings.PIP_PACKAGES)
        self.assertEqual(os.path.join(HARNESS_DIR, 'constraints.txt'),
                         settings.CONSTRAINTS)
        self.assertEqual(os.path.join(self.state, 'venv'), settings.VENV)
        self.assertEqual(os.path.join(self.state, 'venv', 'bin'),
                         settings.VBIN)
        self.assertEqual(('pip', 'plugin'), (settings.venv_marker('pip'),
                                             settings.venv_marker('plugin')))

    def test_each_release_has_its_own_venv_and_markers(self):
        venvs, markers = set(), set()
        for name in settings.release_names():
            settings.use_release(name)
            venvs.add(settings.VENV)
            markers.add(settings.venv_marker('pip'))
            self.assertEqual(os.path.dirname(settings.VENV), self.state)
        self.assertEqual(4, len(venvs))
        self.assertEqual(4, len(markers))

    def test_unknown_release_is_refused(self):
        self.assertRaises(ValueError, settings.use_release, '2024.2')

    def test_services_in_one_order(self):
        for release in settings.RELEASES.values():
            self.assertEqual(
                SERVICES, tuple(pin.split('==')[0]
                                for pin in release.services), release.name)

    def test_an_eventlet_nova_api_runs_one_thread_a_process(self):
        services = importlib.import_module('localcloud.services')
        for name in settings.release_names():
            settings.use_release(name)
            nproc, nthreads = services.workers('nova-api')
            if settings.RELEASE.nova_api_eventlet:
                self.assertEqual(1, nthreads, name)
            # As many requests at once either way.
            self.assertEqual(4, nproc * nthreads, name)
        self.assertEqual(['2025.2', '2025.1'], [
            r.name for r in settings.RELEASES.values()
            if r.nova_api_eventlet])

    def test_known_defects_are_the_plugins(self):
        for release in settings.RELEASES.values():
            self.assertEqual(
                set(), set(release.known_nova_defects) -
                set(known_defects.DEFECTS), release.name)


class ConstraintsTest(HarnessTestCase):

    def test_every_release_pins_its_services(self):
        for release in settings.RELEASES.values():
            constraints = pins(release)
            for pin in release.services:
                name, version = pin.split('==')
                self.assertEqual(version, constraints.get(name),
                                 '%s: %s' % (release.name, name))

    def test_every_package_up_installs_is_pinned(self):
        for name in settings.release_names():
            settings.use_release(name)
            constraints = pins(settings.RELEASE)
            for package in settings.PIP_PACKAGES:
                package = test_requirements.canonical(package.split('==')[0])
                self.assertTrue(constraints.get(package),
                                '%s: %s unpinned' % (name, package))

    def test_one_tempest_and_uwsgi_for_every_release(self):
        default = pins(settings.RELEASES[settings.DEFAULT_RELEASE])
        for release in settings.RELEASES.values():
            constraints = pins(release)
            for name in ('tempest', 'uwsgi'):
                self.assertEqual(default[name], constraints[name],
                                 '%s: %s' % (release.name, name))
            self.assertIn('tempest==%s' % default['tempest'],
                          settings.COMMON_PACKAGES)

    def test_the_header_says_where_it_came_from(self):
        for release in settings.RELEASES.values():
            with open(release.constraints) as f:
                header = ''.join(line for line in f
                                 if line.startswith('#'))
            self.assertIn('upper-constraints', header, release.name)
            self.assertIn('Regenerate', header, release.name)
            if release.name != settings.DEFAULT_RELEASE:
                self.assertIn('stable/%s' % release.name, header)
                self.assertIn('--release %s' % release.name, header)

    def test_older_releases_live_under_constraints(self):
        for release in settings.RELEASES.values():
            if release.name == settings.DEFAULT_RELEASE:
                continue
            self.assertEqual(
                os.path.join(HARNESS_DIR, 'constraints',
                             release.name + '.txt'), release.constraints)


class RecordedReleaseTest(HarnessTestCase):

    def test_nothing_recorded_is_the_default(self):
        self.assertEqual('2026.2', settings.recorded_release())
        self.record(restart_mode='wait')
        self.assertEqual('2026.2', settings.recorded_release())

    def test_recorded(self):
        self.record(release='2025.1', restart_mode='wait')
        self.assertEqual('2025.1', settings.recorded_release())
        self.assertEqual('2025.1', cloudstate.release())
        self.assertEqual('2026.1', cloudstate.release('2026.1'))

    def test_unreadable_is_the_default(self):
        with open(settings.CLOUD_JSON, 'w') as f:
            f.write('{not json')
        self.assertEqual('2026.2', settings.recorded_release())

    def test_update_keeps_the_release(self):
        self.record(release='2025.2')
        cloudstate.update(restart_mode='immediate')
        self.assertEqual('2025.2', settings.recorded_release())


class CheckReleaseTest(HarnessTestCase):

    def test_empty_state_dir_takes_any_release(self):
        for name in settings.release_names():
            cloudstate.check_release(name)

    def test_same_release_on_its_data(self):
        self.record(release='2025.1')
        self.make_databases('nova', 'placement')
        cloudstate.check_release('2025.1')

    def test_data_from_before_releases_is_the_default_releases(self):
        self.make_databases('keystone', 'nova_api')
        cloudstate.check_release('2026.2')
        error = self.assertRaises(Failure, cloudstate.check_release,
                                  '2025.1')
        self.assertIn('release 2026.2', str(error))

    def test_another_release_needs_a_wipe(self):
        self.record(release='2026.2')
        self.make_databases('nova')
        error = self.assertRaises(Failure, cloudstate.check_release,
                                  '2025.2')
        self.assertIn('down --wipe', str(error))
        self.assertIn('LOCAL_CLOUD_DIR', str(error))
        self.assertIn('nova', str(error))

    def test_other_directories_are_no_databases(self):
        self.record(release='2026.2')
        self.make_databases('mysql', 'performance_schema')
        self.assertEqual([], cloudstate.databases_present())
        cloudstate.check_release('2025.1')

    def test_unknown_release(self):
        error = self.assertRaises(Failure, cloudstate.check_release,
                                  '2023.1')
        self.assertIn('unknown release', str(error))


class UpOptionsTest(HarnessTestCase):

    def parse(self, *args):
        opts = HARNESS['cli'].parse(['up'] + list(args))
        return opts.restart_mode, opts.shelved_offload_time, opts.release

    def test_no_release_keeps_the_recorded(self):
        self.assertEqual((None, None, None), self.parse())

    def test_release_forms(self):
        self.assertEqual('2025.1', self.parse('--release', '2025.1')[2])
        self.assertEqual('2025.2', self.parse('--release=2025.2')[2])
        self.assertEqual(('immediate', -1, '2026.1'), self.parse(
            '--release', '2026.1', '--restart-mode', 'immediate',
            '--shelved-offload-time=-1'))

    def test_unknown_release_exits_2(self):
        self.useFixture(fixtures.MockPatch('sys.stderr'))
        error = self.assertRaises(SystemExit, self.parse, '--release',
                                  'zed')
        self.assertEqual(2, error.code)


class InstallCommandsTest(HarnessTestCase):

    def test_pip_commands_use_the_releases_pins(self):
        install = HARNESS['install']
        for name in settings.release_names():
            release = settings.use_release(name)
            vbin = os.path.join(settings.VENV, 'bin')
            uv = [os.path.join(vbin, 'uv'), 'pip', 'install', '-q',
                  '--python', os.path.join(vbin, 'python')]
            self.assertEqual(
                uv + ['-c', release.constraints]
                + list(release.services) + list(settings.COMMON_PACKAGES),
                install.pip_command())
            self.assertEqual(
                uv + ['-c', release.constraints, '-e', settings.REPO_ROOT],
                install.plugin_command())


class TempestConfTest(HarnessTestCase):

    def render(self):
        tempest_conf = HARNESS['tempest_conf']
        self.useFixture(fixtures.MockPatchObject(
            tempest_conf, '_max_versions',
            return_value=('2.1', '2.100', '1.0', '1.39')))
        self.useFixture(fixtures.MockPatchObject(
            tempest_conf, '_extensions', return_value=['binding']))
        objects = {'image': 'image-id',
                   'flavors': {'m1.nano': '42', 'm1.micro': '84'}}
        conf, _ = tempest_conf.render(objects)
        return conf

    def test_the_fence_command_is_the_harness_fence_for_any_host(self):
        allocation = self.render()['allocation']
        self.assertTrue(allocation['compute_fence_command'].endswith(
            ' fence-compute {host}'))
        self.assertTrue(allocation['compute_stop_command'].endswith(
            ' stop-compute {host}'))

    def test_default_release_writes_todays_known_defects(self):
        settings.use_release(settings.DEFAULT_RELEASE)
        self.assertEqual(TODAYS_KNOWN_DEFECTS,
                         self.render()['allocation']['known_nova_defects'])

    def test_each_release_writes_its_own(self):
        for name in settings.release_names():
            release = settings.use_release(name)
            self.assertEqual(
                ','.join(release.known_nova_defects),
                self.render()['allocation']['known_nova_defects'], name)


class BreakNovaCheckTest(HarnessTestCase):

    def test_a_tree_without_the_patterns_is_missing(self):
        break_nova = HARNESS['break_nova']
        nova = self.useFixture(fixtures.TempDir()).path
        for fault in break_nova.FAULTS.values():
            path = os.path.join(nova, fault.path)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            open(path, 'a').close()
        self.useFixture(fixtures.MockPatch('sys.stdout'))
        self.assertEqual(1, break_nova.check(nova))


class ReleasesDocTest(testtools.TestCase):

    def test_every_release_and_version_is_in_the_table(self):
        with open(RELEASES_DOC) as doc:
            text = doc.read()
        for release in settings.RELEASES.values():
            self.assertIn(release.name, text)
            for pin in release.services:
                self.assertIn(pin.split('==')[1], text,
                              '%s: %s' % (release.name, pin))

    def test_results_table_has_every_test_once(self):
        with open(RELEASES_DOC) as doc:
            text = doc.read()
        results = text[text.index('Results: test x release'):]
        rows = re.findall(r'^   \* - ``(\w+\.\w+)``$', results, re.MULTILINE)
        tests, errors = inventory.load()
        self.assertEqual([], errors)
        self.assertEqual(sorted('%s.%s' % (test.class_name, test.method)
                                for test in tests), sorted(rows))
        # The header names the releases, each row has a cell for each.
        header, *body = results.split('\n   * - ')[1:]
        self.assertEqual(['test'] + settings.release_names(),
                         [cell.strip() for cell in header.split('- ')])
        for row in body:
            self.assertEqual(len(settings.RELEASES), row.count('\n     - '),
                             row)
