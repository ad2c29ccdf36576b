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

"""The fake cloud over HTTP on 127.0.0.1, with a Keystone that says yes.

/identity/v3/auth/tokens issues tokens for the users in USERS and a
catalog naming /compute/v2.1 and /placement on the same port. Nova and
Placement answer with the microversion they were asked for in the
response headers, as Tempest checks.
"""

import http.server
import json
import threading
from urllib import parse
import uuid

from allocation_tempest_plugin.fakes.fakecloud import nova

# name -> (project, admin?)
USERS = {'admin': ('admin-project', True),
         'primary': ('primary-project', False)}
PASSWORD = 'fakecloud'


def _catalog(base):
    def entry(kind, name, path):
        return {'type': kind, 'name': name, 'id': name, 'endpoints': [
            {'id': '%s-%s' % (name, interface), 'interface': interface,
             'region': 'RegionOne', 'region_id': 'RegionOne',
             'url': base + path}
            for interface in ('public', 'internal', 'admin')]}
    return [entry('identity', 'keystone', '/identity/v3'),
            entry('compute', 'nova', '/compute/v2.1'),
            entry('placement', 'placement', '/placement')]


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    cloud = None
    tokens = None       # token -> (user, project, admin)
    lock = None

    def log_message(self, *args):
        pass

    def _reply(self, status, body, headers=()):
        data = b'' if body is None else json.dumps(body).encode('utf-8')
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header('Content-Type', 'application/json')
        request_id = 'req-%s' % uuid.uuid4()
        self.send_header('X-OpenStack-Request-Id', request_id)
        self.send_header('X-Compute-Request-Id', request_id)
        self.send_header('Content-Length', str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _body(self):
        length = int(self.headers.get('Content-Length') or 0)
        return json.loads(self.rfile.read(length)) if length else None

    def _issue_token(self, body):
        user = body['auth']['identity']['password']['user']['name']
        if user not in USERS or body['auth']['identity']['password'][
                'user']['password'] != PASSWORD:
            return self._reply(401, {'error': {'code': 401}})
        project, admin = USERS[user]
        token = uuid.uuid4().hex
        self.tokens[token] = (user, project, admin)
        domain = {'id': 'default', 'name': 'Default'}
        host, port = self.server.server_address[:2]
        self._reply(201, {'token': {
            'methods': ['password'], 'expires_at': '2099-01-01T00:00:00Z',
            'issued_at': '2026-11-24T12:00:00Z', 'audit_ids': ['a'],
            'user': {'id': user, 'name': user, 'domain': domain},
            'project': {'id': project, 'name': project, 'domain': domain},
            'roles': [{'id': 'admin' if admin else 'member',
                       'name': 'admin' if admin else 'member'}],
            'catalog': _catalog('http://%s:%d' % (host, port))}},
            [('X-Subject-Token', token)])

    def _compute_microversion(self):
        """As nova/api/openstack/wsgi.py reads it: the new header first.

        "OpenStack-API-Version: compute X" (which the plugin's clients
        send), else the legacy X-OpenStack-Nova-API-Version (Tempest's).
        """
        for value in self.headers.get_all('OpenStack-API-Version') or []:
            service, _, version = value.strip().partition(' ')
            if service.lower() == 'compute' and version:
                return version.strip()
        return self.headers.get('X-OpenStack-Nova-API-Version') or '2.1'

    def _serve(self, method):
        url = parse.urlsplit(self.path)
        query = dict(parse.parse_qsl(url.query))
        body = self._body() if method in ('POST', 'PUT') else None
        if url.path == '/identity/v3/auth/tokens' and method == 'POST':
            return self._issue_token(body)
        known = self.tokens.get(self.headers.get('X-Auth-Token'))
        if known is None:
            return self._reply(401, {'error': {'code': 401}})
        user, project, admin = known
        if url.path.startswith('/compute/v2.1/'):
            microversion = self._compute_microversion()
            context = nova.Context(project, user, admin, microversion)
            with self.lock:
                status, answer = self.cloud.nova.handle(
                    context, method, url.path[len('/compute/v2.1'):],
                    query, body)
            return self._reply(status, answer, [
                ('X-OpenStack-Nova-API-Version', microversion),
                ('OpenStack-API-Version', 'compute %s' % microversion)])
        if url.path.startswith('/placement/'):
            microversion = (self.headers.get('OpenStack-API-Version') or
                            'placement 1.0').split()[-1]
            with self.lock:
                status, answer = self.cloud.placement.handle(
                    method, url.path[len('/placement'):], query, body)
            return self._reply(status, answer, [
                ('OpenStack-API-Version', 'placement %s' % microversion)])
        return self._reply(404, {'error': url.path})

    def do_GET(self):
        self._serve('GET')

    def do_POST(self):
        self._serve('POST')

    def do_PUT(self):
        self._serve('PUT')

    def do_DELETE(self):
        self._serve('DELETE')


def serve(cloud, port=0):
    """A started server on 127.0.0.1 (port 0: any free one); shutdown()."""
    handler = type('CloudHandler', (Handler,), {
        'cloud': cloud, 'tokens': {}, 'lock': threading.Lock()})
    server = http.server.ThreadingHTTPServer(('127.0.0.1', port), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server
