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

import uuid

import fixtures
import testtools

from allocation_tempest_plugin import exceptions
from allocation_tempest_plugin.fakes.fakecloud import clients as fakeclients
from allocation_tempest_plugin.fakes.fakecloud import cloud
from allocation_tempest_plugin.guard import commands
from allocation_tempest_plugin.guard import exclusive
from allocation_tempest_plugin.guard import hosts


class HostsTestBase(testtools.TestCase):

    def use(self, cloud):
        self.cloud = cloud
        self.calls, clients = fakeclients.admin_clients(cloud)
        self.hypervisors = clients['hypervisors']
        self.servers = clients['servers']
        self.services = clients['services']
        self.providers = clients['providers']

    def paths(self):
        return [path for path, query in self.calls]

    def service(self, host):
        return self.cloud.nova.service_on(host)


class ChooseHostTest(HostsTestBase):

    def setUp(self):
        super(ChooseHostTest, self).setUp()
        # Every 10th host is free, the others run other projects' servers.
        self.use(cloud.build(40))

    def _choose(self, disruptable=(), own=(), start=lambda n: 0):
        return hosts.choose_host(self.services, self.hypervisors,
                                 self.servers, list(disruptable), set(own),
                                 start=start)

    def test_stops_at_first_free_host(self):
        self.assertEqual(('compute-00010', None), self._choose())
        # One page of hypervisors, one small listing per host tried.
        self.assertEqual(['/os-hypervisors/detail'] + ['/servers'] * 10,
                         self.paths())
        self.assertEqual({'limit': '25'}, self.calls[0][1])
        self.assertEqual({'all_tenants': 'True', 'host': 'compute-00001',
                          'limit': '1'}, self.calls[1][1])

    def test_own_servers_do_not_count(self):
        mine = self.cloud.nova.boot('p', 'u', 'compute-00010', cloud.FLAVOR)
        self.assertEqual(('compute-00010', None),
                         self._choose(own=[mine['id']]))
        self.assertEqual('2', self.calls[-1][1]['limit'])

    def test_own_project_is_not_enough(self):
        # Not created by this test: another run may share the project.
        self.cloud.nova.boot('admin-project', 'admin', 'compute-00010',
                             cloud.FLAVOR)
        self.assertEqual(('compute-00020', None), self._choose())

    def test_host_fuller_than_a_page_costs_one_call(self):
        for _ in range(30):
            self.cloud.nova.boot('other', 'u', 'compute-00010', cloud.FLAVOR)
        self.cloud.nova.max_limit = 20
        host, _ = self._choose()
        self.assertEqual('compute-00020', host)
        self.assertEqual(1, self.calls.count(
            ('/servers', {'all_tenants': 'True', 'host': 'compute-00010',
                          'limit': '1'})))

    def test_pages_on_with_markers(self):
        self.use(cloud.build(80, free_every=60))
        self.assertEqual(('compute-00060', None), self._choose())
        pages = [query for path, query in self.calls
                 if path == '/os-hypervisors/detail']
        self.assertEqual(3, len(pages))
        self.assertEqual(self.cloud.nova.nodes[24]['uuid'],
                         pages[1]['marker'])

    def test_short_page_is_not_the_end(self):
        # Host 25's service is deleted: Nova leaves its node out of the
        # first page (24 of 25, no next link), yet more pages follow.
        self.use(cloud.build(60, free_every=30, orphan_every=25))
        self.assertEqual(('compute-00030', None), self._choose())

    def test_refuses_all_and_says_why(self):
        self.use(cloud.build(8))
        host, why = self._choose()
        self.assertIsNone(host)
        self.assertIn('compute-00001 runs server ', why)
        self.assertIn('which this test did not create', why)
        self.assertIn('and 3 more', why)
        self.assertIn('disruptable_hosts', why)

    def test_never_picks_down_disabled_or_forced_down(self):
        self.use(cloud.build(3, free_every=1))
        self.service('compute-00001')['status'] = 'disabled'
        self.service('compute-00002')['forced_down'] = True
        self.assertEqual(('compute-00003', None), self._choose())
        self.service('compute-00003')['status'] = 'disabled'
        host, why = self._choose()
        self.assertIsNone(host)
        self.assertIn('no nova-compute service is up and enabled', why)

    def test_only_disruptable_hosts_are_read_and_still_checked(self):
        # Issue 22: naming a host disruptable says the tests may disrupt
        # it, not that nobody has a server there now.
        self.assertEqual(('compute-00010', None),
                         self._choose(['compute-00007', 'compute-00010']))
        self.assertEqual(['/os-services', '/servers'] * 2, self.paths())
        self.assertEqual({'binary': 'nova-compute',
                          'host': 'compute-00007'}, self.calls[0][1])
        host, why = self._choose(['compute-00007'])
        self.assertIsNone(host)
        self.assertIn('compute-00007 runs server', why)

    def test_disruptable_hosts_none_available(self):
        self.service('compute-00010')['forced_down'] = True
        host, why = self._choose(['compute-00010', 'gone'])
        self.assertIsNone(host)
        self.assertIn("['compute-00010', 'gone']", why)
        self.assertIn('compute-00010 nova-compute is not up and enabled: '
                      'status=enabled state=down forced_down=True', why)
        self.assertIn('gone has no nova-compute service', why)

    def test_choices_start_at_random_among_the_first_candidates(self):
        # compute-00010, -20, -30, -40 are free. Two runners starting at
        # different offsets of the first SPREAD candidates take
        # different hosts.
        disruptable = ['compute-00010', 'compute-00020', 'compute-00030']
        self.assertEqual(('compute-00020', None),
                         self._choose(disruptable, start=lambda n: 1))
        self.assertEqual(('compute-00010', None),
                         self._choose(disruptable, start=lambda n: 0))

    def test_rotation_reads_no_more_candidates_than_needed(self):
        seen = []

        def candidates():
            for i in range(100):
                seen.append(i)
                yield i
        rotated = hosts.rotated(candidates(), window=5,
                                start=lambda n: 3)
        self.assertEqual([3, 4, 0, 1, 2, 5], [next(rotated)
                                              for _ in range(6)])
        self.assertEqual(list(range(6)), seen)

    def test_taken_since_chosen_names_the_holder(self):
        self.assertIsNone(hosts.taken_since_chosen(self.services,
                                                   'compute-00003'))
        service = self.service('compute-00003')
        service['status'] = 'disabled'
        service['disabled_reason'] = ('allocation_tempest_plugin run=other '
                                      'until=2026-11-25T22:00:00Z')
        why = hosts.taken_since_chosen(self.services, 'compute-00003')
        self.assertIn('compute-00003 nova-compute is not up and enabled: '
                      'status=disabled', why)
        self.assertIn('(disabled_reason: allocation_tempest_plugin '
                      'run=other until=2026-11-25T22:00:00Z)', why)

    def test_first_available_host_reads_one_page(self):
        self.service('compute-00001')['forced_down'] = True
        self.assertEqual('compute-00002',
                         hosts.first_available_host(self.hypervisors))
        self.assertEqual(['/os-hypervisors/detail'], self.paths())


