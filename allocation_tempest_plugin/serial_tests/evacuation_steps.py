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
"""Each evacuation story's step inside the shared stop, and its check.

One method a story (evacuation_stop.py runs them in their order): the
step Nova is asked for, then the check read once at the moment Nova
promises its outcome, against a snapshot taken right before the step
(shared_stop.SharedStop.moment). The premises are read, not assumed:
each server holds what the story needs right before its step, B reads
down before the local delete and the delete's action carries no compute
event after it.
"""

from tempest.common import waiters as tempest_waiters
from tempest import exceptions as tempest_exceptions
from tempest.lib import exceptions as lib_exc

from allocation_tempest_plugin.guard import hosts
from allocation_tempest_plugin.placement_checks import placement
from allocation_tempest_plugin.reads import allocations
from allocation_tempest_plugin.reads import paging
from allocation_tempest_plugin.reads import polling
from allocation_tempest_plugin.serial_tests import premises
from allocation_tempest_plugin.serial_tests import shared_stop

FAIL = shared_stop.FAIL

MOVES = 'moves'
DELETED = 'deleted-while-source-down'
LOCAL_DELETE = 'local-delete'
NO_VALID_HOST = 'no-valid-host'
STORIES = (MOVES, DELETED, LOCAL_DELETE, NO_VALID_HOST)


