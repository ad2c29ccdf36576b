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
"""Hosts and their compute node resource providers, as an admin sees them."""

from allocation_tempest_plugin.guard import hosts


class HostProviders(object):
    """Needs the admin clients of AdminAllocationTestBase.

    The class's resource_setup starts host_providers empty: a provider,
    once looked up, serves every test of the class.
    """

    def any_available_host(self):
        """An up and enabled compute host; skips when there is none."""
        host = hosts.first_available_host(self.os_admin.hypervisor_client)
        if host is None:
            raise self.skipException('no nova-compute service is up and '
                                     'enabled')
        return host

    @classmethod
    def provider_for_host(cls, host):
        """host's compute node provider; fails when no hypervisor is host.

        The provider is the hypervisor's id at compute API 2.53+.
        """
        if host not in cls.host_providers:
            rp_uuid = hosts.provider_for_host(
                cls.os_admin.hypervisor_client, cls.providers_client, host)
            if rp_uuid is None:
                raise cls.failureException(
                    'no hypervisor reports service host %s' % host)
            cls.host_providers[host] = rp_uuid
        return cls.host_providers[host]
