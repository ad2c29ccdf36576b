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

"""A process named so that a later process with the same pid is not it.

"pid-starttime" (the start time in clock ticks since boot, field 22 of
/proc/PID/stat). Used for the run a leak report belongs to
(orphan_registry.py) and for the process that lent a host (loans.py).
"""

import os


def of(pid, proc='/proc'):
    """pid and its start time; "pid-?" when it cannot be read (gone)."""
    try:
        with open(os.path.join(proc, str(pid), 'stat')) as stat:
            started = stat.read().rsplit(')', 1)[1].split()[19]
    except (OSError, IndexError):
        started = '?'
    return '%s-%s' % (pid, started)


def command_and_parent(pid, proc='/proc'):
    """(command name, parent pid) of pid, or (None, None) when gone."""
    try:
        with open(os.path.join(proc, str(pid), 'stat')) as stat:
            text = stat.read()
    except OSError:
        return None, None
    # "pid (comm) state ppid ...": comm may hold spaces and parentheses.
    command = text[text.find('(') + 1:text.rfind(')')]
    try:
        return command, int(text.rsplit(')', 1)[1].split()[1])
    except (IndexError, ValueError):
        return command, None


def gone(identity, proc='/proc'):
    """Whether the process identity names is known to have ended.

    An identity whose start time could not be read says nothing.
    """
    pid, _, started = (identity or '').partition('-')
    if not pid.isdigit() or started in ('', '?'):
        return False
    return of(int(pid), proc) != identity
