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
import unittest

import testtools
import yaml

from allocation_tempest_plugin import config

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__),
                                         os.pardir, os.pardir, os.pardir))
ZUUL_FILE = os.path.join(REPO_ROOT, '.zuul.yaml')

PLUGIN = 'allocation-tempest-plugin'
REQUIRED_PROJECTS = ('opendev.org/openstack/tempest',
                     'opendev.org/openstack/allocation-tempest-plugin')
# Jobs of tempest (zuul.d/base.yaml, integrated-gate.yaml) that exist
# upstream and run Tempest through its run-tempest role.
UPSTREAM_PARENTS = ('devstack-tempest', 'tempest-multinode-full-py3')
# Proves the guard skips cleanly: must leave [allocation] at its defaults.
DEFAULTS_JOB = 'allocation-tempest-plugin-defaults'
# Packages that hold the plugin's Tempest tests.
TEST_PACKAGES = ('api', 'serial_tests')
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


def flatten(suite):
    for test in suite:
        if isinstance(test, unittest.TestSuite):
            yield from flatten(test)
        else:
            yield test


def plugin_test_ids():
    """Ids of the plugin's Tempest tests, loaded as Tempest would load them.

    Importing the test modules needs Tempest's configuration module only,
    not a tempest.conf.
    """
    loader = unittest.TestLoader()
    test_ids = []
    for package in TEST_PACKAGES:
        start_dir = os.path.join(REPO_ROOT, 'allocation_tempest_plugin',
                                 package)
        if not os.path.isdir(start_dir):
            continue
        suite = loader.discover(start_dir, top_level_dir=REPO_ROOT)
        test_ids.extend(test.id() for test in flatten(suite))
    return test_ids, loader.errors


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
            self.assertIn(PLUGIN, job_vars.get('tempest_plugins', []),
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

    def test_destructive_jobs_allow_disruption(self):
        destructive = [name for name in self.runnable
                       if name != DEFAULTS_JOB]
        self.assertNotEqual([], destructive)
        for name in destructive:
            options = allocation_options(self.job_vars(name))
            self.assertIsNotNone(options, 'job %s has no devstack_local_conf '
                                 'for [%s]' % (name, config.GROUP_NAME))
            self.assertIs(True, options.get('allow_compute_disruption'),
                          'job %s' % name)

    def test_defaults_job_keeps_the_defaults(self):
        self.assertIn(DEFAULTS_JOB, self.runnable)
        self.assertIsNone(allocation_options(self.job_vars(DEFAULTS_JOB)))

    def test_option_names_exist(self):
        known = {opt.name for opt in config.AllocationGroup}
        for name in self.runnable:
            options = allocation_options(self.job_vars(name)) or {}
            self.assertEqual(set(), set(options) - known, 'job %s' % name)

    def test_stop_and_start_commands_come_together(self):
        for name in self.runnable:
            options = allocation_options(self.job_vars(name)) or {}
            self.assertEqual('compute_stop_command' in options,
                             'compute_start_command' in options,
                             'job %s' % name)

    def test_regexes_select_only_plugin_tests(self):
        self.assertNotEqual([], self.test_ids)
        for name in self.runnable:
            regex = self.job_vars(name)['tempest_test_regex']
            # stestr, under tempest run --regex, searches the id.
            pattern = re.compile(regex)
            selected = [test_id for test_id in self.test_ids
                        if pattern.search(test_id)]
            self.assertNotEqual([], selected,
                                'job %s: %s selects no plugin test' % (
                                    name, regex))
            self.assertEqual(
                [], [test_id for test_id in OUTSIDE_IDS
                     if pattern.search(test_id)],
                'job %s: %s selects tests outside the plugin' % (name, regex))

    def test_project_runs_every_job(self):
        project = project_stanza(self.zuul_config)
        for pipeline in ('check', 'gate'):
            listed = [job if isinstance(job, str) else list(job)[0]
                      for job in project[pipeline]['jobs']]
            self.assertEqual(self.runnable, sorted(listed), pipeline)
        self.assertIn('openstack-python3-jobs', project['templates'])
