"""`cloud break-nova`: break Nova on purpose, to watch the plugin go red.

    cloud break-nova apply FAULT [FAULT...]   patch the venv's nova
    cloud break-nova restore                  put every patched file back
    cloud break-nova list                     every fault and what it breaks
    cloud break-nova check [--nova-dir DIR]   every fault's patterns occur
                                              once in the unpatched source
                                              (DIR: a nova package outside
                                              the venv, e.g. an unpacked
                                              wheel of another release)

The faults are data: nova_faults.py (nova-api, nova-conductor) and
nova_faults_compute.py (nova-compute); `list` prints them. This module is
the mechanism only.

Only files inside the local cloud's virtualenv are touched; originals are
kept beside them as *.orig-break-nova. After apply or restore, reload the
services that import the file: nova-api (SIGHUP to its uwsgi master),
nova-conductor and the computes (stopped by PID record, started again),
which this command does. restore also deletes the allocations that
rt-leaks-unit leaked (each compute recorded them in its state_path).
"""

import argparse
import glob
import os
import signal
import subprocess
import threading

from localcloud import api
from localcloud import compute
from localcloud import nova_conf
from localcloud import nova_faults
from localcloud import nova_faults_compute
from localcloud import procs
from localcloud import services
from localcloud import settings as s
from localcloud import util

FAULTS = dict(nova_faults.FAULTS, **nova_faults_compute.FAULTS)
ORIG = '.orig-break-nova'


def nova_dir():
    """The venv's nova package, whatever Python the venv was built with."""
    found = glob.glob(os.path.join(s.VENV, 'lib', 'python3*',
                                   'site-packages', 'nova'))
    if len(found) != 1:
        raise util.Failure('no single nova package in %s: %s (run `%s up` '
                           'first)' % (s.VENV, found, s.HARNESS))
    return found[0]


def _read(path):
    with open(path) as source:
        return source.read()


def patched(name, text, path):
    """text with fault name applied; Failure unless each pattern is once."""
    for number, (old, new) in enumerate(FAULTS[name].replacements, 1):
        found = text.count(old)
        if found != 1:
            raise util.Failure('%s: pattern %d found %d times in %s (not '
                               'once)' % (name, number, found, path))
        text = text.replace(old, new)
    return text


def _reload_api():
    """SIGHUP: uwsgi replaces its workers, which import nova again.

    Returns once no worker of before is left and nova-api answers, so
    that the next request (a test's first) meets the new code.
    """
    master = procs.load('nova-api')['pid']
    old = set(procs.tree(master)) - {master}
    os.kill(master, signal.SIGHUP)
    util.wait_for(lambda: not old & set(procs.tree(master)) and
                  services.api_healthy('nova-api'), 60, interval=0.5,
                  what='nova-api workers reloaded')
    util.say('nova-api reloaded')


def _reload(kinds):
    if 'api' in kinds:
        _reload_api()
    if 'conductor' in kinds:
        # Stop it by its PID record; `cloud up` starts what is missing.
        procs.stop('nova-conductor')
        subprocess.run([s.HARNESS, 'up'], check=True,
                       stdout=subprocess.DEVNULL)
        util.say('nova-conductor restarted')
    if 'compute' in kinds:
        _restart_computes()


def _restart_computes():
    """Every compute restarted at once (each waits for its heartbeat).

    A break-check row restarts them twice; one after the other that was
    most of a row's cost.
    """
    errors = []

    def restart(host):
        try:
            compute.stop(host)
            compute.start(host)
        except BaseException as e:  # util.die raises SystemExit
            errors.append('%s: %r' % (host, e))
    threads = [threading.Thread(target=restart, args=(host,))
               for host in s.COMPUTE_HOSTS]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise util.Failure('restarting the computes: %s' % '; '.join(errors))


def apply(names):
    """Patch every named fault, then reload; Failure if a pattern misses.

    A fault that fails leaves the ones before it applied: `restore`
    puts them back (break-check always restores).
    """
    nova = nova_dir()
    kinds = set()
    for name in names:
        fault = FAULTS[name]
        path = os.path.join(nova, fault.path)
        text = _read(path)
        new = patched(name, text, path)
        if not os.path.exists(path + ORIG):
            with open(path + ORIG, 'w') as backup:
                backup.write(text)
        with open(path, 'w') as target:
            target.write(new)
        kinds.add(fault.kind)
        util.say('applied %s to %s' % (name, path))
    _reload(kinds)


