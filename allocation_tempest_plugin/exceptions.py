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

from tempest.lib import exceptions as lib_exc


class InvalidResponse(lib_exc.TempestException):
    """A 2xx response whose body is empty, not JSON or breaks its schema.

    The message names the client method, the request, the status and the
    JSON path of the offending field so an operator can see at once which
    API answered what.
    """

    message = ('%(method)s: %(http_method)s %(url)s answered %(status)s '
               'with an invalid body at %(path)s: %(reason)s')


class ApiTimeout(lib_exc.TempestException):
    """No complete answer within the client's http_timeout."""

    message = ('%(method)s: %(http_method)s %(url)s got no answer within '
               'the %(timeout)s s http_timeout: %(reason)s')


class ApiConnectionError(lib_exc.TempestException):
    """The connection failed or broke before a complete answer arrived."""

    message = ('%(method)s: %(http_method)s %(url)s failed before a '
               'complete answer arrived: %(reason)s')


class WaitTimeout(lib_exc.TimeoutException):
    """A wait ran out: the test that waited, what for, what it last saw.

    A TimeoutException, as Tempest's waiters raise (a test failure, not
    an error); what it last saw goes in as its details (resp_body).
    """

    message = '%(caller)sTimed out after %(timeout)s s waiting for %(what)s'


class DisruptionError(lib_exc.TempestException):
    message = 'Compute service disruption failed: %(reason)s'


class DisruptionTimeout(DisruptionError):
    message = ('The compute service on %(host)s was disrupted longer than '
               '[allocation] max_disruption_seconds (%(seconds)s s); the '
               'guard restored it and failed the test.')


class HostNotFree(DisruptionError):
    """The host is taken: not up and enabled, marked, or claimed first.

    Another runner or an operator holds it; the test base turns this into
    a skip ("no free host").
    """

    message = 'No free host: %(reason)s'


class HostNotExclusive(DisruptionError):
    """After disabling, the host held something the test does not own.

    The guard has restored the service; the test base turns this into a
    skip. findings: human-readable lines, one per foreign thing found.
    """

    message = ('%(host)s holds what this test does not own, so it was '
               'restored and not used: %(details)s')

    def __init__(self, host, findings):
        self.host = host
        self.findings = list(findings)
        super(HostNotExclusive, self).__init__(
            host=host, details='; '.join(self.findings))


class HostTakenOver(DisruptionError):
    """Someone else changed the held service; the guard left it alone."""

    message = ('nova-compute on %(host)s no longer reads as this run '
               '(%(run_id)s) left it, so the guard did not touch it: '
               '%(reason)s; found %(found)s')


class RestoreFailed(DisruptionError):
    """The restore deadline passed with part of the state not restored."""

    message = ('Could not restore nova-compute on %(host)s within '
               '[allocation] restore_timeout (%(seconds)s s): %(left)s. '
               'Repair it with: %(repair)s')


class CommandFailed(DisruptionError):
    message = 'Compute command failed: %(reason)s'


class UnsafeCommand(DisruptionError):
    message = 'Compute command refused: %(reason)s'


class OrphanedAllocations(DisruptionError):
    """The host's provider holds allocations Nova cannot explain.

    A leak (placement_checks/orphans.py): the guard has restored the
    service; the test base fails the first test of a run that meets it
    and skips the later ones pointing at that failure.
    """

    message = ('%(host)s holds orphaned allocations, which the guard found '
               'after disabling it and restored it without using it:\n'
               '%(details)s')

    def __init__(self, host, orphans):
        self.host = host
        self.orphans = list(orphans)
        super(OrphanedAllocations, self).__init__(
            host=host, details='\n'.join(
                orphan.line() for orphan in self.orphans))


class SharedSetupFailed(lib_exc.TempestException):
    """A class's shared setup failed before any state could be judged."""

    message = ('preparing %(states)s on %(host)s for one shared hold: '
               '%(step)s failed: %(reason)s')


class LeftoversNotReleased(lib_exc.TempestException):
    """A test ended before its verdict; part of what it left stays.

    Raised by a cleanup, after the test's own failure: testtools reports
    both, the test's first.
    """

    message = ('%(test)s ended before its verdict, and part of what its '
               'own consumers hold could not be released:\n%(details)s')
