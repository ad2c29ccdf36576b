"""tempest.conf overrides for one run: `cloud run --set SECTION.KEY=VALUE`.

The cloud's own tempest.conf is never changed (a later `cloud run` must
not inherit a test's broken stop command): the run gets a copy with the
overrides, 0600 like the original (it holds the admin password), in the
workspace's etc/ under a name of its own, and `tempest run --config-file`
points every worker at it. The copy is removed when the run ends, on
Ctrl-C too; one left by a killed harness is inert, nothing reads it.
"""
import argparse
import configparser
import contextlib
import os
import tempfile

from localcloud import settings as s
from localcloud import util


def parse(item):
    """'SECTION.KEY=VALUE' -> (section, key, value): `run --set`'s type."""
    name, sep, value = item.partition('=')
    section, dot, key = name.rpartition('.')
    if not sep or not dot or not section or not key:
        # argparse names the option and prints run's usage.
        raise argparse.ArgumentTypeError(
            'wants SECTION.KEY=VALUE, not %r' % item)
    return section, key, value


def describe(overrides):
    return ['%s.%s=%s' % o for o in overrides]


@contextlib.contextmanager
def copy_with(overrides, base=s.TEMPEST_CONF):
    """The path of base with overrides applied (base itself if none)."""
    if not overrides:
        yield base
        return
    conf = configparser.RawConfigParser()
    conf.optionxform = str  # keys as written
    with open(base) as f:
        conf.read_file(f)
    for section, key, value in overrides:
        if section != 'DEFAULT' and not conf.has_section(section):
            conf.add_section(section)
        conf.set(section, key, value)
    fd, path = tempfile.mkstemp(prefix='tempest-set-', suffix='.conf',
                                dir=os.path.dirname(base))  # mode 0600
    try:
        with os.fdopen(fd, 'w') as f:
            conf.write(f)
        for line in describe(overrides):
            util.say('tempest.conf override for this run: %s' % line)
        yield path
    finally:
        with contextlib.suppress(OSError):
            os.unlink(path)
