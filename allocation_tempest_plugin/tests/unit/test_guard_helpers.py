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

"""The guard's pure helpers: commands, exclusivity, service readings."""

import datetime
import subprocess

import testtools

from allocation_tempest_plugin import exceptions
from allocation_tempest_plugin.fakes import os_services
from allocation_tempest_plugin.guard import commands
from allocation_tempest_plugin.guard import exclusive
from allocation_tempest_plugin.reads import services
from allocation_tempest_plugin.tests.unit import fakes


class CommandSafetyTest(testtools.TestCase):

    def test_strict_host_names(self):
        for host in ['compute1', 'cmp-1.rack4.example.org', 'a']:
            self.assertTrue(commands.valid_host(host), host)
        for host in ['-oProxyCommand=x', 'a b', 'a;b', '', 'x' * 254,
                     'host-', '.host', 'a..b', 'h$(reboot)', None,
                     'compute1\n', 'compute1\n--now']:
            self.assertFalse(commands.valid_host(host), host)
            self.assertRaises(exceptions.UnsafeCommand, commands.render,
                              'stop {host}', host)

    def test_template_without_host(self):
        self.assertRaises(exceptions.UnsafeCommand, commands.render,
                          'systemctl stop devstack@n-cpu', 'compute1', [])
        self.assertRaises(exceptions.UnsafeCommand, commands.render,
                          'systemctl stop devstack@n-cpu', 'compute1',
                          ['compute1', 'compute2'])
        self.assertRaises(exceptions.UnsafeCommand, commands.render,
                          'systemctl stop devstack@n-cpu', 'compute1',
                          ['compute2'])
        self.assertEqual(['systemctl', 'stop', 'devstack@n-cpu'],
                         commands.render('systemctl stop devstack@n-cpu',
                                         'compute1', ['compute1']))

    def test_messages_redact_argv_and_stderr(self):
        def runner(argv, **kwargs):
            return subprocess.CompletedProcess(
                argv, 255, '', 'ssh: token=s3cr3t-T0KEN for compute1 '
                'with key /home/ci/.ssh/id_secret refused')
        error = self.assertRaises(
            exceptions.CommandFailed, commands.run,
            '/usr/bin/ssh -i /home/ci/.ssh/id_secret root@{host} '
            'curl -H token=s3cr3t-T0KEN start', 'compute1', 10, runner)
        message = str(error)
        self.assertNotIn('s3cr3t', message)
        self.assertNotIn('id_secret', message)
        self.assertIn('ssh (7 argument(s) redacted) for host compute1 '
                      'exited 255', message)

    def test_timeout_and_missing_program_name_no_arguments(self):
        def slow(argv, **kwargs):
            raise subprocess.TimeoutExpired(argv, 3)
        error = self.assertRaises(exceptions.CommandFailed, commands.run,
                                  'run --password=hunter2 {host}', 'h1', 3,
                                  slow)
        self.assertNotIn('hunter2', str(error))
        self.assertIn('did not finish within 3 s', str(error))


class ExclusiveTest(testtools.TestCase):

    def test_nothing_foreign(self):
        self.assertEqual([], exclusive.foreign_findings(
            'compute1', {'mine': {'VCPU': 1},
                         'mig': {'VCPU': 1}},
            [{'id': 'mine', 'name': 's', 'tenant_id': 'p',
              'status': 'ACTIVE'}], ['mine'], ['mig']))

    def test_foreign_consumers_and_servers(self):
        findings = exclusive.foreign_findings(
            'compute1',
            {'theirs': {'VCPU': 2, 'MEMORY_MB': 512},
             'incoming': {'VCPU': 1},
             'mine': {'VCPU': 1}},
            [{'id': 'theirs', 'name': 'db', 'tenant_id': 'admin',
              'status': 'ACTIVE'},
             {'id': 'shelved', 'name': 'old', 'tenant_id': 'admin',
              'status': 'ERROR'},
             {'id': 'mine', 'name': 'own', 'tenant_id': 'admin',
              'status': 'ACTIVE'}],
            ['mine'])
        self.assertEqual(3, len(findings), findings)
        text = '\n'.join(findings)
        self.assertIn('server theirs (db) of project admin, ACTIVE, holds '
                      'MEMORY_MB=512, VCPU=2 on compute1', text)
        self.assertIn('consumer incoming holds VCPU=1', text)
        self.assertIn('server shelved (old) of project admin, ERROR, runs '
                      'on compute1', text)

    def test_same_project_is_not_own(self):
        # Pre-provisioned credentials: the admin project holds real
        # servers; only the test's own servers are its own.
        findings = exclusive.foreign_findings(
            'compute1', {}, [{'id': 'real', 'name': 'prod',
                              'tenant_id': 'admin', 'status': 'ACTIVE'}],
            ['mine'])
        self.assertEqual(1, len(findings))

    def test_every_page_is_read(self):
        class Servers(object):
            calls = []

            def list_servers(self, **params):
                self.calls.append(params.get('marker'))
                pages = {None: (['a', 'b'], True), 'b': (['c'], True),
                         'c': ([], False)}
                ids, more = pages[params.get('marker')]
                return {'servers': [{'id': i} for i in ids],
                        'servers_links': [{'rel': 'next'}] if more else []}
        servers = exclusive.servers_on_host(Servers(), 'compute1', 2)
        self.assertEqual(['a', 'b', 'c'], [s['id'] for s in servers])
        self.assertEqual([None, 'b', 'c'], Servers.calls)


