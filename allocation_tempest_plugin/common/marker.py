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

"""The disabled_reason a disrupted service carries while a test holds it.

It names the plugin, the run and a deadline, so an operator who sees a
disabled compute knows who did it and until when, and the recovery
command can restore services a killed run left behind.
"""

import datetime
import re

PREFIX = 'allocation_tempest_plugin'
_FORMAT = '%Y-%m-%dT%H:%M:%SZ'
_PATTERN = re.compile(
    r'^%s run=(?P<run_id>[\w-]+) until=(?P<until>\S+)$' % PREFIX)


def make(run_id, deadline):
    """The marker for run_id, deadline an aware UTC datetime."""
    return '%s run=%s until=%s' % (PREFIX, run_id,
                                   deadline.strftime(_FORMAT))


def parse(reason):
    """(run_id, deadline) when reason is a marker, else None."""
    match = _PATTERN.match(reason or '')
    if not match:
        return None
    try:
        deadline = datetime.datetime.strptime(
            match.group('until'), _FORMAT).replace(
                tzinfo=datetime.timezone.utc)
    except ValueError:
        return None
    return match.group('run_id'), deadline
