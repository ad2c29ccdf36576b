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

"""cmd/admin.py: the one place the tools turn a tempest.conf into clients."""

import io
import os
from unittest import mock

import fixtures
import testtools

from allocation_tempest_plugin.cmd import admin
from allocation_tempest_plugin import microversions


class UseConfigTest(testtools.TestCase):

    def setUp(self):
        super(UseConfigTest, self).setUp()
        # Restored after the test: use_config writes the process's env.
        environ = mock.patch.dict(os.environ)
        environ.start()
        self.addCleanup(environ.stop)
        for name in ('TEMPEST_CONFIG_DIR', 'TEMPEST_CONFIG'):
            os.environ.pop(name, None)
        self.dir = self.useFixture(fixtures.TempDir()).path

    def test_points_tempest_at_the_file(self):
        conf = os.path.join(self.dir, 'etc', 'tempest.conf')
        os.makedirs(os.path.dirname(conf))
        open(conf, 'w').close()
        self.assertEqual(conf, admin.use_config(conf))
        self.assertEqual(os.path.dirname(conf),
                         os.environ['TEMPEST_CONFIG_DIR'])
        self.assertEqual('tempest.conf', os.environ['TEMPEST_CONFIG'])

    def test_a_missing_file_is_refused_before_tempest_reads_defaults(self):
        missing = os.path.join(self.dir, 'nope.conf')
        error = self.assertRaises(IOError, admin.use_config, missing)
        self.assertIn(missing, str(error))
        self.assertNotIn('TEMPEST_CONFIG', os.environ)


class RunMainTest(testtools.TestCase):

    def test_an_error_reaches_stderr_and_exits_1(self):
        def fails(host):
            raise RuntimeError('cannot reach %s' % host)

        err = io.StringIO()
        with mock.patch('sys.stderr', err):
            self.assertEqual(1, admin.run_main(fails, 'compute1'))
        self.assertIn('RuntimeError: cannot reach compute1', err.getvalue())

    def test_the_exit_code_of_main_is_kept(self):
        self.assertEqual(3, admin.run_main(lambda: 3))


class ClientParamsTest(testtools.TestCase):

    def test_overrides_win_over_tempest_settings(self):
        settings = {'service': 'placement', 'region': 'RegionOne',
                    'http_timeout': None, 'ca_certs': None}
        with mock.patch('tempest.config.service_client_config',
                        return_value=settings) as service_client_config:
            params = admin.client_params('placement', http_timeout=2)
        service_client_config.assert_called_once_with('placement')
        self.assertEqual(dict(settings, http_timeout=2), params)

    def test_identity_gets_the_v3_endpoint_type(self):
        # Tempest's settings leave it out for identity (v2 and v3 differ).
        conf = mock.Mock()
        conf.identity.v3_endpoint_type = 'internal'
        with mock.patch('tempest.config.service_client_config',
                        return_value={'service': 'identity'}), \
                mock.patch.object(admin.config, 'CONF', conf):
            params = admin.client_params('identity')
        self.assertEqual({'service': 'identity',
                          'endpoint_type': 'internal'}, params)


class ClientsTest(testtools.TestCase):

    def test_binds_microversions_and_overrides_to_every_client(self):
        provider = mock.Mock()
        seen = []

        def client_params(service, **overrides):
            seen.append((service, overrides))
            return dict({'service': service, 'region': 'RegionOne'},
                        **overrides)
        with mock.patch.object(admin, 'client_params', client_params):
            reads = admin.clients(provider, compute_microversion='2.74',
                                  http_timeout=2)
            services = reads.compute_services()
            allocations = reads.allocations()
        self.assertIs(provider, services.auth_provider)
        self.assertEqual('2.74', services.microversion)
        self.assertEqual(microversions.CONSUMER_GENERATIONS,
                         allocations.microversion)
        self.assertEqual([('compute', {'http_timeout': 2}),
                          ('placement', {'http_timeout': 2})], seen)