class ComputeServicesTest(testtools.TestCase):

    def test_parse_updated_at_forms(self):
        moment = datetime.datetime(2026, 11, 24, 12, 0, 1, 500000)
        for text in ['2026-11-24T12:00:01.500000', '2026-11-24T12:00:01.5Z',
                     '2026-11-24T13:00:01.500000+01:00']:
            self.assertEqual(moment,
                             services.parse_updated_at(text))
        self.assertIsNone(services.parse_updated_at(None))
        self.assertRaises(ValueError, services.parse_updated_at,
                          'yesterday')

    def test_heartbeat_after(self):
        moment = datetime.datetime(2026, 11, 24, 12, 0, 1)
        self.assertTrue(services.heartbeat_after(
            {'updated_at': '2026-11-24T12:00:02'}, moment))
        self.assertFalse(services.heartbeat_after(
            {'updated_at': '2026-11-24T12:00:01'}, moment))
        self.assertFalse(services.heartbeat_after(
            {'updated_at': 'garbage'}, moment))

    def test_available(self):
        self.assertTrue(services.is_usable(os_services.service()))
        for change in ({'status': 'disabled'}, {'state': 'down'},
                       {'forced_down': True}):
            self.assertFalse(services.is_usable(
                os_services.service(**change)))

    def test_show_wants_exactly_one(self):
        client = fakes.FakeServicesClient(os_services.service('compute1'))
        self.assertEqual('compute1',
                         services.show(client, 'compute1')['host'])
        self.assertRaises(exceptions.DisruptionError, services.show,
                          client, 'nope')


class FakeNovaTest(testtools.TestCase):
    """The fake must behave like Nova, or the guard's tests prove nothing."""

    def setUp(self):
        super(FakeNovaTest, self).setUp()
        self.client = fakes.FakeServicesClient(os_services.service('compute1'))
        self.nova = self.client.nova
        self.service_id = self.client.record()['id']

    def test_put_moves_updated_at(self):
        before = self.client.record()['updated_at']
        self.client.update_service(self.service_id, status='disabled')
        self.assertGreater(self.client.record()['updated_at'], before)

    def test_state_lags_heartbeats_and_forced_down_is_at_once(self):
        self.nova.stop('compute1')
        self.assertEqual('up', services.show(
            self.client, 'compute1')['state'])
        self.client.clock.sleep(61)
        self.assertEqual('down', services.show(
            self.client, 'compute1')['state'])
        self.nova.start('compute1')
        self.client.clock.sleep(5)
        self.assertEqual('up', services.show(
            self.client, 'compute1')['state'])
        self.client.update_service(self.service_id, forced_down=True)
        self.assertEqual('down', services.show(
            self.client, 'compute1')['state'])

    def test_unforcing_refused_while_evacuations_done(self):
        self.client.update_service(self.service_id, forced_down=True)
        self.nova.done_evacuations['compute1'] = 1
        before = dict(self.client.record())
        self.assertRaises(fakes.lib_exc.BadRequest,
                          self.client.update_service, self.service_id,
                          forced_down=False)
        self.assertEqual(before, self.client.record())
        # init_host of a restarted compute completes them.
        self.nova.stop('compute1')
        self.nova.start('compute1')
        self.client.clock.sleep(5)
        self.client.update_service(self.service_id, forced_down=False)
        self.assertFalse(self.client.record()['forced_down'])

    def test_reason_only_with_disabled(self):
        self.assertRaises(fakes.lib_exc.BadRequest,
                          self.client.update_service, self.service_id,
                          status='enabled', disabled_reason='x')


class TemplateSyntaxTest(testtools.TestCase):

    def test_unbalanced_quote_is_refused_naming_the_option(self):
        error = self.assertRaises(
            exceptions.UnsafeCommand, commands.check_syntax,
            "ssh -i '/home/ci/key root@{host} stop", 'compute_stop_command')
        self.assertIn('[allocation] compute_stop_command cannot be split',
                      str(error))
        self.assertNotIn('/home/ci/key', str(error))

    def test_empty_template_is_refused(self):
        self.assertRaises(exceptions.UnsafeCommand, commands.check_syntax,
                          '  ', 'compute_start_command')
