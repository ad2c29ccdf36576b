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

"""The one compute service the guard holds, and the guard's own writes.

Every PUT /os-services/{id} moves updated_at just as a heartbeat does
(nova-behaviour.md), so a heartbeat proves that the compute is alive only
when updated_at moved past the guard's own latest write. This record
reads and writes the service and keeps that moment, also for a write
whose answer was lost: it may have landed, so whatever updated_at reads
next may be the guard's own.
"""

from tempest.lib import exceptions as lib_exc

from allocation_tempest_plugin import exceptions
from allocation_tempest_plugin.reads import polling
from allocation_tempest_plugin.reads import services

BINARY = services.BINARY


class ServiceRecord(object):
    """Reads and writes host's nova-compute service (a validating client).

    attempted_forced: every forced_down value the guard asked for, landed
    or not (ownership accepts any of them). last_write: updated_at of the
    guard's own latest write (naive UTC).
    """

    def __init__(self, services_client, host):
        self.services_client = services_client
        self.host = host
        self.service_id = None
        self.attempted_forced = set()
        self.last_write = None
        self._write_unsure = False
        # The recorded fields as the guard's own writes leave them: from
        # the first read, then each write's answer, or, when an answer was
        # lost, the write applied to what the guard believed before. A
        # service that reads exactly so is the guard's own doing even
        # without its marker (a lent host taken back, its answer lost).
        self.intended = None

    def read(self):
        service = services.show(self.services_client, self.host)
        if self.intended is None:
            self.intended = recorded(service)
        if self._write_unsure:
            # A write whose answer was lost may have landed: whatever
            # updated_at reads now may be the guard's own.
            self.note_write(service)
            self._write_unsure = False
        return service

    def note_write(self, service):
        try:
            moment = services.parse_updated_at(
                service.get('updated_at'))
        except ValueError:
            self._write_unsure = True
            return
        if moment and (self.last_write is None or
                       moment > self.last_write):
            self.last_write = moment

    def put(self, **fields):
        if 'forced_down' in fields:
            self.attempted_forced.add(fields['forced_down'])
        try:
            service = self.services_client.update_service(
                self.service_id, **fields)['service']
        except Exception as error:
            if _refused(error):
                # Nova refused before saving anything: updated_at did not
                # move. Taking the next updated_at read for the guard's
                # own would hide a heartbeat from the stop proof (Nova's
                # 400 to forced_down=false while evacuations are "done").
                raise
            # No answer: the write may have landed as asked.
            self._write_unsure = True
            if self.intended is not None:
                self.intended = applied(self.intended, fields)
            raise
        self.note_write(service)
        self.intended = recorded(service)
        return service

    def wait_for(self, condition, what, timeout, interval):
        """The service once condition(service) holds; DisruptionError."""
        # DisruptionError, not WaitTimeout: the guard turns it into a
        # restore and a skip or failure of its own.
        outcome = polling.poll(self.read, condition, timeout, interval,
                               '%s on %s to be %s' % (BINARY, self.host,
                                                      what))
        if not outcome.done:
            raise exceptions.DisruptionError(
                reason='%s on host %s did not become %s within %s s; last '
                       'seen: %s' % (BINARY, self.host, what, timeout,
                                     services.summary(
                                         outcome.value)))
        return outcome.value


def recorded(service):
    """The fields the guard records and restores, of a service."""
    return {field: service.get(field) for field in services.WRITABLE_FIELDS}


def applied(fields_before, written):
    """The recorded fields once a PUT of written landed, as Nova does it.

    Enabling clears disabled_reason (nova-behaviour.md).
    """
    after = dict(fields_before)
    after.update({field: value for field, value in written.items()
                  if field in services.WRITABLE_FIELDS})
    if written.get('status') == 'enabled':
        after['disabled_reason'] = None
    return after


def _refused(error):
    """Nova answered 4xx: the write did not land.

    A 5xx, or no answer at all, may have come after it did.
    """
    return isinstance(error, lib_exc.ClientRestClientException)
