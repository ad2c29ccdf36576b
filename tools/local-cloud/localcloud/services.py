"""OpenStack service processes: APIs under uwsgi, nova daemons, computes."""
import os

from localcloud import nova_conf
from localcloud import procs
from localcloud import settings as s
from localcloud import util

# name: (wsgi module, config env vars, processes, threads, health path)
APIS = {
    'keystone': ('keystone.wsgi.api:application',
                 {'OS_KEYSTONE_CONFIG_DIR': 'keystone',
                  'OS_KEYSTONE_CONFIG_FILES': 'keystone.conf'},
                 1, 4, '/v3'),
    'placement': ('placement.wsgi.api:application',
                  {'OS_PLACEMENT_CONFIG_DIR': 'placement'}, 1, 4, '/'),
    'glance': ('glance.wsgi.api:application',
               {'OS_GLANCE_CONFIG_DIR': 'glance'}, 1, 2, '/versions'),
    'neutron': ('neutron.wsgi.api:application',
                {'OS_NEUTRON_CONFIG_DIR': 'neutron',
                 'OS_NEUTRON_CONFIG_FILES': 'neutron.conf;ml2_conf.ini'},
                1, 2, '/'),
    'nova-api': ('nova.wsgi.osapi_compute:application',
                 {'OS_NOVA_CONFIG_DIR': 'nova',
                  # nova reads the paste config from the FIRST file
                  'OS_NOVA_CONFIG_FILES': 'api-paste.ini;nova.conf'},
                 1, 4, '/'),
}
DAEMONS = ['nova-conductor', 'nova-scheduler']


def _env(cfg_env):
    env = {}
    for key, value in cfg_env.items():
        env[key] = os.path.join(s.ETC, value) if key.endswith('_DIR') \
            else value
    # Services find the venv's tools (privsep, rootwrap) first.
    env['PATH'] = s.VBIN + ':' + os.environ.get('PATH', '')
    return env


def workers(name):
    """(processes, threads) of an API's uwsgi for the running release."""
    _, _, nproc, nthreads, _ = APIS[name]
    if name == 'nova-api' and s.RELEASE.nova_api_eventlet:
        # One eventlet hub per process (settings.Release): as many
        # requests at once as before, each in a process of its own.
        return nproc * nthreads, 1
    return nproc, nthreads


def start_api(name):
    module, cfg_env, _, _, _ = APIS[name]
    nproc, nthreads = workers(name)
    argv = [util.vbin('uwsgi'),
            '--master', '--need-app', '--lazy-apps', '--die-on-term',
            '--enable-threads', '--thunder-lock', '--single-interpreter',
            # --http-socket does not do keep-alive: clients that reuse a
            # connection get a reset unless told to close it.
            '--add-header', 'Connection: close',
            '--http-socket', '%s:%d' % (s.HOST, s.PORTS[name]),
            '--virtualenv', s.VENV,
            '--module', module,
            '--processes', str(nproc), '--threads', str(nthreads),
            '--buffer-size', '65535',
            '--procname-prefix-spaced', 'localcloud-' + name,
            '--disable-logging', '--log-4xx', '--log-5xx',
            '--worker-reload-mercy', '5', '--reload-mercy', '5']
    return procs.launch(name, argv, env=_env(cfg_env),
                        config=_config_digest(*_api_config_files(cfg_env)))


def _api_config_files(cfg_env):
    """The files an API reads: OS_*_CONFIG_FILES, else its whole dir."""
    config_dir = [os.path.join(s.ETC, v) for k, v in cfg_env.items()
                  if k.endswith('_DIR')][0]
    names = [v for k, v in cfg_env.items() if k.endswith('_FILES')]
    if not names:
        return [config_dir]
    return [os.path.join(config_dir, f) for f in names[0].split(';')]


def _config_digest(*paths):
    """Digest of config files (a directory: every file in it)."""
    files = []
    for path in paths:
        if os.path.isdir(path):
            files += [os.path.join(path, f) for f in sorted(os.listdir(path))
                      if not f.endswith('.tmp')]
        else:
            files.append(path)
    return util.digest(*files)


def api_healthy(name):
    path = APIS[name][4]
    status = util.http_status(s.url(name, path))
    return status is not None and status < 400


def start_daemon(name):
    argv = [util.vbin(name), '--config-file', nova_conf.path('nova')]
    return procs.launch(name, argv, env=_env({}),
                        config=_config_digest(nova_conf.path('nova')))


def compute_name(host):
    return 'nova-compute-' + host


def start_compute(host):
    seed_compute_id(host)
    argv = [util.vbin('nova-compute'), '--config-file', nova_conf.path(host)]
    return procs.launch(compute_name(host), argv, env=_env({}),
                        config=_config_digest(nova_conf.path(host)))


def seed_compute_id(host):
    """Write $state_path/compute_id from the DB when it is missing.

    FakeDriverWithoutFakeNodes keeps a stable node uuid in that file; if the
    file is lost but the DB has the node, nova-compute refuses to start
    ("No local node identity found, but this is not our first startup").
    """
    path = os.path.join(nova_conf.compute_state(host), 'compute_id')
    if os.path.exists(path):
        return
    from localcloud import mariadb
    rows = mariadb.query(
        "SELECT uuid FROM nova.compute_nodes WHERE host='%s' AND deleted=0 "
        "ORDER BY id DESC LIMIT 1" % host)
    if rows:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        util.write(path, rows[0][0] + '\n')
        util.say('    seeded %s from the DB: %s' % (path, rows[0][0]))


def check_alive(name):
    rec = procs.load(name)
    if not procs.alive(rec):
        raise util.Failure('%s is not running\n%s' % (
            name, util.tail(procs.log_path(name))))
    return rec


def wait_api(name, timeout=120):
    def ok():
        check_alive(name)
        return api_healthy(name)
    try:
        util.wait_for(ok, timeout, what='%s to answer' % name)
    except util.Failure as e:
        raise util.Failure('%s did not come up: %s\n%s' % (
            name, str(e).splitlines()[0], util.tail(procs.log_path(name))))


def all_names():
    names = ['mariadb', 'epmd', 'rabbitmq'] + list(APIS) + DAEMONS
    return names + [compute_name(h) for h in s.COMPUTE_HOSTS]
