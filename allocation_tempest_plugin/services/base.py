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

"""A RestClient whose every read is validated against a versioned schema."""

from urllib import parse

from tempest.lib.common import api_version_utils
from tempest.lib.common import rest_client
from tempest.lib import exceptions as lib_exc
import urllib3

from allocation_tempest_plugin import exceptions
from allocation_tempest_plugin.services import internals
from allocation_tempest_plugin.services import validation


class ValidatingClient(rest_client.RestClient):
    """Sends one microversion and validates what comes back against it.

    The microversion is bound where the client is built: an explicit
    ``microversion`` (the tools), else the one Tempest's
    APIMicroversionFixture set for the running test class from its
    ``*_min_microversion`` attribute (tempest_microversion()), else the
    client's default. No method takes a microversion, so the schema picked
    is always the one for the version the server was asked to speak. A
    bound client leaves Tempest's module-wide microversion out of its
    requests entirely, so it means the same inside a test class as in a
    tool.
    """

    version_header = None
    version_format = None
    default_microversion = None

    def __init__(self, *args, **kwargs):
        self._bound_microversion = kwargs.pop('microversion', None)
        super(ValidatingClient, self).__init__(*args, **kwargs)
        internals.without_read_retries(self.http_obj)

    @staticmethod
    def tempest_microversion():
        """The microversion Tempest's fixture set for the service, if any."""
        return None

    @property
    def microversion(self):
        fixture_version = self.tempest_microversion()
        if fixture_version == api_version_utils.LATEST_MICROVERSION:
            # The plugin's schemas are versioned: "latest" cannot pick one.
            fixture_version = None
        return (self._bound_microversion or fixture_version or
                self.default_microversion)

    def get_headers(self, *args, **kwargs):
        if self._bound_microversion:
            # Not Tempest's compute or placement base: it would add the
            # module-wide microversion (a test class's) to, or over, the
            # one bound here.
            return rest_client.RestClient.get_headers(self, *args, **kwargs)
        return super(ValidatingClient, self).get_headers(*args, **kwargs)

    def request(self, *args, **kwargs):
        if self._bound_microversion:
            # Not Tempest's compute or placement base: it checks the answer
            # against the module-wide microversion, not the one sent.
            return rest_client.RestClient.request(self, *args, **kwargs)
        return super(ValidatingClient, self).request(*args, **kwargs)

    def _version_headers(self, microversion):
        return {self.version_header: self.version_format % microversion}

    def _request_validated(self, method_name, http_method, url,
                           versioned_schemas, params=None, body=None,
                           expected_status=200):
        microversion = self.microversion
        if params:
            url = '%s?%s' % (url, parse.urlencode(
                sorted(params.items()), doseq=True))
        headers = self._version_headers(microversion)
        describe = {'method': '%s.%s' % (type(self).__name__, method_name),
                    'http_method': http_method,
                    'url': '%s %s' % (self.service, url)}
        try:
            resp, raw_body = self.request(http_method, url,
                                          extra_headers=True,
                                          headers=headers, body=body)
            self.expected_success(expected_status, resp.status)
        except lib_exc.RestClientException as error:
            raise internals.name_request(error, **describe)
        except urllib3.exceptions.HTTPError as error:
            if internals.is_timeout(error):
                raise exceptions.ApiTimeout(
                    timeout=self.http_obj.connection_pool_kw.get('timeout'),
                    reason=error, **describe)
            raise exceptions.ApiConnectionError(reason=error, **describe)
        describe['status'] = resp.status
        if versioned_schemas is None:
            # 204 No Content: anything in the body is a broken answer.
            validation.check_no_body(raw_body, describe)
            return rest_client.ResponseBody(resp)
        schema = validation.select_schema(versioned_schemas, microversion)
        data = validation.parse_and_validate(schema, raw_body, describe)
        return rest_client.ResponseBody(resp, data)
