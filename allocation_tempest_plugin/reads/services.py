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

"""Nova compute services: the list, one by host, "usable", heartbeats.

Everyone reads a compute service through here (tests, guard, checks,
cmd/, the tools that run in the cloud's venv), so "which service is this
host", which fields the plugin looks at and the sentence that says why a
host is not usable are each written once. Every read is filtered by the
API (os-services?binary=nova-compute&host=) so it costs the same on a
cloud of any size.

The API has no "resource tracker ran" signal. A nova-compute runs its
startup resource update before its first heartbeat, and its periodic
update_available_resource every update_resources_interval; so a heartbeat
newer than a moment proves the startup update happened after it, and
heartbeats spanning a whole interval prove a periodic run in between.

Both are read from the service's updated_at, Nova's own clock. Any write
to the service row moves updated_at too, a heartbeat
(report_count += 1) as much as an admin PUT /os-services/{id}; so a
heartbeat only counts when updated_at moved past the plugin's own last
write (nova-behaviour.md).
"""

import datetime

from allocation_tempest_plugin import exceptions
from allocation_tempest_plugin.reads import polling

BINARY = 'nova-compute'


# The fields of a service the plugin reads, in the order messages show
# them. os-services answers more (zone, binary); none of it decides
# anything here.
STATE_FIELDS = ('id', 'host', 'status', 'state', 'forced_down',
                'disabled_reason', 'updated_at')

# The fields PUT /os-services/{id} (2.53+) changes: what the guard
# records before it disrupts a host and restores after.
WRITABLE_FIELDS = ('status', 'disabled_reason', 'forced_down')


def is_usable(service):
    """Up, enabled and not forced down: a host a test may take.

    Nova already shows a forced-down service as state "down"
    (nova-behaviour.md); forced_down is checked too so that a host
    forced down is never taken, whatever a proxy or fake says of state.
    """
    return (service['status'] == 'enabled' and service['state'] == 'up'
            and not service['forced_down'])


def why_not_usable(service):
    """Why service's host may not be taken, as a phrase; None if usable.

    The one wording of "not up and enabled", for skip messages, the
    guard's refusals and capacity verdicts alike. A disabled_reason is
    shown because another runner's marker names its run and deadline.
    """
    if is_usable(service):
        return None
    why = 'not up and enabled: status=%s state=%s forced_down=%s' % (
        service['status'], service['state'], service['forced_down'])
    if service.get('disabled_reason'):
        why += ' (disabled_reason: %s)' % service['disabled_reason']
    if service.get('updated_at'):
        why += ', updated_at %s' % service['updated_at']
    return why


def parse_updated_at(value):
    """updated_at as a naive UTC datetime; None when never reported.

    Nova answers '2026-11-24T12:00:00.000000' (no zone); a proxy or a
    newer Nova may add 'Z' or '+00:00'. Anything else is refused with the
    value in the message.
    """
    if not value:
        return None
    text = value.strip()
    if text.endswith('Z'):
        text = text[:-1] + '+00:00'
    try:
        moment = datetime.datetime.fromisoformat(text)
    except ValueError:
        raise ValueError('updated_at %r is not an ISO 8601 time' % value)
    if moment.tzinfo is not None:
        moment = moment.astimezone(datetime.timezone.utc).replace(
            tzinfo=None)
    return moment


def heartbeat_after(service, moment):
    """Whether service's updated_at is later than moment (None: any)."""
    try:
        updated_at = parse_updated_at(service['updated_at'])
    except ValueError:
        return False
    return updated_at is not None and (moment is None or updated_at > moment)


def list_all(services_client):
    """Every nova-compute service: for the recovery, which must see all."""
    return services_client.list_services(binary=BINARY)['services']


def find(services_client, host):
    """host's nova-compute service, or None (os-services by host)."""
    found = services_client.list_services(binary=BINARY,
                                          host=host)['services']
    return found[0] if found else None


def show(services_client, host):
    """The one nova-compute service of host; DisruptionError otherwise."""
    found = services_client.list_services(binary=BINARY,
                                          host=host)['services']
    if len(found) != 1:
        raise exceptions.DisruptionError(
            reason='expected one %s service on host %s, found %d' % (
                BINARY, host, len(found)))
    return found[0]


def summary(service):
    """STATE_FIELDS of service, for messages."""
    if not service:
        return service
    return {key: service.get(key) for key in STATE_FIELDS}


def wait_for_heartbeat_after(services_client, host, moment, timeout,
                             interval):
    """Poll until host's compute is up with updated_at past moment.

    moment must not be earlier than the plugin's own last write to the
    service, or that write is taken for a heartbeat.
    """
    def fresh(service):
        return service['state'] == 'up' and heartbeat_after(service, moment)
    return polling.poll(lambda: show(services_client, host), fresh,
                        timeout, interval,
                        'a heartbeat of nova-compute on %s' % host)
