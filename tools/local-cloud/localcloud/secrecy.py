"""Keep passwords out of logs and messages (issue 12.9).

The harness never puts a password in argv (visible in `ps`, copied into the
logs by util.run); what it prints from a failed command or a log tail goes
through redact(). scrub_logs() cleans logs written before that was so.
"""
import json
import os

from localcloud import settings

# Passwords older versions of the harness used and logged (the DB account's
# before it was generated).
RETIRED = ['localcloud-db']


def secret_values():
    """Every password the harness knows: generated ones and Keystone's."""
    try:
        with open(settings.SECRETS) as f:
            values = list(json.load(f).values())
    except (OSError, ValueError):
        values = []
    return values + [settings.ADMIN_PASSWORD, settings.SERVICE_PASSWORD,
                     settings.MEMBER_PASSWORD]


def redact(text):
    for value in secret_values():
        text = text.replace(value, '***')
    return text


def scrub_logs():
    """Overwrite every known password in logs/ with '*' of equal length.

    Equal length, in place: services append to these files through open
    descriptors, so the file must keep its inode and its size.
    Returns the names of the files that held one.
    """
    values = [v.encode() for v in secret_values() + RETIRED if v]
    scrubbed = []
    for root, _dirs, files in os.walk(settings.LOGS):
        for name in files:
            path = os.path.join(root, name)
            if _scrub(path, values):
                scrubbed.append(os.path.relpath(path, settings.LOGS))
    return scrubbed


def _scrub(path, values):
    try:
        with open(path, 'rb') as f:
            data = f.read()
    except OSError:
        return False
    hits = []
    for value in values:
        pos = data.find(value)
        while pos >= 0:
            hits.append((pos, len(value)))
            pos = data.find(value, pos + 1)
    if not hits:
        return False
    with open(path, 'r+b') as f:
        for pos, length in hits:
            f.seek(pos)
            f.write(b'*' * length)
    return True
