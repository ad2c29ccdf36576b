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

"""Placement 16 at microversion 1.28: the one fake Placement.

What the plugin, the audit and the fake Nova read and write:
- nothing is paginated (Placement has no paging);
- GET /allocations/{c} never answers 404, only {"allocations": {}};
  DELETE /allocations/{c} answers 404 when it holds nothing;
- every write of a consumer's allocations moves its consumer generation
  (a new consumer starts at 0, so its first write reads 1) and the
  generation of each provider it touches;
- a consumer left with no allocations is forgotten
  (delete_consumers_if_no_allocations);
- usages are the sums of the allocations, per provider or per project
  (1.9, not grouped by consumer type);
- GET /resource_providers/{uuid}/traits (1.6) lists the traits the fake
  Nova set (set_traits, as its compute's PUT of them: every write moves
  the provider generation), in no promised order.
It counts the reads it answered, in all and per path, for tests that
count what a check costs,
and records each DELETE /allocations/{c} it was sent. fail_once() makes
the next matching request answer an error, changing nothing.
before_traits_read, when set, is called with the provider's uuid before a
GET of its traits is answered: what the fake Nova's computes do in the
meantime (their periodic sync) lands first.
"""

import collections
import re


def _not_found(detail):
    return 404, {'errors': [{'status': 404, 'title': 'Not Found',
                             'detail': detail}]}


