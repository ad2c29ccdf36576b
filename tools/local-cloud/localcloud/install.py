"""Debian packages, the venv, pinned PyPI packages, the plugin (editable)."""
import os
import shutil
import subprocess

from localcloud import libvirt
from localcloud import procs
from localcloud import settings as s
from localcloud import util

BINDALL_SRC = os.path.join(s.HARNESS_DIR, 'ml2-bindall')
BINDALL_DIST = 'localcloud_ml2_bindall-1.0.0.dist-info'


def _missing_packages(packages):
    p = subprocess.run(['dpkg-query', '-W', '-f', '${Package} ${Status}\n']
                       + packages, capture_output=True, text=True)
    ok = {line.split()[0] for line in p.stdout.splitlines()
          if line.endswith(' installed')}
    return [pkg for pkg in packages if pkg not in ok]


def apt_packages(virt=s.DEFAULT_VIRT):
    """The Debian packages `up` needs: libvirt's too on --virt libvirt."""
    extra = libvirt.APT_PACKAGES if virt == 'libvirt' else []
    return list(s.APT_PACKAGES) + extra


def apt(virt=s.DEFAULT_VIRT):
    """One apt-get for all of them (two would wait on one dpkg lock)."""
    packages = apt_packages(virt)
    missing = _missing_packages(packages)
    if not missing:
        util.say('    present: ' + ', '.join(packages))
        return
    util.say('    installing: ' + ', '.join(missing))
    log = procs.log_path('apt')
    env = {'DEBIAN_FRONTEND': 'noninteractive'}
    util.run(['apt-get', 'update', '-q'], log=log, env=env)
    # policy-rc.d or no systemd: the packages' own services are not started;
    # we never use them, the harness runs its own instances.
    util.run(['apt-get', 'install', '-y', '-q', '--no-install-recommends']
             + missing, log=log, env=env)


def site_packages():
    code = 'import sysconfig; print(sysconfig.get_paths()["purelib"])'
    out = util.run([util.vbin('python'), '-c', code])
    return out.strip()


def _installer():
    """uv pip install into the release's venv (uv itself put there by pip)."""
    return [util.vbin('uv'), 'pip', 'install', '-q', '--python',
            util.vbin('python')]


def pip_command():
    """What `up` runs to fill the release's venv (settings.use_release)."""
    return _installer() + ['-c', s.CONSTRAINTS] + s.PIP_PACKAGES


def plugin_command():
    """What `up` runs to install the repository into the release's venv."""
    return _installer() + ['-c', s.CONSTRAINTS, '-e', s.REPO_ROOT]


def libvirt_command():
    """What `up --virt libvirt` runs: libvirt-python into the release's venv.

    Pinned by the release's constraints like everything else there; it
    builds against Debian's libvirt-dev, so it runs after apt (not in
    pip_command, whose packages every cloud needs).
    """
    return _installer() + ['-c', s.CONSTRAINTS] + libvirt.PIP_PACKAGES


def libvirt_python():
    key = util.digest(s.CONSTRAINTS, libvirt.PIP_PACKAGES)
    marker = s.venv_marker('libvirt-python')
    if util.marker_ok(marker, key):
        util.say('    libvirt-python installed: ' + s.VENV)
        return
    log = procs.log_path('pip-libvirt')
    ensure_uv(log)
    util.run(libvirt_command(), log=log)
    util.marker_set(marker, key)
    util.say('    libvirt-python installed (%s)' % os.path.relpath(
        s.CONSTRAINTS, s.REPO_ROOT))


def ensure_uv(log):
    if not os.path.exists(util.vbin('uv')):
        util.run([util.vbin('pip'), 'install', '-q', s.UV], log=log)


def venv():
    """The release's venv with its pinned packages (one venv a release)."""
    key = util.digest(s.CONSTRAINTS, s.PIP_PACKAGES)
    marker = s.venv_marker('pip')
    if os.path.exists(util.vbin('python')) and util.marker_ok(marker, key):
        util.say('    venv up to date: ' + s.VENV)
        return
    log = procs.log_path('pip')
    if not os.path.exists(util.vbin('python')):
        util.run([_base_python(), '-m', 'venv', s.VENV], log=log)
    ensure_uv(log)
    util.run(pip_command(), log=log)
    util.marker_set(marker, key)


def _base_python():
    # A Python 3.11 (what every release's constraints were resolved for).
    for cand in (os.environ.get('LOCAL_CLOUD_PYTHON'),
                 shutil.which('python3.11'), '/usr/bin/python3.11'):
        if cand and os.path.exists(cand):
            return cand
    raise util.Failure('no python3.11 found (set LOCAL_CLOUD_PYTHON)')


def bindall():
    """Register ml2-bindall's entry point in the venv (no build needed)."""
    sp = site_packages()
    util.write(os.path.join(sp, 'localcloud_ml2_bindall.pth'),
               BINDALL_SRC + '\n', mode=0o644)
    dist = os.path.join(sp, BINDALL_DIST)
    util.write(os.path.join(dist, 'METADATA'),
               'Metadata-Version: 2.1\nName: localcloud-ml2-bindall\n'
               'Version: 1.0.0\n', mode=0o644)
    util.write(os.path.join(dist, 'entry_points.txt'),
               '[neutron.ml2.mechanism_drivers]\n'
               'bindall = ml2_bindall.driver:BindAllMechanismDriver\n',
               mode=0o644)
    util.write(os.path.join(dist, 'RECORD'), '', mode=0o644)


def plugin():
    """pip install -e the repository (skipped until setup.cfg exists)."""
    setup_cfg = os.path.join(s.REPO_ROOT, 'setup.cfg')
    if not os.path.exists(setup_cfg):
        util.say('    %s missing: plugin not installed yet (next up will '
                 'retry)' % setup_cfg)
        return False
    # The repo path is part of the key: another clone (CI) reinstalls.
    key = util.digest(s.REPO_ROOT, setup_cfg,
                      os.path.join(s.REPO_ROOT, 'setup.py'),
                      os.path.join(s.REPO_ROOT, 'requirements.txt'))
    marker = s.venv_marker('plugin')
    if util.marker_ok(marker, key) and _plugin_visible():
        util.say('    plugin installed (editable): ' + s.REPO_ROOT)
        return True
    log = procs.log_path('pip-plugin')
    ensure_uv(log)
    rc = util.run(plugin_command(), log=log, check=False)
    if rc != 0 or not _plugin_visible():
        util.say('    WARNING: plugin install failed, tempest will not see '
                 'it (see %s):\n%s' % (log, util.tail(log, 15)))
        return False
    util.marker_set(marker, key)
    util.say('    plugin installed (editable): ' + s.REPO_ROOT)
    return True


def _plugin_visible():
    code = ('import importlib.metadata as m; '
            'print([e.name for e in m.entry_points('
            'group="tempest.test_plugins")])')
    p = subprocess.run([util.vbin('python'), '-c', code],
                       capture_output=True, text=True)
    return p.returncode == 0 and p.stdout.strip() not in ('', '[]')
