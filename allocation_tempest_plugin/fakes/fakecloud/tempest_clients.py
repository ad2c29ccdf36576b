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

"""Real Tempest and plugin clients, logged in to a served fake cloud.

What a Tempest class's client manager (os_admin, os_primary) holds, built
the way Tempest builds it: a Keystone v3 auth provider that asks the fake
Keystone of http.serve() for a token and its catalog, and service clients
that send the microversion Tempest's APIMicroversionFixture set and
validate every answer against Tempest's schemas (the plugin's clients
against its own). So a fake answer a real client would reject fails here
too.
"""

from tempest.lib import auth
from tempest.lib.services import compute as tempest_compute

from allocation_tempest_plugin.fakes.fakecloud import http
from allocation_tempest_plugin.services import compute
from allocation_tempest_plugin.services import placement

REGION = 'RegionOne'


class Manager(object):
    """user's clients (http.USERS) against the cloud served at url."""

    def __init__(self, url, user, build_interval=0.01, build_timeout=5):
        identity_uri = '%s/identity/v3' % url
        project = http.USERS[user][0]
        self.credentials = auth.KeystoneV3Credentials(
            username=user, password=http.PASSWORD, project_name=project,
            user_domain_name='Default', project_domain_name='Default')
        self.auth_provider = auth.KeystoneV3AuthProvider(self.credentials,
                                                         identity_uri)
        # Ids (project_id...) from the token, as Tempest's credentials
        # providers give them.
        self.auth_provider.fill_credentials()

        def client(cls, service, **kwargs):
            return cls(self.auth_provider, service, REGION, **kwargs)
        waits = dict(build_interval=build_interval,
                     build_timeout=build_timeout)
        self.servers_client = client(tempest_compute.ServersClient,
                                     'compute', **waits)
        self.hypervisor_client = client(tempest_compute.HypervisorClient,
                                        'compute')
        self.migrations_client = client(tempest_compute.MigrationsClient,
                                        'compute')
        self.flavors_client = client(tempest_compute.FlavorsClient,
                                     'compute')
        # The plugin's own (reads/clients.py builds them in the tests).
        self.compute_services_client = client(
            compute.ComputeServicesClient, 'compute')
        self.allocations_client = client(placement.AllocationsClient,
                                         'placement')
        self.providers_client = client(placement.ResourceProvidersClient,
                                       'placement')
        self.usages_client = client(placement.UsagesClient, 'placement')
        self.plugin_migrations_client = client(compute.MigrationsClient,
                                               'compute')
