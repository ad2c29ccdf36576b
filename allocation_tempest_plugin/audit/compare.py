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

"""Two pictures of the cloud in, findings out: pure, no API calls.

Per resource provider:
- orphan: a consumer whose allocation on the provider is explained by
  neither a live server on that provider's compute node nor a migration
  still holding resources there (what ``nova-manage placement audit``
  flags, found through the APIs);
- wrong_size: a live server's consumer does not hold what its flavor
  claims (doubled, the old flavor after a resize, ...), not counting the
  source of a migration that legitimately still holds it;
- missing: a live server placed on a node holds nothing there.
Only what changed between the pictures is a finding; what was already
wrong before is context (preexisting), so a run is charged with its own
leaks only.
"""

from allocation_tempest_plugin.audit import flavors
from allocation_tempest_plugin.audit import snapshot
from allocation_tempest_plugin.placement_checks import placement

ORPHAN = 'orphan'
WRONG_SIZE = 'wrong_size'
MISSING = 'missing'
# A shelved-offloaded server holds nothing until it is unshelved.
HOLDS_NOTHING = frozenset(['SHELVED_OFFLOADED'])


class Picture(object):
    """Lookups on one snapshot dict."""

    def __init__(self, snap):
        self.snap = snap
        self.providers = snap['providers']
        self.consumers = snap['consumers']
        self.servers = snap['servers']
        self.migrations = snap['migrations']
        # Indexes, so that every check is linear in the picture's size.
        self.migrations_of = {}
        for uuid, migration in self.migrations.items():
            self.migrations_of.setdefault(
                migration['instance_uuid'], []).append(uuid)
        self._node_of = {}          # provider -> its root's name
        self._node_provider = {}    # node -> its root provider
        self._nodes_held = {}       # consumer -> nodes it holds on
        for rp_uuid, provider in self.providers.items():
            root = self.providers.get(provider['root'], provider)
            self._node_of[rp_uuid] = root['name']
            if provider['root'] == rp_uuid:
                self._node_provider.setdefault(provider['name'], rp_uuid)
            for consumer in provider['allocations']:
                self._nodes_held.setdefault(consumer, set()).add(
                    root['name'])

    def node_of(self, rp_uuid):
        """The compute node a provider belongs to (its root's name)."""
        return self._node_of[rp_uuid]

    def held_on(self, rp_uuid, consumer):
        provider = self.providers.get(rp_uuid)
        return (provider or {'allocations': {}})['allocations'].get(
            consumer)

    def moving_from(self, server_uuid):
        """Nodes a migration of the server still holds resources on."""
        nodes = set()
        for uuid in self.migrations_of.get(server_uuid, []):
            migration = self.migrations[uuid]
            nodes.update([migration['source_node'], migration['dest_node']])
        return nodes - {None}

    def orphan_reason(self, rp_uuid, consumer):
        """Why consumer's allocation on rp_uuid has no owner, or None."""
        node = self.node_of(rp_uuid)
        migration = self.migrations.get(consumer)
        if migration:
            if node in (migration['source_node'], migration['dest_node']):
                return None
            return ('migration %s (%s, %s) is between %s and %s, not on '
                    'this node' % (consumer, migration['type'],
                                   migration['status'],
                                   migration['source_node'],
                                   migration['dest_node']))
        server = self.servers.get(consumer)
        if server is None:
            return 'no live server and no migration in progress has this uuid'
        if server['node'] == node or node in self.moving_from(consumer):
            return None
        return ('server %s lives on node %s, not on this one, and no '
                'migration in progress explains it'
                % (consumer, server['node'] or '(none)'))

    def held_for_flavor(self, server_uuid):
        """What the server's consumer holds for its flavor.

        Not counted: the source of a migration that still holds it, and
        allocations that are orphans (reported as such already).
        """
        server = self.servers[server_uuid]
        consumer = self.consumers.get(server_uuid, {'allocations': {}})
        elsewhere = self.moving_from(server_uuid) - {server['node']}
        return placement.add_resources(*[
            resources for rp, resources in consumer['allocations'].items()
            if rp not in self.providers or (
                self.node_of(rp) not in elsewhere and
                not self.orphan_reason(rp, server_uuid))])

    def node_provider(self, node):
        return self._node_provider.get(node)

    def holds_on_node(self, consumer, node):
        return node in self._nodes_held.get(consumer, ())


def _finding(kind, rp_uuid, provider_name, consumer, project, user,
             resources, reason, **extra):
    finding = {'kind': kind,
               'provider': {'uuid': rp_uuid, 'name': provider_name},
               'consumer': consumer, 'project_id': project,
               'user_id': user, 'resources': resources, 'reason': reason,
               'command': 'openstack resource provider allocation show %s'
               % consumer}
    finding.update(extra)
    return finding


def _orphans(before, after):
    for rp_uuid in sorted(after.providers):
        provider = after.providers[rp_uuid]
        for consumer in sorted(provider['allocations']):
            reason = after.orphan_reason(rp_uuid, consumer)
            if not reason:
                continue
            held_before = before.held_on(rp_uuid, consumer)
            preexisting = bool(held_before and rp_uuid in before.providers
                               and before.orphan_reason(rp_uuid, consumer))
            owner = after.consumers.get(consumer, {})
            yield preexisting, _finding(
                ORPHAN, rp_uuid, provider['name'], consumer,
                owner.get('project_id'), owner.get('user_id'),
                provider['allocations'][consumer], reason,
                resources_before=held_before or {})


