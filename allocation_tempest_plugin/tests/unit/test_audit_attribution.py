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

import io

import subunit
import testtools

from allocation_tempest_plugin.audit import attribution
from allocation_tempest_plugin.audit import compare
from allocation_tempest_plugin.audit import report
from allocation_tempest_plugin.audit import snapshot
from allocation_tempest_plugin.cmd import audit as audit_cmd
from allocation_tempest_plugin.tests.unit import audit_fakes

CLASS_ID = ('allocation_tempest_plugin.serial_tests.api.admin.'
            'test_local_delete.LocalDeleteTest')
# As Tempest 47 writes them (tempest.log of the local cloud).
CREDS_LINES = [
    '2026-11-25 18:43:01.872 6196 INFO tempest.lib.common.dynamic_creds '
    '[-] Acquired dynamic creds:\n',
    " credentials: Credentials: {'domain_id': 'default', 'domain_name': "
    "'Default', 'username': 'tempest-LocalDeleteTest-1710837104-project-"
    "admin', 'project_domain_id': 'default', 'project_domain_name': "
    "'Default', 'project_id': '%s', 'project_name': "
    "'tempest-LocalDeleteTest-1710837104', 'tenant_id': '%s', "
    "'user_id': '85823298d2554294a1fc0d8fe4f6ce17', 'system': None}, "
    "Network: None\n",
]
REQUEST_LINE = (
    '2026-11-25 18:44:02.469 6192 INFO tempest.lib.common.rest_client '
    '[req-2def7e08 req-2def7e08 ] Request (LocalDeleteTest:test_delete_'
    'active): 200 GET http://127.0.0.1:8774/v2.1/servers/%s 0.107s\n')


def _subunit(statuses):
    stream = io.BytesIO()
    writer = subunit.StreamResultToBytes(stream)
    for test_id, status in statuses:
        writer.status(test_id=test_id, test_status='inprogress')
        writer.status(test_id=test_id, test_status=status)
    stream.seek(0)
    return stream


class ProjectNameTest(testtools.TestCase):

    def test_dynamic_credentials_project(self):
        self.assertEqual('ServersTestJSON', attribution.test_class_of(
            'tempest-ServersTestJSON-1710837104'))

    def test_other_projects(self):
        for name in ('admin', 'demo', 'tempest-ServersTestJSON',
                     'tempest-1710837104', 'tempest-Servers-Test-1', None,
                     'xtempest-ServersTestJSON-1'):
            self.assertIsNone(attribution.test_class_of(name), name)


class RunLogTest(testtools.TestCase):

    def test_names_projects_and_requests(self):
        lines = [line.replace('%s', 'p1') for line in CREDS_LINES]
        consumer = '13faaa90-4628-4923-82cf-cf7d46b90bf6'
        lines.append(REQUEST_LINE % consumer)
        log = attribution.RunLog.read(lines)
        self.assertEqual({'p1': 'tempest-LocalDeleteTest-1710837104'},
                         log.project_names)
        self.assertEqual({consumer: {'LocalDeleteTest:test_delete_active'}},
                         log.touched_by)


class SubunitTest(testtools.TestCase):

    def test_test_ids_by_class(self):
        stream = _subunit([
            (CLASS_ID + '.test_delete_active[id-1,slow]', 'success'),
            (CLASS_ID + '.test_delete_paused[id-2]', 'fail'),
            ('setUpClass (%s)' % CLASS_ID.replace('LocalDeleteTest',
                                                  'OtherTest'), 'fail'),
            ('tempest.api.compute.servers.test_x.ServersTestJSON.test_y',
             'skip'),
        ])
        by_class = attribution.tests_by_class(
            attribution.read_subunit(stream))
        self.assertEqual(
            [(CLASS_ID + '.test_delete_active[id-1,slow]', 'success'),
             (CLASS_ID + '.test_delete_paused[id-2]', 'fail')],
            by_class['LocalDeleteTest'])
        self.assertEqual(['LocalDeleteTest', 'OtherTest', 'ServersTestJSON'],
                         sorted(by_class))
        self.assertEqual('fail', by_class['OtherTest'][0][1])


class AttributeTest(testtools.TestCase):
    """From a leak to the class and its tests, with or without Keystone."""

    def setUp(self):
        super(AttributeTest, self).setUp()
        self.cloud = audit_fakes.FakeCloud()
        self.cloud.add_provider('node1')
        self.before = snapshot.take(self.cloud.clients)

    def _leak(self, project_id):
        server = self.cloud.boot('node1', project_id)
        self.cloud.delete_server(server, free=False)
        return server

    def _report(self, log_lines=None, subunit_stream=None):
        result = compare.compare(self.before,
                                 snapshot.take(self.cloud.clients))
        run_log = attribution.RunLog.read(log_lines) if log_lines else None
        names = audit_cmd.name_projects(
            attribution.projects_to_name(result), self.cloud, run_log)
        by_class = (attribution.tests_by_class(
            attribution.read_subunit(subunit_stream))
            if subunit_stream else None)
        return attribution.attribute(result, names, by_class, run_log)

    def test_live_tempest_project_from_keystone(self):
        project = self.cloud.add_project('tempest-LocalDeleteTest-99')
        self._leak(project)
        self._leak(project)
        result = self._report(subunit_stream=_subunit(
            [(CLASS_ID + '.test_delete_active[id-1]', 'success')]))
        owners = [f['owner'] for f in result['findings']]
        self.assertEqual(['LocalDeleteTest'] * 2,
                         [o['test_class'] for o in owners])
        self.assertEqual([CLASS_ID + '.test_delete_active[id-1] success'],
                         owners[0]['tests'])
        # One read per distinct project, not per finding.
        self.assertEqual(1, self.cloud.calls['GET /v3/projects/{id}'])
        text = '\n'.join(report.render(result))
        self.assertIn('owner: Tempest test class LocalDeleteTest (project '
                      'tempest-LocalDeleteTest-99)', text)
        self.assertIn('test: %s.test_delete_active[id-1] success' % CLASS_ID,
                      text)

    def test_deleted_project_named_by_the_log(self):
        # Tempest deleted the class's project at teardown.
        project = 'd863837cd25943469c9ed4b383a4b151'
        server = self._leak(project)
        lines = [line.replace('%s', project) for line in CREDS_LINES]
        lines.append(REQUEST_LINE % server)
        result = self._report(log_lines=lines)
        [owner] = [f['owner'] for f in result['findings']]
        self.assertEqual('LocalDeleteTest', owner['test_class'])
        self.assertEqual(['LocalDeleteTest:test_delete_active'],
                         owner['touched_by'])
        # Named by the log: Keystone was not asked.
        self.assertEqual(0, self.cloud.calls['GET /v3/projects/{id}'])

    def test_deleted_project_without_a_log_says_how_to_name_it(self):
        self._leak('d863837cd25943469c9ed4b383a4b151')
        [owner] = [f['owner'] for f in self._report()['findings']]
        self.assertIsNone(owner['test_class'])
        self.assertIn('give --log', owner['summary'])

    def test_project_that_is_not_tempest_says_so(self):
        self._leak(self.cloud.add_project('demo'))
        [owner] = [f['owner'] for f in self._report()['findings']]
        self.assertIsNone(owner['test_class'])
        self.assertIn('project demo', owner['summary'])
        self.assertIn('is not a Tempest dynamic-credentials project',
                      owner['summary'])
