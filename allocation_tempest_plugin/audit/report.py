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

"""The audit as an operator reads it: per provider, per finding."""

from allocation_tempest_plugin.placement_checks import placement

_KIND_TITLES = {
    'orphan': 'orphaned allocation',
    'wrong_size': 'allocation does not match the flavor',
    'missing': 'missing allocation',
}


def _usage_line(change):
    return ', '.join('%s %s -> %s' % tuple(row) for row in change['changes'])


def _finding_lines(finding):
    owner = finding.get('owner') or {}
    lines = ['  [%s] %s: consumer %s, project %s%s' % (
        finding['kind'], _KIND_TITLES[finding['kind']], finding['consumer'],
        finding['project_id'] or '?',
        ' (%s)' % owner['project_name'] if owner.get('project_name')
        else '')]
    if finding.get('server_name'):
        lines.append('      server: %s' % finding['server_name'])
    lines.append('      holds: %s' % placement.format_amounts(
        finding['resources']))
    if 'expected' in finding:
        lines.append('      flavor %sclaims: %s' % (
            '%s ' % finding['flavor'] if finding.get('flavor') else '',
            placement.format_amounts(finding['expected'])))
    lines.append('      why: %s' % finding['reason'])
    if owner:
        lines.append('      owner: %s' % owner['summary'])
        for test in owner.get('tests', []):
            lines.append('        test: %s' % test)
        if owner.get('touched_by'):
            lines.append('      requests naming it came from: %s'
                         % ', '.join(owner['touched_by']))
    lines.append('      see: %s' % finding['command'])
    return lines


def _by_provider(findings):
    grouped = {}
    for finding in findings:
        provider = finding['provider']
        grouped.setdefault((provider['uuid'] or '', provider['name'] or ''),
                           []).append(finding)
    return grouped


def render(report):
    """Text lines of the report dict (compare + attribution)."""
    after = report['after']
    reads = after.get('reads') or {}
    lines = ['Allocation audit: before %s, after %s (microversions %s)' % (
        report['before']['taken_at'], after['taken_at'],
        ', '.join('%s %s' % item for item in
                  sorted(after['microversions'].items())) or '?')]
    if reads:
        lines.append(
            'read %(resource_providers)s provider listing, '
            '%(provider_allocations)s provider allocation lists, '
            '%(consumers)s consumers, %(server_pages)s server page(s), '
            '%(migration_pages)s migration page(s)' % reads +
            ' in %ss' % after.get('seconds'))
    inputs = report.get('inputs') or {}
    lines.append('attribution from: Keystone%s%s' % (
        ', log %s' % inputs['log'] if inputs.get('log') else ' (no log)',
        ', subunit %s' % inputs['subunit'] if inputs.get('subunit') else
        ''))
    findings = report['findings']
    grouped = _by_provider(findings)
    for (rp_uuid, name), in_provider in sorted(grouped.items()):
        change = report['providers'].get(rp_uuid)
        lines.append('')
        lines.append('provider %s (%s)%s' % (
            rp_uuid or '(no provider)', name,
            ': usage %s' % _usage_line(change) if change else
            ': usage unchanged'))
        for finding in in_provider:
            lines += _finding_lines(finding)
    quiet = [(rp_uuid, change) for rp_uuid, change
             in sorted(report['providers'].items())
             if rp_uuid not in {key[0] for key in grouped}]
    if quiet:
        lines += ['', 'usage changed, no finding (owners accounted for):']
        lines += ['  provider %s (%s): %s%s' % (
            rp_uuid, change['name'], _usage_line(change),
            ' (provider gone)' if change['gone'] else
            ' (new provider)' if change['new'] else '')
            for rp_uuid, change in quiet]
    if report['preexisting']:
        lines += ['', '%d problem(s) were already there before the run '
                  '(not counted):' % len(report['preexisting'])]
        lines += ['  [%s] provider %s (%s) consumer %s project %s' % (
            finding['kind'], finding['provider']['uuid'],
            finding['provider']['name'], finding['consumer'],
            finding['project_id']) for finding in report['preexisting']]
    if report['unchecked']:
        lines += ['', 'servers in a task, not checked: %s'
                  % ', '.join(report['unchecked'])]
    lines.append('')
    lines.append('%d finding(s)' % len(findings) if findings else
                 'clean: no allocation problem appeared between the two '
                 'snapshots')
    return lines
