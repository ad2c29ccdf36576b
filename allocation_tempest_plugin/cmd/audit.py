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

"""allocation-tempest-audit: who left what in Placement after a run.

  allocation-tempest-audit --config-file tempest.conf snapshot --out F
  allocation-tempest-audit --config-file tempest.conf compare --before F
      [--json OUT] [--subunit STREAM] [--log tempest.log]

compare exits 0 when nothing appeared, 3 when it found something (as
``nova-manage placement audit`` does), 1 on an error.
"""

import argparse
import json
import os
import sys
import traceback

from allocation_tempest_plugin import microversions

CLEAN, ERROR, FINDINGS = 0, 1, 3
# Root providers (1.14; nested ones belong to their root's compute node),
# in answers every Placement schema of the plugin knows in full.
PLACEMENT_MICROVERSION = microversions.CONSUMER_GENERATIONS
# Servers embed their flavor (2.47); migrations carry the uuid Placement
# knows them by, and page.
COMPUTE_MICROVERSION = microversions.MIGRATION_UUIDS
MICROVERSIONS = {'placement': PLACEMENT_MICROVERSION,
                 'compute': COMPUTE_MICROVERSION}


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        # A usage error is an error: 1, not argparse's 2 (3 means findings).
        self.print_usage(sys.stderr)
        self.exit(ERROR, '%s: error: %s\n' % (self.prog, message))


def _parse(argv):
    from allocation_tempest_plugin.cmd import admin

    parser = _Parser(
        prog='allocation-tempest-audit',
        description='Snapshot every resource provider\'s allocations '
                    'before a test run and compare after: orphaned, '
                    'wrong-sized and missing allocations, each attributed '
                    'to the Tempest test class that owned it.')
    admin.add_config_file(parser)
    commands = parser.add_subparsers(dest='command', required=True)
    snap = commands.add_parser('snapshot', help='record the picture')
    snap.add_argument('--out', required=True, help='JSON file to write')
    snap.add_argument('--empty', action='store_true',
                      help='write the picture of a cloud that does not '
                           'exist yet, reading nothing (a single-use node '
                           'before its cloud is deployed)')
    compare = commands.add_parser(
        'compare', help='take the picture again and report what changed')
    compare.add_argument('--before', required=True,
                         help='the snapshot taken before the run')
    compare.add_argument('--json', help='write the report as JSON here')
    compare.add_argument('--subunit', help='the run\'s subunit v2 stream '
                         '(e.g. stestr last --subunit > FILE): lists the '
                         'tests of each owning class')
    compare.add_argument('--log', help='the run\'s tempest.log: names '
                         'projects Tempest has deleted since, and the '
                         'tests whose requests named a consumer (default: '
                         'the log file tempest.conf configures, if any)')
    for sub in (snap, compare):
        sub.add_argument('--page-size', type=int, default=1000,
                         help='servers and migrations per request '
                              '(Nova caps it at [api] max_limit)')
    return parser.parse_args(argv)


def build_clients():
    """(snapshot.Clients, projects client) as the configured admin."""
    from allocation_tempest_plugin.audit import snapshot
    from allocation_tempest_plugin.cmd import admin

    reads = admin.clients(compute_microversion=COMPUTE_MICROVERSION,
                          placement_microversion=PLACEMENT_MICROVERSION)
    clients = snapshot.Clients(
        resource_providers=reads.resource_providers(),
        allocations=reads.allocations(),
        # Tempest's client, validated with Tempest's schemas for the
        # microversion it is bound to.
        servers=reads.servers(),
        migrations=reads.migrations())
    return clients, reads.projects()


def _take(clients, page_size):
    from allocation_tempest_plugin.audit import snapshot
    return snapshot.take(clients, MICROVERSIONS, page_size=page_size)


def _write_json(path, data):
    with open(path + '.tmp', 'w') as out:
        json.dump(data, out, indent=1, sort_keys=True)
        out.write('\n')
    os.replace(path + '.tmp', path)


def configured_log():
    """The log file tempest.conf's [DEFAULT] log_dir/log_file name.

    Tempest deletes a class's projects at teardown: after the run only
    its log still names them, so the audit reads it even when the caller
    did not say where it is.
    """
    from tempest import config

    conf = config.CONF
    if not conf.log_file:
        return None
    path = os.path.join(conf.log_dir or '', conf.log_file)
    return path if os.path.isfile(path) else None


def name_projects(project_ids, projects_client, run_log=None):
    """{project id: name or None}: the log first, Keystone once each."""
    from tempest.lib import exceptions as lib_exc

    names = {}
    for project_id in project_ids:
        if run_log and project_id in run_log.project_names:
            names[project_id] = run_log.project_names[project_id]
            continue
        try:
            names[project_id] = projects_client.show_project(
                project_id)['project']['name']
        except lib_exc.NotFound:
            # Tempest deleted it with its class: only the log names it.
            names[project_id] = None
    return names


def run_compare(before, after, projects_client, subunit_path=None,
                log_path=None):
    """The attributed report dict for two snapshots."""
    from allocation_tempest_plugin.audit import attribution
    from allocation_tempest_plugin.audit import compare

    report = compare.compare(before, after)
    run_log = by_class = None
    if log_path:
        with open(log_path, errors='replace') as lines:
            run_log = attribution.RunLog.read(lines)
    if subunit_path:
        with open(subunit_path, 'rb') as stream:
            by_class = attribution.tests_by_class(
                attribution.read_subunit(stream))
    names = name_projects(attribution.projects_to_name(report),
                          projects_client, run_log)
    return attribution.attribute(report, names, by_class, run_log)


def _main(args):
    from allocation_tempest_plugin.audit import report as text
    from allocation_tempest_plugin.audit import snapshot

    if args.command == 'snapshot' and args.empty:
        _write_json(args.out, snapshot.empty(MICROVERSIONS))
        print('snapshot: an empty cloud -> %s' % args.out)
        return CLEAN
    from allocation_tempest_plugin.cmd import admin
    admin.use_config(args.config_file)

    clients, projects_client = build_clients()
    if args.command == 'snapshot':
        picture = _take(clients, args.page_size)
        _write_json(args.out, picture)
        print('snapshot: %d providers, %d consumers, %d servers, '
              '%d migrations holding resources, in %ss -> %s' % (
                  len(picture['providers']), len(picture['consumers']),
                  len(picture['servers']), len(picture['migrations']),
                  picture['seconds'], args.out))
        return CLEAN
    with open(args.before) as source:
        before = json.load(source)
    after = _take(clients, args.page_size)
    log_path = args.log or configured_log()
    report = run_compare(before, after, projects_client, args.subunit,
                         log_path)
    report['inputs'] = {'subunit': args.subunit, 'log': log_path}
    if args.json:
        _write_json(args.json, report)
    print('\n'.join(text.render(report)))
    return FINDINGS if report['findings'] else CLEAN


def main(argv=None):
    args = _parse(sys.argv[1:] if argv is None else argv)
    try:
        return _main(args)
    except Exception as error:
        traceback.print_exc()
        print('allocation-tempest-audit: %s failed: %s'
              % (args.command, error), file=sys.stderr)
        return ERROR


if __name__ == '__main__':
    sys.exit(main())
