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
"""A boot into all of a host's free capacity, on a host no longer held.

"One leaked unit would make it fail" is true only while nothing else
takes a unit between the read of the provider and the scheduler's claim.
Once the guard has given the host back, other tests (another runner, the
Tempest tests beside) may schedule onto it in that window: the boot then
fails with NoValidHost and nothing leaked. Such a failure is told apart
by what arrived on the provider meanwhile, and the boot is tried again
with what is free then; a failure with no arrival is the verdict.
"""

from tempest import exceptions as tempest_exceptions

from allocation_tempest_plugin.placement_checks import placement
from allocation_tempest_plugin.reads import services

# Boots before arrivals that keep coming make the check a skip.
ATTEMPTS = 3

# Nova adds it to a disabled compute's provider, and its scheduler
# (compute_status_filter) then never picks the provider.
DISABLED_TRAIT = 'COMPUTE_STATUS_DISABLED'


class Refused(Exception):
    """The boot failed and no other consumer arrived: the verdict."""

    def __init__(self, resources, error, held):
        super(Refused, self).__init__(resources, error, held)
        self.resources, self.error, self.held = resources, error, held


class Crowded(Exception):
    """Other consumers arrived during every attempt: no verdict."""

    def __init__(self, arrivals):
        super(Crowded, self).__init__(arrivals)
        self.arrivals = arrivals


def boot_into_free(inventories, read_allocations, boot_sized, own_ids,
                   attempts=ATTEMPTS):
    """Boot a server of exactly the free capacity; the server.

    read_allocations() gives the provider's {consumer: resources};
    boot_sized(free) boots a server of free ({resource class: amount})
    and raises Tempest's BuildErrorException (its server_id set) when it
    ends in ERROR; own_ids is the set of this test's servers, the failed
    boots included. Raises Refused (no arrival explains the failure) or
    Crowded (arrivals explained each of attempts failures).
    """
    arrivals = []
    for _ in range(attempts):
        before = read_allocations()
        free = placement.free_capacity(inventories,
                                       placement.usages_of(before))
        try:
            return boot_sized(free)
        except tempest_exceptions.BuildErrorException as failed:
            after = read_allocations()
            came = placement.arrived(before, after, own_ids)
            if not came:
                raise Refused(free, failed, after)
            arrivals.append(came)
    raise Crowded(arrivals)


def why_unschedulable(traits, service):
    """What keeps the scheduler off an enabled host, as a sentence; or ''.

    traits: the provider's; service: its nova-compute service as
    os-services shows it.
    """
    if DISABLED_TRAIT in traits and service['status'] == 'enabled':
        return ('its provider still carries %s although nova-compute on %s '
                'reads enabled, so the scheduler\'s compute_status_filter '
                'excludes it (Nova removes the trait when the service is '
                'enabled, nova/compute/manager.py set_host_enabled, and at '
                'every update_available_resource)' % (
                    DISABLED_TRAIT, service['host']))
    why = services.why_not_usable(service)
    if why is not None:
        return 'its %s service is %s' % (services.BINARY, why)
    return ''
