"""Create the cloud's objects with openstacksdk in one process (venv python).

Usage: create_objects.py identity|resources OUT_JSON

identity:  service project and users, member project/user, roles, catalog.
resources: flavors, a tiny image, a shared network (needs nova, glance,
           neutron up). Writes ids to OUT_JSON. Idempotent.

Not through the plugin's read layer (reads/clients.py), on purpose: it
bootstraps the cloud before tempest.conf exists (tempest_conf.py writes
it from what this prints), so there is no configured admin account to
log in as, and it creates identity, image and network objects the read
layer has no client for.
"""
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(
    __file__))))
from localcloud import settings as s  # noqa: E402

import openstack  # noqa: E402

SERVICES = [  # name, type, port key, path
    ('placement', 'placement', 'placement', ''),
    ('glance', 'image', 'glance', ''),
    ('neutron', 'network', 'neutron', ''),
    ('nova', 'compute', 'nova-api', '/v2.1'),
]


def connect():
    return openstack.connect(
        auth_url=s.KEYSTONE_URL, username='admin', password=s.ADMIN_PASSWORD,
        project_name='admin', user_domain_id='default',
        project_domain_id='default', region_name=s.REGION,
        identity_interface='public', interface='public')


def log(msg):
    print('    ' + msg, flush=True)


def password_works(name, password, project):
    """Can name log in with password? (Asks for a token, changes nothing.)"""
    try:
        openstack.connect(
            auth_url=s.KEYSTONE_URL, username=name, password=password,
            project_id=project.id, user_domain_id='default',
            region_name=s.REGION).authorize()
    except openstack.exceptions.SDKException:
        return False
    return True


def identity(conn):
    idc = conn.identity
    roles = {}
    for name in ('admin', 'member', 'reader', 'service'):
        roles[name] = idc.find_role(name) or idc.create_role(name=name)
    projects = {}
    for name in ('service', s.MEMBER_PROJECT):
        projects[name] = (idc.find_project(name, domain_id='default') or
                          idc.create_project(name=name, domain_id='default'))

    def user(name, password, project, role_names):
        u = idc.find_user(name, domain_id='default')
        if u is None:
            u = idc.create_user(name=name, password=password,
                                domain_id='default',
                                default_project_id=project.id)
        elif not password_works(name, password, project):
            # Only when it changed: Keystone revokes every token of a user
            # whose password is set, even to the same value, and a running
            # service's cached token (nova-compute's to Neutron) would then
            # fail its next call: an `up` on a live cloud must not do that.
            idc.update_user(u, password=password)
        for r in role_names:
            idc.assign_project_role_to_user(project, u, roles[r])
        return u

    for svc in ('nova', 'placement', 'glance', 'neutron'):
        user(svc, s.SERVICE_PASSWORD, projects['service'],
             ['admin', 'service'])
    user(s.MEMBER_USER, s.MEMBER_PASSWORD, projects[s.MEMBER_PROJECT],
         ['member', 'reader'])
    log('projects, users, roles ok')

    existing = {sv.type: sv for sv in idc.services()}
    for name, stype, port, path in SERVICES:
        svc = existing.get(stype) or idc.create_service(
            name=name, type=stype, is_enabled=True)
        url = s.url(port, path)
        have = {(e.interface, e.url) for e in idc.endpoints(service_id=svc.id)}
        for iface in ('public', 'internal', 'admin'):
            if (iface, url) not in have:
                for e in idc.endpoints(service_id=svc.id, interface=iface):
                    idc.delete_endpoint(e)
                idc.create_endpoint(service_id=svc.id, interface=iface,
                                    url=url, region_id=s.REGION)
    log('catalog ok: ' + ', '.join(t for _, t, _, _ in SERVICES))


def resources(conn):
    out = {'flavors': {}}
    for name, vcpus, ram, disk, fid in s.FLAVORS:
        f = conn.compute.find_flavor(name)
        if f is None:
            f = conn.compute.create_flavor(name=name, vcpus=vcpus, ram=ram,
                                           disk=disk, id=fid, is_public=True)
        out['flavors'][name] = f.id
    log('flavors ok: %s' % out['flavors'])

    img = conn.image.find_image(s.IMAGE_NAME)
    if img is not None and img.status != 'active':
        conn.image.delete_image(img)
        img = None
    if img is None:
        img = conn.image.create_image(
            name=s.IMAGE_NAME, disk_format='raw', container_format='bare',
            visibility='public', data=b'\0' * 1024, **s.IMAGE_PROPERTIES)
    elif any(str(img.properties.get(k)) != v
             for k, v in s.IMAGE_PROPERTIES.items()):
        # A cloud made before the property: set it (servers booted from
        # now on get it; Nova reads image properties at boot).
        img = conn.image.update_image(img, **s.IMAGE_PROPERTIES)
        deadline = time.time() + 60
        while img.status != 'active' and time.time() < deadline:
            time.sleep(1)
            img = conn.image.get_image(img.id)
    out['image'] = img.id
    log('image ok: %s %s' % (img.id, img.status))

    net = conn.network.find_network(s.NETWORK_NAME)
    if net is None:
        net = conn.network.create_network(
            name=s.NETWORK_NAME, shared=True,
            provider_network_type='flat', provider_physical_network='physnet1')
    if not list(conn.network.subnets(network_id=net.id)):
        conn.network.create_subnet(
            network_id=net.id, name=s.NETWORK_NAME + '-subnet', ip_version=4,
            cidr='192.0.2.0/24', enable_dhcp=False, gateway_ip=None)
    out['network'] = net.id
    log('network ok: %s %s' % (s.NETWORK_NAME, net.id))
    return out


def main():
    phase, out_path = sys.argv[1], sys.argv[2]
    conn = connect()
    if phase == 'identity':
        identity(conn)
        result = {}
    else:
        result = resources(conn)
    with open(out_path, 'w') as f:
        json.dump(result, f, indent=1)


if __name__ == '__main__':
    main()
