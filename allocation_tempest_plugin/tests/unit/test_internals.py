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
"""Pins the Tempest and urllib3 internals services/internals.py relies on.

If one of these fails after a Tempest or urllib3 upgrade, the plugin's
no-read-retry or request-naming behaviour silently stopped working:
fix services/internals.py, do not relax the test.
"""

import inspect
from unittest import mock

from tempest.lib.common import http
from tempest.lib import exceptions as lib_exc
import testtools
import urllib3

from allocation_tempest_plugin.services import internals


class TempestHttpInternalsTest(testtools.TestCase):

    def test_tempest_http_passes_a_retry_to_urlopen(self):
        # without_read_retries() rewrites kw['retries'] in urlopen: Tempest
        # must still hand urllib3 a Retry object there.
        for cls in (http.ClosingHttp, http.ClosingProxyHttp):
            self.assertIn('retries=retry', inspect.getsource(cls.request),
                          cls.__name__)
        self.assertTrue(hasattr(urllib3.PoolManager, 'urlopen'))

    def test_retry_new_read_false_stops_read_retries(self):
        retry = urllib3.util.Retry(total=10, read=10).new(read=False)
        self.assertRaises(
            urllib3.exceptions.ReadTimeoutError, retry.increment,
            method='GET', url='/x',
            error=urllib3.exceptions.ReadTimeoutError(None, '/x', 'slow'))

    def test_without_read_retries_rewrites_the_retry(self):
        seen = {}

        class FakeHttp(object):
            def urlopen(self, method, url, redirect=True, **kw):
                seen.update(kw)
        fake = internals.without_read_retries(FakeHttp())
        fake.urlopen('GET', '/x', retries=urllib3.util.Retry(read=10))
        self.assertIs(False, seen['retries'].read)

    def test_tempest_exception_prints_error_string(self):
        error = lib_exc.Conflict('body')
        error.resp = mock.Mock(status=409)
        internals.name_request(error, 'C.m', 'GET', 'placement /x')
        self.assertTrue(str(error).startswith(
            'C.m: GET placement /x answered 409: '), str(error))

    def test_timeouts_told_apart_from_refused_connections(self):
        self.assertTrue(internals.is_timeout(
            urllib3.exceptions.ReadTimeoutError(None, '/x', 'slow')))
        self.assertFalse(internals.is_timeout(
            urllib3.exceptions.NewConnectionError(None, 'refused')))
