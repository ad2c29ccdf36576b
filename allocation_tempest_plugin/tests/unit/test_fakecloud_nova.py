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

"""The fake Nova's boots, server actions, deletes and evacuations answer
as Nova's.

What the shared hold's and the shared stop's tests (test_shared_hold.py,
test_evacuation_stop.py) rely on, each with the Nova code it follows
(fakecloud/nova.py, server_actions.py, evacuations.py).
"""

import testtools

from allocation_tempest_plugin.fakes import clock as fake_clock
from allocation_tempest_plugin.fakes.fakecloud import cloud
from allocation_tempest_plugin.fakes.fakecloud import nova

ADMIN = nova.Context('admin-project', 'admin', True, '2.74')
MEMBER = nova.Context('primary-project', 'primary', False, '2.74')
FLAVOR_HELD = {'VCPU': 1, 'MEMORY_MB': 512, 'DISK_GB': 1}


class FakeNovaTestBase(testtools.TestCase):

    def setUp(self):
        super(FakeNovaTestBase, self).setUp()
        self.cloud = cloud.Cloud()
        self.nova = self.cloud.nova
        self.nova.add_compute('compute1')

    def boot(self, context=ADMIN, **request):
        request = dict({'name': 'vm', 'flavorRef': cloud.FLAVOR,
                        'host': 'compute1'}, **request)
        return self.nova.handle(context, 'POST', '/servers', {},
                                {'server': request})

    def server(self, server_id):
        return self.nova.handle(ADMIN, 'GET', '/servers/%s' % server_id, {},
                                None)[1]['server']

    def act(self, server_id, action, params=None, context=ADMIN):
        return self.nova.handle(context, 'POST', '/servers/%s/action'
                                % server_id, {}, {action: params})

    def held(self, server_id):
        return {rp: resources for rp, resources in self.cloud.placement.
                consumers.get(server_id, {}).get('allocations', {}).items()}

    def events(self, server_id, action):
        [found] = [a for a in self.nova.actions[server_id]
                   if a['action'] == action]
        return [event['event'] for event in found['events']]

    def force_down(self):
        self.nova.service_on('compute1')['forced_down'] = True


class BootTest(FakeNovaTestBase):

    def test_multi_create_names_each_server_and_answers_the_first(self):
        status, body = self.boot(min_count=3)
        self.assertEqual(202, status)
        servers = sorted(self.nova.servers.values(),
                         key=lambda server: server['launch_index'])
        self.assertEqual(['vm-1', 'vm-2', 'vm-3'],
                         [server['name'] for server in servers])
        self.assertEqual(servers[0]['id'], body['server']['id'])
        self.assertEqual({servers[0]['reservation_id']},
                         {server['reservation_id'] for server in servers})
        rp_uuid = self.nova.node_on['compute1']['uuid']
        for server in servers:
            self.assertEqual('ACTIVE', self.server(server['id'])['status'])
            self.assertEqual({rp_uuid: FLAVOR_HELD}, self.held(server['id']))

    def test_one_server_keeps_its_name(self):
        self.boot()
        [server] = self.nova.servers.values()
        self.assertEqual('vm', server['name'])

    def test_host_needs_2_74_and_an_admin(self):
        older = nova.Context('admin-project', 'admin', True, '2.73')
        self.assertEqual(400, self.boot(older)[0])
        self.assertEqual(403, self.boot(MEMBER)[0])
        self.assertEqual(400, self.boot(host='nowhere')[0])
        self.assertEqual({}, self.nova.servers)

    def test_a_disabled_host_is_no_valid_host(self):
        self.nova.service_on('compute1')['status'] = 'disabled'
        server_id = self.boot()[1]['server']['id']
        shown = self.server(server_id)
        self.assertEqual('ERROR', shown['status'])
        self.assertIsNone(shown['OS-EXT-SRV-ATTR:host'])
        self.assertIn('No valid host was found', shown['fault']['message'])
        self.assertEqual({}, self.held(server_id))

    def test_a_failing_spawn_is_not_no_valid_host(self):
        self.nova.failing_spawns.add('compute1')
        server_id = self.boot()[1]['server']['id']
        shown = self.server(server_id)
        self.assertEqual('ERROR', shown['status'])
        self.assertIsNone(shown['OS-EXT-SRV-ATTR:host'])
        self.assertEqual(nova.MAX_RETRIES % server_id,
                         shown['fault']['message'])
        self.assertNotIn('No valid host was found', shown['fault']['message'])
        self.assertEqual({}, self.held(server_id))
        [event] = self.nova.actions[server_id][0]['events']
        self.assertEqual(('compute__do_build_and_run_instance', 'Error',
                          'compute1'),
                         (event['event'], event['result'], event['host']))


