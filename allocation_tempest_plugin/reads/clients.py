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

"""The one client factory: a login, its microversions, its clients.

The plugin's tests give it the auth provider of one of Tempest's client
managers (cls.os_admin, cls.os_primary); the tools give it the configured
admin's (cmd/admin.py). Both give it Tempest's client keywords per
service, so every client of the plugin is built here, the same way.
"""

from tempest.lib.services.compute import flavors_client
from tempest.lib.services.compute import servers_client

from allocation_tempest_plugin.services import compute
from allocation_tempest_plugin.services.compute import pinned_clients
from allocation_tempest_plugin.services import identity
from allocation_tempest_plugin.services import placement


class Clients(object):
    """Service clients for one login, at this factory's microversions.

    auth_provider: a Tempest auth provider; every client built here logs
    in through it.
    client_params: service name ('compute', 'placement', 'identity') to
    the keywords of Tempest's clients for it (catalog type, region,
    endpoint type, TLS, timeouts), e.g. tempest.config's
    service_client_config: the read layer itself never reads CONF.
    compute_microversion, placement_microversion: sent by every client
    built here, bound to each client: Tempest's module-wide microversion
    is never changed, so two factories never affect each other. None: each
    of the plugin's clients sends its own floor (microversions.py) or,
    inside a test class, what Tempest's APIMicroversionFixture set from
    the class's attributes; Tempest's own clients then follow that fixture
    as in any Tempest test.
    """

    def __init__(self, auth_provider, client_params,
                 compute_microversion=None, placement_microversion=None):
        self.auth_provider = auth_provider
        self._client_params = client_params
        self.compute_microversion = compute_microversion
        self.placement_microversion = placement_microversion

    @property
    def microversions(self):
        """What this factory's clients are bound to, by service."""
        return {'compute': self.compute_microversion,
                'placement': self.placement_microversion}

    def _build(self, client_class, service, microversion):
        return client_class(self.auth_provider, microversion=microversion,
                            **self._client_params(service))

    def _tempest_compute(self, tempest_class, pinned_class):
        # Tempest's compute clients read only the module-wide value: bind
        # one through their pinned variant, else leave them to the fixture.
        if self.compute_microversion is None:
            return tempest_class(self.auth_provider,
                                 **self._client_params('compute'))
        return self._build(pinned_class, 'compute',
                           self.compute_microversion)

    # -- compute -------------------------------------------------------------

    def compute_services(self):
        return self._build(compute.ComputeServicesClient, 'compute',
                           self.compute_microversion)

    def migrations(self):
        return self._build(compute.MigrationsClient, 'compute',
                           self.compute_microversion)

    def servers(self):
        """Tempest's servers client (its own schemas validate answers)."""
        return self._tempest_compute(servers_client.ServersClient,
                                     pinned_clients.ServersClient)

    def flavors(self):
        """Tempest's flavors client (its own schemas validate answers)."""
        return self._tempest_compute(flavors_client.FlavorsClient,
                                     pinned_clients.FlavorsClient)

    # -- placement -----------------------------------------------------------

    def resource_providers(self):
        return self._build(placement.ResourceProvidersClient, 'placement',
                           self.placement_microversion)

    def allocations(self):
        return self._build(placement.AllocationsClient, 'placement',
                           self.placement_microversion)

    def usages(self):
        return self._build(placement.UsagesClient, 'placement',
                           self.placement_microversion)

    # -- identity ------------------------------------------------------------

    def projects(self):
        # Keystone has no microversions: the client's one range applies.
        return self._build(identity.ProjectsClient, 'identity', None)
