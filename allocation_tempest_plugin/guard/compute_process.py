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

"""The held host's nova-compute process: the stop and start commands.

Forcing a service down only tells Nova that it is down; the operator's
stop command really fences the process, as Nova's test_bug_1679750 does
with compute.stop(), and the start command brings it back. Both
templates are checked before anything changes (commands.py), so a
template that could act on another host never runs half way.
"""

import subprocess

from allocation_tempest_plugin.guard import commands


class ComputeProcess(object):
    """stopped: whether a stop command ran and no start has succeeded."""

    def __init__(self, host, stop_command=None, start_command=None,
                 command_timeout=300, runner=subprocess.run,
                 disruptable_hosts=()):
        self.host = host
        self.stop_command = stop_command
        self.start_command = start_command
        self.command_timeout = command_timeout
        self.runner = runner
        self.disruptable_hosts = list(disruptable_hosts or ())
        self.stopped = False

    def check_templates(self):
        for option, template in (('compute_stop_command', self.stop_command),
                                 ('compute_start_command',
                                  self.start_command)):
            if template:
                commands.check_syntax(template, option)
                commands.check_template(template, self.host,
                                        self.disruptable_hosts)

    def stop(self):
        """Run the stop command, if any; whether one ran."""
        if not self.stop_command:
            return False
        # Set first: a stop that half-worked must still be undone.
        self.stopped = True
        self._run(self.stop_command)
        return True

    def start(self):
        return self._run(self.start_command)

    def _run(self, template):
        return commands.run(template, self.host, self.command_timeout,
                            self.runner, self.disruptable_hosts)