class DisabledTraitTest(FakeNovaTestBase):
    """COMPUTE_STATUS_DISABLED: the compute sets it, the scheduler forbids it.

    Read as the plugin reads it: Placement's GET of a provider's traits.
    """

    def setUp(self):
        super(DisabledTraitTest, self).setUp()
        self.rp_uuid = self.nova.node_on['compute1']['uuid']

    def put_status(self, status):
        service = self.nova.service_on('compute1')
        return self.nova.handle(ADMIN, 'PUT', '/os-services/%s'
                                % service['id'], {}, {'status': status})[0]

    def read_traits(self, rp_uuid=None):
        return self.cloud.placement.handle(
            'GET', '/resource_providers/%s/traits' % (
                rp_uuid or self.rp_uuid), {}, None)

    def traits(self):
        status, body = self.read_traits()
        self.assertEqual(200, status)
        return body['traits']

    def boot_status(self):
        return self.server(self.boot()[1]['server']['id'])['status']

    def test_placement_lists_a_providers_traits_and_generation(self):
        generation = self.cloud.placement.providers[self.rp_uuid][
            'generation']
        self.assertEqual((200, {'traits': ['COMPUTE_NODE'],
                                'resource_provider_generation':
                                    generation}), self.read_traits())
        status, body = self.read_traits('9' * 8 + '-9999-9999-9999-' +
                                        '9' * 12)
        self.assertEqual(404, status)
        self.assertEqual(404, body['errors'][0]['status'])

    def test_disable_sets_it_and_enable_removes_it(self):
        generation = self.cloud.placement.providers[self.rp_uuid][
            'generation']
        self.assertEqual(200, self.put_status('disabled'))
        self.assertEqual(['COMPUTE_NODE', nova.DISABLED_TRAIT],
                         self.traits())
        # The compute's PUT of the traits moved the provider generation.
        self.assertEqual(generation + 1, self.cloud.placement.providers[
            self.rp_uuid]['generation'])
        self.assertEqual(200, self.put_status('enabled'))
        self.assertEqual(['COMPUTE_NODE'], self.traits())
        self.assertEqual('ACTIVE', self.boot_status())

    def test_a_provider_carrying_it_is_no_valid_host_although_enabled(self):
        self.nova.enable_overtaken_for_reads = 1
        self.put_status('disabled')
        self.put_status('enabled')
        self.assertEqual('enabled',
                         self.nova.service_on('compute1')['status'])
        self.assertEqual('ERROR', self.boot_status())

    def test_an_overtaken_enable_keeps_it_for_that_many_reads(self):
        self.nova.enable_overtaken_for_reads = 2
        self.put_status('disabled')
        self.put_status('enabled')
        self.assertIn(nova.DISABLED_TRAIT, self.traits())
        self.assertIn(nova.DISABLED_TRAIT, self.traits())
        # The periodic update_available_resource came before this read.
        self.assertEqual(['COMPUTE_NODE'], self.traits())
        self.assertEqual('ACTIVE', self.boot_status())

    def test_an_overtaken_enable_waits_for_the_periodic_sync(self):
        self.nova.enable_overtaken_for_reads = 1000
        self.put_status('disabled')
        self.put_status('enabled')
        self.nova.periodic_sync('compute1')
        self.assertEqual(['COMPUTE_NODE'], self.traits())

    def test_an_enable_with_no_trait_to_overtake_changes_nothing(self):
        # The compute was not told of the disable: nothing to put back.
        self.nova.enable_overtaken_for_reads = 1000
        self.nova.service_on('compute1')['status'] = 'disabled'
        self.put_status('enabled')
        self.assertEqual(['COMPUTE_NODE'], self.traits())
        self.assertEqual({}, self.nova.periodic_sync_after_reads)

    def test_a_stopped_compute_syncs_it_when_it_starts(self):
        clock = fake_clock.FakeClock(self.nova.os_services.clock.monotonic())
        services = self.nova.os_services
        services.clock = clock
        services.stop('compute1')
        self.put_status('disabled')
        # No compute consumed set_host_enabled: nothing written.
        self.assertEqual(['COMPUTE_NODE'], self.traits())
        services.start('compute1')
        clock.now += services.startup
        self.nova.handle(ADMIN, 'GET', '/os-services', {}, None)
        self.assertEqual(['COMPUTE_NODE', nova.DISABLED_TRAIT],
                         self.traits())

    def test_a_trait_set_from_outside_nova_survives_the_periodic_sync(self):
        placement = self.cloud.placement
        placement.set_traits(self.rp_uuid, placement.traits_of(
            self.rp_uuid) | {nova.DISABLED_TRAIT})
        self.nova.periodic_sync('compute1')
        self.assertIn(nova.DISABLED_TRAIT, self.traits())
        self.assertEqual('ERROR', self.boot_status())
        # An enable reads Placement, not its cache: that removes it.
        self.put_status('disabled')
        self.put_status('enabled')
        self.assertEqual(['COMPUTE_NODE'], self.traits())


