"""matplotlib for the bench charts, pinned like the local cloud's venv.

bench.py runs with the local cloud's venv Python, scale.py with the tox
env's: each installs the same pinned chart library into its own Python
the first time it draws.
"""

import os
import subprocess
import sys

CONSTRAINTS = os.path.join(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))), 'local-cloud', 'constraints.txt')
PACKAGES = ('matplotlib==3.11.2', 'pillow==12.3.0')


def pyplot():
    """matplotlib.pyplot with the Agg backend, installed if missing."""
    try:
        import matplotlib
    except ImportError:
        subprocess.run([sys.executable, '-m', 'pip', 'install', '-q', '-c',
                        CONSTRAINTS] + list(PACKAGES), check=True)
        import matplotlib
    matplotlib.use('Agg')
    from matplotlib import pyplot as plot
    return plot
