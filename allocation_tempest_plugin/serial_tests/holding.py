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
"""The guard's wiring: how a test holds a host down, and lends it.

Every change to a compute service is the guard's (guard/disruption.py);
this mixin gives it the class's settings, the host checks of
host_choice.py, and turns what it raises into the test's verdict: a host
someone else holds is a skip, orphaned allocations a failure (once per
run, host_holdings.py), a stop that was never proven a failure. Mixed
into DisruptiveTestBase (serial_tests/base.py).
"""

import contextlib

from allocation_tempest_plugin import exceptions
from allocation_tempest_plugin.guard import disruption


class GuardHolding(object):
    """Needs guard_settings, set by DisruptiveTestBase.resource_setup."""

    @contextlib.contextmanager
    def disrupted(self, host, owned=None, stop_process=False, lend=False,
                  fence=False):
        """The guard holds host's compute down; skips or fails when it can't.

        A host another runner or tenant holds is a skip; orphaned
        allocations on it, or a stop that was never proven, a failure.
        While it holds the host, the snapshot owned (if given) counts
        every change on the host's provider: the host is disabled, in a
        serial class, and the guard found nothing foreign on it. With
        lend, the block starts with the host lent (guard/lending.py)
        until take_back(). With fence, the compute is stopped by
        [allocation] compute_fence_command where one is set (its guests
        stopped too, as before an evacuation from shared storage).
        """
        rp_uuid = self.provider_for_host(host)

        def own_ids():
            own = set(self.created_server_ids)
            if owned is not None:
                own |= set(owned.expected)
            return own

        with contextlib.ExitStack() as stack:
            orphaned = None
            try:
                guard = stack.enter_context(self.guard_for(
                    host, self.exclusive_check_for(host, own_ids),
                    self.recheck_for(lambda: self.created_server_ids),
                    stop_process, lend, fence))
            except (exceptions.HostNotFree,
                    exceptions.HostNotExclusive) as why:
                # Another runner or tenant holds it: no free host, not a
                # failure (the guard has left or restored the service).
                raise self.skipException('cannot hold %s: %s' % (host, why))
            except exceptions.OrphanedAllocations as found:
                orphaned = found
            if orphaned is not None:
                # Outside the handler: the report is the failure, not a
                # second exception chained to the guard's.
                self.fail_once_for_orphans(orphaned)
            if owned is not None:
                owned.hold_exclusively(rp_uuid)
                stack.callback(owned.release_hold, rp_uuid)
            yield guard
        if guard.stop_unproven:
            # The block passed, but against a compute that kept running.
            self.fail('premise: %s' % guard.stop_unproven)

    def take_back(self, guard):
        """Hold the lent host again; skips when someone took it meanwhile.

        The guard has left a host someone else took as they left it (and
        started the compute it stopped), or restores one that something
        foreign landed on once the block unwinds. Orphaned allocations
        found on it fail the test (once per run).
        """
        orphaned = None
        try:
            return guard.take_back()
        except (exceptions.HostNotFree,
                exceptions.HostNotExclusive) as why:
            raise self.skipException('%s was lent to the scheduler and '
                                     'could not be taken back: %s' % (
                                         guard.host, why))
        except exceptions.OrphanedAllocations as found:
            orphaned = found
        self.fail_once_for_orphans(orphaned)

    @classmethod
    def guard_for(cls, host, exclusive_check, precheck, stop_process=False,
                  lend=False, fence=False):
        """The guard (not yet entered) for host; skips when not configured.

        What it needs: lending's hosts, a real restart's commands.
        """
        if lend:
            cls.skip_unless_lending_allowed()
        if ((stop_process or lend or fence) and
                not cls.guard_settings.has_restart_commands):
            raise cls.skipException(
                'needs a real restart of the compute; set [allocation] '
                'compute_stop_command and compute_start_command')
        return disruption.ComputeDisruption(
            cls.compute_services_client, host, cls.guard_settings,
            stop_process=stop_process, lend=lend, fence=fence,
            precheck=precheck,
            exclusive_check=exclusive_check)

    @classmethod
    def skip_unless_lending_allowed(cls):
        """Lending needs hosts named as disruptable, and a lock_path.

        A lent host is enabled while its compute is stopped: any tenant's
        build may land there and hang until it is taken back. Only hosts
        the operator named in disruptable_hosts may be lent; the loan is
        recorded under lock_path (guard/loans.py) for recovery.
        """
        if not cls.guard_settings.disruptable_hosts:
            raise cls.skipException(
                'lends a host to the scheduler with its compute stopped, '
                'where any tenant\'s build could land; set [allocation] '
                'disruptable_hosts to the hosts the tests may lend')
        if not cls.guard_settings.lock_path:
            raise cls.skipException(
                'lending records the loan for recovery under '
                '[oslo_concurrency] lock_path; set it')
