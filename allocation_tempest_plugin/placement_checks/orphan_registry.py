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
"""Which leaked consumers a run has already failed a test for.

A leak fails the test that meets it first; the tests after it in the same
`tempest run` would meet the same leftovers and, failing again, bury the
first report, or, skipping, hide it. So the first report is recorded
here, and later tests skip naming that test (or go to another host).

One file under Tempest's [oslo_concurrency] lock_path, shared by the
run's workers (processes with one parent, the `tempest run`/stestr
process), keyed by that parent: a new run reports the leftovers again.
"""

import json
import os

from oslo_concurrency import lockutils

from allocation_tempest_plugin.guard import process_identity

FILE = 'allocation-tempest-reported-leaks.json'


# A worker's parent that is not the run: stestr starts each worker with
# subprocess.Popen(shell=True), and a shell that does not exec its command
# stays as that worker's own parent.
SHELLS = ('sh', 'dash', 'bash')


def run_key(ppid=None, proc='/proc'):
    """The process that runs every worker, and its start time.

    One `tempest run` (stestr) for all of its workers: the worker's
    parent, or past the shell stestr started the worker with. Keyed on
    the shell, each worker would be a run of its own and one orphan would
    fail a test on each.
    """
    pid = ppid or os.getppid()
    command, parent = process_identity.command_and_parent(pid, proc)
    if command in SHELLS and parent:
        pid = parent
    return process_identity.of(pid, proc)


class Registry(object):
    def __init__(self, lock_path, key=None):
        self.lock_path = lock_path
        self.path = os.path.join(lock_path, FILE) if lock_path else None
        self.key = key or run_key()

    def _load(self):
        try:
            with open(self.path) as source:
                recorded = json.load(source)
        except (OSError, ValueError):
            return {}
        return recorded if recorded.get('run') == self.key else {}

    def _entries(self):
        return self._load().get('consumers', {})

    def reported(self, consumers):
        """{consumer: test id} of those a test of this run failed for."""
        if not self.path:
            return {}
        entries = self._entries()
        return {consumer: entries[consumer] for consumer in consumers
                if consumer in entries}

    def record(self, consumers, test_id, host=None):
        """Remember that test_id failed naming consumers (on host)."""
        if not self.path or not consumers:
            return
        with lockutils.lock(FILE, lock_file_prefix='', external=True,
                            lock_path=self.lock_path):
            recorded = self._load()
            entries = recorded.setdefault('consumers', {})
            hosts = recorded.setdefault('hosts', {})
            for consumer in consumers:
                entries.setdefault(consumer, test_id)
            if host:
                hosts.setdefault(host, test_id)
            recorded['run'] = self.key
            with open(self.path + '.new', 'w') as target:
                json.dump(recorded, target)
            os.replace(self.path + '.new', self.path)

    def hosts(self):
        """{host: test id} of hosts a test of this run found orphans on."""
        if not self.path:
            return {}
        return self._load().get('hosts', {})