def _size_mismatch(picture, server_uuid):
    server = picture.servers[server_uuid]
    if server['flavor'].get('vcpus') is None:
        return None    # a compute API older than 2.47: no flavor to check
    expected = flavors.expected_resources(server['flavor'],
                                          server['volume_backed'])
    held = picture.held_for_flavor(server_uuid)
    classes = flavors.compared_classes(expected)
    held = {rc: amount for rc, amount in held.items() if rc in classes}
    if not held or flavors.matches(held, expected):
        return None
    return expected, held


def _describe_size(before, server_uuid, expected, held):
    if held == {rc: 2 * amount for rc, amount in expected.items()}:
        return 'doubled: holds twice what its flavor claims'
    server_before = before.servers.get(server_uuid)
    if server_before and server_before['flavor'].get('vcpus') is not None:
        old = flavors.expected_resources(server_before['flavor'],
                                         server_before['volume_backed'])
        if old != expected and flavors.matches(held, old):
            return ('holds its old flavor %s, not its flavor now'
                    % server_before['flavor'].get('original_name'))
    return 'does not hold what its flavor claims'


def _wrong_sizes(before, after):
    for server_uuid in sorted(after.servers):
        server = after.servers[server_uuid]
        if server['task_state'] or server_uuid not in after.consumers:
            continue
        mismatch = _size_mismatch(after, server_uuid)
        if not mismatch:
            continue
        expected, held = mismatch
        preexisting = (server_uuid in before.servers and
                       server_uuid in before.consumers and
                       _size_mismatch(before, server_uuid) == mismatch)
        rp_uuid = after.node_provider(server['node'])
        owner = after.consumers[server_uuid]
        flavor_now = server['flavor']
        old = before.servers.get(server_uuid, {}).get('flavor')
        reason = _describe_size(before, server_uuid, expected, held)
        if old and old != flavor_now and 'old flavor' not in reason:
            reason += ' (its flavor changed during the run)'
        yield preexisting, _finding(
            WRONG_SIZE, rp_uuid, server['node'], server_uuid,
            owner.get('project_id'), owner.get('user_id'), held, reason,
            expected=expected, flavor=flavor_now.get('original_name'),
            server_name=server['name'])


def _missing(before, after):
    for server_uuid in sorted(after.servers):
        server = after.servers[server_uuid]
        if (not server['node'] or server['status'] in HOLDS_NOTHING or
                server['task_state']):
            continue
        if after.holds_on_node(server_uuid, server['node']):
            continue
        server_before = before.servers.get(server_uuid)
        held_before = before.holds_on_node(server_uuid, server['node'])
        preexisting = bool(server_before and
                           server_before['node'] == server['node'] and
                           not held_before)
        reason = ('vanished: held allocations on this node before, '
                  'nothing now' if held_before else
                  'placed on this node, holds nothing there')
        yield preexisting, _finding(
            MISSING, after.node_provider(server['node']), server['node'],
            server_uuid, server['project_id'], server['user_id'], {},
            '%s (server %s)' % (reason, server['status']),
            expected=flavors.expected_resources(
                server['flavor'], server['volume_backed'])
            if server['flavor'].get('vcpus') is not None else {},
            server_name=server['name'])


def _usage_changes(before, after):
    changes = {}
    for rp_uuid in sorted(set(before.providers) | set(after.providers)):
        was = before.providers.get(rp_uuid, {}).get('allocations', {})
        now = after.providers.get(rp_uuid, {}).get('allocations', {})
        usage_before = placement.usages_of(was)
        usage_after = placement.usages_of(now)
        diff = placement.usage_diff(usage_before, usage_after)
        if diff:
            provider = (after.providers.get(rp_uuid) or
                        before.providers[rp_uuid])
            changes[rp_uuid] = {
                'name': provider['name'],
                'usage_before': usage_before, 'usage_after': usage_after,
                'changes': [list(change) for change in diff],
                'gone': rp_uuid not in after.providers,
                'new': rp_uuid not in before.providers}
    return changes


def compare(before, after):
    """The audit's report dict: findings, preexisting, provider usage."""
    for snap in (before, after):
        if snap.get('format') != snapshot.FORMAT:
            raise ValueError('snapshot format %r, expected %r'
                             % (snap.get('format'), snapshot.FORMAT))
    before_picture, after_picture = Picture(before), Picture(after)
    findings, preexisting = [], []
    for check in (_orphans, _wrong_sizes, _missing):
        for was_there, finding in check(before_picture, after_picture):
            (preexisting if was_there else findings).append(finding)
    return {
        'before': {'taken_at': before['taken_at'],
                   'microversions': before['microversions']},
        'after': {'taken_at': after['taken_at'],
                  'microversions': after['microversions'],
                  'reads': after.get('reads'),
                  'seconds': after.get('seconds')},
        'findings': findings,
        'preexisting': preexisting,
        'providers': _usage_changes(before_picture, after_picture),
        'unchecked': sorted(
            uuid for uuid, server in after['servers'].items()
            if server['task_state']),
    }