def applied():
    """The files a fault is applied to now (their originals are kept)."""
    nova = nova_dir()
    paths = {os.path.join(nova, fault.path) for fault in FAULTS.values()}
    return sorted(p for p in paths if os.path.exists(p + ORIG))


def restore():
    nova = nova_dir()
    kinds = set()
    for fault in FAULTS.values():
        path = os.path.join(nova, fault.path)
        if os.path.exists(path + ORIG):
            os.replace(path + ORIG, path)
            kinds.add(fault.kind)
            util.say('restored %s' % path)
    _reload(kinds)
    _delete_leaks()


def _delete_leaks():
    """Delete what rt-leaks-unit allocated; nothing in Nova ever would."""
    for host in s.COMPUTE_HOSTS:
        armed = os.path.join(nova_conf.compute_state(host),
                             nova_faults_compute.ARMED_FILE)
        if os.path.exists(armed):
            os.unlink(armed)
        path = os.path.join(nova_conf.compute_state(host),
                            nova_faults_compute.LEAKS_FILE)
        if not os.path.exists(path):
            continue
        for consumer in _read(path).split():
            status, _ = api.call('placement', '/allocations/' + consumer,
                                 method='DELETE')
            if status not in (204, 404):
                raise util.Failure('DELETE /allocations/%s (leaked by '
                                   'rt-leaks-unit on %s) answered %s; '
                                   'listed in %s' % (consumer, host,
                                                     status, path))
            util.say('deleted the allocations of %s (rt-leaks-unit on %s)'
                     % (consumer, host))
        os.unlink(path)


def check(nova=None):
    """Each fault against the unpatched source, nothing written: 0 if ok.

    The patched text must also compile, so a replacement with a broken
    indentation shows here and not as a service that fails to start.
    nova: the nova package to read (default: the venv's).
    """
    nova = nova or nova_dir()
    bad = 0
    for name in sorted(FAULTS):
        path = os.path.join(nova, FAULTS[name].path)
        source = path + ORIG if os.path.exists(path + ORIG) else path
        try:
            compile(patched(name, _read(source), source), source, 'exec')
            util.say('ok       %-26s %s' % (name, FAULTS[name].path))
        except (util.Failure, SyntaxError) as e:
            bad += 1
            util.say('MISSING  %-26s %s' % (name, e))
    return 1 if bad else 0


def show_list():
    for name in sorted(FAULTS):
        fault = FAULTS[name]
        util.say('%-26s [%s] %s: %s' % (name, fault.kind, fault.path,
                                        fault.about))


def add_parser(subparsers):
    parser = subparsers.add_parser(
        'break-nova', help="patch the venv's Nova on purpose, and back",
        description=__doc__.split('\n\n')[3].replace('\n', ' '))
    actions = parser.add_subparsers(dest='action', metavar='ACTION',
                                    required=True)
    apply_parser = actions.add_parser(
        'apply', help="patch the venv's nova with these faults")
    # metavar: the choices are listed by `list`, and in a wrong name's error.
    apply_parser.add_argument('faults', nargs='+', metavar='FAULT',
                              choices=sorted(FAULTS))
    apply_parser.set_defaults(command=apply_command)
    actions.add_parser(
        'restore', help='put every patched file back').set_defaults(
            command=restore_command)
    actions.add_parser(
        'list', help='every fault and what it breaks').set_defaults(
            command=list_command)
    check_parser = actions.add_parser(
        'check', help="every fault's patterns occur once in the unpatched "
                      "source (writes nothing)")
    check_parser.add_argument(
        '--nova-dir', metavar='DIR', type=_nova_package,
        help='a nova package outside the venv, e.g. an unpacked wheel of '
             'another release (no cloud needed)')
    check_parser.set_defaults(command=check_command)
    return parser


def _nova_package(path):
    if not os.path.isfile(os.path.join(path, 'compute', 'api.py')):
        raise argparse.ArgumentTypeError(
            '%s is no nova package (no compute/api.py)' % path)
    return path


def apply_command(opts):
    apply(opts.faults)
    return 0


def restore_command(opts):
    restore()
    return 0


def list_command(opts):
    show_list()
    return 0


def check_command(opts):
    return check(opts.nova_dir)
