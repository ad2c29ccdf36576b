"""Launch processes detached, record them, and stop exactly those.

Each launched process gets a record run/NAME.json with its PID and its
start time (field 22 of /proc/PID/stat), so a recycled PID is never signalled.
"""
import json
import os
import signal
import subprocess
import time

from localcloud import settings
from localcloud import util


def _record_path(name):
    return os.path.join(settings.RUN, name + '.json')


def log_path(name):
    return os.path.join(settings.LOGS, name + '.log')


def start_time(pid):
    try:
        with open('/proc/%d/stat' % pid) as f:
            data = f.read()
    except OSError:
        return None
    # comm may contain spaces; fields after the last ')' are fixed.
    fields = data[data.rindex(')') + 2:].split()
    return fields[19]  # field 22 overall: starttime in clock ticks


def _state(pid):
    try:
        with open('/proc/%d/stat' % pid) as f:
            data = f.read()
    except OSError:
        return None
    return data[data.rindex(')') + 2:].split()[0]


def load(name):
    try:
        with open(_record_path(name)) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def records():
    out = []
    if not os.path.isdir(settings.RUN):
        return out
    for fn in sorted(os.listdir(settings.RUN)):
        if fn.endswith('.json'):
            rec = load(fn[:-5])
            if rec:
                out.append(rec)
    return sorted(out, key=lambda r: r.get('launched', 0))


def alive(rec):
    """True when the recorded process still runs (same PID, same start)."""
    if not rec:
        return False
    pid = rec['pid']
    st = start_time(pid)
    return st is not None and st == rec['starttime'] and _state(pid) != 'Z'


def running(name):
    rec = load(name)
    return rec if alive(rec) else None


def launch(name, argv, env=None, cwd=None, config=None):
    """Start argv detached (own session), logging to logs/NAME.log.

    config: a digest of the files the process reads at start. A running
    process launched with other files (or before digests were recorded) is
    restarted, so a changed config (a rotated password) takes effect.
    """
    rec = running(name)
    if rec and (config is None or rec.get('config') == config):
        return rec
    if rec:
        util.say('    %s: its config changed since it started, restarting'
                 % name)
        stop(name)
    os.makedirs(settings.LOGS, exist_ok=True)
    os.makedirs(settings.RUN, exist_ok=True)
    full_env = dict(os.environ)
    full_env.update(env or {})
    log = open(log_path(name), 'ab')
    log.write(('\n===== %s launching: %s\n' % (
        time.strftime('%Y-%m-%d %H:%M:%S'), ' '.join(argv))).encode())
    log.flush()
    p = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT,
                         stdin=subprocess.DEVNULL, env=full_env, cwd=cwd,
                         start_new_session=True, close_fds=True)
    log.close()
    rec = {'name': name, 'pid': p.pid, 'starttime': start_time(p.pid),
           'argv': argv, 'log': log_path(name), 'launched': time.time(),
           'config': config}
    util.write(_record_path(name), json.dumps(rec, indent=1))
    return rec


def _children_map():
    kids = {}
    for d in os.listdir('/proc'):
        if not d.isdigit():
            continue
        try:
            with open('/proc/%s/stat' % d) as f:
                data = f.read()
        except OSError:
            continue
        ppid = int(data[data.rindex(')') + 2:].split()[1])
        kids.setdefault(ppid, []).append(int(d))
    return kids


def tree(pid, kids=None):
    kids = kids if kids is not None else _children_map()
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(kids.get(p, []))
    return out


def rss_kb(pids):
    total = 0
    for p in pids:
        try:
            with open('/proc/%d/status' % p) as f:
                for line in f:
                    if line.startswith('VmRSS:'):
                        total += int(line.split()[1])
        except OSError:
            pass
    return total


def stop(name, timeout=60):
    """SIGTERM the recorded process (and its tree), SIGKILL after timeout."""
    rec = load(name)
    if not alive(rec):
        _forget(name)
        return False
    pids = tree(rec['pid'])
    starts = {p: start_time(p) for p in pids}
    _signal(rec['pid'], signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and alive(rec):
        time.sleep(0.2)
    if alive(rec):
        util.say('    %s did not exit in %ss, sending SIGKILL' % (
            name, timeout))
    # Leftover descendants (same start time) get killed too.
    for p in pids:
        if start_time(p) is not None and start_time(p) == starts[p]:
            _signal(p, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and alive(rec):
        time.sleep(0.2)
    _forget(name)
    return True


def _signal(pid, sig):
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        pass


def _forget(name):
    try:
        os.unlink(_record_path(name))
    except OSError:
        pass
