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

"""Nova 34's compute API, the parts the plugin reads and writes.

Behaviour copied from nova/api/openstack/compute (hypervisors.py,
servers.py, services.py, common.py): [api] max_limit caps every page; a
next link only when a page is full; hypervisor_hostname_pattern is
LIKE '%pattern%' (404 when nothing matches, 400 with limit or marker);
compute nodes whose service is gone are left out of a page after it was
read; host= and all_tenants= on servers count only for an admin; DELETE of
a server whose compute is down (or that has no host: shelved-offloaded)
frees its allocations in nova-api (local delete) and records the delete
action with no compute event. POST /servers boots min_count..max_count
servers in one request, named "<name>-1".."<name>-N" when more than one,
onto host (2.74) when given; server actions are in server_actions.py,
resizes and GET /os-migrations in moves.py, evacuation and the source's
return in evacuations.py. Status changes a compute makes happen at once
while its service is up.
GET and PUT /os-services, and whether a service reads up, are
os_services.NovaServices', the fake every test of a service shares.

Each compute node's provider carries COMPUTE_NODE, and
COMPUTE_STATUS_DISABLED while its compute last synced a disabled service:
at a PUT that changes the status while the compute reads up
(ComputeVirtAPI.update_compute_provider_status, from Placement's traits),
at the compute's start and at its periodic update_available_resource
(periodic_sync: from its cached provider tree, so a trait set from outside
Nova stays). The scheduler's compute_status_filter forbids the trait:
a provider that carries it is no valid host, whatever its service reads.

A test may give this Nova a defect (the attributes under "defects" in
Nova.__init__): each changes one step the way a broken Nova would, and
nothing else.
"""

import itertools
import re
import uuid

from allocation_tempest_plugin.fakes import clock as fake_clock
from allocation_tempest_plugin.fakes.fakecloud import evacuations
from allocation_tempest_plugin.fakes.fakecloud import moves
from allocation_tempest_plugin.fakes.fakecloud import server_actions
from allocation_tempest_plugin.fakes import os_services

MAX_LIMIT = 1000
EPOCH = '2026-11-24T12:00:00.000000'


def _error(status, message):
    key = {400: 'badRequest', 403: 'forbidden', 404: 'itemNotFound',
           409: 'conflictingRequest'}[status]
    return status, {key: {'code': status, 'message': message}}


def version_tuple(text):
    major, minor = text.split('.')
    return int(major), int(minor)


def like(pattern, value):
    """SQL LIKE '%pattern%' as MariaDB evaluates it (case-insensitive)."""
    regex = ''.join('.*' if c == '%' else '.' if c == '_' else re.escape(c)
                    for c in pattern)
    return re.search(regex, value, re.IGNORECASE | re.DOTALL) is not None


class Context(object):
    def __init__(self, project_id, user_id, is_admin, microversion='2.1'):
        self.project_id = project_id
        self.user_id = user_id
        self.is_admin = is_admin
        self.microversion = version_tuple(microversion)


# nova/api/openstack/common.py _STATE_MAP, for a server with no task.
STATUS = {'building': 'BUILD', 'active': 'ACTIVE', 'stopped': 'SHUTOFF',
          'paused': 'PAUSED', 'suspended': 'SUSPENDED', 'rescued': 'RESCUE',
          'error': 'ERROR', 'shelved': 'SHELVED',
          'shelved_offloaded': 'SHELVED_OFFLOADED', 'deleted': 'DELETED',
          'resized': 'VERIFY_RESIZE'}
# nova/api/openstack/common.py _STATE_MAP: an active server resizing.
RESIZING = {'resize_prep', 'resize_migrating', 'resize_migrated',
            'resize_finish'}
# nova/scheduler/manager.py select_destinations, as the server's fault says.
NO_VALID_HOST = ('No valid host was found. There are not enough hosts '
                 'available.')
# nova/conductor/manager.py build_instances: a reschedule with no alternate
# left (MaxRetriesExceeded, a NoValidHost whose message says otherwise).
MAX_RETRIES = ('Exceeded maximum number of retries. Exhausted all hosts '
               'available for retrying build failures for instance %s.')
# The resource tracker puts it on every compute node's provider (_get_traits).
COMPUTE_NODE_TRAIT = 'COMPUTE_NODE'
# A disabled service's provider carries it; the scheduler's
# compute_status_filter (nova/scheduler/request_filter.py) forbids it.
DISABLED_TRAIT = 'COMPUTE_STATUS_DISABLED'