class HostRefusalTest(HostsTestBase):

    def setUp(self):
        super(HostRefusalTest, self).setUp()
        self.use(cloud.build(20))
        self.mine = self.cloud.nova.boot('p', 'u', 'compute-00010',
                                         cloud.FLAVOR)['id']

    def _refusal(self, host, disruptable=()):
        return hosts.host_refusal(self.services, self.servers, host,
                                  list(disruptable), {self.mine})

    def test_free_but_for_own_server(self):
        self.assertIsNone(self._refusal('compute-00010'))
        self.assertEqual(['/os-services', '/servers'], self.paths())

    def test_someone_booted_there_since(self):
        other = self.cloud.nova.boot('q', 'v', 'compute-00010', cloud.FLAVOR)
        self.assertEqual('compute-00010 runs server %s, which this test '
                         'did not create' % other['id'],
                         self._refusal('compute-00010'))

    def test_disruptable_hosts_are_checked_for_other_servers_too(self):
        self.assertIsNone(self._refusal('compute-00010', ['compute-00010']))
        self.assertEqual(['/os-services', '/servers'], self.paths())
        other = self.cloud.nova.boot('q', 'v', 'compute-00010', cloud.FLAVOR)
        self.assertIn(other['id'], self._refusal('compute-00010',
                                                 ['compute-00010']))
        self.assertIn('not in [allocation] disruptable_hosts',
                      self._refusal('compute-00002', ['compute-00001']))

    def test_service_gone_down(self):
        self.service('compute-00010')['forced_down'] = True
        self.assertIn('state=down', self._refusal('compute-00010'))


