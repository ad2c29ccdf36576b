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

"""The gate jobs in .zuul.yaml: parents, variables and test selection.

Zuul only reports a wrong parent or a regex that selects nothing once a
change is in the gate; these checks catch both before.
"""

import copy
import os
import re

import testtools
import yaml

from allocation_tempest_plugin import config
from allocation_tempest_plugin.placement_checks import known_defects
from allocation_tempest_plugin import selection
from allocation_tempest_plugin.tests import inventory
from allocation_tempest_plugin.tests.unit import test_devstack_plugin
from allocation_tempest_plugin.tests.unit import test_local_cloud_releases

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__),
                                         os.pardir, os.pardir, os.pardir))
ZUUL_FILE = os.path.join(REPO_ROOT, '.zuul.yaml')

PLUGIN = 'allocation-tempest-plugin'
PLUGIN_URL = 'https://opendev.org/openstack/allocation-tempest-plugin'
REQUIRED_PROJECTS = ('opendev.org/openstack/tempest',
                     'opendev.org/openstack/allocation-tempest-plugin')
# Jobs of tempest (zuul.d/base.yaml, integrated-gate.yaml) that exist
# upstream and run Tempest through its run-tempest role.
UPSTREAM_PARENTS = ('devstack-tempest', 'tempest-multinode-full-py3')
# Proves the guard skips cleanly: must leave [allocation] at its defaults.
DEFAULTS_JOB = 'allocation-tempest-plugin-defaults'
# The job Nova or Placement adds to its own check queue.
CROSS_PROJECT_JOB = 'allocation-tempest-plugin-full'
# Services of the upstream parents the tests never use (Cinder, Swift,
# Horizon); every job must turn them off.
UNNEEDED_SERVICES = ('c-api', 'c-bak', 'c-sch', 'c-vol', 's-account',
                     's-container', 's-object', 's-proxy', 'horizon')
# Keystone, Glance, Placement, Neutron, Nova and Tempest itself.
NEEDED_SERVICES = ('key', 'g-api', 'placement-api', 'q-svc', 'n-api',
                   'n-cond', 'n-cpu', 'n-sch', 'tempest')
# Every regex a job may use: one of selection.py's, named there once.
SELECTIONS = {value for name, value in vars(selection).items()
              if name.isupper()}
# Ids a plugin regex must never select: Tempest's own tests, another
# plugin's, and this plugin's unit tests (Tempest discovers the whole
# package, so an unanchored or too wide regex would run them too).
OUTSIDE_IDS = (
    'tempest.api.compute.admin.test_services.ServicesAdminTestJSON.'
    'test_list_services',
    'tempest.api.compute.admin.test_services.ServicesAdminTestJSON.'
    'test_list_services[id-5be41ef4-53d1-41cc-8839-5c2a48a1b283]',
    'tempest.api.compute.servers.test_create_server.ServersTestJSON.'
    'test_list_servers[id-9a438d88-10c6-4bcd-8b5b-5b6e25e1346f,smoke]',
    'tempest.scenario.test_server_basic_ops.TestServerBasicOps.'
    'test_server_basic_ops[compute,id-7fff3fb3-91d8-4fd0-bd7d-0204f1f180ba,'
    'network,smoke]',
    'tempest.serial_tests.scenario.test_aggregates_basic_ops.'
    'TestAggregatesBasicOps.test_aggregate_basic_ops',
    'cinder_tempest_plugin.api.volume.test_volume_revert.'
    'VolumeRevertTests.test_volume_revert_to_snapshot',
    'whitebox_tempest_plugin.api.compute.test_cpu_pinning.'
    'CPUPolicyTest.test_cpu_shared',
    'allocation_tempest_plugin.tests.unit.test_marker.MarkerTest.'
    'test_round_trip',
    'allocation_tempest_plugin.tests.unit.test_zuul_jobs.ZuulJobsTest.'
    'test_regexes_select_only_plugin_tests',
)


def load_zuul_config(path=ZUUL_FILE):
    with open(path) as zuul_file:
        return yaml.safe_load(zuul_file)


def jobs_by_name(zuul_config):
    return {item['job']['name']: item['job']
            for item in zuul_config if 'job' in item}


def project_stanza(zuul_config):
    [project] = [item['project'] for item in zuul_config
                 if 'project' in item]
    return project


def merged(base, override):
    """Zuul's inheritance of job variables: dicts merge, the rest replaces."""
    result = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = merged(result[key], value)
        else:
            result[key] = copy.deepcopy(value)
    return result


def ancestry(name, jobs):
    """The job's chain of parents defined in this file, oldest first."""
    chain = []
    while name in jobs:
        if name in chain:
            raise ValueError('parent loop at %s' % name)
        chain.insert(0, name)
        name = jobs[name].get('parent')
    return chain


def upstream_parent(name, jobs):
    """The first parent outside this file."""
    return jobs[ancestry(name, jobs)[0]].get('parent')


def effective(name, jobs, key):
    """A job attribute as Zuul sees it: vars merged, the rest inherited."""
    value = None
    for job_name in ancestry(name, jobs):
        own = jobs[job_name].get(key)
        if own is None:
            continue
        if isinstance(own, dict) and isinstance(value, dict):
            value = merged(value, own)
        else:
            value = copy.deepcopy(own)
    return value