class Placement(object):

    def __init__(self):
        self.providers = {}     # uuid -> {'name', 'generation', 'inventory',
        #                                  'parent', 'root', 'traits'}
        self.by_name = {}       # name -> uuid
        self.consumers = {}     # uuid -> {'project_id', 'user_id',
        #                                  'generation', 'allocations':
        #                                  {rp: resources}}
        # Indexes, as Placement's database has: a read costs what it
        # returns, not the size of the cloud.
        self.on_provider = {}   # rp uuid -> set of consumers
        self.of_project = {}    # project -> set of consumers
        self.reads = 0
        self.paths_read = collections.Counter()   # path -> GETs answered
        self.deletes = []       # consumers of DELETE /allocations/{c}
        # (method, path regex) -> [status]: answered once each, in order.
        self.failing_requests = {}
        self.before_traits_read = None

    # -- what Nova does to it ---------------------------------------------

    def add_provider(self, uuid, name, inventory=None, parent=None):
        root = self.providers[parent]['root'] if parent else uuid
        self.providers[uuid] = {'name': name, 'generation': 1,
                                'inventory': dict(inventory or {}),
                                'parent': parent, 'root': root,
                                'traits': frozenset()}
        # Names are unique in Placement (409 on a second one).
        self.by_name.setdefault(name, uuid)
        self.on_provider[uuid] = set()

    def allocate(self, consumer, rp_uuid, resources, project_id, user_id):
        record = self.consumers.setdefault(consumer, {
            'project_id': project_id, 'user_id': user_id, 'generation': 0,
            'allocations': {}})
        record['allocations'][rp_uuid] = dict(resources)
        self.on_provider[rp_uuid].add(consumer)
        self.of_project.setdefault(project_id, set()).add(consumer)
        record['generation'] += 1
        self.providers[rp_uuid]['generation'] += 1

    def set_traits(self, rp_uuid, traits):
        """PUT /resource_providers/{uuid}/traits: replaces them all.

        Placement moves the generation on every such write, changed or
        not (resource_provider.set_traits).
        """
        provider = self.providers[rp_uuid]
        provider['traits'] = frozenset(traits)
        provider['generation'] += 1

    def traits_of(self, rp_uuid):
        return self.providers[rp_uuid]['traits']

    def free(self, consumer, rp_uuid=None):
        """Delete consumer's allocations on rp_uuid, or everywhere."""
        record = self.consumers.get(consumer)
        if record is None:
            return
        for freed in [rp_uuid] if rp_uuid else list(record['allocations']):
            if record['allocations'].pop(freed, None) is not None:
                self.providers[freed]['generation'] += 1
                self.on_provider[freed].discard(consumer)
        record['generation'] += 1
        if not record['allocations']:
            del self.consumers[consumer]
            self.of_project[record['project_id']].discard(consumer)

    # -- the API ----------------------------------------------------------

    def _provider_view(self, uuid):
        return {'uuid': uuid, 'name': self.providers[uuid]['name'],
                'generation': self.providers[uuid]['generation'],
                'parent_provider_uuid': self.providers[uuid]['parent'],
                'root_provider_uuid': self.providers[uuid]['root'],
                'links': [{'rel': 'self',
                           'href': '/resource_providers/%s' % uuid}]}

    def _usages(self, rp_uuid):
        usages = {rc: 0 for rc in self.providers[rp_uuid]['inventory']}
        for consumer in self.on_provider[rp_uuid]:
            resources = self.consumers[consumer]['allocations'][rp_uuid]
            for rc, amount in resources.items():
                usages[rc] = usages.get(rc, 0) + amount
        return usages

    def fail_once(self, method, path_pattern, status=500):
        self.failing_requests.setdefault((method, path_pattern), []).append(
            status)

    def _injected(self, method, path):
        for (failing, pattern), statuses in self.failing_requests.items():
            if statuses and failing == method and re.match(pattern, path):
                status = statuses.pop(0)
                return status, {'errors': [{'status': status,
                                            'title': 'Injected failure',
                                            'detail': 'injected failure'}]}
        return None

    def handle(self, method, path, query, body):
        consumer_match = re.match(r'^/allocations/([^/]+)$', path)
        if method == 'DELETE' and consumer_match:
            self.deletes.append(consumer_match.group(1))
        injected = self._injected(method, path)
        if injected:
            return injected
        if method == 'DELETE' and consumer_match:
            return self._delete_allocations(consumer_match.group(1))
        if method != 'GET':
            return 405, {'errors': [{'status': 405, 'title': 'Not allowed'}]}
        self.reads += 1
        self.paths_read[path] += 1
        if path == '/resource_providers':
            return 200, {'resource_providers': self._list_providers(query)}
        match = re.match(r'^/resource_providers/([^/]+)/(\w+)$', path)
        if match:
            rp_uuid, what = match.groups()
            if rp_uuid not in self.providers:
                return _not_found('No resource provider with uuid %s found'
                                  % rp_uuid)
            if what == 'traits' and self.before_traits_read is not None:
                self.before_traits_read(rp_uuid)
            generation = self.providers[rp_uuid]['generation']
            if what == 'traits':
                return 200, {'traits': sorted(self.traits_of(rp_uuid)),
                             'resource_provider_generation': generation}
            if what == 'allocations':
                return 200, {
                    'allocations': {
                        consumer: {
                            'resources': dict(self.consumers[consumer][
                                'allocations'][rp_uuid]),
                            'consumer_generation': self.consumers[consumer][
                                'generation']}
                        for consumer in self.on_provider[rp_uuid]},
                    'resource_provider_generation': generation}
            if what == 'usages':
                return 200, {'usages': self._usages(rp_uuid),
                             'resource_provider_generation': generation}
            if what == 'inventories':
                return 200, {'inventories': {
                    rc: {'total': total, 'reserved': 0, 'min_unit': 1,
                         'max_unit': total, 'step_size': 1,
                         'allocation_ratio': 1.0}
                    for rc, total in
                    self.providers[rp_uuid]['inventory'].items()},
                    'resource_provider_generation': generation}
        if consumer_match:
            record = self.consumers.get(consumer_match.group(1))
            if not record:
                return 200, {'allocations': {}}
            return 200, {
                'allocations': {
                    rp: {'resources': dict(resources),
                         'generation': self.providers[rp]['generation']}
                    for rp, resources in record['allocations'].items()},
                'project_id': record['project_id'],
                'user_id': record['user_id'],
                'consumer_generation': record['generation']}
        if path == '/usages':
            return 200, {'usages': self._project_usages(
                query.get('project_id'))}
        return _not_found(path)

    def _delete_allocations(self, consumer):
        if consumer not in self.consumers:
            return _not_found("No allocations for consumer '%s'" % consumer)
        self.free(consumer)
        return 204, None

    def _list_providers(self, query):
        if 'name' in query:
            uuids = [self.by_name[query['name']]] if (
                query['name'] in self.by_name) else []
        elif 'uuid' in query:
            uuids = [query['uuid']] if query['uuid'] in self.providers else []
        else:
            uuids = list(self.providers)
        return [self._provider_view(uuid) for uuid in uuids]

    def _project_usages(self, project_id):
        usages = {}
        for consumer in self.of_project.get(project_id, ()):
            for resources in self.consumers[consumer]['allocations'].values():
                for rc, amount in resources.items():
                    usages[rc] = usages.get(rc, 0) + amount
        return usages
