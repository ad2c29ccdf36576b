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

import testtools

from allocation_tempest_plugin.common import commands
from allocation_tempest_plugin.common import hosts
from allocation_tempest_plugin import exceptions
from allocation_tempest_plugin.tests.unit import fakes


class ChooseHostTest(testtools.TestCase):

    def setUp(self):
        super(ChooseHostTest, self).setUp()
        self.services = [fakes.service('compute2'), fakes.service('compute1'),
                         fakes.service('compute3', status='disabled')]
        self.servers = {'compute1': [], 'compute2': [], 'compute3': []}

    def _choose(self, disruptable=()):
        return hosts.choose_host(self.services, list(disruptable),
                                 lambda host: self.servers[host], {'mine'})

    def test_first_free_host_by_name(self):
        self.assertEqual(('compute1', None), self._choose())

    def test_own_servers_do_not_count(self):
        self.servers['compute1'] = [{'tenant_id': 'mine'}]
        self.assertEqual(('compute1', None), self._choose())

    def test_refuses_host_with_other_projects_servers(self):
        self.servers['compute1'] = [{'tenant_id': 'someone-else'}]
        self.assertEqual(('compute2', None), self._choose())

    def test_refuses_all_and_says_why(self):
        self.servers['compute1'] = [{'tenant_id': 'a'}]
        self.servers['compute2'] = [{'tenant_id': 'b'}, {'tenant_id': 'c'}]
        host, why = self._choose()
        self.assertIsNone(host)
        self.assertIn('compute1 runs 1 server(s) of other projects', why)
        self.assertIn('compute2 runs 2 server(s)', why)
        self.assertIn('disruptable_hosts', why)

    def test_never_picks_down_disabled_or_forced_down(self):
        self.services = [fakes.service('a', state='down'),
                         fakes.service('b', status='disabled'),
                         fakes.service('c', forced_down=True)]
        host, why = self._choose()
        self.assertIsNone(host)
        self.assertIn('no nova-compute service is up and enabled', why)

    def test_disruptable_hosts_are_trusted_and_restrict(self):
        self.servers['compute2'] = [{'tenant_id': 'someone-else'}]
        self.assertEqual(('compute2', None), self._choose(['compute2']))

    def test_disruptable_hosts_none_available(self):
        host, why = self._choose(['compute3', 'gone'])
        self.assertIsNone(host)
        self.assertIn("['compute3', 'gone']", why)


class CommandsTest(testtools.TestCase):

    def test_host_replaced_per_argument(self):
        self.assertEqual(
            ['ssh', 'root@compute1', 'systemctl', 'stop', 'n-cpu'],
            commands.render('ssh root@{host} systemctl stop n-cpu',
                            'compute1'))

    def test_hostile_host_is_refused(self):
        self.assertRaises(exceptions.UnsafeCommand, commands.render,
                          'stop {host}', 'x; rm -rf / $(reboot)')

    def test_quoting_and_other_braces(self):
        self.assertEqual(['run', 'a b', '{json}', 'h1'],
                         commands.render("run 'a b' {json} {host}", 'h1'))
