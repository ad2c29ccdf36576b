"""Schema migrations, fernet keys and `keystone-manage bootstrap`.

Each step is idempotent; a marker (keyed on the installed constraints and
settings) lets a warm `up` skip them.
"""
import concurrent.futures
import os

from localcloud import cells
from localcloud import configs
from localcloud import mariadb
from localcloud import nova_conf
from localcloud import procs
from localcloud import settings as s
from localcloud import util


def commands():
    ks = ['--config-file', configs.etc('keystone', 'keystone.conf')]
    nv = ['--config-file', nova_conf.path('nova')]
    ne = ['--config-file', configs.etc('neutron', 'neutron.conf'),
          '--config-file', configs.etc('neutron', 'ml2_conf.ini')]
    return [
        ('keystone', ['keystone-manage'] + ks + ['db_sync']),
        ('keystone', ['keystone-manage'] + ks + [
            'fernet_setup', '--keystone-user', 'root',
            '--keystone-group', 'root']),
        ('keystone', ['keystone-manage'] + ks + [
            'credential_setup', '--keystone-user', 'root',
            '--keystone-group', 'root']),
        ('keystone', ['keystone-manage'] + ks + [
            # The password comes from OS_BOOTSTRAP_PASSWORD (run_all), not
            # argv: argv shows in `ps` and in the log.
            'bootstrap',
            '--bootstrap-username', 'admin',
            '--bootstrap-project-name', 'admin',
            '--bootstrap-role-name', 'admin',
            '--bootstrap-service-name', 'keystone',
            '--bootstrap-region-id', s.REGION,
            '--bootstrap-admin-url', s.url('keystone'),
            '--bootstrap-public-url', s.url('keystone'),
            '--bootstrap-internal-url', s.url('keystone')]),
        ('placement', ['placement-manage', '--config-file',
                       configs.etc('placement', 'placement.conf'),
                       'db', 'sync']),
        ('glance', ['glance-manage', '--config-file',
                    configs.etc('glance', 'glance-api.conf'), 'db_sync']),
        ('neutron', ['neutron-db-manage'] + ne + ['upgrade', 'heads']),
        ('nova', ['nova-manage'] + nv + ['api_db', 'sync']),
        ('nova', ['nova-manage'] + nv + ['cell_v2', 'map_cell0']),
        ('nova', ['nova-manage'] + nv + ['cell_v2', 'create_cell',
                                         '--name', 'cell1']),
        ('nova', ['nova-manage'] + nv + ['db', 'sync']),
    ]


def run_all():
    key = util.digest(s.CONSTRAINTS, commands(), sorted(s.PORTS.items()),
                      mariadb.identity())
    if util.marker_ok('dbsync', key):
        util.say('    schemas up to date (marker), skipped')
        return
    chains = {}
    for service, argv in commands():
        chains.setdefault(service, []).append(argv)
    # One chain per service, in order within it; the services' schemas
    # are independent, so the chains run side by side (the migrations
    # are Python on one core each, MariaDB serves them all).
    with concurrent.futures.ThreadPoolExecutor(max_workers=3) as pool:
        for done in [pool.submit(_run_chain, service, chain)
                     for service, chain in chains.items()]:
            done.result()
    cells.use_templates()
    util.marker_set('dbsync', key)


def _run_chain(service, chain):
    log = procs.log_path('dbsync-' + service)
    for argv in chain:
        if argv[-2:] == ['--name', 'cell1'] and cells.has_cell1():
            # create_cell compares literal URLs with the stored templates
            # and would add a second cell1.
            continue
        argv = [util.vbin(argv[0])] + argv[1:]
        # create_cell exits 2 when the cell already exists: fine.
        env = {'PATH': s.VBIN + ':' + os.environ['PATH']}
        if 'bootstrap' in argv:
            env['OS_BOOTSTRAP_PASSWORD'] = s.ADMIN_PASSWORD
        rc = util.run(argv, log=log, check=False, env=env)
        if rc != 0 and not (argv[-2:] == ['--name', 'cell1'] and rc == 2):
            raise util.Failure('%s failed (rc=%d)\n%s' % (
                ' '.join(argv[:1] + argv[-2:]), rc, util.tail(log)))
