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

"""The plugin's options: one group, every destructive step off by default.

This module is the single source of the options' help text: the plugin
registers it, oslo-config-generator renders it into the sample and the docs
render it into the configuration reference.
"""

from oslo_config import cfg

GROUP_NAME = 'allocation'

allocation_group = cfg.OptGroup(
    name=GROUP_NAME,
    title='Placement allocations after Nova local delete',
    help='Options of allocation_tempest_plugin. The tests that disrupt a '
         'compute service (disable it and force it down, optionally stop '
         'its process) are skipped unless allow_compute_disruption is set.')

AllocationGroup = [
    cfg.BoolOpt('allow_compute_disruption',
                default=False,
                help='Allow tests to disable a nova-compute service, force it '
                     'down (compute API 2.53) and, when '
                     'compute_stop_command is set, stop it. While a test '
                     'runs, no new server can be scheduled to that host. '
                     'Leave this off in shared clouds unless '
                     'disruptable_hosts names hosts nobody else uses. When '
                     'off, every destructive test is skipped with a message '
                     'naming this option.'),
    cfg.ListOpt('disruptable_hosts',
                default=[],
                help='Compute hosts (service host names) the tests may '
                     'disrupt. When empty, any host may be chosen. Either '
                     'way a host qualifies only if its nova-compute service '
                     'is up and enabled and it runs no server of a project '
                     'other than the test\'s own, checked with an admin '
                     'all-tenants listing just before the host is '
                     'disrupted. Lending a host (the deleted-before-build '
                     'test: the service enabled while its compute is '
                     'stopped, so that any tenant\'s build may land there '
                     'and wait) happens only on hosts named here; with it '
                     'empty that test is skipped naming this option. A '
                     'claim_settle_seconds of 0 is honoured only when this '
                     'names the hosts.'),
    cfg.IntOpt('max_disruption_seconds',
               default=600,
               min=30,
               help='Longest time a test may keep a compute service '
                    'disrupted. When it elapses the guard restores the '
                    'service, even in the middle of a test, and fails the '
                    'test. It is also written into the disabled_reason '
                    'marker so that allocation-tempest-recover can restore '
                    'services a killed run left behind.'),
    cfg.StrOpt('compute_stop_command',
               default=None,
               # May carry credentials (an ssh key, a token): never
               # logged by Tempest's config dump.
               secret=True,
               help='Command that really stops the nova-compute service of '
                    'a host, for example '
                    '"sudo systemctl stop devstack@n-cpu". It is split '
                    'like a shell would split it, "{host}" is replaced in '
                    'each argument by the host name, and it runs without a '
                    'shell. When unset, the tests that need a real restart '
                    'of the compute are skipped.'),
    cfg.StrOpt('compute_start_command',
               default=None,
               # May carry credentials (an ssh key, a token): never
               # logged by Tempest's config dump.
               secret=True,
               help='Command that starts the nova-compute service of a '
                    'host again, rendered and run like '
                    'compute_stop_command. Needed together with '
                    'compute_stop_command.'),
    cfg.StrOpt('compute_fence_command',
               default=None,
               # May carry credentials (an ssh key, a token): never
               # logged by Tempest's config dump.
               secret=True,
               help='Command that fences the compute of a host before a '
                    'test evacuates servers from it: it stops nova-compute '
                    'like compute_stop_command and also stops the guests '
                    'running there, as a host that lost power. Needed '
                    'where instance storage is shared (Ceph, NFS, one '
                    'instances path): a destination cannot open the disk '
                    'of a guest still running on the source, so the '
                    'evacuation fails. Rendered and run like '
                    'compute_stop_command; compute_start_command brings '
                    'the compute back. When unset, the evacuation tests '
                    'use compute_stop_command (local storage, as devstack '
                    'builds it: the source\'s guests keep running until it '
                    'returns).'),
    cfg.IntOpt('command_timeout',
               default=300,
               min=1,
               help='Seconds compute_stop_command or compute_start_command '
                    'may run before the guard kills it and fails the test.'),
    cfg.IntOpt('restore_timeout',
               default=600,
               min=10,
               help='Seconds the guard keeps trying to restore a disrupted '
                    'compute service: run compute_start_command, wait for '
                    'a heartbeat the plugin did not cause, clear '
                    'forced_down (Nova refuses that while evacuations from '
                    'the host are still "done", bug 1922053) and put the '
                    'status back. Each step is retried with backoff until '
                    'this elapses; then the test fails naming what is left '
                    'and the allocation-tempest-recover command that '
                    'repairs it.'),
    cfg.FloatOpt('claim_settle_seconds',
                 default=3.0,
                 min=0.0,
                 help='After writing its marker into a compute service\'s '
                      'disabled_reason, the guard waits this long (counted '
                      'from the write, overlapping its check for foreign '
                      'servers and allocations) and reads the service '
                      'again; if another runner\'s marker is there, it '
                      'backs off and the test is skipped. Every runner '
                      'keeps its read-then-write round trip under 3 s (a '
                      'guard whose round trip is longer backs off: a skip) '
                      'and settles at least that long, whatever runners '
                      'sharing the cloud configured: a value between 0 and '
                      '3 is raised to 3. Disabling an up compute makes '
                      'nova-api call that compute over RPC (the '
                      'COMPUTE_STATUS_DISABLED trait), so the round trip is '
                      'about a second even on one node. 0 turns the '
                      'two-runner protocol off, and is honoured only when '
                      'disruptable_hosts names hosts no other runner uses '
                      '(a gate node of its own); otherwise it is raised to '
                      '3 too. The protocol assumes Nova\'s database reads '
                      'its latest write (one primary).'),
    cfg.IntOpt('resource_tracker_interval',
               default=60,
               min=1,
               help='The computes\' nova.conf [DEFAULT] '
                    'update_resources_interval (Nova\'s default is 60 s). '
                    'The scenario tests wait until a returning compute has '
                    'heartbeated for this long, which proves its resource '
                    'tracker ran at least once, before they compare usages '
                    'with the baseline.'),
    cfg.IntOpt('compute_report_interval',
               default=10,
               min=1,
               help='The computes\' nova.conf [DEFAULT] report_interval '
                    '(Nova\'s default is 10 s): how often a running '
                    'nova-compute heartbeats. After compute_stop_command '
                    'returns, the guard proves the compute stopped by '
                    'seeing no heartbeat for twice this long; a stop '
                    'command that leaves nova-compute running fails the '
                    'test that needed it stopped, naming the command.'),
    cfg.IntOpt('placement_timeout',
               default=None,
               min=1,
               help='Seconds to wait for Placement to reflect what Nova did '
                    '(allocations removed, usages back at the baseline) and '
                    'for a restored compute service to report up. Defaults '
                    'to [compute] build_timeout.'),
    cfg.IntOpt('poll_interval',
               default=None,
               min=1,
               help='Seconds between two polls of Placement or the compute '
                    'services API. Defaults to [compute] build_interval.'),
    cfg.ListOpt('known_nova_defects',
                default=[],
                help='Nova defects this cloud is known to have, by the '
                     'names the plugin gives them (see the tests page). A '
                     'test of a listed defect is reported as an expected '
                     'failure while the defect reproduces exactly as '
                     'described, and fails once Nova is fixed, asking to '
                     'remove the name; a test of an unlisted defect fails '
                     'with its leak report and the Nova code path.'),
]


def list_opts():
    """The options for oslo-config-generator and the docs."""
    return [(allocation_group, AllocationGroup)]
