"""`cloud class-times RUN_DIR... [--vs RUN_DIR...]`: what each class costs.

A test's own duration leaves out what its class pays around it: dynamic
credentials, resource_setup (a shared hold's whole story), class
cleanups and tearDownClass. Here a class costs the time from the end of
the previous class on the same stestr worker (or the first test's start)
to the end of its last test, read from each run's results.json (`cloud
run` writes it); a serial class holds Tempest's lock for about that long,
and the serial hold is the sum over the serial classes. With several run
directories the medians are shown; with --vs, a second set beside the
first (before / after); --chart draws it.
"""
import datetime
import json
import os
import statistics
import tempfile

from localcloud import runs
from localcloud import settings as s
from localcloud import util

PACKAGE = 'allocation_tempest_plugin.'
CHART_SCRIPT = os.path.join(s.REPO_ROOT, 'tools', 'bench', 'class_chart.py')


def _time(iso):
    return datetime.datetime.fromisoformat(iso).timestamp()


def class_costs(tests):
    """({class: seconds}, wall seconds) of one run's results.

    A class's time starts when the one before it on its worker ended, or
    when the last class on any worker ended before its first test began
    if that was later: a serial class waits for Tempest's lock, and its
    setup starts only once everything before it is over.
    """
    spans = {}
    for test_id, result in tests.items():
        if not (result.get('start') and result.get('stop')):
            continue
        # "setUpClass (module.Class)" counts for its class.
        name = test_id.split(' (')[-1].rstrip(')') if ' (' in test_id \
            else test_id.rsplit('.', 1)[0]
        if not name.startswith(PACKAGE):
            continue
        first, last, worker = spans.get(name[len(PACKAGE):],
                                        (None, None, None))
        start, stop = _time(result['start']), _time(result['stop'])
        spans[name[len(PACKAGE):]] = (
            start if first is None else min(first, start),
            stop if last is None else max(last, stop),
            worker or result.get('worker'))
    if not spans:
        return {}, 0.0
    run_start = min(first for first, _, _ in spans.values())
    run_end = max(last for _, last, _ in spans.values())
    costs = {}
    for cls, (first, last, worker) in spans.items():
        ended_before = [end for other, (_, end, w) in spans.items()
                        if other != cls and end <= first]
        began = max(ended_before) if ended_before else run_start
        costs[cls] = last - began
    return costs, run_end - run_start


def medians(run_dirs):
    """{class: median seconds}, median wall, runs read."""
    per_class, walls = {}, []
    for run_dir in run_dirs:
        tests = runs.load_results(os.path.join(run_dir, 'results.json'))
        costs, wall = class_costs(tests)
        if not costs:
            continue
        walls.append(wall)
        for cls, seconds in costs.items():
            per_class.setdefault(cls, []).append(seconds)
    return ({cls: statistics.median(values)
             for cls, values in per_class.items()},
            statistics.median(walls) if walls else 0.0, len(walls))


def is_serial(cls):
    return cls.startswith('serial_tests.')


def table(before, after=None):
    """Lines: class, seconds (and after, change), the serial hold, wall."""
    classes = sorted(set(before[0]) | set(after[0] if after else ()),
                     key=lambda c: (not is_serial(c), c))
    lines = []

    def row(label, a, b=None):
        if after is None:
            lines.append('%-44s %7.1f' % (label, a))
        else:
            lines.append('%-44s %7.1f %7.1f %+7.1f' % (label, a, b, b - a))
    if after is None:
        lines.append('%-44s %7s' % ('class (median of %d runs)' % before[2],
                                    'seconds'))
    else:
        lines.append('%-44s %7s %7s %7s' % (
            'class (medians of %d / %d runs)' % (before[2], after[2]),
            'before', 'after', 'change'))
    for cls in classes:
        row(('serial ' if is_serial(cls) else '') + cls.rsplit('.', 1)[-1],
            before[0].get(cls, 0.0), after[0].get(cls, 0.0) if after
            else None)

    def hold(data):
        return sum(v for c, v in data[0].items() if is_serial(c))
    row('serial hold (sum of the serial classes)', hold(before),
        hold(after) if after else None)
    row('tempest run (first start to last stop)', before[1],
        after[1] if after else None)
    return lines


def add_parser(subparsers):
    parser = subparsers.add_parser(
        'class-times', help='what each test class costs, setup included, '
                            'median over runs (before / after with --vs)',
        description=__doc__.split('\n\n')[1].replace('\n', ' '))
    parser.add_argument('runs', nargs='+', metavar='RUN_DIR',
                        help='run directories (`cloud run` writes them)')
    parser.add_argument('--vs', nargs='+', metavar='RUN_DIR', default=None,
                        help='a second set of runs, shown beside the first')
    parser.add_argument('--chart', metavar='PNG', default=None,
                        help='also draw the table (tools/bench/'
                             'class_chart.py, with the venv\'s Python)')
    parser.set_defaults(command=main)
    return parser


def chart_data(before, after=None):
    """The table's figures as class_chart.py reads them."""
    sets = [('before' if after else 'seconds', before)] + (
        [('after', after)] if after else [])
    return {'series': [{'label': '%s (%d runs)' % (label, data[2]),
                        'classes': data[0], 'wall': data[1]}
                       for label, data in sets]}


def draw(path, before, after=None):
    """The chart drawn by the venv's Python (matplotlib lives there)."""
    with tempfile.NamedTemporaryFile('w', suffix='.json') as data:
        json.dump(chart_data(before, after), data)
        data.flush()
        util.run([util.vbin('python'), CHART_SCRIPT, data.name, path])
    print('chart: %s' % path)


def main(opts):
    before = medians(opts.runs)
    after = medians(opts.vs) if opts.vs else None
    print('\n'.join(table(before, after)))
    if opts.chart:
        draw(opts.chart, before, after)
    return 0
