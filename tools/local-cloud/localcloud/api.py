"""A stdlib-only client for the few API calls the orchestrator makes.

Not the plugin's read layer (reads/clients.py), on purpose: the `cloud`
script runs under the system python3 and creates the cloud itself, so
these calls come before any venv, Tempest or tempest.conf exists, or
outside them (Neutron checks, a new compute's provider, leftovers,
break-nova).
Everything that runs in the venv once tempest.conf is written logs in
through cmd/admin.py and the read layer instead.
"""
import json
import urllib.error
import urllib.request

from localcloud import settings as s

_token = None


def token(refresh=False):
    global _token
    if _token and not refresh:
        return _token
    body = {'auth': {
        'identity': {'methods': ['password'], 'password': {'user': {
            'name': 'admin', 'domain': {'id': 'default'},
            'password': s.ADMIN_PASSWORD}}},
        'scope': {'project': {'name': 'admin',
                              'domain': {'id': 'default'}}}}}
    req = urllib.request.Request(
        s.KEYSTONE_URL + '/auth/tokens', data=json.dumps(body).encode(),
        headers={'Content-Type': 'application/json'}, method='POST')
    with urllib.request.urlopen(req, timeout=30) as r:
        _token = r.headers['X-Subject-Token']
    return _token


def call(service, path, method='GET', body=None, microversion=None,
         timeout=60):
    """Returns (status, parsed JSON or None)."""
    headers = {'X-Auth-Token': token(), 'Accept': 'application/json'}
    if body is not None:
        headers['Content-Type'] = 'application/json'
    if microversion:
        headers['OpenStack-API-Version'] = microversion
        if service == 'nova-api':
            headers['X-OpenStack-Nova-API-Version'] = \
                microversion.split()[-1]
    prefix = {'nova-api': '/v2.1', 'neutron': '/v2.0'}.get(service, '')
    req = urllib.request.Request(
        s.url(service, prefix + path), method=method, headers=headers,
        data=json.dumps(body).encode() if body is not None else None)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            data = r.read()
            status = r.status
    except urllib.error.HTTPError as e:
        data, status = e.read(), e.code
    try:
        return status, json.loads(data) if data else None
    except ValueError:
        return status, None


def versions(service, path='/'):
    """Unauthenticated version document."""
    with urllib.request.urlopen(s.url(service, path), timeout=10) as r:
        return json.loads(r.read())


def compute_services(host=None):
    path = '/os-services?binary=nova-compute'
    if host:
        path += '&host=' + host
    status, data = call('nova-api', path, microversion='compute 2.53')
    if status != 200:
        raise RuntimeError('GET %s answered %s: %s' % (path, status, data))
    return data['services']
