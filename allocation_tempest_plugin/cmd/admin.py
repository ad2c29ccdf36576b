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

"""Admin clients for the command-line tools, from tempest.conf.

Tempest's test classes get their clients from credential providers; the
tools outside a test (allocation-tempest-recover, tools/kill-matrix)
build them here, from the configured admin account.
"""

from tempest.common import credentials_factory
from tempest import config
from tempest.lib import auth

from allocation_tempest_plugin.services import compute


def auth_provider():
    conf = config.CONF
    return auth.KeystoneV3AuthProvider(
        credentials_factory.get_configured_admin_credentials(),
        conf.identity.uri_v3,
        disable_ssl_certificate_validation=(
            conf.identity.disable_ssl_certificate_validation),
        ca_certs=conf.identity.ca_certificates_file)


def compute_services_client(provider):
    return compute.ComputeServicesClient(
        provider, **config.service_client_config('compute'))
