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

"""What the guard takes from the operator's configuration, as one value.

The guard (disruption.py, lending.py, recovery.py) never reads CONF
([C2]): the edge builds this value once (guard_conf.py) and hands it
over with the things of one hold (the client, the host, the test's
checks). Building it validates it, so a value that exists is one the
guard can use: a command template a shell cannot split fails here,
naming its option, before anything changed; the settle the claim
protocol allows is settled here too (claim.effective_settle).

Fields named after an [allocation] option hold that option as
configured; the defaults are the options' defaults.
"""

import dataclasses
import typing

from allocation_tempest_plugin.guard import claim
from allocation_tempest_plugin.guard import commands

COMMAND_OPTIONS = ('compute_stop_command', 'compute_start_command',
                   'compute_fence_command')


@dataclasses.dataclass(frozen=True)
class GuardSettings(object):
    """The guard's configuration; see config.py for each option's help.

    wait_timeout, poll_interval: the waits on the services API (the
    "down" after forcing down, a take-back) and the pause between two
    reads or restore tries: [allocation] placement_timeout and
    poll_interval, Tempest's build_timeout and build_interval by default.
    compute_report_interval None: a stop is not judged (stop_proof.py).
    config_file: the tempest.conf a repair command should name, None for
    the one Tempest finds (restore.repair_command).
    settle_seconds: the claim settle actually used, derived from
    claim_settle_seconds and disruptable_hosts.
    """

    wait_timeout: float
    poll_interval: float
    max_disruption_seconds: float = 600
    restore_timeout: float = 600
    compute_stop_command: typing.Optional[str] = None
    compute_start_command: typing.Optional[str] = None
    compute_fence_command: typing.Optional[str] = None
    command_timeout: float = 300
    claim_settle_seconds: float = 3.0
    disruptable_hosts: typing.Tuple[str, ...] = ()
    compute_report_interval: typing.Optional[float] = None
    lock_path: typing.Optional[str] = None
    config_file: typing.Optional[str] = None
    settle_seconds: float = dataclasses.field(init=False)

    def __post_init__(self):
        # A tuple: the value is shared by every hold of a class and must
        # not change under one (an oslo.config ListOpt gives a list).
        object.__setattr__(self, 'disruptable_hosts',
                           tuple(self.disruptable_hosts or ()))
        for option in COMMAND_OPTIONS:
            template = getattr(self, option)
            if template:
                commands.check_syntax(template, option)
        object.__setattr__(self, 'settle_seconds', claim.effective_settle(
            self.claim_settle_seconds, self.disruptable_hosts))

    @property
    def has_restart_commands(self):
        """Whether a real stop and start of a compute is configured."""
        return bool(self.compute_stop_command and
                    self.compute_start_command)

    def stop_command(self, fence=False):
        """The template that stops a compute; fence: its guests too.

        A fence falls back to the stop command where none is configured
        (local instance storage: an evacuation does not need the source's
        guests stopped).
        """
        if fence and self.compute_fence_command:
            return self.compute_fence_command
        return self.compute_stop_command
