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

"""The record of a lent host, kept where recovery reads it.

Lend mode (lending.py) re-enables a host the guard claimed and stops its
compute. While it is lent, the marker cannot say so: Nova refuses a
disabled_reason on an enabled service and clears the reason on enable.
A run killed then would leave an enabled service whose compute is
stopped, which nobody could find. Of the other places a loan could be
written:

- a trait on the compute node's resource provider is the compute's to
  write: the set_host_enabled RPC that the loan itself causes makes the
  compute PUT its cached trait set, which drops a trait written by
  someone else at the very moment the loan starts, and every trait write
  races the compute's own provider generation;
- a file under Tempest's [oslo_concurrency] lock_path is written by this
  runner alone, atomically, without a round trip, and is read by the
  same runner's recovery: every destructive class's setup and
  allocation-tempest-recover given the run's tempest.conf.

So it is a file, one per host: written before the loan's first change
(the re-enable), removed only once the host carries the marker again
(the take-back's single PUT answered) or the restore is over. It holds
the marker the host carried when it was lent, so recovery restores a
loan exactly as it restores a hold: the same deadline, the same found
state, and the compute the run stopped started again. It also names the
process that lent the host (its pid and start time): lock_path is on the
machine that runs Tempest, so a recovery there can tell that the owner is
gone (killed) and restore the loan at once instead of waiting out the
marker's deadline, while the host takes builds it cannot run. Its limit,
said in the docs: recovery with another lock_path (another runner,
another machine) does not see it.
"""

import glob
import json
import os

from allocation_tempest_plugin.guard import commands
from allocation_tempest_plugin.guard import process_identity

PREFIX = 'allocation-tempest-loan-'
SUFFIX = '.json'


class Loan(object):
    """One record: host, its service id and the marker it was lent with.

    path: the file; problem: why it could not be read, else None.
    """

    def __init__(self, path, host=None, service_id=None, reason=None,
                 problem=None, owner=None):
        self.path = path
        self.host = host
        self.service_id = service_id
        self.reason = reason
        self.problem = problem
        # "pid-starttime" of the process that lent the host.
        self.owner = owner

    def owner_gone(self, proc='/proc'):
        """Whether the lending process is known to have ended."""
        return process_identity.gone(self.owner, proc)


class LoanBook(object):
    """The loan records under one lock_path (None: no records kept)."""

    def __init__(self, lock_path):
        self.lock_path = lock_path

    def path(self, host):
        if not commands.valid_host(host):
            # The name becomes part of a file name.
            raise ValueError('%r is not a plain host name' % (host,))
        return os.path.join(self.lock_path, PREFIX + host + SUFFIX)

    def record(self, host, service_id, reason, owner=None):
        """Write the loan before the first change; replaces an old one."""
        path = self.path(host)
        owner = owner or process_identity.of(os.getpid())
        with open(path + '.new', 'w') as target:
            json.dump({'host': host, 'service_id': service_id,
                       'marker': reason, 'owner': owner}, target)
            target.flush()
            os.fsync(target.fileno())
        os.replace(path + '.new', path)

    def clear(self, host, reason):
        """Remove host's record if it is still the one lent with reason."""
        path = self.path(host)
        loan = _read(path)
        if loan.problem is None and loan.reason != reason:
            # Another loan of this host (a later run): not ours to drop.
            return
        try:
            os.remove(path)
        except FileNotFoundError:
            pass

    def drop(self, loan):
        """Remove a record recovery has dealt with."""
        try:
            os.remove(loan.path)
        except FileNotFoundError:
            pass

    def loans(self):
        """Every record, sorted by host; unreadable ones with a problem."""
        if not self.lock_path:
            return []
        paths = sorted(glob.glob(os.path.join(
            glob.escape(self.lock_path), PREFIX + '*' + SUFFIX)))
        return [_read(path) for path in paths]


def _read(path):
    try:
        with open(path) as source:
            recorded = json.load(source)
        loan = Loan(path, recorded['host'], recorded['service_id'],
                    recorded['marker'], owner=recorded.get('owner'))
    except FileNotFoundError:
        return Loan(path, problem='gone')
    except (OSError, ValueError, KeyError, TypeError) as error:
        return Loan(path, problem='unreadable (%s: %s)' % (
            type(error).__name__, error))
    if not (isinstance(loan.host, str) and isinstance(loan.reason, str)):
        return Loan(path, problem='unreadable (host and marker must be '
                                  'strings)')
    return loan
