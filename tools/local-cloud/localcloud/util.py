"""Small helpers: timed steps, running commands, markers, HTTP polling."""
import contextlib
import hashlib
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request

from localcloud import secrecy
from localcloud import settings


class Failure(Exception):
    """A step failed; the message is printed and up exits non-zero."""


def say(msg):
    print(msg, flush=True)


@contextlib.contextmanager
def step(name):
    t0 = time.monotonic()
    say('==> %s' % name)
    try:
        yield
    except BaseException:
        say('<== %s FAILED after %.1fs' % (name, time.monotonic() - t0))
        raise
    say('<== %s (%.1fs)' % (name, time.monotonic() - t0))


def run(cmd, log=None, env=None, check=True, quiet=False, timeout=None,
        stdin_text=None):
    """Run argv; output goes to log (appended) or is captured and returned.

    Secrets go in stdin_text or env, never in argv: argv is visible in `ps`
    and is written to the log.
    """
    full_env = dict(os.environ)
    full_env.update(env or {})
    stdin = stdin_text.encode() if stdin_text is not None else None
    if log:
        os.makedirs(os.path.dirname(log), exist_ok=True)
        with open(log, 'ab') as f:
            f.write(('\n$ %s\n' % ' '.join(cmd)).encode())
            f.flush()
            rc = subprocess.run(cmd, stdout=f, stderr=subprocess.STDOUT,
                                env=full_env, timeout=timeout,
                                input=stdin).returncode
        if check and rc != 0:
            raise Failure(secrecy.redact('command failed (rc=%d): %s\n%s' % (
                rc, ' '.join(cmd), tail(log))))
        return rc
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       env=full_env, timeout=timeout, input=stdin)
    out = p.stdout.decode(errors='replace')
    if check and p.returncode != 0:
        raise Failure(secrecy.redact('command failed (rc=%d): %s\n%s' % (
            p.returncode, ' '.join(cmd), out[-4000:])))
    if not quiet and out.strip() and not check:
        pass
    return out


def vbin(name):
    return os.path.join(settings.VBIN, name)


def tail(path, lines=40):
    try:
        with open(path, 'rb') as f:
            f.seek(0, 2)
            f.seek(max(0, f.tell() - 64 * 1024))
            data = f.read().decode(errors='replace').splitlines()
    except OSError as e:
        return '(no log: %s)' % e
    return secrecy.redact('\n'.join('    | ' + line for line in data[-lines:]))


def digest(*parts):
    h = hashlib.sha256()
    for p in parts:
        if isinstance(p, str) and os.path.isfile(p):
            with open(p, 'rb') as f:
                h.update(f.read())
        else:
            h.update(repr(p).encode())
    return h.hexdigest()


def marker_ok(name, value):
    path = os.path.join(settings.MARKERS, name)
    try:
        with open(path) as f:
            return f.read().strip() == value
    except OSError:
        return False


def marker_set(name, value):
    os.makedirs(settings.MARKERS, exist_ok=True)
    with open(os.path.join(settings.MARKERS, name), 'w') as f:
        f.write(value + '\n')


def marker_clear(name):
    with contextlib.suppress(OSError):
        os.unlink(os.path.join(settings.MARKERS, name))


def http_status(url, timeout=3, headers=None):
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code
    except Exception:
        return None


def wait_for(pred, timeout, interval=0.5, what='condition'):
    deadline = time.monotonic() + timeout
    while True:
        result = pred()
        if result:
            return result
        if time.monotonic() > deadline:
            raise Failure('timed out after %ss waiting for %s' % (timeout,
                                                                  what))
        time.sleep(interval)


def write(path, text, mode=0o600):
    """Write atomically; root-only unless asked (configs hold secrets)."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = path + '.tmp'
    with contextlib.suppress(OSError):
        os.unlink(tmp)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(fd, 'w') as f:
        f.write(text)
    os.chmod(tmp, mode)  # the umask may have removed bits we asked for
    os.replace(tmp, path)


# Directories that hold secrets (configs, the secrets file) or sockets.
PRIVATE_DIRS = (settings.ETC, settings.RUN)


def ensure_dirs():
    for d in (settings.STATE, settings.ETC, settings.LOGS, settings.RUN,
              settings.DATA, settings.MARKERS):
        os.makedirs(d, exist_ok=True)
    for d in PRIVATE_DIRS:
        os.chmod(d, 0o700)


def die(msg, rc=1):
    sys.stderr.write(msg.rstrip() + '\n')
    sys.exit(rc)
