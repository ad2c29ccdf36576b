"""What `up` recorded about the cloud (settings.CLOUD_JSON).

Keys: compute_max_microversion, restart_mode, shelved_offload_time. The
modes persist: `up` without --restart-mode (--shelved-offload-time) keeps
the recorded one, so a `cloud run` after `up --restart-mode immediate`
runs in that mode until an `up` changes it.
"""
import json

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
