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

"""A loopback HTTP proxy that turns good answers into hostile ones.

It sits between the plugin's clients and Placement or Nova, forwards each
request to an upstream (a real base URL, or a callable standing in for
one) and, for requests matching a Rule, rewrites the answer with one
mutation: a missing key, a wrong type, extra nesting, a non-JSON or empty
body, a truncated body, a 5xx, a 409, or an answer slower than the
client's timeout. Standard library only; every server thread is a daemon
and every wait is bounded, so a test can never hang on the proxy.
"""

import copy
import http.server
import json
import re
import ssl
import threading
import urllib.error
from urllib import parse
import urllib.request

import fixtures

HOP_HEADERS = {'connection', 'keep-alive', 'transfer-encoding',
               'content-length', 'date', 'server', 'proxy-connection'}


class Reply(object):
    """An answer on its way back: status, headers, body bytes."""

    def __init__(self, status, headers, body):
        self.status = status
        self.headers = dict(headers)
        self.body = body
        # Content-Length to announce; None sends the honest one.
        self.declared_length = None
        # Seconds to wait before answering (slow mutation).
        self.delay = 0

    def json(self):
        return json.loads(self.body.decode('utf-8'))

    def with_json(self, data):
        self.body = json.dumps(data).encode('utf-8')
        self.headers['Content-Type'] = 'application/json'
        return self


# -- JSON paths: a sequence of keys; '*' is a dict's first key (or a list's
# first item), so a rule need not know the UUIDs in a real cloud's answer.

def _step(node, key):
    if key == '*':
        key = next(iter(node)) if isinstance(node, dict) else 0
    return key


def _parent(data, path):
    node = data
    for key in path[:-1]:
        node = node[_step(node, key)]
    return node, _step(node, path[-1])


def _rewrite(edit):
    def mutate(reply):
        data = reply.json()
        edit(data)
        return reply.with_json(data)
    return mutate


# -- mutations: each returns a function Reply -> Reply ---------------------

def missing_key(*path):
    def edit(data):
        parent, key = _parent(data, path)
        del parent[key]
    return _rewrite(edit)


def wrong_type(path, value):
    def edit(data):
        parent, key = _parent(data, path)
        parent[key] = copy.deepcopy(value)
    return _rewrite(edit)


def extra_nesting(*path):
    """The value at path wrapped once more under its own key."""
    def edit(data):
        parent, key = _parent(data, path)
        parent[key] = {str(key): parent[key]}
    return _rewrite(edit)


def non_json(reply):
    reply.headers['Content-Type'] = 'text/html'
    reply.body = b'<html><body><h1>502 Bad Gateway</h1></body></html>'
    return reply


