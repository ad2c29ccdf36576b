"""`cloud smoke`: run venv_scripts/smoke.py with the venv's python."""
import os
import subprocess

from localcloud import settings as s
from localcloud import util

SCRIPT = os.path.join(s.HARNESS_DIR, 'venv_scripts', 'smoke.py')


def main():
    if not os.path.exists(util.vbin('python')):
        util.die('no venv yet: run `%s up` first' % s.HARNESS)
    return subprocess.call([util.vbin('python'), SCRIPT])
