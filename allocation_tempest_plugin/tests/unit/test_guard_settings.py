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

"""The guard's settings: read once from a configuration, valid when built."""

import dataclasses
import types

import testtools

from allocation_tempest_plugin import config
from allocation_tempest_plugin import exceptions
from allocation_tempest_plugin.guard import settings
from allocation_tempest_plugin import guard_conf


def conf(allocation=None, compute=None, lock_path=None):
    """A configuration like Tempest's: the options' defaults, overridden."""
    options = {opt.dest: opt.default for opt in config.AllocationGroup}
    options.update(allocation or {})
    compute_options = dict(build_timeout=300, build_interval=1)
    compute_options.update(compute or {})
    return types.SimpleNamespace(
        allocation=types.SimpleNamespace(**options),
        compute=types.SimpleNamespace(**compute_options),
        oslo_concurrency=types.SimpleNamespace(lock_path=lock_path))


class FromConfTest(testtools.TestCase):

    def test_defaults_are_the_options_defaults(self):
        built = guard_conf.from_conf(conf())
        self.assertEqual(settings.GuardSettings(
            wait_timeout=300, poll_interval=1, compute_report_interval=10),
            built)
        for field in ('max_disruption_seconds', 'restore_timeout',
                      'command_timeout', 'claim_settle_seconds'):
            option = {opt.dest: opt for opt in config.AllocationGroup}[field]
            self.assertEqual(option.default, getattr(built, field), field)

    def test_every_guard_option_is_read(self):
        built = guard_conf.from_conf(conf(allocation=dict(
            disruptable_hosts=['compute1'], max_disruption_seconds=120,
            compute_stop_command='stop {host}',
            compute_start_command='start {host}', command_timeout=42,
            compute_fence_command='fence {host}',
            restore_timeout=60, claim_settle_seconds=5.0,
            compute_report_interval=7, placement_timeout=30,
            poll_interval=3), lock_path='/var/lock/tempest'))
        self.assertEqual(dict(
            wait_timeout=30, poll_interval=3, max_disruption_seconds=120,
            restore_timeout=60, compute_stop_command='stop {host}',
            compute_start_command='start {host}', command_timeout=42,
            compute_fence_command='fence {host}',
            claim_settle_seconds=5.0, disruptable_hosts=('compute1',),
            compute_report_interval=7, lock_path='/var/lock/tempest',
            config_file=None, settle_seconds=5.0),
            dataclasses.asdict(built))
        self.assertTrue(built.has_restart_commands)

    def test_waits_fall_back_to_tempests(self):
        built = guard_conf.from_conf(conf(compute=dict(
            build_timeout=196, build_interval=2)))
        self.assertEqual((196, 2), (built.wait_timeout, built.poll_interval))

    def test_unsplittable_template_names_its_option(self):
        for option in settings.COMMAND_OPTIONS:
            error = self.assertRaises(
                exceptions.UnsafeCommand, guard_conf.from_conf,
                conf(allocation={option: "ssh {host} 'stop"}))
            self.assertIn('[allocation] %s cannot be split' % option,
                          str(error))
            # The template may carry secrets: not in the message.
            self.assertNotIn('ssh', str(error))


class SettleTest(testtools.TestCase):
    """claim.effective_settle, applied once when the value is built."""

    def _settle(self, configured, hosts=()):
        return settings.GuardSettings(
            wait_timeout=1, poll_interval=0, claim_settle_seconds=configured,
            disruptable_hosts=hosts).settle_seconds

    def test_below_the_bound_is_raised_to_it(self):
        self.assertEqual(3.0, self._settle(1))
        self.assertEqual(3.0, self._settle(0))

    def test_zero_only_on_hosts_named_as_this_runners(self):
        self.assertEqual(0.0, self._settle(0, ['compute1']))

    def test_replace_derives_it_again(self):
        shared = settings.GuardSettings(wait_timeout=1, poll_interval=0,
                                        claim_settle_seconds=0)
        own = dataclasses.replace(shared, disruptable_hosts=['compute1'])
        self.assertEqual((3.0, 0.0), (shared.settle_seconds,
                                      own.settle_seconds))

    def test_the_value_cannot_change(self):
        built = settings.GuardSettings(wait_timeout=1, poll_interval=0)
        self.assertRaises(dataclasses.FrozenInstanceError, setattr, built,
                          'restore_timeout', 1)
