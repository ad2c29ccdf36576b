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
from tempest.lib import exceptions as lib_exc
import urllib3

from allocation_tempest_plugin import exceptions
from allocation_tempest_plugin.services import validation


def _without_read_retries(http_obj):
    """Make http_obj give up on the first read error or read timeout.

    Tempest's http objects let urllib3 retry an idempotent request after a
    read timeout up to ten times, so one slow GET blocks for eleven
    http_timeouts before failing; the plugin fails on the first one.
    """
    urlopen = http_obj.urlopen

    def urlopen_once(method, url, redirect=True, **kw):
        if isinstance(kw.get('retries'), urllib3.util.Retry):
            kw['retries'] = kw['retries'].new(read=False)
        return urlopen(method, url, redirect=redirect, **kw)
    http_obj.urlopen = urlopen_once
    return http_obj


def _is_timeout(error):
    if isinstance(error, urllib3.exceptions.MaxRetryError):
        error = error.reason
    # NewConnectionError is a ConnectTimeoutError only for compatibility.
    return (isinstance(error, urllib3.exceptions.TimeoutError) and
            not isinstance(error, urllib3.exceptions.NewConnectionError))


class ValidatingClient(rest_client.RestClient):
    """Sends the caller's microversion and validates what comes back.

    Subclasses name the microversion header and its value format; every
    method passes the microversion it was asked for, so the schema picked
    is always the one for the version the server was asked to speak.
    """

    version_header = None
    version_format = None
    default_microversion = None

    def __init__(self, *args, **kwargs):
        super(ValidatingClient, self).__init__(*args, **kwargs)
        _without_read_retries(self.http_obj)

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
        describe = {'method': '%s.%s' % (type(self).__name__, method_name),
                    'http_method': http_method,
                    'url': '%s %s' % (self.service, url)}
        try:
            resp, raw_body = self.request(http_method, url,
                                          extra_headers=True,
                                          headers=headers, body=body)
            self.expected_success(expected_status, resp.status)
        except lib_exc.RestClientException as error:
            raise exceptions.name_request(error, **describe)
        except urllib3.exceptions.HTTPError as error:
            if _is_timeout(error):
                raise exceptions.ApiTimeout(
                    timeout=self.http_obj.connection_pool_kw.get('timeout'),
                    reason=error, **describe)
            raise exceptions.ApiConnectionError(reason=error, **describe)
        schema = validation.select_schema(versioned_schemas, microversion)
        describe['status'] = resp.status
        data = validation.parse_and_validate(schema, raw_body, describe)
        return rest_client.ResponseBody(resp, data)