class Nova(moves.Moves, server_actions.ServerActions,
           evacuations.Evacuations):

    _error = staticmethod(_error)
    EPOCH = EPOCH
    NO_VALID_HOST = NO_VALID_HOST

    def __init__(self, placement, max_limit=MAX_LIMIT, clock=None):
        self.placement = placement
        self.max_limit = max_limit
        # The services table and its computes' heartbeats, in real time
        # unless a test brings its clock.
        self.os_services = os_services.NovaServices(
            clock=clock or fake_clock.RealClock())
        # A starting nova-compute's init_host (evacuations.py).
        self.os_services.on_init_host = self.init_host
        # A compute's syncs of COMPUTE_STATUS_DISABLED, written to
        # Placement; the periodic ones come between reads of the traits.
        self.os_services.on_disabled_trait = self._sync_disabled_trait
        self.placement.before_traits_read = self._count_trait_read
        # rp uuid -> the traits its compute last wrote (its ProviderTree).
        self.compute_traits = {}
        # rp uuid -> reads of its traits left before its compute's
        # periodic update_available_resource (enable_overtaken_for_reads).
        self.periodic_sync_after_reads = {}
        self.nodes = []           # compute nodes in id order
        self.node_index = {}      # uuid -> position in nodes
        self.node_on = {}         # host -> its first node
        self.servers = {}         # id -> record (deleted ones stay)
        self.servers_on = {}      # host -> set of live server ids
        self.actions = {}         # server id -> [action]
        self.flavors = {}
        self.migrations = []      # moves.py; deleted ones stay
        self._sequence = itertools.count(1)
        # Every request that changes something, in order: (method, path,
        # body); tests read the order of a story's steps from it.
        self.journal = []
        # nova.conf [DEFAULT] shelved_offload_time; Nova's default 0
        # offloads within the shelve (ComputeManager._shelve_instance).
        self.shelved_offload_time = 0
        # -- defects ----------------------------------------------------
        # nova-api's local delete keeps the allocations (bug 1679750, as
        # before its fix).
        self.local_delete_leaks = False
        # vm_states whose local delete also deletes the allocations of
        # another consumer on the server's provider (neighbours_freed
        # records [(server, consumer)]).
        self.local_delete_frees_neighbour = set()
        self.neighbours_freed = []
        # API._delete asks only for a heartbeat, not forced_down: a
        # forced-down compute whose process still runs deletes the server
        # itself (the normal path) although the service reads down.
        self.delete_ignores_forced_down = False
        # The shelve offload does not free the allocations on the host it
        # leaves (ComputeManager._shelve_offload_instance would).
        self.shelve_offload_keeps_allocations = False
        # server action -> (status, message) answered before anything
        # changes, as Nova refuses an action (409 for a state it checks).
        self.refused_actions = {}
        # nova.conf [DEFAULT] allow_resize_to_same_host (False, Nova's
        # default; devstack's single node sets True).
        self.allow_resize_to_same_host = False
        # (method, path regex) -> [(status, message)]: answered once each,
        # in order, before anything changes (an API that fails once).
        self.failing_requests = {}
        # The compute-side delete keeps the allocations of a server that
        # holds them on two providers (an evacuated server whose source
        # is still down): ComputeManager._complete_deletion broken.
        self.compute_delete_keeps_two_providers = False
        # The source's init_host leaves an evacuated server's allocations
        # on it (_destroy_evacuated_instances broken).
        self.evacuated_source_kept = False
        # An evacuation that finds no host drops the server's allocations
        # (conductor rebuild_instance broken; bug 1713783's opposite).
        self.failed_evacuation_drops = False
        # Requests that pass between a rebuilt server reading ACTIVE with
        # no task and its destination's finish_evacuation (host moved,
        # migration "done"): on a real compute it waits for the resource
        # tracker's lock, seconds when a periodic update holds it.
        self.finish_evacuation_after_requests = 0
        self.unfinished_evacuations = []
        # An enable's COMPUTE_STATUS_DISABLED sync overtaken by the
        # disable's before it (seen on Nova 31 right after a hold: the
        # disable's trait PUT landed after the enable's): the provider of
        # a service that reads enabled keeps the trait until the compute's
        # periodic update_available_resource, which comes here after this
        # many reads of the provider's traits (each of them still sees
        # it), or at periodic_sync(). None: each sync lands in order.
        self.enable_overtaken_for_reads = None
        # Hosts whose virt driver fails every spawn: the compute deletes
        # the claim and asks for a reschedule, a boot onto the host (2.74)
        # has no alternate, and the conductor buries the server in ERROR
        # with MaxRetriesExceeded (_cleanup_when_reschedule_fails).
        self.failing_spawns = set()

    # -- building a cloud ---------------------------------------------------

    def add_compute(self, host, nodename=None, inventory=None,
                    with_service=True):
        if with_service:
            self.os_services.add(os_services.service(host))
        node = {'uuid': str(uuid.uuid4()), 'host': host,
                'hypervisor_hostname': nodename or host,
                'inventory': inventory or {'VCPU': 64, 'MEMORY_MB': 262144,
                                           'DISK_GB': 2048}}
        self.node_index[node['uuid']] = len(self.nodes)
        self.node_on.setdefault(host, node)
        self.nodes.append(node)
        self.servers_on.setdefault(host, set())
        self.placement.add_provider(node['uuid'], node['hypervisor_hostname'],
                                    node['inventory'])
        service = self.service_on(host)
        disabled = service is not None and service['status'] == 'disabled'
        self._write_traits(node['uuid'], {COMPUTE_NODE_TRAIT} |
                           ({DISABLED_TRAIT} if disabled else set()))
        return node

    # -- a compute's COMPUTE_STATUS_DISABLED --------------------------------

    def _nodes_of(self, host):
        return [node for node in self.nodes if node['host'] == host]

    def _write_traits(self, rp_uuid, traits):
        """The compute's PUT of a provider's traits, and its cache."""
        self.placement.set_traits(rp_uuid, traits)
        self.compute_traits[rp_uuid] = frozenset(traits)

    def _sync_disabled_trait(self, host, disabled, startup):
        """os_services' sync: set_host_enabled, or at the compute's start.

        set_host_enabled (ComputeVirtAPI.update_compute_provider_status)
        reads the provider's traits from Placement and writes them back
        with or without the trait. A starting compute reads its provider
        tree from Placement, then its resource tracker syncs the trait.
        """
        for node in self._nodes_of(host):
            rp_uuid = node['uuid']
            traits = self.placement.traits_of(rp_uuid)
            if startup:
                self.compute_traits[rp_uuid] = traits
            elif not disabled and self._enable_overtaken(rp_uuid, traits):
                continue
            elif (DISABLED_TRAIT in traits) != disabled:
                self._write_traits(rp_uuid, traits ^ {DISABLED_TRAIT})
        if startup:
            self.periodic_sync(host)

    def _enable_overtaken(self, rp_uuid, traits):
        """Whether the disable's write lands after this enable's.

        Only a trait the disable's sync wrote can be put back by it: the
        provider keeps it, and so does the compute's cache.
        """
        if self.enable_overtaken_for_reads is None or (
                DISABLED_TRAIT not in traits):
            return False
        self.compute_traits[rp_uuid] = traits
        self.periodic_sync_after_reads[rp_uuid] = (
            self.enable_overtaken_for_reads)
        return True

    def _count_trait_read(self, rp_uuid):
        """Placement is about to answer a read of rp_uuid's traits."""
        reads_left = self.periodic_sync_after_reads.get(rp_uuid)
        if reads_left is None:
            return
        if reads_left > 0:
            self.periodic_sync_after_reads[rp_uuid] = reads_left - 1
            return
        del self.periodic_sync_after_reads[rp_uuid]
        self.periodic_sync(self.nodes[self.node_index[rp_uuid]]['host'])

    def periodic_sync(self, host):
        """host's update_available_resource, for the trait alone.

        ResourceTracker._sync_compute_service_disabled_trait starts from
        the compute's cached provider tree and update_from_provider_tree
        writes only what differs from that cache: a trait set from
        outside Nova is in neither, and stays (until the cache's refresh,
        resource_provider_association_refresh, not modelled). Only a
        running compute with a service record runs it.
        """
        service = self.service_on(host)
        if service is None or not self.os_services.running(host):
            return
        disabled = service['status'] == 'disabled'
        for node in self._nodes_of(host):
            cached = self.compute_traits[node['uuid']]
            wanted = (cached | {DISABLED_TRAIT} if disabled
                      else cached - {DISABLED_TRAIT})
            if wanted != cached:
                self._write_traits(node['uuid'], wanted)

    def add_flavor(self, flavor_id, vcpus, ram, disk):
        self.flavors[flavor_id] = {'id': flavor_id, 'name': 'f%s' % flavor_id,
                                   'vcpus': vcpus, 'ram': ram, 'disk': disk}

    def boot(self, project_id, user_id, host, flavor_id, name=None,
             launch_index=0, reservation_id=None):
        """A server ACTIVE on host, its allocations in Placement.

        host None: the scheduler found no valid host; the server is
        buried in ERROR with that fault, holding nothing (as conductor's
        _bury_in_cell0 leaves it). A host in failing_spawns leaves it in
        ERROR too, with the conductor's MaxRetriesExceeded.
        """
        server_id = str(uuid.uuid4())
        sequence = next(self._sequence)
        node = self.node_on[host] if host else None
        self.servers[server_id] = {
            'id': server_id, 'name': name or 'server-%d' % sequence,
            'tenant_id': project_id, 'user_id': user_id, 'host': host,
            'node': node['hypervisor_hostname'] if node else None,
            'flavor_id': flavor_id, 'vm_state': 'active',
            'task_state': None, 'power_state': server_actions.RUNNING,
            'fault': None, 'launched': node is not None,
            'sequence': sequence, 'deleted': False,
            'launch_index': launch_index,
            'reservation_id': reservation_id or 'r-%08d' % sequence}
        if node is None:
            self.servers[server_id].update(
                vm_state='error', power_state=server_actions.NOSTATE,
                fault=NO_VALID_HOST)
            self._record_action(server_id, 'create', [])
            return self.servers[server_id]
        if host in self.failing_spawns:
            return self._spawn_failed(server_id)
        self.servers_on[host].add(server_id)
        self.placement.allocate(server_id, node['uuid'],
                                self.flavor_resources(flavor_id),
                                project_id, user_id)
        self._record_action(server_id, 'create', ['compute__do_build_and_'
                                                  'run_instance'])
        return self.servers[server_id]

    def _spawn_failed(self, server_id):
        """A build the compute gave up on, with no host to retry on.

        ComputeManager._do_build_and_run_instance nils the server's host
        and node and deletes its allocations before the reschedule.
        """
        server = self.servers[server_id]
        # The event names the compute that failed it.
        self._record_action(server_id, 'create',
                            ['compute__do_build_and_run_instance'],
                            result='Error')
        server.update(host=None, node=None, vm_state='error',
                      power_state=server_actions.NOSTATE, launched=False,
                      fault=MAX_RETRIES % server_id)
        return server

    def flavor_resources(self, flavor_id):
        flavor = self.flavors[flavor_id]
        return {'VCPU': flavor['vcpus'], 'MEMORY_MB': flavor['ram'],
                'DISK_GB': flavor['disk']}

    def status(self, server):
        if server['vm_state'] == 'active' and server['task_state'] in \
                RESIZING:
            return 'RESIZE'
        return STATUS[server['vm_state']]

    def compute_up(self, server):
        """Whether the compute of server's host would act on a cast."""
        service = self.service_on(server['host'])
        return service is not None and self._state(service) == 'up'

    def _record_action(self, server_id, action, events, result='Success'):
        server = self.servers[server_id]
        self.actions.setdefault(server_id, []).append({
            'action': action, 'instance_uuid': server_id,
            'request_id': 'req-%s' % uuid.uuid4(),
            'project_id': server['tenant_id'], 'user_id': server['user_id'],
            'start_time': EPOCH, 'updated_at': EPOCH, 'message': None,
            'events': [self._event(server, event, result)
                       for event in events]})

    @staticmethod
    def _event(server, event, result='Success'):
        return {'event': event, 'start_time': EPOCH, 'finish_time': EPOCH,
                'result': result, 'traceback': None,
                'host': server['host'], 'hostId': 'h' * 56}

    # -- the API ------------------------------------------------------------

    def fail_once(self, method, path_pattern, status=500,
                  message='injected failure'):
        """The next request matching answers status, changing nothing."""
        self.failing_requests.setdefault((method, path_pattern), []).append(
            (status, message))

    def _injected(self, method, path):
        for (failing, pattern), answers in self.failing_requests.items():
            if answers and failing == method and re.match(pattern, path):
                status, message = answers.pop(0)
                if status < 500:
                    return _error(status, message)
                return status, {'computeFault': {'code': status,
                                                 'message': message}}
        return None

    def handle(self, context, method, path, query, body):
        self.tick_evacuations()
        injected = self._injected(method, path)
        if injected:
            return injected
        if method != 'GET':
            self.journal.append((method, path, body))
        for pattern, handler in self.ROUTES:
            match = re.match(pattern, path)
            if match and handler.startswith(method.lower() + '_'):
                return getattr(self, handler)(context, query, body,
                                              *match.groups())
        return _error(404, 'no route for %s %s' % (method, path))

    ROUTES = [
        (r'^/os-services$', 'get_services'),
        (r'^/os-services/([^/]+)$', 'put_service'),
        (r'^/os-hypervisors(/detail)?$', 'get_hypervisors'),
        (r'^/os-hypervisors/([0-9a-f-]{36})$', 'get_hypervisor'),
        (r'^/servers(/detail)?$', 'get_servers'),
        (r'^/servers$', 'post_server'),
        (r'^/servers/([0-9a-f-]{36})$', 'get_server'),
        (r'^/servers/([0-9a-f-]{36})$', 'delete_server'),
        (r'^/servers/([0-9a-f-]{36})/action$', 'post_action'),
        (r'^/servers/([0-9a-f-]{36})/os-instance-actions$', 'get_actions'),
        (r'^/servers/([0-9a-f-]{36})/os-instance-actions/([^/]+)$',
         'get_action'),
        (r'^/flavors/([^/]+)$', 'get_flavor'),
        (r'^/os-migrations$', 'get_migrations'),
    ]

    def service_on(self, host):
        """host's nova-compute record, None once it was deleted."""
        service_id = self.os_services.ids_on.get(host)
        return self.os_services.records[service_id] if service_id else None

    def _state(self, service):
        return self.os_services.state(service)

    def get_services(self, context, query, body):
        if not context.is_admin:
            return _error(403, 'Policy does not allow os_compute_api:'
                               'os-services:list to be performed.')
        return 200, {'services': self.os_services.list(**query)}

    def put_service(self, context, query, body, service_id):
        if not context.is_admin:
            return _error(403, 'Policy does not allow os_compute_api:'
                               'os-services:update to be performed.')
        status, answer = self.os_services.update(service_id, body or {})
        if status != 200:
            return _error(status, answer)
        return 200, {'service': answer}

    # hypervisors ------------------------------------------------------------

    def _limit_marker(self, query):
        limit = min(int(query.get('limit', self.max_limit)) or
                    self.max_limit, self.max_limit)
        return limit, query.get('marker')

    def _hypervisor_view(self, context, node, service, detail):
        view = {'id': node['uuid'],
                'hypervisor_hostname': node['hypervisor_hostname'],
                'state': self._state(service),
                'status': service['status']}
        if not detail:
            return view
        view.update({'hypervisor_type': 'fake', 'hypervisor_version': 1000,
                     'host_ip': '192.0.2.%d' % (
                         self.node_index[node['uuid']] % 250 + 1),
                     'service': {'id': service['id'], 'host': node['host'],
                                 'disabled_reason':
                                     service['disabled_reason']}})
        if context.microversion < (2, 88):
            inventory = node['inventory']
            used = self.placement._usages(node['uuid'])
            view.update({
                'vcpus': inventory['VCPU'], 'memory_mb':
                inventory['MEMORY_MB'], 'local_gb': inventory['DISK_GB'],
                'vcpus_used': used.get('VCPU', 0),
                'memory_mb_used': used.get('MEMORY_MB', 0),
                'local_gb_used': used.get('DISK_GB', 0),
                'free_ram_mb': inventory['MEMORY_MB'] - used.get(
                    'MEMORY_MB', 0),
                'free_disk_gb': inventory['DISK_GB'] - used.get('DISK_GB', 0),
                'current_workload': 0,
                'running_vms': len(self.servers_on[node['host']]),
                'disk_available_least': inventory['DISK_GB'],
                'cpu_info': {'arch': 'x86_64', 'model': 'fake',
                             'vendor': 'fake', 'topology': {
                                 'cells': 1, 'sockets': 2, 'cores': 16,
                                 'threads': 2}, 'features': ['vmx', 'sse4.2',
                                                             'avx2']}})
        else:
            view['uptime'] = None
        return view

    def get_hypervisors(self, context, query, body, detail):
        if not context.is_admin:
            return _error(403, 'Policy does not allow os_compute_api:'
                               'os-hypervisors:list to be performed.')
        pattern = query.get('hypervisor_hostname_pattern')
        links = context.microversion >= (2, 33)
        if pattern is not None and context.microversion >= (2, 53):
            if 'limit' in query or 'marker' in query:
                return _error(400, 'Paging over hypervisors with the '
                                   'hypervisor_hostname_pattern query '
                                   'parameter is not supported.')
            nodes = [n for n in self.nodes
                     if like(pattern, n['hypervisor_hostname'])]
            if not nodes:
                return _error(404, "No hypervisor matching '%s' could be "
                                   "found." % pattern)
            links = False
        elif links:
            limit, marker = self._limit_marker(query)
            start = 0
            if marker is not None:
                if marker not in self.node_index:
                    return _error(400, 'marker [%s] not found' % marker)
                start = self.node_index[marker] + 1
            nodes = self.nodes[start:start + limit]
        else:
            nodes = self.nodes
        views = []
        for node in nodes:
            service = self.service_on(node['host'])
            if service is None:
                # A deleted service leaves its compute node behind; Nova
                # skips it after the page was read.
                continue
            views.append(self._hypervisor_view(
                context, node, service, bool(detail)))
        answer = {'hypervisors': views}
        if links and views and len(views) == self._limit_marker(query)[0]:
            answer['hypervisors_links'] = [{
                'rel': 'next',
                'href': 'http://nova/v2.1/os-hypervisors%s?limit=%d&marker=%s'
                        % (detail or '', len(views), views[-1]['id'])}]
        return 200, answer

    def get_hypervisor(self, context, query, body, node_uuid):
        if node_uuid not in self.node_index:
            return _error(404, 'Hypervisor with ID %s could not be found.'
                          % node_uuid)
        node = self.nodes[self.node_index[node_uuid]]
        service = self.service_on(node['host'])
        if service is None:
            return _error(404, 'Compute host %s could not be found.'
                          % node['host'])
        return 200, {'hypervisor': self._hypervisor_view(
            context, node, service, True)}

    # servers ----------------------------------------------------------------

    # Detail fields and the microversion that added them.
    SERVER_FIELDS_SINCE = {'host_status': (2, 16), 'locked': (2, 9),
                           'description': (2, 19), 'tags': (2, 26),
                           'trusted_image_certificates': (2, 63),
                           'locked_reason': (2, 73)}

    def _server_view(self, server, detail, context=None):
        view = self._server_fields(server, detail)
        if detail and context is not None:
            for field, since in self.SERVER_FIELDS_SINCE.items():
                if context.microversion < since:
                    view.pop(field)
            if context.microversion < (2, 47):
                view['flavor'] = {'id': server['flavor_id'],
                                  'links': view['links']}
        return view

    def _server_fields(self, server, detail):
        links = [{'rel': 'self', 'href': 'http://nova/v2.1/servers/%s'
                  % server['id']},
                 {'rel': 'bookmark', 'href': 'http://nova/servers/%s'
                  % server['id']}]
        if not detail:
            return {'id': server['id'], 'name': server['name'],
                    'links': links}
        flavor = self.flavors[server['flavor_id']]
        return {
            'id': server['id'], 'name': server['name'],
            'status': self.status(server), 'tenant_id': server['tenant_id'],
            'user_id': server['user_id'], 'metadata': {},
            'hostId': 'h' * 56, 'image': {'id': 'image-1', 'links': links},
            'flavor': {'original_name': flavor['name'],
                       'vcpus': flavor['vcpus'], 'ram': flavor['ram'],
                       'disk': flavor['disk'], 'ephemeral': 0, 'swap': 0,
                       'extra_specs': {}},
            'created': EPOCH[:19] + 'Z', 'updated': EPOCH[:19] + 'Z',
            'addresses': {}, 'accessIPv4': '', 'accessIPv6': '',
            'links': links, 'key_name': None, 'OS-DCF:diskConfig': 'MANUAL',
            'OS-EXT-AZ:availability_zone': 'nova',
            'OS-EXT-SRV-ATTR:host': server['host'],
            'OS-EXT-SRV-ATTR:hypervisor_hostname': server['node'],
            'OS-EXT-SRV-ATTR:instance_name': 'instance-%08x' % server[
                'sequence'],
            'OS-EXT-SRV-ATTR:reservation_id': server['reservation_id'],
            'OS-EXT-SRV-ATTR:launch_index': server['launch_index'],
            'OS-EXT-SRV-ATTR:hostname': server['name'],
            'OS-EXT-SRV-ATTR:kernel_id': '', 'OS-EXT-SRV-ATTR:ramdisk_id': '',
            'OS-EXT-SRV-ATTR:root_device_name': '/dev/vda',
            'OS-EXT-SRV-ATTR:user_data': None,
            'OS-EXT-STS:task_state': server['task_state'],
            'OS-EXT-STS:vm_state': server['vm_state'],
            'OS-EXT-STS:power_state': server['power_state'],
            'OS-SRV-USG:launched_at': EPOCH, 'OS-SRV-USG:terminated_at': None,
            'os-extended-volumes:volumes_attached': [],
            'config_drive': '', 'progress': 0, 'locked': False,
            'locked_reason': None, 'description': None, 'tags': [],
            'host_status': self._host_status(server),
            'trusted_image_certificates': None, **self._fault(server)}

    def _fault(self, server):
        # nova/api/openstack/compute/views/servers.py: an ERROR server
        # shows its fault.
        if server['vm_state'] != 'error' or not server['fault']:
            return {}
        return {'fault': {'code': 500, 'created': EPOCH[:19] + 'Z',
                          'message': server['fault'],
                          'details': 'Traceback: %s' % server['fault']}}

    def _host_status(self, server):
        """nova/compute/api.py API.get_instance_host_status."""
        service = self.service_on(server['host'])
        if service is None:
            return ''
        if service['forced_down']:
            return 'DOWN'
        if service['status'] == 'disabled':
            return 'MAINTENANCE'
        return 'UP' if self._state(service) == 'up' else 'UNKNOWN'

    def get_servers(self, context, query, body, detail):
        query = dict(query)
        if not context.is_admin:
            # Nova drops what a member may not filter by, silently.
            query.pop('host', None)
            query.pop('all_tenants', None)
        if 'host' in query:
            ids = self.servers_on.get(query['host'], set())
        else:
            ids = [i for i, s in self.servers.items() if not s['deleted']]
        servers = [self.servers[i] for i in ids]
        if query.get('all_tenants') not in ('True', 'true', '1'):
            servers = [s for s in servers
                       if s['tenant_id'] == context.project_id]
        # Nova's default sort: created_at desc, id desc.
        servers.sort(key=lambda s: (s['sequence'], s['id']), reverse=True)
        limit, marker = self._limit_marker(query)
        if marker is not None:
            if marker not in self.servers or self.servers[marker]['deleted']:
                return _error(400, 'marker [%s] not found' % marker)
            # Keyset paging: what sorts after the marker, wherever it is.
            after = (self.servers[marker]['sequence'], marker)
            servers = [s for s in servers if (s['sequence'], s['id']) < after]
        page = servers[:limit]
        answer = {'servers': [self._server_view(s, bool(detail), context)
                              for s in page]}
        if page and len(page) == limit:
            answer['servers_links'] = [{
                'rel': 'next', 'href': 'http://nova/v2.1/servers%s?limit=%d'
                '&marker=%s' % (detail or '', limit, page[-1]['id'])}]
        return 200, answer

    def post_server(self, context, query, body):
        """Boot min_count..max_count servers in one request.

        nova/api/openstack/compute/servers.py create(): max_count defaults
        to min_count; the answer names the first server only (or the
        reservation with return_reservation_id). nova/compute/api.py
        _populate_instance_names: with more than one, each display name
        gets "-<index + 1>". host (2.74, admin) is a requested
        destination: the scheduler still checks it, so a disabled, down
        or full host is no valid host and the servers end in ERROR.
        """
        request = body['server']
        host = request.get('host')
        if host is not None:
            if context.microversion < (2, 74):
                return _error(400, "Invalid input for field/attribute "
                                   "server. Additional properties are not "
                                   "allowed ('host' was unexpected)")
            if not context.is_admin:
                return _error(403, 'Policy doesn\'t allow compute:servers:'
                                   'create:requested_destination to be '
                                   'performed.')
            if host not in self.node_on:
                return _error(400, 'Compute host %s could not be found.'
                              % host)
        min_count = int(request.get('min_count', 1))
        max_count = int(request.get('max_count', min_count))
        if min_count > max_count:
            return _error(400, 'min_count must be <= max_count')
        flavor_id = request['flavorRef']
        if host is None:
            host = next((s['host'] for s in self.os_services.records.values()
                         if self._fits(s['host'], flavor_id, max_count)),
                        None)
        elif not self._fits(host, flavor_id, max_count):
            host = None
        reservation_id = 'r-%s' % uuid.uuid4().hex[:8]
        servers = [self.boot(
            context.project_id, context.user_id, host, flavor_id,
            '%s-%d' % (request['name'], index + 1) if max_count > 1
            else request['name'], launch_index=index,
            reservation_id=reservation_id) for index in range(max_count)]
        if request.get('return_reservation_id'):
            return 202, {'reservation_id': reservation_id}
        return 202, {'server': {
            'id': servers[0]['id'], 'OS-DCF:diskConfig': 'MANUAL',
            'adminPass': 'fake-password',
            'links': self._server_view(servers[0], False)['links']}}

    def _fits(self, host, flavor_id, count):
        """Whether the scheduler would place count servers on host.

        A simplification: all of them or none (Nova may build fewer than
        max_count, never fewer than min_count).
        """
        service = self.service_on(host)
        if service is None:
            return False
        if service['status'] != 'enabled' or self._state(service) != 'up':
            return False
        node = self.node_on[host]
        if DISABLED_TRAIT in self.placement.traits_of(node['uuid']):
            # No allocation candidate: the compute_status_filter asked
            # Placement for providers without it.
            return False
        used = self.placement._usages(node['uuid'])
        return all(used.get(rc, 0) + amount * count <= node['inventory'][rc]
                   for rc, amount in self.flavor_resources(
                       flavor_id).items())

    def get_server(self, context, query, body, server_id):
        server = self.servers.get(server_id)
        if server is None or server['deleted']:
            return _error(404, 'Instance %s could not be found.' % server_id)
        view = self._server_view(server, True, context)
        if context.microversion >= (2, 71):
            # Show (not list) names the server's groups.
            view['server_groups'] = []
        return 200, {'server': view}

    def delete_server(self, context, query, body, server_id):
        """nova/compute/api.py API._delete, at once.

        No host (shelved-offloaded, or never scheduled), or a compute that
        reads down: nova-api deletes locally (_local_delete frees the
        allocations with force=True, then records the delete action, no
        compute event). Otherwise it records the action and casts to the
        compute, whose terminate_instance records
        compute_terminate_instance and frees them in _complete_deletion.
        A resized server is confirmed first (moves.py); the server's
        migrations go with it.
        """
        server = self.servers.get(server_id)
        if server is None or server['deleted']:
            return _error(404, 'Instance %s could not be found.' % server_id)
        if server['task_state'] == 'deleting':
            # A delete that failed midway left it deleting: Nova ignores
            # another one until an admin resets its state.
            return 204, None
        refused = self._confirm_on_deleting(server)
        if refused:
            return refused
        local = server['host'] is None
        if not local:
            service = self.service_on(server['host'])
            local = (not self.delete_ignores_forced_down and
                     self._state(service) == 'down')
        if not local:
            self._record_action(server_id, 'delete',
                                ['compute_terminate_instance'])
            held = self.placement.consumers.get(server_id, {})
            if not (self.compute_delete_keeps_two_providers and
                    len(held.get('allocations', {})) > 1):
                self.placement.free(server_id)
        else:
            if not self.local_delete_leaks:
                self.placement.free(server_id)
            if server['vm_state'] in self.local_delete_frees_neighbour:
                self._free_a_neighbour(server)
            self._record_action(server_id, 'delete', [])
        server['deleted'] = True
        self._forget_migrations(server_id)
        if server['host'] is not None:
            self.servers_on[server['host']].discard(server_id)
        return 204, None

    def _free_a_neighbour(self, server):
        """Delete another consumer's allocations on server's provider."""
        rp_uuid = self.node_on[server['host']]['uuid']
        others = sorted(self.placement.on_provider[rp_uuid] -
                        {server['id']})
        if others:
            self.placement.free(others[0])
            self.neighbours_freed.append((server['id'], others[0]))

    def get_actions(self, context, query, body, server_id):
        if server_id not in self.actions:
            return _error(404, 'Instance %s could not be found.' % server_id)
        return 200, {'instanceActions': [
            {k: v for k, v in action.items() if k != 'events'}
            for action in reversed(self.actions[server_id])]}

    def get_action(self, context, query, body, server_id, request_id):
        for action in self.actions.get(server_id, []):
            if action['request_id'] == request_id:
                view = dict(action)
                view['events'] = [{k: v for k, v in event.items()
                                   if k != 'traceback' or context.is_admin}
                                  for event in action['events']]
                return 200, {'instanceAction': view}
        return _error(404, 'Action for request_id %s on instance %s not '
                           'found' % (request_id, server_id))

    def get_flavor(self, context, query, body, flavor_id):
        flavor = self.flavors.get(flavor_id)
        if flavor is None:
            return _error(404, 'Flavor %s could not be found.' % flavor_id)
        return 200, {'flavor': {
            'id': flavor['id'], 'name': flavor['name'],
            'ram': flavor['ram'], 'disk': flavor['disk'],
            'vcpus': flavor['vcpus'], 'swap': 0,
            'OS-FLV-EXT-DATA:ephemeral': 0, 'OS-FLV-DISABLED:disabled': False,
            'os-flavor-access:is_public': True, 'rxtx_factor': 1.0,
            'description': None, 'extra_specs': {},
            'links': [{'rel': 'self', 'href': 'http://nova/v2.1/flavors/%s'
                       % flavor['id']}]}}
