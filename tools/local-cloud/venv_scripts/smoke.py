"""The seed scenario against the local cloud, with keystoneauth (venv python).

Baseline usages of compute1's provider; boot a `networks: none` server on
compute1; disable + force down compute1; delete (local delete in nova-api);
the server's allocations are {} and the provider's usages are back at the
baseline; restore the service and wait until it is up. Exit 0 on success.
"""
import os
import sys
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(
    __file__))))
from localcloud import settings as s  # noqa: E402
from localcloud import util  # noqa: E402

from keystoneauth1 import identity  # noqa: E402
from keystoneauth1 import session as ks_session  # noqa: E402

HOST = s.COMPUTE_HOSTS[0]
NOVA_MV = '2.74'   # >= 2.37 for networks 'none', 2.74 for a requested host
SVC_MV = '2.53'    # PUT /os-services/{id}
PLACEMENT_MV = '1.28'
T0 = time.monotonic()


def say(msg):
    print('[%6.1fs] %s' % (time.monotonic() - T0, msg), flush=True)


class Cloud(object):
    def __init__(self):
        auth = identity.Password(
            auth_url=s.KEYSTONE_URL, username='admin',
            password=s.ADMIN_PASSWORD, project_name='admin',
            user_domain_id='default', project_domain_id='default')
        self.sess = ks_session.Session(auth=auth)

    def nova(self, method, path, mv=NOVA_MV, **kw):
        return self.sess.request(
            path, method, raise_exc=False,
            endpoint_filter={'service_type': 'compute',
                             'interface': 'public'},
            headers={'OpenStack-API-Version': 'compute ' + mv}, **kw)

    def placement(self, path):
        r = self.sess.get(path, endpoint_filter={
            'service_type': 'placement', 'interface': 'public'},
            headers={'OpenStack-API-Version': 'placement ' + PLACEMENT_MV})
        return r.json()


def wait(pred, what, timeout=180, interval=1):
    try:
        return util.wait_for(pred, timeout, interval, what)
    except util.Failure as error:
        raise SystemExit('FAILED: %s' % error)


def check(cond, msg):
    if not cond:
        raise SystemExit('FAILED: ' + msg)
    say('ok: ' + msg)


def main():
    c = Cloud()
    rps = c.placement('/resource_providers?name=' + HOST)
    rp = rps['resource_providers'][0]['uuid']
    usages = lambda: c.placement(  # noqa: E731
        '/resource_providers/%s/usages' % rp)['usages']
    baseline = usages()
    say('baseline usages of %s (%s): %s' % (HOST, rp, baseline))

    svc = c.nova('GET', '/os-services?binary=nova-compute&host=' + HOST,
                 mv=SVC_MV).json()['services'][0]
    check(svc['state'] == 'up' and svc['status'] == 'enabled',
          '%s is up and enabled' % HOST)

    name = 'localcloud-smoke-' + uuid.uuid4().hex[:8]
    r = c.nova('POST', '/servers', json={'server': {
        'name': name, 'imageRef': _image(c), 'flavorRef': '42',
        'networks': 'none', 'host': HOST}})
    check(r.status_code == 202, 'boot %s on %s (networks none): %s' % (
        name, HOST, r.status_code))
    server = r.json()['server']['id']
    try:
        def active():
            st = c.nova('GET', '/servers/' + server).json()['server']
            if st['status'] == 'ERROR':
                raise SystemExit('FAILED: server ERROR: %s' % st.get('fault'))
            return st if st['status'] == 'ACTIVE' else None
        st = wait(active, 'server ACTIVE')
        check(st['OS-EXT-SRV-ATTR:host'] == HOST, 'server ACTIVE on ' + HOST)
        allocs = c.placement('/allocations/' + server)['allocations']
        check(list(allocs) == [rp], 'allocations on %s: %s' % (
            HOST, allocs.get(rp, {}).get('resources')))

        _set_service(c, svc['id'], {'status': 'disabled',
                                    'disabled_reason': 'localcloud smoke'})
        _set_service(c, svc['id'], {'forced_down': True})
        say('%s disabled and forced down' % HOST)

        r = c.nova('DELETE', '/servers/' + server)
        check(r.status_code == 204, 'DELETE server: %s' % r.status_code)
        wait(lambda: c.nova('GET', '/servers/' + server).status_code == 404,
             'server gone')
        say('server gone')
        allocs = wait(lambda: c.placement('/allocations/' + server)
                      ['allocations'] == {} or None, 'allocations {}')
        check(True, 'consumer allocations of the server: {}')
        wait(lambda: usages() == baseline, 'usages back to baseline', 60)
        check(True, 'provider usages back to baseline: %s' % usages())
    finally:
        _set_service(c, svc['id'], {'forced_down': False})
        _set_service(c, svc['id'], {'status': 'enabled'})
        say('%s restored (forced_down false, enabled)' % HOST)
        c.nova('DELETE', '/servers/' + server)
    wait(lambda: c.nova('GET', '/os-services?binary=nova-compute&host=' +
                        HOST, mv=SVC_MV).json()['services'][0]['state']
         == 'up', HOST + ' up', 60)
    say('%s is up again' % HOST)
    say('SMOKE PASSED')


def _image(c):
    r = c.sess.get('/v2/images?name=' + s.IMAGE_NAME, endpoint_filter={
        'service_type': 'image', 'interface': 'public'})
    return r.json()['images'][0]['id']


def _set_service(c, sid, body):
    r = c.nova('PUT', '/os-services/' + sid, mv=SVC_MV, json=body)
    if r.status_code != 200:
        raise SystemExit('FAILED: PUT /os-services %s: %s %s' % (
            body, r.status_code, r.text))


if __name__ == '__main__':
    main()
