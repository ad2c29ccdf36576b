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
import json
import os
from unittest import mock

import fixtures
from tempest.lib.services.compute import base_compute_client
import testtools

from allocation_tempest_plugin.cmd import audit as audit_cmd
from allocation_tempest_plugin.tests.unit import audit_fakes


class AuditCommandTest(testtools.TestCase):
    """The command line: files, output and exit codes (0, 3, 1)."""

    def setUp(self):
        super(AuditCommandTest, self).setUp()
        self.useFixture(fixtures.EnvironmentVariable('TEMPEST_CONFIG_DIR'))
        self.useFixture(fixtures.EnvironmentVariable('TEMPEST_CONFIG'))
        self.dir = self.useFixture(fixtures.TempDir()).path
        self.conf = os.path.join(self.dir, 'tempest.conf')
        open(self.conf, 'w').close()
        self.cloud = audit_fakes.FakeCloud()
        self.cloud.add_provider('node1')
        self.project = self.cloud.add_project('tempest-LeakTest-7')
        self.useFixture(fixtures.MockPatchObject(
            audit_cmd, 'build_clients',
            return_value=(self.cloud.clients, self.cloud)))
        self.before = os.path.join(self.dir, 'audit-before.json')

    def _run(self, *argv):
        out, err = io.StringIO(), io.StringIO()
        with mock.patch('sys.stdout', out), mock.patch('sys.stderr', err):
            try:
                rc = audit_cmd.main(['--config-file', self.conf] +
                                    list(argv))
            except SystemExit as exit_:
                rc = exit_.code
        return rc, out.getvalue(), err.getvalue()

    def _snapshot(self):
        rc, out, _ = self._run('snapshot', '--out', self.before)
        self.assertEqual(audit_cmd.CLEAN, rc)
        return out

    def test_snapshot_writes_the_picture(self):
        self.cloud.boot('node1', self.project)
        out = self._snapshot()
        self.assertIn('snapshot: 1 providers, 1 consumers, 1 servers', out)
        with open(self.before) as written:
            picture = json.load(written)
        self.assertEqual(audit_cmd.MICROVERSIONS, picture['microversions'])
        self.assertEqual(os.path.basename(self.conf),
                         os.environ['TEMPEST_CONFIG'])

    def test_empty_snapshot_reads_nothing(self):
        # A Zuul pre-run comes before devstack deploys the cloud.
        self.cloud.boot('node1', self.project)
        self.conf = os.path.join(self.dir, 'not-written-yet.conf')
        rc, out, _ = self._run('snapshot', '--empty', '--out', self.before)
        self.assertEqual(audit_cmd.CLEAN, rc)
        self.assertEqual(0, sum(self.cloud.calls.values()))
        self.conf = os.path.join(self.dir, 'tempest.conf')
        rc, out, _ = self._run('compare', '--before', self.before)
        # Everything found after appeared during the job: here a live
        # server with its allocation, which is no finding.
        self.assertEqual(audit_cmd.CLEAN, rc, out)

    def test_reading_leaves_tempest_microversion_alone(self):
        # The audit's clients carry their microversion (build_clients).
        seen = []
        real = self.cloud.list_servers

        def list_servers(**params):
            seen.append(base_compute_client.COMPUTE_MICROVERSION)
            return real(**params)
        self.cloud.list_servers = list_servers
        self._snapshot()
        self.assertEqual([None], seen)
        self.assertIsNone(base_compute_client.COMPUTE_MICROVERSION)

    def test_clean_compare_exits_0(self):
        self._snapshot()
        server = self.cloud.boot('node1', self.project)
        self.cloud.delete_server(server)
        report_path = os.path.join(self.dir, 'audit.json')
        rc, out, _ = self._run('compare', '--before', self.before,
                               '--json', report_path)
        self.assertEqual(audit_cmd.CLEAN, rc, out)
        self.assertIn('clean: no allocation problem appeared', out)
        with open(report_path) as written:
            self.assertEqual([], json.load(written)['findings'])

    def test_findings_exit_3_with_the_report(self):
        self._snapshot()
        server = self.cloud.boot('node1', self.project)
        self.cloud.delete_server(server, free=False)
        report_path = os.path.join(self.dir, 'audit.json')
        rc, out, _ = self._run('compare', '--before', self.before,
                               '--json', report_path)
        self.assertEqual(audit_cmd.FINDINGS, rc, out)
        self.assertIn('[orphan]', out)
        self.assertIn('owner: Tempest test class LeakTest', out)
        self.assertIn('openstack resource provider allocation show %s'
                      % server, out)
        with open(report_path) as written:
            [finding] = json.load(written)['findings']
        self.assertEqual('LeakTest', finding['owner']['test_class'])

    def test_names_deleted_projects_from_the_configured_log(self):
        # The local cloud's harness passes no --log: the audit finds the
        # log tempest.conf writes to, where Tempest named the project it
        # has deleted since.
        self._snapshot()
        project = 'd863837cd25943469c9ed4b383a4b151'
        server = self.cloud.boot('node1', project)
        self.cloud.delete_server(server, free=False)
        log = os.path.join(self.dir, 'tempest.log')
        with open(log, 'w') as out:
            out.write(" credentials: Credentials: {'project_id': '%s', "
                      "'project_name': 'tempest-GoneTest-5'}\n" % project)
        with mock.patch.object(audit_cmd, 'configured_log',
                               return_value=log):
            rc, out, _ = self._run('compare', '--before', self.before)
        self.assertEqual(audit_cmd.FINDINGS, rc, out)
        self.assertIn('owner: Tempest test class GoneTest', out)
        self.assertIn('attribution from: Keystone, log %s' % log, out)

    def test_errors_exit_1(self):
        rc, _, err = self._run('compare', '--before',
                               os.path.join(self.dir, 'absent.json'))
        self.assertEqual(audit_cmd.ERROR, rc)
        self.assertIn('compare failed', err)

    def test_failing_api_exits_1(self):
        self.cloud.list_resource_providers = mock.Mock(
            side_effect=RuntimeError('placement is down'))
        rc, _, err = self._run('snapshot', '--out', self.before)
        self.assertEqual(audit_cmd.ERROR, rc)
        self.assertIn('snapshot failed: placement is down', err)
        self.assertFalse(os.path.exists(self.before))

    def test_usage_error_exits_1(self):
        rc, _, err = self._run('compare')
        self.assertEqual(audit_cmd.ERROR, rc)
        self.assertIn('--before', err)

    def test_missing_config_file_exits_1(self):
        self.conf = os.path.join(self.dir, 'nothing.conf')
        rc, _, err = self._run('snapshot', '--out', self.before)
        self.assertEqual(audit_cmd.ERROR, rc)
        self.assertIn('no such configuration file', err)


class BuildClientsTest(testtools.TestCase):
    """The audit's clients, bound to the microversions it records."""

    def test_every_client_is_bound_to_the_audit_microversions(self):
        from allocation_tempest_plugin.cmd import admin

        def client_params(service, **overrides):
            return dict({'service': service, 'region': 'RegionOne'},
                        **overrides)
        with mock.patch.object(admin, 'auth_provider'), \
                mock.patch.object(admin, 'client_params', client_params):
            clients, projects = audit_cmd.build_clients()
        for client in (clients.servers, clients.migrations):
            self.assertEqual(audit_cmd.COMPUTE_MICROVERSION,
                             client.microversion)
        for client in (clients.resource_providers, clients.allocations):
            self.assertEqual(audit_cmd.PLACEMENT_MICROVERSION,
                             client.microversion)
        self.assertEqual('identity', projects.service)
        self.assertIsNone(base_compute_client.COMPUTE_MICROVERSION)
