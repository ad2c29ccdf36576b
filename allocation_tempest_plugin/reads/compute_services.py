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

"""Nova compute services: reading one, "available", heartbeats.

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
from allocation_tempest_plugin.reads import waiters

BINARY = 'nova-compute'


def is_available(service):
    """Up, enabled and not forced down: a host a test may take."""
    return (service['status'] == 'enabled' and service['state'] == 'up'
            and not service['forced_down'])


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


def find(services_client, host):
    """host's nova-compute services (os-services filtered by host)."""
    return services_client.list_services(binary=BINARY,
                                         host=host)['services']


def show(services_client, host):
    """The one nova-compute service of host (a validating client)."""
    services = find(services_client, host)
    if len(services) != 1:
        raise exceptions.DisruptionError(
            reason='expected one %s service on host %s, found %d' % (
                BINARY, host, len(services)))
    return services[0]


def list_all(services_client):
    return services_client.list_services(binary=BINARY)['services']


def summary(service):
    """The fields an operator needs to see, for messages."""
    if not service:
        return service
    return {key: service.get(key) for key in (
        'host', 'status', 'disabled_reason', 'forced_down', 'state',
        'updated_at')}


def wait_for_heartbeat_after(services_client, host, moment, timeout,
                             interval):
    """Poll until host's compute is up with updated_at past moment.

    moment must not be earlier than the plugin's own last write to the
    service, or that write is taken for a heartbeat.
    """
    def fresh(service):
        return service['state'] == 'up' and heartbeat_after(service, moment)
    return waiters.wait_for(lambda: show(services_client, host), fresh,
                            timeout, interval)
