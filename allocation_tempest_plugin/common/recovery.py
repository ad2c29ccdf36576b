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

"""Heals compute services that a killed run left disrupted.

The guard writes a marker with a deadline into disabled_reason; a run
killed with SIGKILL never restores its service. This finds marked
services whose deadline has passed (every marked one with force) and
puts them back to what the guard only ever disrupts: enabled, not forced
down, its process started when a start command is configured.
"""

import datetime

from allocation_tempest_plugin.common import commands
from allocation_tempest_plugin.common import hosts
from allocation_tempest_plugin.common import marker

RESTORED_FIELDS = {'status': 'enabled', 'forced_down': False}


class Action(object):
    def __init__(self, service, run_id, deadline, verdict):
        self.service = service
        self.run_id = run_id
        self.deadline = deadline
        self.verdict = verdict

    def line(self):
        return '%s %s run=%s until=%s: %s' % (
            self.service['host'], self.service['binary'], self.run_id,
            self.deadline.strftime('%Y-%m-%dT%H:%M:%SZ'), self.verdict)


def plan(services, now, force=False):
    """Actions for every service carrying the marker, expired or not."""
    actions = []
    for service in services:
        parsed = marker.parse(service['disabled_reason'])
        if parsed is None or service['status'] != 'disabled':
            continue
        run_id, deadline = parsed
        if force or deadline <= now:
            verdict = 'restore'
        else:
            verdict = 'skip: its run may still hold it (use --force)'
        actions.append(Action(service, run_id, deadline, verdict))
    return actions


def recover(services_client, force=False, dry_run=False, start_command=None,
            command_timeout=300, now=None, runner=None):
    """Restore marked services; returns the actions taken, for printing."""
    now = now or datetime.datetime.now(datetime.timezone.utc)
    services = services_client.list_services(
        binary=hosts.COMPUTE_BINARY)['services']
    actions = plan(services, now, force)
    for action in actions:
        if action.verdict != 'restore':
            continue
        if dry_run:
            action.verdict = 'would restore (dry run)'
            continue
        if start_command:
            kwargs = {'runner': runner} if runner else {}
            commands.run(start_command, action.service['host'],
                         command_timeout, **kwargs)
        services_client.update_service(action.service['id'],
                                       **RESTORED_FIELDS)
        action.verdict = 'restored (enabled, forced_down=false)'
    return actions
