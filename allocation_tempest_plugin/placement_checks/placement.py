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
"""Resource arithmetic on what Placement answers: pure, no API calls."""


def usage_diff(before, after):
    """[(resource_class, before, after)] for every class that changed.

    A class missing on one side counts as zero there: Placement drops a
    class from usages when its inventory goes away.
    """
    classes = sorted(set(before) | set(after))
    return [(rc, before.get(rc, 0), after.get(rc, 0)) for rc in classes
            if before.get(rc, 0) != after.get(rc, 0)]


def add_resources(*amounts):
    """The sum, per resource class, of several {class: amount} dicts."""
    total = {}
    for resources in amounts:
        for rc, amount in resources.items():
            total[rc] = total.get(rc, 0) + amount
    return total


def usages_of(allocations_by_consumer):
    """A provider's usages from its allocations, as Placement sums them."""
    return add_resources(*allocations_by_consumer.values())


def arrived(before, after, own_ids=()):
    """Consumers in after but not in before, except own_ids.

    before and after are a provider's allocations, {consumer: resources}.
    """
    return dict((consumer, allocation) for consumer, allocation
                in after.items()
                if consumer not in before and consumer not in own_ids)


def format_amounts(resources):
    return ', '.join('%s=%s' % (rc, resources[rc])
                     for rc in sorted(resources)) or '(none)'


def flavor_resources(flavor):
    """What Nova claims in Placement for a flavor without extra specs."""
    resources = {'VCPU': flavor['vcpus'], 'MEMORY_MB': flavor['ram']}
    disk = flavor['disk'] + flavor.get('OS-FLV-EXT-DATA:ephemeral', 0)
    swap_mb = flavor.get('swap') or 0
    # Swap is claimed as DISK_GB, rounded up to whole gigabytes.
    disk += -(-int(swap_mb) // 1024)
    if disk:
        resources['DISK_GB'] = disk
    return resources


def free_capacity(inventories, usages):
    """What one more allocation may take, per resource class.

    (total - reserved) x allocation_ratio - used, bounded by max_unit;
    a flavor of exactly this size fits only if nothing else holds a unit.
    """
    free = {}
    for rc, inventory in inventories.items():
        capacity = int((inventory['total'] - inventory['reserved']) *
                       inventory['allocation_ratio'])
        free[rc] = min(capacity - usages.get(rc, 0), inventory['max_unit'])
    return free
