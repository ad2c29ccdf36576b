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

"""What the audit costs for a cloud of N providers (issue 15).

Unit-style: the fake cloud counts every call and the bytes it answers.
The test pins the shape of the cost (one read per provider and per
consumer, one per page of servers and of migrations, the empty last
page included); run this module to print the figures:

    python -m allocation_tempest_plugin.tests.unit.test_audit_cost
"""

import sys
import time

import testtools

from allocation_tempest_plugin.audit import compare
from allocation_tempest_plugin.audit import snapshot
from allocation_tempest_plugin.tests.unit import audit_fakes

SERVERS_PER_PROVIDER = 2
MIGRATING_EVERY = 10      # one server in ten is being resized
PAGE = 1000               # Nova's default [api] max_limit


def cloud_of(providers, validate=True):
    cloud = audit_fakes.FakeCloud(max_limit=PAGE, validate=validate)
    nodes = ['node%05d' % i for i in range(providers)]
    for node in nodes:
        cloud.add_provider(node)
    project = cloud.add_project('tempest-ScaleTest-1')
    count = 0
    for index, node in enumerate(nodes):
        for _ in range(SERVERS_PER_PROVIDER):
            server = cloud.boot(node, project)
            count += 1
            if count % MIGRATING_EVERY == 0:
                cloud.migrate(server, nodes[(index + 1) % providers])
    return cloud


def pages_of(items):
    """Pages read to list items: the full ones, and the empty last one."""
    return -(-items // PAGE) + 1


def expected_calls(providers):
    servers = providers * SERVERS_PER_PROVIDER
    migrations = servers // MIGRATING_EVERY
    return 1 + providers + servers + migrations + pages_of(servers) + (
        pages_of(migrations))


def measure(providers, validate=True):
    cloud = cloud_of(providers, validate)
    started = time.monotonic()
    before = snapshot.take(cloud.clients)
    snapshot_seconds = time.monotonic() - started
    calls, answered = sum(cloud.calls.values()), cloud.bytes
    after = snapshot.take(cloud.clients)
    started = time.monotonic()
    result = compare.compare(before, after)
    return {'providers': providers,
            'servers': len(before['servers']),
            'consumers': len(before['consumers']),
            'calls': calls, 'bytes': answered,
            'snapshot_s': round(snapshot_seconds, 3),
            'compare_s': round(time.monotonic() - started, 3),
            'findings': len(result['findings'])}


class CostTest(testtools.TestCase):

    def test_calls_grow_linearly_with_providers_and_servers(self):
        for providers in (10, 100):
            figures = measure(providers)
            self.assertEqual(expected_calls(providers), figures['calls'])
            self.assertEqual(0, figures['findings'])

    def test_bytes_per_provider_do_not_grow_with_the_cloud(self):
        small, large = measure(10), measure(100)
        per_small = small['bytes'] / small['providers']
        per_large = large['bytes'] / large['providers']
        self.assertLess(abs(per_large - per_small) / per_small, 0.1)


def main():
    print('%9s %8s %9s %7s %11s %10s %10s' % (
        'providers', 'servers', 'consumers', 'calls', 'bytes',
        'snapshot_s', 'compare_s'))
    for providers in (10, 100, 1000, 5000):
        row = measure(providers, validate=False)
        print('%(providers)9d %(servers)8d %(consumers)9d %(calls)7d '
              '%(bytes)11d %(snapshot_s)10.3f %(compare_s)10.3f' % row)


if __name__ == '__main__':
    sys.exit(main())
