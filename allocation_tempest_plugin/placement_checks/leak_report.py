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
"""The one message an operator reads when Placement did not come back.

Per level (consumer, provider, project): what leaked per resource class,
before and after, whose it is, the test that made it, and the openstack
command that shows it. Changes made meanwhile by other consumers are
printed as context, never as the failure.
"""

from allocation_tempest_plugin.placement_checks import placement


class Finding(object):
    """One level that did not return to its expected state."""

    def __init__(self, level, subject, lines, commands, consumers=()):
        self.level = level
        self.subject = subject
        self.lines = lines
        self.commands = commands
        # Consumers that hold what they should not: leftovers a later test
        # may meet (placement_checks/orphan_registry.py).
        self.consumers = list(consumers)


def usage_table(rows, extra_header=None):
    """Lines of a per-resource-class table: class, before, after[, extra]."""
    header = ('resource class', 'before', 'after') + (
        (extra_header,) if extra_header else ())
    line = '%-20s' + ' %10s' * (len(header) - 1)
    return [line % header] + [line % tuple(row) for row in rows]


def consumer_finding(consumer_uuid, role, allocations_body, holdings,
                     host_by_rp):
    """A consumer that does not hold what it should (usually: nothing)."""
    allocations = allocations_body.get('allocations', {})
    lines = ['owned by project %s, user %s' % (
        allocations_body.get('project_id', '?'),
        allocations_body.get('user_id', '?'))] if allocations else []
    for rp_uuid in sorted(set(allocations) | set(holdings)):
        held = allocations.get(rp_uuid, {}).get('resources', {})
        lines.append('provider %s (%s): %s%s' % (
            rp_uuid, host_by_rp.get(rp_uuid, 'unknown host'),
            placement.format_amounts(held),
            '' if not holdings else ', expected %s' %
            placement.format_amounts(holdings.get(rp_uuid, {}))))
    if holdings:
        subject = '%s %s does not hold what it should' % (
            role, consumer_uuid)
    else:
        subject = '%s %s still has allocations' % (role, consumer_uuid)
    return Finding(
        'consumer', subject, lines,
        ['openstack resource provider allocation show %s' % consumer_uuid],
        consumers=[consumer_uuid] if allocations else [])


def provider_finding(rp_uuid, host, exclusive, usages_before, usages_after,
                     ours, others):
    """ours/others: [(consumer, project, before, after)] that changed.

    ours is what makes the finding; others are shown as context.
    """
    if not ours:
        return None
    ours_delta = placement.add_resources(*[
        {rc: after.get(rc, 0) - before.get(rc, 0)
         for rc in set(before) | set(after)}
        for _, _, before, after in ours])
    classes = sorted(set(usages_before) | set(usages_after) |
                     set(ours_delta))
    rows = [(rc, usages_before.get(rc, 0), usages_after.get(rc, 0),
             '%+d' % ours_delta.get(rc, 0)) for rc in classes
            if usages_before.get(rc, 0) != usages_after.get(rc, 0) or
            ours_delta.get(rc, 0)]
    lines = usage_table(rows, 'this test')
    for consumer, project, before, after in ours:
        lines.append('consumer %s (project %s): %s -> %s' % (
            consumer, project or '?', placement.format_amounts(before),
            placement.format_amounts(after)))
    for consumer, project, before, after in others:
        lines.append('context, not this test\'s: consumer %s (project %s): '
                     '%s -> %s' % (consumer, project or '?',
                                   placement.format_amounts(before),
                                   placement.format_amounts(after)))
    how = ('held exclusively by the test: every change counts'
           if exclusive else 'shared: only the test\'s consumers count')
    subject = ('provider %s (host %s) differs from the baseline taken before '
               'the test\'s server existed (%s)' % (rp_uuid, host, how))
    return Finding(
        'provider', subject, lines,
        ['openstack resource provider usage show %s' % rp_uuid,
         'openstack resource provider show --allocations %s' % rp_uuid],
        consumers=[consumer for consumer, _, _, after in ours if after])


def project_finding(project_id, usages_before, usages_after):
    """The project's usage differs from what it was before the test."""
    diff = placement.usage_diff(usages_before, usages_after)
    if not diff:
        return None
    return Finding(
        'project', 'project %s usage is not back to what it was before the '
        'test' % project_id, usage_table(diff),
        ['openstack resource usage show %s' % project_id])


def leak_report(findings, context, owner):
    """One readable message for every level that did not come back."""
    lines = ['Placement did not return to its state before the server '
             'existed (%s; test %s):' % (context, owner)]
    for finding in findings:
        lines.append('- [%s] %s' % (finding.level, finding.subject))
        lines += ['    %s' % line for line in finding.lines]
        lines += ['    see: %s' % command for command in finding.commands]
    return '\n'.join(lines)
