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

from tempest.lib.common import rest_client

from allocation_tempest_plugin.services import validation


class ValidatingClient(rest_client.RestClient):
    """Sends the caller's microversion and validates what comes back.

    Subclasses name the microversion header and its value format; every
    method passes the microversion it was asked for, so the schema picked
    is always the one for the version the server was asked to speak.
    """

    version_header = None
    version_format = None
    default_microversion = None

    def _version_headers(self, microversion):
        return {self.version_header: self.version_format % microversion}

    def _request_validated(self, method_name, http_method, url,
                           versioned_schemas, microversion=None,
                           params=None, body=None, expected_status=200):
        microversion = microversion or self.default_microversion
        if params:
            url = '%s?%s' % (url, parse.urlencode(
                sorted(params.items()), doseq=True))
        headers = self._version_headers(microversion)
        resp, raw_body = self.request(http_method, url, extra_headers=True,
                                      headers=headers, body=body)
        self.expected_success(expected_status, resp.status)
        schema = validation.select_schema(versioned_schemas, microversion)
        describe = {'method': '%s.%s' % (type(self).__name__, method_name),
                    'http_method': http_method,
                    'url': '%s %s' % (self.service, url),
                    'status': resp.status}
        data = validation.parse_and_validate(schema, raw_body, describe)
        return rest_client.ResponseBody(resp, data)
