"""`cloud smoke` and `cloud run-defaults`: venv_scripts/*.py, venv python."""
import os
import subprocess

from localcloud import settings as s
from localcloud import util

SCRIPTS = os.path.join(s.HARNESS_DIR, 'venv_scripts')


def main(script='smoke.py'):
    if not os.path.exists(util.vbin('python')):
        util.die('no venv yet: run `%s up` first' % s.HARNESS)
    return subprocess.call([util.vbin('python'),
                            os.path.join(SCRIPTS, script)])
