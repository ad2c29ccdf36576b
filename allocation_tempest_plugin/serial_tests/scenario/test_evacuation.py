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
from tempest.lib import decorators

from allocation_tempest_plugin.serial_tests import base
from allocation_tempest_plugin.serial_tests import evacuation_stop
from allocation_tempest_plugin.serial_tests import shared_hold
from allocation_tempest_plugin.serial_tests import shared_stop


@decorators.serial
class EvacuationTest(shared_hold.SharedVerdicts, base.DisruptiveTestBase):
    """The whole life of an evacuation, as Placement must see it.

    While the source is down after an evacuation, the server's consumer
    holds its flavor on both providers (bugs 1709902, 1721652); the source
    removes its part when its nova-compute starts again
    (_destroy_evacuated_instances), and until then Nova refuses to clear
    forced_down on it (bug 1922053).

    The stories share one stop of their source A
    (serial_tests/evacuation_stop.py): resource_setup boots one server per
    story on A in one request, stops and forces A down once, evacuates
    the servers to B, the other compute, and does each story's step and
    check at the moment Nova promises its outcome (the moves first, the
    delete while B is up, then B held too for the local delete and the
    evacuation that finds no host), starts A once and checks each story
    after A returned. Each test reports its own story's verdict.

    A is fenced before it is evacuated, as an operator must: its compute
    stopped by [allocation] compute_fence_command, which stops its guests
    too, where one is set. On shared instance storage a guest still
    running on A holds its disk's lock and the rebuild on B fails ("Failed
    to get write lock"); on local storage (devstack) the stop command is
    enough and A's guest keeps running until A returns and destroys it.
    """

    @classmethod
    def resource_setup(cls):
        super(EvacuationTest, cls).resource_setup()
        cls.verdicts = evacuation_stop.EvacuationStop(
            cls, cls.stories()).run()

    @classmethod
    def stories(cls):
        """The stories of the shared stop and the test reporting each."""
        story = shared_stop.Story
        return [
            story(evacuation_stop.MOVES,
                  'test_evacuate_moves_allocations_to_destination'),
            story(evacuation_stop.DELETED,
                  'test_delete_evacuated_server_while_source_down'),
            story(evacuation_stop.LOCAL_DELETE,
                  'test_local_delete_frees_both_hosts_of_an_evacuated_'
                  'server'),
            story(evacuation_stop.NO_VALID_HOST,
                  'test_evacuation_without_valid_host_keeps_source'),
        ]

    @decorators.idempotent_id('ac206d82-4556-4684-95d4-30da1e37b4b2')
    @decorators.attr(type='slow')
    @decorators.related_bug('1709902')
    @decorators.related_bug('1721652')
    @decorators.related_bug('1922053')
    def test_evacuate_moves_allocations_to_destination(self):
        """Both hosts hold the flavor until the fenced source returns.

        Before: the server holds its flavor on A only. A's nova-compute is
        stopped (proven: no heartbeat since) and forced down and the server is
        evacuated to B. While A is down its consumer holds exactly the
        flavor on A and on B, and the project's usage counts it twice;
        clearing forced_down on A is refused (400). Once A has started
        again (the guard waits for its own heartbeat, then restores), the
        consumer holds the flavor on B only and A is at its baseline.
        """
        self.report_shared_verdict()

    @decorators.idempotent_id('690a91a1-ebf7-4576-872c-cbe086a9414c')
    @decorators.attr(type='slow')
    @decorators.related_bug('1794996')
    def test_delete_evacuated_server_while_source_down(self):
        """Deleted while the source is still down: both providers clean.

        The server is evacuated from a stopped A to B (premise: it then
        holds its flavor on both) and deleted there, normally, by B's
        compute, before A returns; read once at the 404. Its consumer,
        which held the flavor on both providers, must be gone everywhere,
        and A's nova-compute must still start and report up (the guard's
        restore proves it) with nothing of the test's left on either
        host.
        """
        self.report_shared_verdict()

    @decorators.attr(type='slow')
    @decorators.related_bug('1679750')
    @decorators.idempotent_id('1f1cc668-f9c9-447d-8166-54ebf2f01ef8')
    def test_local_delete_frees_both_hosts_of_an_evacuated_server(self):
        """A local delete frees every provider the server holds.

        The server is evacuated from a stopped, forced-down A to B; while
        A is down its consumer holds the flavor on both (asserted). B is
        then forced down too and the server deleted: nova-api deletes it
        locally (proven: the service reads down, no compute event) and
        must free both parts, read once while both hosts are held; a
        delete that frees only the current host's part leaves the
        source's for nobody.
        """
        self.report_shared_verdict()

    @decorators.idempotent_id('9d8241a7-f02f-4a81-b1e5-4082fd6a282d')
    @decorators.attr(type='slow')
    @decorators.related_bug('1713783')
    def test_evacuation_without_valid_host_keeps_source(self):
        """An evacuation that finds no host changes nothing in Placement.

        Before: the server holds its flavor on A only. During: A is
        stopped (proven) and forced down, and B, the only other compute,
        is forced down too, so the scheduler has no valid destination; the
        evacuation's migration ends in error. After, read once while both
        are held and again once both returned: the server stays on A with
        exactly its flavor there, nothing on B.
        """
        self.report_shared_verdict()
