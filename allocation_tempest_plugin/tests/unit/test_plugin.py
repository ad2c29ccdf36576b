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

from oslo_config import cfg
import testtools

from allocation_tempest_plugin import config
from allocation_tempest_plugin import plugin


class PluginTest(testtools.TestCase):

    def setUp(self):
        super(PluginTest, self).setUp()
        self.plugin = plugin.AllocationTempestPlugin()

    def test_load_tests_points_at_the_package(self):
        test_dir, top_dir = self.plugin.load_tests()
        self.assertTrue(test_dir.endswith('/allocation_tempest_plugin'))
        self.assertEqual(test_dir.rsplit('/', 1)[0], top_dir)

    def test_register_opts_and_defaults(self):
        conf = cfg.ConfigOpts()
        self.plugin.register_opts(conf)
        conf([])
        group = conf.allocation
        self.assertFalse(group.allow_compute_disruption)
        self.assertEqual([], group.disruptable_hosts)
        self.assertEqual(600, group.max_disruption_seconds)
        self.assertIsNone(group.compute_stop_command)
        self.assertIsNone(group.compute_start_command)
        self.assertIsNone(group.placement_timeout)
        self.assertIsNone(group.poll_interval)

    def test_opt_lists_match_list_opts(self):
        [(name, opts)] = self.plugin.get_opt_lists()
        [(group, listed)] = config.list_opts()
        self.assertEqual('allocation', name)
        self.assertEqual(group.name, name)
        self.assertEqual(opts, listed)
        for opt in opts:
            self.assertTrue(opt.help, opt.name)

    def test_registers_no_service_clients_with_tempest(self):
        # The read layer's factory builds them (reads/clients.py): none
        # can shadow Tempest's own placement and compute clients.
        self.assertEqual([], self.plugin.get_service_clients())

    def test_commands_are_secret(self):
        # They may carry an ssh key path or a token: Tempest's log of its
        # configuration must not show them.
        secret = {opt.name for opt in config.AllocationGroup if opt.secret}
        self.assertEqual({'compute_stop_command', 'compute_start_command',
                          'compute_fence_command'}, secret)
