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

"""Orphans are told from Nova's own consumers; one report per run."""

import itertools
import os
import tempfile

import fixtures
from tempest.lib import exceptions as lib_exc
import testtools

from allocation_tempest_plugin.guard import process_identity
from allocation_tempest_plugin.placement_checks import orphan_registry
from allocation_tempest_plugin.placement_checks import orphans

RP = 'rp-1'


class FindTest(testtools.TestCase):

    def setUp(self):
        super(FindTest, self).setUp()
        self.servers = {'build': {'status': 'BUILD'},
                        'deleting': {'status': 'DELETED'}}
        self.migrations = [{'uuid': 'moving', 'status': 'finished'},
                           {'uuid': 'confirmed', 'status': 'confirmed'}]
        self.shown = []
        self.migration_reads = 0

    def _show(self, uuid):
        self.shown.append(uuid)
        if uuid not in self.servers:
            raise lib_exc.NotFound()
        return self.servers[uuid]

    def _migrations(self):
        self.migration_reads += 1
        return self.migrations

    def _find(self, candidates):
        return orphans.find('compute1', RP, candidates, self._show,
                            self._migrations, lambda uuid: 'proj-' + uuid)

    def test_servers_and_migrations_in_progress_are_not_orphans(self):
        # A server still being deleted shows until its allocations go.
        self.assertEqual([], self._find({'build': {'VCPU': 1},
                                         'deleting': {'VCPU': 1},
                                         'moving': {'VCPU': 1}}))

    def test_what_nova_frees_a_moment_later_is_no_orphan(self):
        reads = itertools.chain([{'confirmed': {}, 'stranger': {}}],
                                itertools.repeat({'stranger': {}}))
        found = orphans.find('compute1', RP, {'confirmed': {'VCPU': 1},
                                              'stranger': {'VCPU': 1}},
                             self._show, self._migrations, lambda uuid: None,
                             still_held=lambda: next(reads), settle=0.05,
                             interval=0.01)
        self.assertEqual(['stranger'], [o.consumer for o in found])

    def test_deleted_servers_and_unknown_uuids_are(self):
        found = self._find({'gone': {'VCPU': 1}, 'stranger': {'VCPU': 2},
                            'confirmed': {'VCPU': 3}})
        self.assertEqual(['confirmed', 'gone', 'stranger'],
                         [orphan.consumer for orphan in found])
        line = found[2].line()
        for expected in ('[orphan] orphaned allocation: consumer stranger',
                         'project proj-stranger', 'holds VCPU=2',
                         'host compute1',
                         'openstack resource provider allocation show '
                         'stranger'):
            self.assertIn(expected, line)

    def test_migrations_are_read_only_when_needed(self):
        self._find({'build': {'VCPU': 1}})
        self.assertEqual(0, self.migration_reads)
        self.assertEqual([], self._find({}))
        self.assertEqual(['build'], self.shown)


class RegistryTest(testtools.TestCase):

    def setUp(self):
        super(RegistryTest, self).setUp()
        self.lock_path = tempfile.mkdtemp()
        self.addCleanup(lambda: [os.remove(os.path.join(self.lock_path, f))
                                 for f in os.listdir(self.lock_path)])

    def test_first_report_is_remembered_for_the_run(self):
        registry = orphan_registry.Registry(self.lock_path, key='run-1')
        self.assertEqual({}, registry.reported(['a']))
        registry.record(['a'], 'Test.test_first', 'compute1')
        registry.record(['a', 'b'], 'Test.test_second')
        self.assertEqual({'a': 'Test.test_first', 'b': 'Test.test_second'},
                         registry.reported(['a', 'b', 'c']))
        self.assertEqual({'compute1': 'Test.test_first'}, registry.hosts())

    def test_a_new_run_reports_again(self):
        orphan_registry.Registry(self.lock_path, key='run-1').record(
            ['a'], 'Test.test_first', 'compute1')
        later = orphan_registry.Registry(self.lock_path, key='run-2')
        self.assertEqual({}, later.reported(['a']))
        self.assertEqual({}, later.hosts())

    def test_without_lock_path_nothing_is_remembered(self):
        registry = orphan_registry.Registry(None, key='run-1')
        registry.record(['a'], 'Test.test_first', 'compute1')
        self.assertEqual({}, registry.reported(['a']))

    def test_run_key_names_the_run_and_its_start(self):
        # Under stestr this worker's parent is the shell it was started
        # with; the key names the process above it.
        command, parent = process_identity.command_and_parent(os.getppid())
        run = parent if command in orphan_registry.SHELLS else os.getppid()
        key = orphan_registry.run_key()
        self.assertTrue(key.startswith('%d-' % run), key)

    def _proc(self, *processes):
        """A /proc of (pid, command, parent pid, start ticks) entries."""
        proc = self.useFixture(fixtures.TempDir()).path
        for pid, command, parent, started in processes:
            os.makedirs(os.path.join(proc, str(pid)))
            with open(os.path.join(proc, str(pid), 'stat'), 'w') as stat:
                stat.write('%d (%s) S %d %s %s\n' % (
                    pid, command, parent, ' '.join(['0'] * 17), started))
        return proc

    def test_workers_started_through_a_shell_share_the_run(self):
        # stestr -> sh -c "python -m ...": one shell per worker.
        proc = self._proc((100, 'tempest', 1, 5000), (201, 'sh', 100, 5100),
                          (202, 'sh', 100, 5101))
        self.assertEqual('100-5000', orphan_registry.run_key(201, proc))
        self.assertEqual('100-5000', orphan_registry.run_key(202, proc))

    def test_a_worker_whose_parent_is_the_run_keys_on_it(self):
        proc = self._proc((100, 'stestr (x)', 1, 5000))
        self.assertEqual('100-5000', orphan_registry.run_key(100, proc))