class ServerActionsTest(FakeNovaTestBase):

    def setUp(self):
        super(ServerActionsTest, self).setUp()
        self.server_id = self.boot()[1]['server']['id']
        self.rp_uuid = self.nova.node_on['compute1']['uuid']

    def test_each_action_records_the_computes_event(self):
        self.assertEqual((202, None), self.act(self.server_id, 'pause'))
        self.assertEqual('PAUSED', self.server(self.server_id)['status'])
        self.assertEqual(['compute_pause_instance'],
                         self.events(self.server_id, 'pause'))

    def test_a_state_nova_checks_answers_409(self):
        self.act(self.server_id, 'pause')
        status, body = self.act(self.server_id, 'suspend')
        self.assertEqual(409, status)
        self.assertEqual("Cannot 'suspend' instance %s while it is in "
                         "vm_state paused" % self.server_id,
                         body['conflictingRequest']['message'])

    def test_a_cast_to_a_down_compute_goes_nowhere(self):
        self.force_down()
        self.act(self.server_id, 'os-stop')
        shown = self.server(self.server_id)
        self.assertEqual(('ACTIVE', 'powering-off'), (
            shown['status'], shown['OS-EXT-STS:task_state']))
        self.assertEqual([], self.events(self.server_id, 'stop'))

    def test_rescue_answers_the_password(self):
        status, body = self.act(self.server_id, 'rescue', {})
        self.assertEqual(200, status)
        self.assertIn('adminPass', body)
        self.assertEqual('RESCUE', self.server(self.server_id)['status'])

    def test_reset_state_is_the_apis_alone(self):
        self.assertEqual(403, self.act(self.server_id, 'os-resetState',
                                       {'state': 'error'}, MEMBER)[0])
        self.force_down()
        self.act(self.server_id, 'os-resetState', {'state': 'error'})
        shown = self.server(self.server_id)
        self.assertEqual(('ERROR', 'compute1'), (
            shown['status'], shown['OS-EXT-SRV-ATTR:host']))
        self.assertEqual([], self.events(self.server_id, 'resetState'))
        self.assertEqual({self.rp_uuid: FLAVOR_HELD},
                         self.held(self.server_id))

    def test_shelve_offloads_at_once_by_default(self):
        self.act(self.server_id, 'shelve')
        shown = self.server(self.server_id)
        self.assertEqual(('SHELVED_OFFLOADED', None, ''), (
            shown['status'], shown['OS-EXT-SRV-ATTR:host'],
            shown['host_status']))
        self.assertEqual({}, self.held(self.server_id))
        self.assertEqual(['compute_shelve_instance'],
                         self.events(self.server_id, 'shelve'))

    def test_shelve_kept_until_offloaded(self):
        self.nova.shelved_offload_time = -1
        self.act(self.server_id, 'shelve')
        self.assertEqual('SHELVED', self.server(self.server_id)['status'])
        self.assertEqual({self.rp_uuid: FLAVOR_HELD},
                         self.held(self.server_id))
        self.act(self.server_id, 'shelveOffload')
        self.assertEqual('SHELVED_OFFLOADED',
                         self.server(self.server_id)['status'])
        self.assertEqual({}, self.held(self.server_id))
        self.assertEqual(['compute_shelve_offload_instance'],
                         self.events(self.server_id, 'shelveOffload'))