def allocation_options(job_vars):
    """The [allocation] section a job writes into tempest.conf, or None."""
    test_config = (job_vars.get('devstack_local_conf') or {}).get(
        'test-config') or {}
    return (test_config.get('$TEMPEST_CONFIG') or {}).get(
        config.GROUP_NAME)


def allocation_localrc(job_vars):
    """The devstack plugin's ALLOCATION_* variables a job sets."""
    return {name: value for name, value in
            (job_vars.get('devstack_localrc') or {}).items()
            if name.startswith('ALLOCATION_')}


def plugin_test_ids():
    """Ids of the plugin's Tempest tests, loaded as Tempest would load them.

    Importing the test modules needs Tempest's configuration module only,
    not a tempest.conf.
    """
    tests, errors = inventory.load()
    return [test.test_id for test in tests], errors


class ZuulJobsTest(testtools.TestCase):

    @classmethod
    def setUpClass(cls):
        super(ZuulJobsTest, cls).setUpClass()
        cls.zuul_config = load_zuul_config()
        cls.jobs = jobs_by_name(cls.zuul_config)
        cls.runnable = sorted(name for name, job in cls.jobs.items()
                              if not job.get('abstract'))
        cls.test_ids, cls.load_errors = plugin_test_ids()

    def job_vars(self, name):
        return effective(name, self.jobs, 'vars') or {}

    def test_plugin_tests_load(self):
        self.assertEqual([], self.load_errors)
        self.assertNotEqual([], self.test_ids)
        for test_id in self.test_ids:
            self.assertTrue(test_id.startswith('allocation_tempest_plugin.'),
                            test_id)

    def test_every_job_has_an_upstream_parent(self):
        self.assertNotEqual([], self.runnable)
        for name in self.jobs:
            self.assertIn(upstream_parent(name, self.jobs), UPSTREAM_PARENTS,
                          'job %s' % name)

    def test_every_job_runs_the_plugin(self):
        for name in self.runnable:
            job_vars = self.job_vars(name)
            # The devstack plugin installs the plugin into Tempest's venv.
            self.assertEqual(PLUGIN_URL, (job_vars.get('devstack_plugins')
                                          or {}).get(PLUGIN),
                             'job %s' % name)
            self.assertTrue(job_vars.get('tempest_test_regex'),
                            'job %s' % name)
            # Tempest's smoke and multinode environments add a regex of
            # their own that the plugin's tests do not match.
            self.assertEqual('all', job_vars.get('tox_envlist'),
                             'job %s' % name)
            required = effective(name, self.jobs, 'required-projects') or []
            for project in REQUIRED_PROJECTS:
                self.assertIn(project, required, 'job %s' % name)

    def test_every_job_enables_only_the_needed_services(self):
        for name in self.runnable:
            services = self.job_vars(name).get('devstack_services') or {}
            for service in UNNEEDED_SERVICES:
                self.assertIs(False, services.get(service),
                              'job %s: %s' % (name, service))
            for service in NEEDED_SERVICES:
                self.assertIs(True, services.get(service),
                              'job %s: %s' % (name, service))

    def test_destructive_jobs_allow_disruption(self):
        destructive = [name for name in self.runnable
                       if name != DEFAULTS_JOB]
        self.assertNotEqual([], destructive)
        for name in destructive:
            localrc = allocation_localrc(self.job_vars(name))
            self.assertIs(True,
                          localrc.get('ALLOCATION_ALLOW_COMPUTE_DISRUPTION'),
                          'job %s' % name)

    def test_defaults_job_keeps_the_defaults(self):
        self.assertIn(DEFAULTS_JOB, self.runnable)
        job_vars = self.job_vars(DEFAULTS_JOB)
        self.assertEqual({}, allocation_localrc(job_vars))
        self.assertIsNone(allocation_options(job_vars))

    def test_variables_and_options_exist(self):
        settings = test_devstack_plugin.variables_assigned(
            test_devstack_plugin.SETTINGS)
        known = {opt.name for opt in config.AllocationGroup}
        for name in self.runnable:
            job_vars = self.job_vars(name)
            self.assertEqual(set(), set(allocation_localrc(job_vars)) -
                             settings, 'job %s' % name)
            self.assertEqual(set(), set(allocation_options(job_vars) or {})
                             - known, 'job %s' % name)

    def test_restart_only_with_disruption(self):
        for name in self.runnable:
            localrc = allocation_localrc(self.job_vars(name))
            if localrc.get('ALLOCATION_COMPUTE_RESTART'):
                self.assertIs(
                    True, localrc.get('ALLOCATION_ALLOW_COMPUTE_DISRUPTION'),
                    'job %s' % name)

    def test_regexes_come_from_selection(self):
        for name in self.runnable:
            job_vars = self.job_vars(name)
            for key in ('tempest_test_regex', 'tempest_exclude_regex'):
                if key in job_vars:
                    self.assertIn(job_vars[key], SELECTIONS,
                                  'job %s: %s' % (name, key))

    def stable_jobs(self):
        return [name for name in self.runnable
                if str(self.jobs[name].get('override-checkout', ''))
                .startswith('stable/')]

    def test_a_job_runs_the_newest_stable_branch(self):
        stable = self.stable_jobs()
        self.assertNotEqual([], stable)
        for name in stable:
            # Not an upstream job renamed: ours, with the plugin.
            self.assertIn('allocation-tempest-plugin-base',
                          ancestry(name, self.jobs))

    def test_every_local_cloud_release_has_its_stable_job(self):
        """The releases the local cloud runs are the branches the gate runs.

        Each api job's known Nova defects are the ones `cloud up --release`
        writes for that release (settings.RELEASES): one table for both.
        """
        releases = test_local_cloud_releases.settings.RELEASES
        by_branch = {}
        for name in self.stable_jobs():
            branch = self.jobs[name]['override-checkout']
            by_branch.setdefault(branch, []).append(name)
            # Tempest's stable jobs name their nodeset; so do ours.
            self.assertTrue(self.jobs[name].get('nodeset'), name)
            self.assertEqual('-' + branch[len('stable/'):].replace('.', '-'),
                             name[-len('-2026-2'):], name)
        self.assertEqual(sorted('stable/' + release for release in releases),
                         sorted(by_branch))
        for release in releases.values():
            api = 'allocation-tempest-plugin-api-' + release.name.replace(
                '.', '-')
            self.assertIn(api, by_branch['stable/' + release.name])
            self.assertEqual(
                ','.join(release.known_nova_defects),
                allocation_localrc(self.job_vars(api)).get(
                    'ALLOCATION_KNOWN_NOVA_DEFECTS'), api)

    def test_known_defects_are_the_plugins(self):
        for name in self.runnable:
            listed = allocation_localrc(self.job_vars(name)).get(
                'ALLOCATION_KNOWN_NOVA_DEFECTS')
            if listed:
                self.assertEqual(set(), set(listed.split(',')) -
                                 set(known_defects.DEFECTS), name)

    def test_a_job_for_nova_and_placement(self):
        """One job other projects add: every test, on their own trees."""
        job_vars = self.job_vars(CROSS_PROJECT_JOB)
        self.assertEqual(selection.ALL, job_vars['tempest_test_regex'])
        self.assertNotIn('tempest_exclude_regex', job_vars)
        localrc = allocation_localrc(job_vars)
        self.assertIs(True, localrc['ALLOCATION_ALLOW_COMPUTE_DISRUPTION'])
        self.assertIs(True, localrc['ALLOCATION_COMPUTE_RESTART'])
        self.assertIsNone(self.jobs[CROSS_PROJECT_JOB].get(
            'override-checkout'))
        irrelevant = [re.compile(pattern) for pattern in effective(
            CROSS_PROJECT_JOB, self.jobs, 'irrelevant-files')]

        def skipped(path):
            return any(pattern.search(path) for pattern in irrelevant)
        for path in ('nova/compute/api.py', 'nova/compute/manager.py',
                     'placement/objects/allocation.py', 'setup.cfg',
                     'requirements.txt', 'devstack/plugin.sh',
                     'allocation_tempest_plugin/serial_tests/base.py'):
            self.assertFalse(skipped(path), path)
        for path in ('nova/tests/unit/compute/test_api.py',
                     'nova/tests/functional/test_servers.py',
                     'placement/tests/unit/test_util.py',
                     'api-ref/source/servers.inc', 'doc/source/index.rst',
                     'releasenotes/notes/x.yaml'):
            self.assertTrue(skipped(path), path)

    def test_regexes_select_only_plugin_tests(self):
        self.assertNotEqual([], self.test_ids)
        for name in self.runnable:
            regex = self.job_vars(name)['tempest_test_regex']
            # stestr, under tempest run --regex, searches the id.
            pattern = re.compile(regex)
            exclude = self.job_vars(name).get('tempest_exclude_regex')
            selected = [test_id for test_id in self.test_ids
                        if pattern.search(test_id) and not (
                            exclude and re.search(exclude, test_id))]
            self.assertNotEqual([], selected,
                                'job %s: %s selects no plugin test' % (
                                    name, regex))
            self.assertEqual(
                [], [test_id for test_id in OUTSIDE_IDS
                     if pattern.search(test_id)],
                'job %s: %s selects tests outside the plugin' % (name, regex))

    def test_project_runs_every_job(self):
        """Check runs every job; gate every job but the stable ones.

        As Tempest and whitebox-tempest-plugin do, the stable-branch jobs
        run in check only.
        """
        project = project_stanza(self.zuul_config)
        listed = {}
        for pipeline in ('check', 'gate'):
            listed[pipeline] = sorted(
                job if isinstance(job, str) else list(job)[0]
                for job in project[pipeline]['jobs'])
        self.assertEqual(self.runnable, listed['check'])
        self.assertEqual(sorted(set(self.runnable) -
                                set(self.stable_jobs())), listed['gate'])
        self.assertIn('openstack-python3-jobs', project['templates'])
        self.assertIn('tempest-plugin-jobs', project['templates'])
