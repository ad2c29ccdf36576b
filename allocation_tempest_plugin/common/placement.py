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

"""Placement at three levels: consumer, resource provider, project.

Each helper returns what it saw; tests decide. leak_report() turns what
was seen into the one message an operator needs: what leaked, per
resource class, whose it is, and the command that shows it.
"""

from allocation_tempest_plugin.common import waiters


class ProviderBaseline(object):
    """A resource provider's usages and consumers before a server booted."""

    def __init__(self, rp_uuid, host, usages, consumers):
        self.rp_uuid = rp_uuid
        self.host = host
        self.usages = usages
        self.consumers = consumers


class Finding(object):
    """One level that did not return to its expected state."""

    def __init__(self, level, subject, lines, commands):
        self.level = level
        self.subject = subject
        self.lines = lines
        self.commands = commands


def take_baseline(rp_client, rp_uuid, host, microversion=None):
    usages = rp_client.list_usages(rp_uuid, microversion)['usages']
    consumers = rp_client.list_provider_allocations(
        rp_uuid, microversion)['allocations']
    return ProviderBaseline(rp_uuid, host, dict(usages), set(consumers))


def usage_diff(before, after):
    """[(resource_class, before, after)] for every class that changed.

    A class missing on one side counts as zero there: Placement drops a
    class from usages when its inventory goes away.
    """
    classes = sorted(set(before) | set(after))
    return [(rc, before.get(rc, 0), after.get(rc, 0)) for rc in classes
            if before.get(rc, 0) != after.get(rc, 0)]


def _format_amounts(resources):
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


def consumer_finding(consumer_uuid, role, allocations_body, host_by_rp):
    allocations = allocations_body.get('allocations', {})
    if not allocations:
        return None
    lines = ['owned by project %s, user %s' % (
        allocations_body.get('project_id', '?'),
        allocations_body.get('user_id', '?'))]
    for rp_uuid in sorted(allocations):
        lines.append('provider %s (%s): %s' % (
            rp_uuid, host_by_rp.get(rp_uuid, 'unknown host'),
            _format_amounts(allocations[rp_uuid]['resources'])))
    return Finding(
        'consumer', '%s %s still has allocations' % (role, consumer_uuid),
        lines,
        ['openstack resource provider allocation show %s' % consumer_uuid])


def provider_finding(baseline, usages_now, allocations_now):
    diff = usage_diff(baseline.usages, usages_now)
    if not diff:
        return None
    lines = ['%-20s %10s %10s' % ('resource class', 'before', 'after')]
    lines += ['%-20s %10s %10s' % row for row in diff]
    for consumer in sorted(set(allocations_now) - baseline.consumers):
        lines.append('consumer not there at baseline: %s (%s)' % (
            consumer, _format_amounts(allocations_now[consumer]['resources'])))
    subject = ('provider %s (host %s) usages differ from the baseline taken '
               'before the server was booted' % (baseline.rp_uuid,
                                                 baseline.host))
    return Finding(
        'provider', subject,
        lines,
        ['openstack resource provider usage show %s' % baseline.rp_uuid,
         'openstack resource provider show --allocations %s' %
         baseline.rp_uuid])


def project_finding(project_id, usages, usages_before=None):
    """The project's usage differs from what it was before (default: 0)."""
    diff = usage_diff(usages_before or {}, usages)
    if not diff:
        return None
    lines = ['%-20s %10s %10s' % ('resource class', 'before', 'after')]
    lines += ['%-20s %10s %10s' % row for row in diff]
    return Finding(
        'project', 'project %s usage is not back to what it was' %
        project_id, lines,
        ['openstack resource usage show %s' % project_id])


def leak_report(findings, context):
    """One readable message for every level that did not come back."""
    lines = ['Placement did not return to its state before the server '
             'existed (%s):' % context]
    for finding in findings:
        lines.append('- [%s] %s' % (finding.level, finding.subject))
        lines += ['    %s' % line for line in finding.lines]
        lines += ['    see: %s' % command for command in finding.commands]
    return '\n'.join(lines)


def wait_consumer_released(alloc_client, consumer_uuid, timeout, interval,
                           microversion=None):
    """Poll GET /allocations/{consumer} until it is empty; the last body."""
    return waiters.wait_for(
        lambda: alloc_client.show_allocations(consumer_uuid, microversion),
        lambda body: not body['allocations'], timeout, interval)


def wait_provider_at_baseline(rp_client, baseline, timeout, interval,
                              microversion=None):
    """Poll the provider's usages until they equal the baseline."""
    return waiters.wait_for(
        lambda: rp_client.list_usages(baseline.rp_uuid,
                                      microversion)['usages'],
        lambda usages: not usage_diff(baseline.usages, usages),
        timeout, interval)


def wait_project_released(usages_client, project_id, timeout, interval,
                          microversion=None, usages_before=None):
    """Poll GET /usages?project_id= until it is back at usages_before.

    usages_before defaults to nothing at all: a test's own project.
    """
    return waiters.wait_for(
        lambda: usages_client.list_usages(
            project_id, microversion=microversion)['usages'],
        lambda usages: not usage_diff(usages_before or {}, usages),
        timeout, interval)
