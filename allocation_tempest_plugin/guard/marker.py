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

It names the plugin, the run, a deadline and the state the guard found
(status, forced_down, disabled_reason), so an operator who sees a
disabled compute knows who did it and until when, and the recovery
command restores exactly what was there before, not a default. It also
says whether the run stops the host's nova-compute (stop=1, written
before the stop, so a run killed around it is covered: recovery then
needs the start command and fails without one rather than report a
stopped compute as restored) and the writer's claim settle (settle=S,
claim.py), so a runner that meets the marker can say whose protocol it
met.

Nova keeps disabled_reason in a String(255) column and refuses a longer
one, so the found reason is percent-encoded (no spaces, nothing that can
be mistaken for a field) and a marker that would not fit is refused.
"""

import collections
import datetime
import re
from urllib import parse as urlparse

PREFIX = 'allocation_tempest_plugin'
MAX_LENGTH = 255
_FORMAT = '%Y-%m-%dT%H:%M:%SZ'
# quote(safe='') never produces '!', so it cannot be a real reason.
_NO_REASON = '!'
_PATTERN = re.compile(
    r'^%s run=(?P<run_id>[\w-]+) until=(?P<until>\S+)'
    r'(?: was=(?P<status>enabled|disabled),(?P<forced>[01]),'
    r'(?P<reason>\S*))?'
    r'(?: stop=(?P<stop>[01]))?'
    r'(?: settle=(?P<settle>\d+(?:\.\d+)?))?$' % PREFIX)

# stops: the run stops (or stopped) the host's nova-compute. settle: the
# writer's claim settle in seconds, None in markers that predate it.
Marker = collections.namedtuple('Marker', ['run_id', 'deadline', 'found',
                                           'stops', 'settle'])

# Markers written before the found state was recorded: the guard then
# only ever took up, enabled services.
_LEGACY_FOUND = {'status': 'enabled', 'disabled_reason': None,
                 'forced_down': False}


def make(run_id, deadline, found=None, stops=False, settle=None):
    """The marker for run_id, deadline an aware UTC datetime.

    found: the service's status, disabled_reason and forced_down before
    the guard changed anything. stops: the run will stop the compute.
    settle: the writer's claim settle (seconds). Raises ValueError when
    the marker would not fit in Nova's disabled_reason.
    """
    found = found or _LEGACY_FOUND
    reason = found['disabled_reason']
    encoded = _NO_REASON if reason is None else urlparse.quote(reason, safe='')
    text = '%s run=%s until=%s was=%s,%d,%s' % (
        PREFIX, run_id, deadline.strftime(_FORMAT), found['status'],
        1 if found['forced_down'] else 0, encoded)
    if stops:
        text += ' stop=1'
    if settle is not None:
        text += ' settle=%s' % _seconds(settle)
    if len(text) > MAX_LENGTH:
        raise ValueError('the marker recording disabled_reason %r would '
                         'be %d characters, more than the %d Nova keeps' %
                         (reason, len(text), MAX_LENGTH))
    return text


def parse_marker(reason):
    """A Marker when reason is one, else None."""
    match = _PATTERN.match(reason or '')
    if not match:
        return None
    try:
        deadline = datetime.datetime.strptime(
            match.group('until'), _FORMAT).replace(
                tzinfo=datetime.timezone.utc)
    except ValueError:
        return None
    if match.group('status') is None:
        found = dict(_LEGACY_FOUND)
    else:
        encoded = match.group('reason')
        found = {'status': match.group('status'),
                 'forced_down': match.group('forced') == '1',
                 'disabled_reason': (None if encoded == _NO_REASON
                                     else urlparse.unquote(encoded))}
    settle = match.group('settle')
    return Marker(match.group('run_id'), deadline, found,
                  match.group('stop') == '1',
                  None if settle is None else float(settle))


def _seconds(value):
    """3.0 as '3', 0.5 as '0.5': short, and read back by the pattern."""
    return ('%.3f' % float(value)).rstrip('0').rstrip('.')


def parse(reason):
    """(run_id, deadline) when reason is a marker, else None."""
    found = parse_marker(reason)
    return None if found is None else (found.run_id, found.deadline)


def run_of(service):
    """The run id whose marker service carries, else None."""
    found = parse_marker(service.get('disabled_reason'))
    return None if found is None else found.run_id
