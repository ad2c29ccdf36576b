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

"""allocation-tempest-recover: restore computes a killed run left down."""

import argparse
import sys


def _parse(argv):
    from allocation_tempest_plugin.cmd import admin

    parser = argparse.ArgumentParser(
        prog='allocation-tempest-recover',
        description='Find nova-compute services that allocation_tempest_'
                    'plugin disabled (disabled_reason marker) and whose '
                    'deadline has passed, and restore the state the '
                    'marker recorded, and hosts this runner lent '
                    '(recorded under [oslo_concurrency] lock_path: run it '
                    'with the tempest.conf of the run). Only hosts in '
                    '[allocation] '
                    'disruptable_hosts are touched when it is set.')
    admin.add_config_file(parser)
    parser.add_argument('--force', action='store_true',
                        help='restore every marked service, even one whose '
                             'run may still be going')
    parser.add_argument('--host', action='append', default=[],
                        help='only this host (repeatable); a host named '
                             'here may be restored even when it is not in '
                             'disruptable_hosts')
    parser.add_argument('--any-host', action='store_true',
                        help='also act on marked hosts outside [allocation] '
                             'disruptable_hosts')
    parser.add_argument('--dry-run', action='store_true',
                        help='print what would be restored, change nothing')
    return parser.parse_args(argv)


def main(argv=None):
    from allocation_tempest_plugin.cmd import admin

    args = _parse(sys.argv[1:] if argv is None else argv)
    admin.use_config(args.config_file)
    return admin.run_main(_recover, args)


def _recover(args):
    from tempest import config

    from allocation_tempest_plugin.cmd import admin
    from allocation_tempest_plugin.guard import recovery
    from allocation_tempest_plugin import guard_conf

    actions = recovery.recover(
        admin.clients().compute_services(),
        guard_conf.from_conf(config.CONF), force=args.force,
        dry_run=args.dry_run, any_host=args.any_host, hosts=args.host)
    for action in actions:
        print(action.line())
    if not actions:
        print('no nova-compute service carries the '
              'allocation_tempest_plugin marker or is recorded as lent '
              'under [oslo_concurrency] lock_path')
    return 1 if any(action.failed for action in actions) else 0


if __name__ == '__main__':
    sys.exit(main())
