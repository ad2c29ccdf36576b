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
"""A known-defect test that ends before its verdict: its leftovers released.

A known defect's leftovers are released after its verdict
(verdicts.py). A test that dies before it (a waiter that raised, a
timeout, anything unexpected between the delete and the judge) never
gets there, and what its defect left (a migration's old flavor on the
source) would meet every later destructive test of the run as an orphan:
one failure, then skips (issue 25). A class of known-defect tests sets
release_leftovers_unjudged; then, at cleanup, once its servers were
deleted and awaited, what its own consumers still hold is released
(placement_checks/own_leftovers.py) and written to the log and to the
test's result, naming the test. The test's own failure stays what it
was, and stays first: this runs as one of its cleanups.

A test that reached its verdict is left as it was: the verdict already
released a reproduced defect's leftovers, and a failed one's stay for the
operator (remember_leftovers).
"""

from oslo_log import log as logging
from testtools import content

from allocation_tempest_plugin import exceptions
from allocation_tempest_plugin.placement_checks import own_leftovers

LOG = logging.getLogger(__name__)
DETAIL = 'leftovers released before a verdict'


class UnjudgedLeftovers(object):
    """Needs AdminServers and the admin clients of AdminAllocationTestBase.

    AdminServers reports each server it boots (read_back_migrations) and
    each migration it reads (note_own_migration).
    """

    # Set by a class of known-defect tests (test_resize_defects.py).
    release_leftovers_unjudged = False

    def setUp(self):
        super(UnjudgedLeftovers, self).setUp()
        # Set by judge_known_defect (verdicts.py): from then on the
        # leftovers are the verdict's.
        self.known_defect_judged = False
        self.own_migrations = {}   # migration uuid -> own server id
        if self.release_leftovers_unjudged:
            # Registered before any server: it runs after every server's
            # delete and wait (cleanups run last-in, first-out).
            self.addCleanup(self._release_unjudged_leftovers)

    def note_own_migration(self, migration_uuid, server_id):
        """A migration Nova made for server_id, one of this test's."""
        self.own_migrations[migration_uuid] = server_id

    def read_back_migrations(self, server_id):
        """At cleanup, before server_id's delete: note its migrations.

        Called once the server is booted. Nova lists no migration of a
        deleted server, and the test may die before it reads one (a
        resize that never reached VERIFY_RESIZE): so they are read back
        while it still exists, right before the delete Tempest's order
        scheduled first.
        """
        if self.release_leftovers_unjudged:
            self.addCleanup(self._note_migrations_of, server_id)

    def _note_migrations_of(self, server_id):
        if self.known_defect_judged:
            return
        for migration_uuid in own_leftovers.migrations_of(
                self.admin_migrations_client, server_id):
            self.note_own_migration(migration_uuid, server_id)

    def _release_unjudged_leftovers(self):
        """Free what this test's own consumers hold; raise if some stay."""
        if self.known_defect_judged or not self.created_server_ids:
            return
        outcome = own_leftovers.release(
            self.allocations_client, self.admin_servers_client.show_server,
            self.created_server_ids, self.own_migrations,
            [self.os_admin.credentials.project_id,
             self.os_primary.credentials.project_id],
            hosts={rp_uuid: host
                   for host, rp_uuid in self.host_providers.items()})
        lines = outcome.lines()
        if not lines:
            return
        report = ('%s ended before its verdict; what its own consumers '
                  'still held, so that later tests do not meet it as an '
                  'orphan (the test\'s result stands):\n%s' % (
                      self.id(), '\n'.join(lines)))
        LOG.warning(report)
        self.addDetail(DETAIL, content.text_content(report))
        if outcome.failed:
            raise exceptions.LeftoversNotReleased(
                test=self.id(), details='\n'.join(outcome.failed))