class ProviderForHostTest(HostsTestBase):

    def test_by_provider_name_confirmed_by_hypervisor(self):
        self.use(cloud.build(300))
        node = self.cloud.nova.node_on['compute-00123']
        self.assertEqual(node['uuid'], hosts.provider_for_host(
            self.hypervisors, self.providers, 'compute-00123'))
        self.assertEqual(['/resource_providers',
                          '/os-hypervisors/%s' % node['uuid']], self.paths())

    def _fqdn_cloud(self, *names):
        fake = cloud.Cloud()
        for name in names:
            fake.nova.add_compute(name, nodename=name + '.example.org')
        self.use(fake)
        return fake

    def test_node_named_otherwise_found_by_pattern(self):
        # LIKE '%cmp1%' matches cmp1, cmp10 and cmp11 alike.
        fake = self._fqdn_cloud('cmp10', 'cmp1', 'cmp11')
        self.assertEqual(fake.nova.node_on['cmp1']['uuid'],
                         hosts.provider_for_host(self.hypervisors,
                                                 self.providers, 'cmp1'))
        self.assertEqual(('/os-hypervisors/detail',
                          {'hypervisor_hostname_pattern': 'cmp1'}),
                         self.calls[-1])

    def test_underscore_is_a_wildcard_in_the_pattern(self):
        fake = self._fqdn_cloud('cmpx1', 'cmp_1')
        self.assertEqual(fake.nova.node_on['cmp_1']['uuid'],
                         hosts.provider_for_host(self.hypervisors,
                                                 self.providers, 'cmp_1'))

    def test_provider_named_like_host_on_another_host(self):
        fake = self._fqdn_cloud('cmp1')
        fake.nova.add_compute('cmp2', nodename='cmp1')
        self.assertEqual(fake.nova.node_on['cmp1']['uuid'],
                         hosts.provider_for_host(self.hypervisors,
                                                 self.providers, 'cmp1'))

    def test_ironic_nodes_need_the_listing_and_say_so(self):
        logger = self.useFixture(fixtures.FakeLogger(
            name='allocation_tempest_plugin.guard.hosts'))
        fake = cloud.Cloud(max_limit=10)
        for number in range(25):
            fake.nova.add_compute('ironic-%d' % (number % 3),
                                  nodename=str(uuid.uuid4()))
        self.use(fake)
        self.assertEqual(fake.nova.node_on['ironic-2']['uuid'],
                         hosts.provider_for_host(self.hypervisors,
                                                 self.providers, 'ironic-2'))
        self.assertIn('reading every hypervisor', logger.output)
        # Stopped on the first page that held one of its nodes.
        self.assertEqual(['/resource_providers', '/os-hypervisors/detail',
                          '/os-hypervisors/detail'], self.paths())

    def test_unknown_host(self):
        self.use(cloud.build(30, orphan_every=0))
        self.cloud.nova.max_limit = 10
        self.assertIsNone(hosts.provider_for_host(
            self.hypervisors, self.providers, 'nowhere'))
        # The pattern (404), three pages, the empty one that ends them.
        self.assertEqual(5, self.paths().count('/os-hypervisors/detail'))


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


class BoundedPagingTest(testtools.TestCase):
    """A listing that ignores its marker is an error, not an endless loop."""

    def test_hypervisors_ignoring_the_marker(self):
        class Hypervisors(object):
            def list_hypervisors(self, **params):
                return {'hypervisors': [{'id': 'a'}, {'id': 'b'}]}

        listing = hosts.hypervisors(Hypervisors(), page_size=2)
        self.assertEqual(['a', 'b'], [next(listing)['id'],
                                      next(listing)['id']])
        error = self.assertRaises(ValueError, next, listing)
        self.assertIn('the hypervisors listing ignores its marker b: a came '
                      'back', str(error))

    def test_servers_ignoring_the_marker(self):
        class Servers(object):
            def list_servers(self, **params):
                return {'servers': [{'id': 's1'}],
                        'servers_links': [{'rel': 'next', 'href': 'x'}]}

        error = self.assertRaises(ValueError, exclusive.servers_on_host,
                                  Servers(), 'compute1', page_size=1)
        self.assertIn('servers listing (all_tenants=True, host=compute1) '
                      'ignores its marker s1', str(error))


class AvoidTest(HostsTestBase):

    def test_avoided_hosts_are_refused_with_their_reason(self):
        self.use(cloud.build(3, free_every=1))
        host, why = hosts.choose_host(
            self.services, self.hypervisors, self.servers,
            ['compute-00000'], set(), start=lambda n: 0,
            avoid={'compute-00000': 'holds leftovers of a leak that T '
                                    'failed for'})
        self.assertIsNone(host)
        self.assertIn('holds leftovers of a leak that T failed for', why)
