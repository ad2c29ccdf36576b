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

"""What a compute's heartbeat tells about its resource tracker.

The API has no "resource tracker ran" signal. A nova-compute runs its
startup resource update before its first heartbeat, and its periodic
update_available_resource every update_resources_interval; so a heartbeat
newer than a moment proves the startup update happened after it, and
heartbeats spanning a whole interval prove a periodic run in between.
Both are read from the service's updated_at, Nova's own clock.
"""

import datetime

from allocation_tempest_plugin.common import hosts
from allocation_tempest_plugin.common import waiters


def parse_updated_at(value):
    """updated_at as a naive UTC datetime, None when never reported."""
    if not value:
        return None
    value = value.rstrip('Z').split('+')[0]
    return datetime.datetime.fromisoformat(value)


def compute_service(services_client, host):
    [service] = services_client.list_services(
        binary=hosts.COMPUTE_BINARY, host=host)['services']
    return service


def wait_for_heartbeat_after(services_client, host, moment, timeout,
                             interval):
    """Poll until host's compute is up with updated_at past moment."""
    def fresh(service):
        updated_at = parse_updated_at(service['updated_at'])
        return (service['state'] == 'up' and updated_at is not None and
                (moment is None or updated_at > moment))
    return waiters.wait_for(
        lambda: compute_service(services_client, host), fresh, timeout,
        interval)
