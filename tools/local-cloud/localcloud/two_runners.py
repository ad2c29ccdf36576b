"""`cloud two-runners`: two Tempest runners on one cloud (issue 12.5).

Two `tempest run`s, each with its own workspace and its own
[oslo_concurrency] lock_path (so Tempest's serial lock does not separate
them, as with two Zuul jobs on one cloud), the destructive options on,
started together, both selecting the plugin's DESTRUCTIVE selection.
Prints each test's outcome for both runners and the compute services
before and after.
Exit 1 if any test failed or any compute service did not end as it began.

    cloud two-runners [--settles A,B] [--disruptable-b HOSTS]

--settles A,B: [allocation] claim_settle_seconds of runner a and runner b
(e.g. 3,0: a runner that settles meets one that claims without settling).
--disruptable-b HOSTS: runner b's [allocation] disruptable_hosts (a comma
list; '' writes it empty). The guard honours a settle of 0 only where
disruptable_hosts names the hosts (guard/claim.py), so `--settles 3,0
--disruptable-b ''` has runner b settle the shared minimum instead.
Without --settles both runners settle 3 s (the plugin's shared-cloud
default): the cloud's own tempest.conf says 0, for one runner on hosts it
names as its own, which two runners on those same hosts are not.
"""
import argparse
import configparser
import io
import os
import shutil
import threading
import time

from localcloud import api
from localcloud import runs
from localcloud import settings as s
from localcloud import util

RUNNERS = ('a', 'b')
# The plugin's default claim_settle_seconds, for runners that share hosts.
SHARED_SETTLE = 3.0
FIELDS = ('status', 'forced_down', 'state', 'disabled_reason')


def add_parser(subparsers):
    parser = subparsers.add_parser(
        'two-runners', help='two tempest runs of the destructive plugin '
                            'tests, started together; per-test outcome and '
                            'compute services before/after',
        description=__doc__.split('\n\n')[1].replace('\n', ' '))
    parser.add_argument('--settles', type=_settles, metavar='A,B',
                        help='[allocation] claim_settle_seconds of runner a '
                             'and runner b (default: %g each)' %
                             SHARED_SETTLE)
    parser.add_argument('--disruptable-b', metavar='HOSTS',
                        help="runner b's [allocation] disruptable_hosts "
                             "(comma list; '' for none)")
    parser.set_defaults(command=main)
    return parser


def _settles(text):
    """'A,B' -> (A, B), two non-negative numbers of seconds."""
    parts = text.split(',')
    try:
        values = tuple(float(part) for part in parts)
    except ValueError:
        values = ()
    # Written as comparisons so that nan fails them too.
    if len(values) != 2 or not all(0 <= v < float('inf') for v in values):
        raise argparse.ArgumentTypeError(
            'wants A,B: two seconds >= 0 (runner a, runner b), not %r'
            % text)
    return values


def overrides(opts):
    """runner -> [(key, value)] to set in its [allocation] group."""
    chosen = {name: [] for name in RUNNERS}
    # The cloud's tempest.conf settles 0 (one runner); two runners share.
    settles = opts.settles if opts.settles is not None else (
        SHARED_SETTLE, SHARED_SETTLE)
    for name, seconds in zip(RUNNERS, settles):
        chosen[name].append(('claim_settle_seconds', '%g' % seconds))
    if opts.disruptable_b is not None:
        # Spaces around the commas are the user's, not part of a host.
        hosts = [h.strip() for h in opts.disruptable_b.split(',')
                 if h.strip()]
        chosen['b'].append(('disruptable_hosts', ','.join(hosts)))
    return chosen


def workspace(name, allocation=()):
    """runner-NAME/: tempest.conf with its own lock_path and log_dir.

    allocation: (key, value) pairs set in its [allocation] group.
    """
    ws = os.path.join(s.TWO_RUNNERS_DIR, 'runner-' + name)
    for sub in ('etc', 'logs', 'lock'):  # tempest fails discovery without
        os.makedirs(os.path.join(ws, sub), exist_ok=True)  # its log_dir
    shutil.copyfile(os.path.join(s.TEMPEST_DIR, '.stestr.conf'),
                    os.path.join(ws, '.stestr.conf'))
    conf = configparser.RawConfigParser()
    conf.read(s.TEMPEST_CONF)
    conf.set('oslo_concurrency', 'lock_path', os.path.join(ws, 'lock'))
    conf.set('DEFAULT', 'log_dir', os.path.join(ws, 'logs'))
    if allocation and not conf.has_section('allocation'):
        conf.add_section('allocation')
    for key, value in allocation:
        conf.set('allocation', key, value)
    text = io.StringIO()
    conf.write(text)
    path = os.path.join(ws, 'etc', 'tempest.conf')
    util.write(path, text.getvalue())  # 0600: the admin password is in it
    return ws, path


