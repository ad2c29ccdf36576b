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

"""Tempest's compute clients, each speaking a microversion of its own.

Tempest's compute clients send, check and pick their schema by one
module-wide value (base_compute_client.COMPUTE_MICROVERSION), which the
APIMicroversionFixture sets for a test class. A tool that set it itself
would change it for every client in the process; these take the
microversion where they are built and keep Tempest's methods and schemas.
"""

from tempest.lib.common import api_version_request
from tempest.lib.common import api_version_utils
from tempest.lib.common import rest_client
from tempest.lib import exceptions as lib_exc
from tempest.lib.services.compute import flavors_client
from tempest.lib.services.compute import servers_client


class OwnMicroversion(object):
    """Mixin for a Tempest compute client: sends self.microversion.

    Relies on BaseComputeClient's shape: get_headers() adds the version
    header, request() checks the answer's, get_schema() picks a schema;
    each is replaced here by one reading this instance's microversion.
    """

    def __init__(self, *args, **kwargs):
        self.microversion = kwargs.pop('microversion')
        super(OwnMicroversion, self).__init__(*args, **kwargs)

    def get_headers(self, accept_type=None, send_type=None):
        # RestClient's, not BaseComputeClient's: that one adds the
        # module-wide microversion.
        headers = rest_client.RestClient.get_headers(self, accept_type,
                                                     send_type)
        headers[self.api_microversion_header_name] = self.microversion
        return headers

    def request(self, method, url, extra_headers=False, headers=None,
                body=None, chunked=False):
        # RestClient's, not BaseComputeClient's: that one checks the answer
        # against the module-wide microversion.
        resp, resp_body = rest_client.RestClient.request(
            self, method, url, extra_headers, headers, body, chunked)
        api_version_utils.assert_version_header_matches_request(
            self.api_microversion_header_name, self.microversion, resp)
        return resp, resp_body

    def get_schema(self, schema_versions_info):
        """Tempest's schema for the range holding this microversion."""
        version = api_version_request.APIVersionRequest(self.microversion)
        for info in schema_versions_info:
            if version.matches(
                    api_version_request.APIVersionRequest(info['min']),
                    api_version_request.APIVersionRequest(info['max'])):
                return info['schema']
        raise lib_exc.JSONSchemaNotFound(
            version=version.get_string(),
            schema_versions_info=schema_versions_info)


class ServersClient(OwnMicroversion, servers_client.ServersClient):
    """Tempest's servers client at the microversion it was built with."""


class FlavorsClient(OwnMicroversion, flavors_client.FlavorsClient):
    """Tempest's flavors client at the microversion it was built with."""