def truncated(honest=True):
    """The body cut in half; dishonest keeps the full Content-Length."""
    def mutate(reply):
        full = len(reply.body)
        reply.body = reply.body[:full // 2]
        if not honest:
            reply.declared_length = full
        return reply
    return mutate


def empty_200(reply):
    reply.status = 200
    reply.body = b''
    return reply


def status(code, body, content_type='application/json'):
    """An error answer instead of the upstream's: it never sees the call."""
    def mutate(reply):
        reply.status = code
        reply.headers = {'Content-Type': content_type}
        reply.body = (body if isinstance(body, bytes)
                      else json.dumps(body).encode('utf-8'))
        return reply
    mutate.forwards = False
    mutate.__name__ = 'status_%d' % code
    return mutate


status_500 = status(500, {'errors': [{
    'status': 500, 'title': 'Internal Server Error',
    'detail': 'injected by the hostile proxy'}]})
status_503 = status(503, b'<html><body>503 Service Unavailable</body></html>',
                    'text/html')
# What Nova answers to unforcing while evacuations are "done" (bug
# 1922053); the request never reaches Nova, so nothing changes.
evacuations_400 = status(400, {'badRequest': {
    'code': 400, 'message': 'Service is forced down with evacuations in '
                            '"done" state (injected by the hostile proxy)'}})
conflict_409 = status(409, {'errors': [{
    'status': 409, 'title': 'Conflict', 'code': 'placement.concurrent_update',
    'detail': 'injected by the hostile proxy'}]})


def slow(seconds):
    """Forward the request, then answer only after seconds."""
    def mutate(reply):
        reply.delay = seconds
        return reply
    return mutate


class Rule(object):
    """Which requests a mutation hits: method, path and body regexes.

    The first skip matching requests pass untouched; then the next times
    matching requests (all of them when times is None) are mutated.
    """

    def __init__(self, mutation, method='GET', path='.*', body=None,
                 skip=0, times=None, label=None, after=None):
        # after: (method, path regex, body regex) of a request that arms
        # the rule; requests before it (and it) pass untouched. This is
        # how a case reaches the guard's restore phase.
        self.after = after and (after[0], re.compile(after[1]),
                                re.compile(after[2]))
        self.armed = after is None
        self.mutation = mutation
        self.label = label or getattr(mutation, '__name__', 'mutation')
        self.method = method
        self.path = re.compile(path)
        self.body = re.compile(body) if body else None
        self.skip = skip
        self.times = times
        self.seen = 0
        self.applied = 0

    def claims(self, method, path, body):
        if not self.armed:
            arm_method, arm_path, arm_body = self.after
            self.armed = (method == arm_method and
                          bool(arm_path.search(path)) and
                          bool(arm_body.search(body.decode('utf-8',
                                                           'replace'))))
            return False
        if (method != self.method or not self.path.search(path) or
                (self.body and not self.body.search(body.decode(
                    'utf-8', 'replace')))):
            return False
        self.seen += 1
        if self.seen <= self.skip:
            return False
        if self.times is not None and self.applied >= self.times:
            return False
        self.applied += 1
        return True


def origin(url):
    """scheme://host:port of url: the catalog's path stays in requests."""
    return parse.urlunsplit(parse.urlsplit(url)[:2] + ('', '', ''))


def tls_context(disable_ssl_certificate_validation=False, ca_certs=None):
    """The TLS settings of a tempest.conf, for forwarding to https."""
    context = ssl.create_default_context(cafile=ca_certs)
    if disable_ssl_certificate_validation:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def url_upstream(base_url, timeout=30, ssl_context=None):
    """An upstream that forwards to a real base URL over HTTP(S)."""
    base_url = base_url.rstrip('/')
    # Loopback only: never through an http_proxy from the environment.
    opener = urllib.request.build_opener(
        urllib.request.ProxyHandler({}),
        urllib.request.HTTPSHandler(context=ssl_context))

    def forward(method, path, headers, body):
        request = urllib.request.Request(
            base_url + path, data=body or None, method=method,
            headers={k: v for k, v in headers.items()
                     if k.lower() not in HOP_HEADERS | {'host'}})
        try:
            with opener.open(request, timeout=timeout) as answer:
                return Reply(answer.status, answer.headers, answer.read())
        except urllib.error.HTTPError as error:
            return Reply(error.code, error.headers, error.read())
    return forward


class HostileProxy(fixtures.Fixture):
    """The proxy on 127.0.0.1, an ephemeral port, in a daemon thread.

    upstream is a base URL or a callable (method, path, headers, body) ->
    Reply. Usable as a fixture (useFixture) or a context manager.
    """

    def __init__(self, upstream, rules=()):
        super(HostileProxy, self).__init__()
        self.upstream = (url_upstream(upstream) if isinstance(upstream, str)
                         else upstream)
        self.rules = list(rules)
        self.log = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()

    @property
    def url(self):
        return 'http://127.0.0.1:%d' % self.server.server_address[1]

    def add(self, rule):
        with self._lock:
            self.rules.append(rule)
        return rule

    def _setUp(self):
        self.server = http.server.ThreadingHTTPServer(
            ('127.0.0.1', 0), self._handler_class())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       kwargs={'poll_interval': 0.05},
                                       name='hostile-proxy', daemon=True)
        self.thread.start()
        self.addCleanup(self._stop)

    def _stop(self):
        self._stopping.set()
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)

    def _answer(self, method, path, headers, body):
        with self._lock:
            rule = next((r for r in self.rules
                         if r.claims(method, path, body)), None)
        if rule is None or getattr(rule.mutation, 'forwards', True):
            reply = self.upstream(method, path, headers, body)
        else:
            reply = Reply(502, {}, b'')
        if rule is not None:
            try:
                reply = rule.mutation(reply)
            except Exception as error:
                # A rule that does not fit the answer must say so, not
                # break the connection.
                reply = Reply(500, {'Content-Type': 'text/plain'}, (
                    'hostile proxy: %s failed: %r' % (rule.label, error)
                ).encode('utf-8'))
        self.log.append((method, path, reply.status,
                         rule and rule.label))
        return reply

    def _handler_class(self):
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = 'HTTP/1.1'

            def log_message(self, *args):
                pass

            def _serve(self):
                length = int(self.headers.get('Content-Length') or 0)
                body = self.rfile.read(length) if length else b''
                reply = proxy._answer(self.command, self.path,
                                      dict(self.headers), body)
                if reply.delay and proxy._stopping.wait(reply.delay):
                    return
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    if name.lower() not in HOP_HEADERS:
                        self.send_header(name, value)
                self.send_header('Content-Length', str(
                    reply.declared_length or len(reply.body)))
                self.send_header('Connection', 'close')
                self.end_headers()
                self.wfile.write(reply.body)
                self.wfile.flush()
                # Closing after a short body is what keeps a dishonest
                # Content-Length from hanging the client.
                self.close_connection = True

            def _safely(self):
                try:
                    self._serve()
                except (BrokenPipeError, ConnectionResetError):
                    pass    # the client gave up (timeout): nothing to do

            do_GET = do_PUT = do_POST = do_DELETE = do_PATCH = _safely

        return Handler