def services():
    return {svc['host']: {k: svc.get(k) for k in FIELDS}
            for svc in api.compute_services()}


def show_services(title, svcs):
    util.say(title)
    header = ('host', 'status', 'forced_down', 'state', 'disabled_reason')
    util.say('    %-10s %-9s %-12s %-6s %s' % header)
    for host in sorted(svcs):
        v = svcs[host]
        util.say('    %-10s %-9s %-12s %-6s %s' % (
            host, v['status'], v['forced_down'], v['state'],
            v['disabled_reason']))


def main(opts):
    if not os.path.exists(s.TEMPEST_CONF):
        util.die('no tempest.conf yet: run `%s up` first' % s.HARNESS)
    before = services()
    show_services('compute services before:', before)
    chosen = overrides(opts)
    spaces = {name: workspace(name, chosen[name]) for name in RUNNERS}
    for name in RUNNERS:
        # Said up front: the outcome table means little without it.
        util.say('runner %s: %s' % (name, ', '.join(
            '[allocation] %s = %r' % item for item in chosen[name]) or
            "the cloud's tempest.conf [allocation] as it is"))
    # The classes that contend for hosts; the whole destructive selection
    # twice would take half an hour on two cores.
    regex = s.plugin_selection('CONTENDED')
    util.say('both runners: tempest run --regex %s' % regex)
    summaries = {}

    def one(name):
        ws, conf = spaces[name]
        summaries[name] = runs.run('two-runners-' + name,
                                   regex, workspace=ws,
                                   conf=conf, echo=False, with_audit=False)

    t0 = time.monotonic()
    threads = [threading.Thread(target=one, args=(n,)) for n in RUNNERS]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.monotonic() - t0
    # A compute restarted at the very end heartbeats within report_interval
    # of its start: wait for the end state with a deadline, not a sleep.
    try:
        after = util.wait_for(lambda: _same(before), 2 * s.SERVICE_DOWN_TIME,
                              interval=2, what='services as before')
    except util.Failure:
        after = services()
    show_services('compute services after:', after)
    failed = _outcomes(summaries)
    changed = sorted(h for h in before if before[h] != after.get(h))
    util.say('two runners in %.0fs; logs: %s' % (
        wall, ', '.join(summaries[n]['run_dir'] for n in RUNNERS)))
    if changed:
        util.say('FAILED: compute services not as they began: %s' %
                 ', '.join(changed))
    if failed:
        util.say('FAILED: %d test(s) failed' % failed)
    return 1 if failed or changed else 0


def _same(before):
    now = services()
    return now if now == before else None


def _outcomes(summaries):
    """Print each test's outcome per runner; return the number failed."""
    results = {}
    for name in RUNNERS:
        path = os.path.join(summaries[name]['run_dir'], 'results.json')
        results[name] = runs.load_results(path)
    tests = sorted(set().union(*results.values()))
    util.say('per-test outcome (runner a | runner b):')
    failed = 0
    for test_id in tests:
        cells = []
        for name in RUNNERS:
            r = results[name].get(test_id)
            cells.append(r['status'] if r else '-')
            failed += bool(r and r['status'] == 'fail')
        util.say('    %-5s %-5s %s' % (cells[0], cells[1], test_id))
    for name in RUNNERS:
        for test_id, r in sorted(results[name].items()):
            if r['status'] in ('fail', 'skip') and r['reason']:
                util.say('  runner %s %s %s: %s' % (
                    name, r['status'], test_id,
                    r['reason'].strip().splitlines()[-1][:300]))
        if not results[name]:
            util.say('  runner %s: no results (exit %s), see %s' % (
                name, summaries[name]['rc'], summaries[name]['run_dir']))
            failed += 1
    return failed
