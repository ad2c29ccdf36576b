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

"""The guard's settings, read from a Tempest configuration: the one place.

guard/ takes its settings as a value and never reads CONF ([C2]). Those
who hold a configuration build that value here: the destructive test
base (serial_tests/base.py, once per class), allocation-tempest-recover
and the local cloud's kill matrix. It sits beside config.py, outside
guard/ and outside the test base, so that a command-line tool does not
import Tempest test classes to read four options.
"""

from allocation_tempest_plugin.guard import settings


def from_conf(conf):
    """The GuardSettings of conf (Tempest's CONF, or one like it).

    Raises UnsafeCommand naming the option when a command template
    cannot be split like a shell would split it.
    """
    allocation = conf.allocation
    return settings.GuardSettings(
        # The plugin's own waits fall back to Tempest's, as its tests do
        # (base.py wait_timeout and wait_interval).
        wait_timeout=(allocation.placement_timeout or
                      conf.compute.build_timeout),
        poll_interval=(allocation.poll_interval or
                       conf.compute.build_interval),
        max_disruption_seconds=allocation.max_disruption_seconds,
        restore_timeout=allocation.restore_timeout,
        compute_stop_command=allocation.compute_stop_command,
        compute_start_command=allocation.compute_start_command,
        compute_fence_command=allocation.compute_fence_command,
        command_timeout=allocation.command_timeout,
        claim_settle_seconds=allocation.claim_settle_seconds,
        disruptable_hosts=allocation.disruptable_hosts,
        compute_report_interval=allocation.compute_report_interval,
        # Tempest's own lock directory: where a lend records its loan
        # (guard/loans.py) for the recovery of the same runner.
        lock_path=conf.oslo_concurrency.lock_path)
