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

"""Auth providers that send the plugin's requests through the proxy."""

from urllib import parse


class Credentials(object):
    username = user_id = tenant_name = tenant_id = project_id = 'hostile'
    password = 'hostile'


class LoopbackAuth(object):
    """No Keystone: every service lives at base_url (the proxy)."""

    credentials = Credentials()

    def __init__(self, base_url):
        self.url = base_url.rstrip('/')

    def get_token(self):
        return 'hostile-token'

    def base_url(self, filters, auth_data=None):
        return self.url

    def auth_request(self, method, url, headers=None, body=None,
                     filters=None):
        headers = dict(headers or {}, **{'X-Auth-Token': self.get_token()})
        return self.url + url, headers, body


class RedirectingAuth(object):
    """A real auth provider whose requests go to the proxy instead.

    The catalog's endpoint keeps its path (/v2.1, /placement...); only
    scheme, host and port become the proxy's.
    """

    def __init__(self, auth_provider, proxy_url):
        self.auth_provider = auth_provider
        self.proxy = parse.urlsplit(proxy_url)

    def __getattr__(self, name):
        return getattr(self.auth_provider, name)

    def _redirect(self, url):
        return parse.urlunsplit(parse.urlsplit(url)._replace(
            scheme=self.proxy.scheme, netloc=self.proxy.netloc))

    def base_url(self, filters, auth_data=None):
        return self._redirect(self.auth_provider.base_url(filters, auth_data))

    def auth_request(self, method, url, headers=None, body=None,
                     filters=None):
        url, headers, body = self.auth_provider.auth_request(
            method, url, headers, body, filters)
        return self._redirect(url), headers, body
