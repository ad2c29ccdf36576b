# Licensed under the Apache License, Version 2.0 (the "License"); you may
# not use this file except in compliance with the License. You may obtain
# a copy of the License at
#
#      http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
# WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the
# License for the specific language governing permissions and limitations
# under the License.

"""What each test class costs, drawn: `cloud class-times --chart PNG`.

Reads the JSON `cloud class-times` writes (one series, or before and
after) and draws one horizontal bar per class and series, the serial
classes first, then the serial hold and the whole run's wall time: the
two figures a gate pays.
"""

import json
import sys

import pinned_matplotlib


def rows(series):
    """Labels and, per series, seconds: classes, serial hold, wall."""
    classes = sorted({cls for one in series for cls in one['classes']},
                     key=lambda c: (not c.startswith('serial_tests.'), c))
    labels = [cls.rsplit('.', 1)[-1] for cls in classes] + [
        'serial hold', 'tempest run (wall)']
    values = []
    for one in series:
        hold = sum(v for c, v in one['classes'].items()
                   if c.startswith('serial_tests.'))
        values.append([one['classes'].get(c, 0.0) for c in classes] + [
            hold, one['wall']])
    return labels, values


def draw(data, path):
    pyplot = pinned_matplotlib.pyplot()
    labels, values = rows(data['series'])
    height = 0.8 / len(values)
    figure, axes = pyplot.subplots(figsize=(9, 0.35 * len(labels) + 1.2))
    for n, (one, seconds) in enumerate(zip(data['series'], values)):
        positions = [p + n * height for p in range(len(labels))]
        axes.barh(positions, seconds, height, label=one['label'])
        for p, v in zip(positions, seconds):
            axes.text(v + 2, p, '%.0f' % v, va='center', fontsize=7)
    axes.set_yticks([p + height * (len(values) - 1) / 2
                     for p in range(len(labels))])
    axes.set_yticklabels(labels, fontsize=8)
    axes.invert_yaxis()
    axes.set_xlabel('seconds (median over runs)')
    axes.set_title('what each class costs, setup included')
    axes.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=90)


def main(argv):
    with open(argv[0]) as source:
        draw(json.load(source), argv[1])
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
