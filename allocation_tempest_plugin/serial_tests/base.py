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
"""Tests that hold a compute service down, and what they must prove.

Every step that changes a compute service goes through the guard
(guard/disruption.py). DisruptiveTestBase skips unless the operator
allows it, builds the guard's settings once for the class and heals what
a killed run left behind; the rest is mixed in, one job per module:
which host (host_choice.py), holding it (holding.py), the premise of
each verdict, checked rather than assumed (premises.py), what a host
holds that nobody explains (host_holdings.py), and the server moves a
test makes (server_moves.py).
"""

from oslo_log import log as logging
from tempest import config
from tempest.lib import decorators

from allocation_tempest_plugin import base
from allocation_tempest_plugin.guard import recovery
from allocation_tempest_plugin import guard_conf
from allocation_tempest_plugin.serial_tests import holding
from allocation_tempest_plugin.serial_tests import host_choice
from allocation_tempest_plugin.serial_tests import host_holdings
from allocation_tempest_plugin.serial_tests import premises
from allocation_tempest_plugin.serial_tests import server_moves

CONF = config.CONF
LOG = logging.getLogger(__name__)


# Inherited by every subclass, so no destructive class can forget it; the
# subclasses still say @decorators.serial where a reader looks for it.
@decorators.serial
class DisruptiveTestBase(host_choice.HostChoice,
                         holding.GuardHolding,
                         premises.PremiseChecks,
                         host_holdings.HostHoldingChecks,
                         server_moves.ServerMoves,
                         base.AdminAllocationTestBase):
    """Tests that hold a compute service down."""

    @classmethod
    def skip_checks(cls):
        super(DisruptiveTestBase, cls).skip_checks()
        if not CONF.allocation.allow_compute_disruption:
            raise cls.skipException(
                'disrupts a nova-compute service; set [allocation] '
                'allow_compute_disruption = true to run it')

    @classmethod
    def resource_setup(cls):
        super(DisruptiveTestBase, cls).resource_setup()
        # The guard's settings, read from CONF once for the class. A
        # template that cannot be split fails the class here, before any
        # service changed, naming its option.
        cls.guard_settings = guard_conf.from_conf(CONF)
        # A run killed with SIGKILL could not restore its host; heal it
        # before anything new is disrupted.
        # Only hosts this runner may disrupt: another runner's marked host
        # is that runner's to restore.
        for action in recovery.recover(cls.compute_services_client,
                                       cls.guard_settings):
            LOG.warning('Recovery before %s: %s', cls.__name__,
                        action.line())


class MultiComputeTestBase(DisruptiveTestBase):
    """Two computes: host_a is the one disrupted, host_b the other."""

    def setUp(self):
        super(MultiComputeTestBase, self).setUp()
        self.host_a = self.disruptable_host()
        self.host_b = self.second_available_host(self.host_a)
        self.rp_a = self.provider_for_host(self.host_a)
        self.rp_b = self.provider_for_host(self.host_b)