class DeleteTest(FakeNovaTestBase):

    def setUp(self):
        super(DeleteTest, self).setUp()
        self.server_id = self.boot()[1]['server']['id']

    def delete(self):
        return self.nova.handle(ADMIN, 'DELETE', '/servers/%s'
                                % self.server_id, {}, None)

    def test_a_compute_that_reads_up_deletes_it_itself(self):
        self.assertEqual((204, None), self.delete())
        self.assertEqual(['compute_terminate_instance'],
                         self.events(self.server_id, 'delete'))
        self.assertEqual({}, self.held(self.server_id))

    def test_a_forced_down_compute_means_a_local_delete(self):
        self.force_down()
        self.delete()
        self.assertEqual([], self.events(self.server_id, 'delete'))
        self.assertEqual({}, self.held(self.server_id))

    def test_a_shelved_offloaded_server_is_deleted_locally(self):
        self.act(self.server_id, 'shelve')
        self.delete()
        self.assertEqual([], self.events(self.server_id, 'delete'))
        self.assertEqual(404, self.nova.handle(
            ADMIN, 'GET', '/servers/%s' % self.server_id, {}, None)[0])

    def test_a_leaking_local_delete_keeps_the_allocations(self):
        self.nova.local_delete_leaks = True
        self.force_down()
        self.delete()
        self.assertEqual({self.nova.node_on['compute1']['uuid']:
                          FLAVOR_HELD}, self.held(self.server_id))


