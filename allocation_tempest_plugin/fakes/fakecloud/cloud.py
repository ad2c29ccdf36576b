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

"""A cloud of any size where most hosts run other projects' servers."""

from allocation_tempest_plugin.fakes.fakecloud import nova
from allocation_tempest_plugin.fakes.fakecloud import placement

FLAVOR = '1'


class Cloud(object):
    def __init__(self, max_limit=nova.MAX_LIMIT):
        self.placement = placement.Placement()
        self.nova = nova.Nova(self.placement, max_limit=max_limit)
        self.nova.add_flavor(FLAVOR, vcpus=1, ram=512, disk=1)


def host_name(number):
    return 'compute-%05d' % number


def build(hosts, free_every=10, orphan_every=500, max_limit=nova.MAX_LIMIT):
    """A cloud of hosts computes, most running other projects' servers.

    Every free_every-th host runs nothing, the others 1-3 servers of other
    projects; every orphan_every-th host's service was deleted (its
    compute node stays, as in Nova).

    The free hosts sit at the same positions at every size, so what a
    choice costs measures the cloud's size, not luck.
    """
    cloud = Cloud(max_limit)
    for number in range(1, hosts + 1):
        host = host_name(number)
        orphan = orphan_every and number % orphan_every == 0
        cloud.nova.add_compute(host, with_service=not orphan)
        if orphan or number % free_every == 0:
            continue
        for index in range(1 + number % 3):
            cloud.nova.boot('project-%d' % (number % 97),
                            'user-%d' % (number % 97), host, FLAVOR,
                            name='other-%d-%d' % (number, index))
    return cloud
