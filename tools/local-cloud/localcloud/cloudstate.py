"""What `up` recorded about the cloud (settings.CLOUD_JSON).

Keys: release, compute_max_microversion, restart_mode,
shelved_offload_time, virt. The modes persist: `up` without --restart-mode
(--shelved-offload-time) keeps the recorded one, so a `cloud run` after
`up --restart-mode immediate` runs in that mode until an `up` changes it.
So does the release: `up` without --release keeps the one the state dir's
data belongs to (the default release when none is recorded: every state
dir made before releases existed), and every command uses its venv.
So does the virt driver: `up` without --virt keeps the recorded one
(fake when none is recorded), and `down` and `status` read it.
"""
import json
import os

from localcloud import settings as s
from localcloud import util


def load():
    try:
        with open(s.CLOUD_JSON) as f:
            return json.load(f)
    except (OSError, ValueError):
        return {}


def update(**values):
    state = load()
    state.update(values)
    util.write(s.CLOUD_JSON, json.dumps(state, indent=1, sort_keys=True),
               mode=0o644)
    return state


def restart_mode(requested=None):
    """The mode to use: the one asked for, else the recorded one."""
    return requested or load().get('restart_mode') or s.DEFAULT_RESTART_MODE


def shelved_offload_time(requested=None):
    """The one asked for (0 counts), else the recorded one, else Nova's."""
    if requested is not None:
        return requested
    return load().get('shelved_offload_time', s.DEFAULT_SHELVED_OFFLOAD_TIME)


def virt(requested=None):
    """The computes' virt driver: the one asked for, else the recorded.

    One this harness does not know (written by another version) is the
    default's, as an unknown recorded release is.
    """
    value = requested or load().get('virt')
    return value if value in s.VIRTS else s.DEFAULT_VIRT


def release(requested=None):
    """The release `up` brings up: the one asked for, else the recorded."""
    return requested or s.recorded_release()


def databases_present():
    """The service databases that exist in this state dir's MariaDB datadir.

    Read from the datadir (one directory per database), so that it needs
    no running MariaDB.
    """
    datadir = os.path.join(s.DATA, 'mysql')
    return [name for name in s.DATABASES
            if os.path.isdir(os.path.join(datadir, name))]


def check_release(requested):
    """Failure unless `up` may bring release `requested` up in this state dir.

    A cloud's databases belong to the release that created them: there is
    no going back to an older release's code (its schemas are newer), and
    a jump over releases is no upgrade path this harness tests. So a state
    dir with databases changes release only after `down --wipe` (which
    keeps every release's venv), or use another LOCAL_CLOUD_DIR.
    """
    if requested not in s.RELEASES:
        raise util.Failure('unknown release %r (known: %s)' % (
            requested, ', '.join(s.RELEASES)))
    recorded = s.recorded_release()
    if requested == recorded:
        return
    present = databases_present()
    if present:
        raise util.Failure(
            'this state dir (%s) holds the databases of release %s (%s); '
            'release %s cannot use them. Run `%s down --wipe` first (every '
            'release\'s venv is kept), or give the other release its own '
            'LOCAL_CLOUD_DIR.' % (s.STATE, recorded, ', '.join(present),
                                  requested, s.HARNESS))