class EvacuationTest(FakeNovaTestBase):
    """nova/compute/api.py evacuate, the conductor, the source's return."""

    def setUp(self):
        super(EvacuationTest, self).setUp()
        # The services' time moves on only when told, from where it was:
        # heartbeats on demand.
        self.clock = fake_clock.FakeClock(
            self.nova.os_services.clock.monotonic())
        self.nova.os_services.clock = self.clock
        self.nova.add_compute('compute2')
        self.server_id = self.boot()[1]['server']['id']
        self.rp1 = self.nova.node_on['compute1']['uuid']
        self.rp2 = self.nova.node_on['compute2']['uuid']

    def evacuate(self, **params):
        return self.act(self.server_id, 'evacuate', params)

    def migrations(self, context=ADMIN, **query):
        return self.nova.handle(context, 'GET', '/os-migrations', dict(
            query, instance_uuid=self.server_id), None)[1]['migrations']

    def unforce(self, host='compute1'):
        service = self.nova.service_on(host)
        return self.nova.handle(ADMIN, 'PUT', '/os-services/%s'
                                % service['id'], {},
                                {'forced_down': False})[0]

    def restart(self, host='compute1'):
        """Its nova-compute starts and heartbeats (init_host first)."""
        services = self.nova.os_services
        services.start(host)
        self.clock.now += services.startup
        self.nova.handle(ADMIN, 'GET', '/os-services', {}, None)

    def test_refused_while_the_source_reads_up(self):
        status, body = self.evacuate(host='compute2')
        self.assertEqual(400, status)
        self.assertEqual('Compute service of compute1 is still in use.',
                         body['badRequest']['message'])
        self.assertEqual([], self.migrations())

    def test_held_on_both_until_the_source_returns(self):
        self.nova.os_services.stop('compute1')
        self.force_down()
        self.assertEqual((200, None), self.evacuate(host='compute2'))
        shown = self.server(self.server_id)
        self.assertEqual(('ACTIVE', 'compute2'), (
            shown['status'], shown['OS-EXT-SRV-ATTR:host']))
        self.assertEqual(['compute_rebuild_instance'],
                         self.events(self.server_id, 'evacuate'))
        self.assertEqual({self.rp1: FLAVOR_HELD, self.rp2: FLAVOR_HELD},
                         self.held(self.server_id))
        [migration] = self.migrations(migration_type='evacuation')
        self.assertEqual(('done', 'compute1', 'compute2'), (
            migration['status'], migration['source_compute'],
            migration['dest_compute']))
        # 2.74 shows the uuid (2.59), not the owner (2.80).
        self.assertIn('uuid', migration)
        self.assertNotIn('project_id', migration)
        self.assertEqual(400, self.unforce())    # bug 1922053
        self.restart()
        self.assertEqual({self.rp2: FLAVOR_HELD}, self.held(self.server_id))
        self.assertEqual('completed', self.migrations()[0]['status'])
        self.assertEqual(200, self.unforce())

    def test_no_valid_host_keeps_the_source(self):
        self.nova.os_services.stop('compute1')
        self.force_down()
        self.nova.service_on('compute2')['forced_down'] = True
        self.assertEqual((200, None), self.evacuate())
        shown = self.server(self.server_id)
        self.assertEqual(('ERROR', 'compute1'), (
            shown['status'], shown['OS-EXT-SRV-ATTR:host']))
        self.assertIn('No valid host was found', shown['fault']['message'])
        self.assertEqual('error', self.migrations()[0]['status'])
        self.assertEqual({self.rp1: FLAVOR_HELD}, self.held(self.server_id))
        self.assertEqual(200, self.unforce())

    def test_a_deleted_evacuated_server_does_not_stop_the_return(self):
        self.nova.os_services.stop('compute1')
        self.force_down()
        self.evacuate(host='compute2')
        self.nova.handle(ADMIN, 'DELETE', '/servers/%s' % self.server_id,
                         {}, None)
        self.assertEqual({}, self.held(self.server_id))
        self.restart()
        # Soft-deleted with the server (instance_destroy): GET
        # /os-migrations no longer lists it, the database still has it.
        self.assertEqual([], self.migrations())
        self.assertEqual('completed', self.nova.migrations[0]['status'])
        self.assertEqual(200, self.unforce())

    def test_a_source_that_keeps_and_a_nova_that_unforces(self):
        self.nova.os_services.stop('compute1')
        self.force_down()
        self.nova.evacuated_source_kept = True
        self.nova.os_services.unforce_ignores_evacuations = True
        self.evacuate(host='compute2')
        self.assertEqual(200, self.unforce())
        self.force_down()
        self.restart()
        self.assertEqual({self.rp1: FLAVOR_HELD, self.rp2: FLAVOR_HELD},
                         self.held(self.server_id))

    def test_a_failed_evacuation_that_drops(self):
        self.nova.os_services.stop('compute1')
        self.force_down()
        self.nova.failed_evacuation_drops = True
        # Its own host is refused before anything changes.
        self.assertEqual(400, self.evacuate(host='compute1')[0])
        self.assertEqual([], self.migrations())
        self.nova.service_on('compute2')['status'] = 'disabled'
        self.evacuate()
        self.assertEqual('ERROR', self.server(self.server_id)['status'])
        self.assertEqual({}, self.held(self.server_id))

    def test_a_compute_delete_that_keeps_two_providers(self):
        self.nova.os_services.stop('compute1')
        self.force_down()
        self.nova.compute_delete_keeps_two_providers = True
        self.evacuate(host='compute2')
        self.nova.handle(ADMIN, 'DELETE', '/servers/%s' % self.server_id,
                         {}, None)
        self.assertEqual(['compute_terminate_instance'],
                         self.events(self.server_id, 'delete'))
        self.assertEqual({self.rp1: FLAVOR_HELD, self.rp2: FLAVOR_HELD},
                         self.held(self.server_id))
