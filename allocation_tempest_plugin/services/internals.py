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

"""The only places the plugin reaches into Tempest's and urllib3's internals.

Each is pinned by a unit test (tests/unit/test_internals.py) that fails
loudly when the internal it relies on changes shape, instead of letting
the plugin silently fall back to Tempest's behaviour.
"""

import urllib3


def without_read_retries(http_obj):
    """Make http_obj give up on the first read error or read timeout.

    Tempest's http objects let urllib3 retry an idempotent request after a
    read timeout up to ten times, so one slow GET blocks for eleven
    http_timeouts before failing; the plugin fails on the first one.
    Relies on: http_obj.urlopen(method, url, redirect, **kw) receiving a
    urllib3 Retry as kw['retries'].
    """
    urlopen = http_obj.urlopen

    def urlopen_once(method, url, redirect=True, **kw):
        if isinstance(kw.get('retries'), urllib3.util.Retry):
            kw['retries'] = kw['retries'].new(read=False)
        return urlopen(method, url, redirect=redirect, **kw)
    http_obj.urlopen = urlopen_once
    return http_obj


def is_timeout(error):
    """Whether a urllib3 error means no answer arrived in time."""
    if isinstance(error, urllib3.exceptions.MaxRetryError):
        error = error.reason
    # NewConnectionError is a ConnectTimeoutError only for compatibility.
    return (isinstance(error, urllib3.exceptions.TimeoutError) and
            not isinstance(error, urllib3.exceptions.NewConnectionError))


def name_request(error, method, http_method, url):
    """Prefix a Tempest REST error's message with the request it answers.

    Tempest's Conflict, ServerFault, UnexpectedResponseCode... keep their
    type (callers catch them) but say only the status and body; this puts
    the client method and the URL in front. Relies on: TempestException
    formatting str(error) from its _error_string attribute.
    """
    status = getattr(getattr(error, 'resp', None), 'status', None)
    error._error_string = '%s: %s %s answered%s: %s' % (
        method, http_method, url, ' %s' % status if status else '',
        str(error))
    return error