class EvacuationSteps(object):
    """Mixed into EvacuationStop: needs its hosts, providers, servers.

    host is A, the source held and stopped; host_b the destination; rp_a
    and rp_b their providers; flavor the servers' resources;
    deleted_while_down the stories whose evacuated server was deleted
    while A was down.
    """

    def moves(self, guard):
        """S1 on both hosts while A is down; Nova keeps A forced down."""
        if self.judged(MOVES):
            return
        server_id = self.servers[MOVES]
        with self.step([MOVES], 'evacuating server %s from %s to %s' % (
                server_id, self.host, self.host_b)):
            owned = self.moment(MOVES)
            unproven = self.premise_holds(MOVES, owned, {
                self.rp_a: self.flavor}, 'its evacuation')
            if unproven:
                return self.judge(MOVES, FAIL, unproven)
            project_id = self.projects[server_id]
            project_before = owned.project_before[project_id]
            self.evacuate([MOVES])
            server = self.evacuated(MOVES)
            if server['OS-EXT-SRV-ATTR:host'] != self.host_b:
                return self.judge(MOVES, FAIL, (
                    'server %s reads host %s once its evacuation to %s is '
                    'done' % (server_id, server['OS-EXT-SRV-ATTR:host'],
                              self.host_b)))
            owned.expect(server_id, {self.rp_a: self.flavor,
                                     self.rp_b: self.flavor},
                         project_id=project_id)
            if not self.verdict([MOVES], owned, (
                    'evacuation of %s from %s to %s while %s is down: it '
                    'holds its flavor on both' % (
                        server_id, self.host, self.host_b, self.host))):
                return
            self.judge_counted_twice(project_id, project_before)
            self.judge_forced_down_kept(guard)

    def judge_counted_twice(self, project_id, project_before):
        """The project's usage counts the evacuated server twice.

        Compared even where the snapshot leaves projects out
        (pre-provisioned credentials), as this story always did: read
        right before the evacuation, when it counted it once (the
        premise).
        """
        usages = allocations.project_usages(self.cls.usages_client,
                                            project_id)
        expected = placement.add_resources(project_before, self.flavor)
        diff = placement.usage_diff(expected, usages)
        if diff:
            self.judge(MOVES, FAIL, (
                'usage of project %s does not count server %s twice while '
                '%s is down (class, expected, seen): %s; see: openstack '
                'resource usage show %s' % (
                    project_id, self.servers[MOVES], self.host, diff,
                    project_id)))

    def judge_forced_down_kept(self, guard):
        """Nova refuses to clear forced_down on A (400, bug 1922053).

        While the evacuation of S1 from it is still "done". If Nova
        accepts, the guard forces A down again at once.
        """
        if self.judged(MOVES):
            return
        refused = guard.try_clear_forced_down()
        if not isinstance(refused, lib_exc.BadRequest):
            self.judge(MOVES, FAIL, (
                'Nova let forced_down be cleared on %s while the evacuation '
                'of %s from it was still "done" (bug 1922053 guards '
                'against this)' % (self.host, self.servers[MOVES])))

    def evacuate(self, names, host=True):
        """Send the evacuation of each story's server (to B with host)."""
        kwargs = {'host': self.host_b} if host else {}
        for name in names:
            self.cls.admin_servers_client.evacuate_server(
                self.servers[name], **kwargs)

    def evacuated(self, name):
        """name's server once evacuated; skips when B was taken meanwhile."""
        client = self.cls.admin_servers_client
        server_id = self.servers[name]
        try:
            tempest_waiters.wait_for_server_status(
                client, server_id, self.cls.evacuated_status())
        except tempest_exceptions.BuildErrorException:
            taken = hosts.taken_since_chosen(
                self.cls.compute_services_client, self.host_b)
            if taken is not None:
                raise self.cls.skipException(
                    'the evacuation of %s onto %s failed because the host '
                    'was taken after it was chosen: %s' % (
                        server_id, self.host_b, taken))
            raise
        self.wait_for_evacuation_done(server_id)
        return client.show_server(server_id)['server']

    def wait_for_evacuation_done(self, server_id):
        """Until server_id's evacuation migration reads "done"; may fail.

        The server reads ACTIVE (or SHUTOFF) with no task before the
        destination has finished: ComputeManager.rebuild_instance saves
        that state in _do_rebuild_instance, and only then does
        ResourceTracker.finish_evacuation, which waits for the resource
        tracker's lock (held seconds by a periodic update), set the
        server's host and mark the migration "done". Until then the server
        still reads on A and Nova still lets forced_down be cleared on A
        (seen on Nova 33 and 32). Fails when the migration ends "failed"
        or "error", naming it.
        """
        def evacuation():
            found = [migration for migration in paging.items(
                self.cls.admin_migrations_client.list_migrations,
                'migrations', marker_key='uuid', instance_uuid=server_id,
                migration_type='evacuation')
                if migration['instance_uuid'] == server_id]
            return found[-1] if found else None

        migration = polling.wait_for(
            evacuation, lambda found: found is not None and found[
                'status'] in ('done', 'failed', 'error'),
            self.cls.wait_timeout, self.cls.wait_interval,
            'the evacuation migration of %s to read "done"' % server_id)
        if migration['status'] != 'done':
            raise AssertionError(
                'the evacuation of %s ended with its migration %s %r, '
                'though the server read evacuated' % (
                    server_id, migration['uuid'], migration['status']))

    def evacuate_to_b(self, *names):
        """Each story's server evacuated to B, sent together; premises.

        Each then holds its flavor on both hosts (asserted as when each
        story evacuated its own), and nothing else changed.
        """
        names = self.pending(*names)
        if not names:
            return
        owned = None
        with self.step(names, 'reading Placement before evacuating their '
                       'servers from %s to %s' % (self.host, self.host_b)):
            owned = self.moment(names[0], acting=names)
        if owned is None:
            return
        sent = []
        for name in names:
            with self.step([name], 'evacuating server %s from %s to %s' % (
                    self.servers[name], self.host, self.host_b)):
                self.evacuate([name])
                sent.append(name)
        for name in sent:
            with self.step([name], 'evacuating server %s from %s to %s' % (
                    self.servers[name], self.host, self.host_b)):
                self.evacuated(name)
                mismatch = self.cls.allocation_mismatch(
                    self.servers[name], {self.rp_a: self.flavor,
                                         self.rp_b: self.flavor},
                    'premise: the evacuated server holds its flavor on both '
                    'hosts while the source is down')
                if mismatch:
                    self.judge(name, FAIL, mismatch)
        moved = self.pending(*names)
        with self.step(moved, 'reading Placement after evacuating their '
                       'servers'):
            for name in names:
                server_id = self.servers[name]
                if name in moved:
                    owned.expect(server_id, {self.rp_a: self.flavor,
                                             self.rp_b: self.flavor},
                                 project_id=self.projects[server_id])
            self.leave_out_reported(owned)
            if moved:
                self.verdict(moved, owned, (
                    'evacuations of %s from %s to %s, sent together while '
                    '%s is down: each holds its flavor on both, nothing '
                    'else changed' % (', '.join(
                        self.servers[name] for name in moved), self.host,
                        self.host_b, self.host)))

    def delete_while_source_down(self):
        """S2 deleted by B's compute while A is down: gone from both.

        Read once at the 404: B's nova-compute deletes the consumer's
        allocations (both providers) in _complete_deletion, before
        instance.destroy() makes the server read 404. Waiting would also
        let B's resource tracker heal a leak within one
        update_resources_interval and hide it.
        """
        if self.judged(DELETED):
            return
        server_id = self.servers[DELETED]
        with self.step([DELETED], 'deleting evacuated server %s on %s' % (
                server_id, self.host_b)):
            owned = self.moment(DELETED)
            unproven = self.premise_holds(DELETED, owned, {
                self.rp_a: self.flavor, self.rp_b: self.flavor},
                'its delete')
            if unproven:
                return self.judge(DELETED, FAIL, unproven)
            owned.expect_gone(server_id, project_id=self.projects[server_id])
            self.delete(server_id)
            self.deleted_while_down.append(DELETED)
            self.verdict([DELETED], owned, (
                'evacuated server %s deleted on %s while %s is down' % (
                    server_id, self.host_b, self.host)))

    def delete(self, server_id):
        client = self.cls.admin_servers_client
        client.delete_server(server_id)
        tempest_waiters.wait_for_server_termination(client, server_id)

    def local_delete(self, guard_b):
        """S3, held on A and B, both down: a local delete frees both.

        Proven local: B reads down right before, and the delete's action
        carries no compute event. Read once while both are held: the
        forced-down B still runs and would heal a leak a period later.
        """
        if self.judged(LOCAL_DELETE):
            return
        server_id = self.servers[LOCAL_DELETE]
        with self.step([LOCAL_DELETE], 'the local delete of evacuated '
                       'server %s' % server_id):
            owned = self.moment(LOCAL_DELETE)
            unproven = self.premise_holds(LOCAL_DELETE, owned, {
                self.rp_a: self.flavor, self.rp_b: self.flavor},
                'its local delete') or premises.not_down(
                    guard_b.confirm_held(), self.host_b)
            if unproven:
                return self.judge(LOCAL_DELETE, FAIL, unproven)
            owned.expect_gone(server_id, project_id=self.projects[server_id])
            self.delete(server_id)
            self.deleted_while_down.append(LOCAL_DELETE)
            unproven = premises.local_delete_unproven(
                self.cls.admin_servers_client, server_id, self.host_b)
            if unproven:
                return self.judge(LOCAL_DELETE, FAIL, unproven)
            self.verdict([LOCAL_DELETE], owned, (
                'local delete of evacuated server %s, held on %s and %s, '
                'both down' % (server_id, self.host, self.host_b)))

    def no_valid_host(self):
        """S4's evacuation finds no host: it stays on A, nothing on B."""
        if self.judged(NO_VALID_HOST):
            return
        server_id = self.servers[NO_VALID_HOST]
        with self.step([NO_VALID_HOST], 'evacuating server %s from %s with '
                       'no valid host' % (server_id, self.host)):
            owned = self.moment(NO_VALID_HOST)
            unproven = self.premise_holds(NO_VALID_HOST, owned, {
                self.rp_a: self.flavor}, 'its evacuation')
            if unproven:
                return self.judge(NO_VALID_HOST, FAIL, unproven)
            owned.expect(server_id, {self.rp_a: self.flavor},
                         project_id=self.projects[server_id])
            self.evacuate([NO_VALID_HOST], host=False)
            if not self.failed_in_time(server_id):
                return self.judge(NO_VALID_HOST, FAIL, (
                    'the evacuation of %s did not fail within %s s' % (
                        server_id, self.cls.wait_timeout)))
            server = self.cls.admin_servers_client.show_server(
                server_id)['server']
            if server['OS-EXT-SRV-ATTR:host'] != self.host:
                return self.judge(NO_VALID_HOST, FAIL, (
                    'server %s reads host %s after an evacuation that found '
                    'no valid host, not its source %s' % (
                        server_id, server['OS-EXT-SRV-ATTR:host'],
                        self.host)))
            self.verdict([NO_VALID_HOST], owned, (
                'failed evacuation of %s from %s' % (server_id, self.host)))

    def failed_in_time(self, server_id):
        """Whether server_id's evacuation failed by the deadline.

        The conductor puts the server in ERROR when no host is valid;
        that is awaited too.
        """
        def failed():
            migrations = self.cls.os_admin.migrations_client.list_migrations(
                instance_uuid=server_id,
                migration_type='evacuation')['migrations']
            return bool(migrations) and migrations[-1]['status'] in (
                'error', 'failed')
        if not polling.poll(failed, bool, self.cls.wait_timeout,
                            self.cls.wait_interval,
                            'the evacuation of %s to fail' % server_id).done:
            return False
        tempest_waiters.wait_for_server_status(
            self.cls.admin_servers_client, server_id, 'ERROR',
            raise_on_error=False)
        return True
