"""The kill matrix's rows for the guard's lend mode (kill_matrix.py).

A lend child (kill_matrix.py --lend-child STEP) boots no server. It
claims the host ('disabled'), lends it (the loan recorded under
[oslo_concurrency] lock_path, the service re-enabled: 'lent'; its
compute stopped: 'stopped'), takes it back with one PUT (forced down,
disabled, the marker: 'taken_back') and leaves the block, so the guard
restores ('restoring'). At its step it is sent SIGKILL (then
allocation-tempest-recover --force, which restores from the loan
record while the host is lent), SIGTERM or SIGINT. The deadline row
sends nothing: the child holds at 'stopped' with a 30 s max_seconds
and the guard's own timer restores (the child then exits non-zero).
The take-back faults run the guard through the hostile proxy: the
take-back's answer lost (forwarded, answered after the client's
timeout) or the two service reads after it answered 500.

This module says which rows that makes, the proxy rule of each fault
and where loan records are left. kill_matrix.py runs the rows like its
own and imports this module from beside it (the harness runs
kill_matrix.py from venv_scripts/, so that directory is on sys.path).
"""

import collections
import os
import signal

LEND_STEPS = ('disabled', 'lent', 'stopped', 'taken_back', 'restoring')
SIGNALS = (('SIGKILL', signal.SIGKILL), ('SIGTERM', signal.SIGTERM),
           ('SIGINT', signal.SIGINT), ('SIGHUP', signal.SIGHUP),
           ('SIGALRM', signal.SIGALRM))
# Not a signal: the child holds at DEADLINE_STEP with max_seconds
# DEADLINE_SECONDS and nothing is sent; the guard's own timer restores.
DEADLINE = 'deadline'
DEADLINE_STEP = 'stopped'
DEADLINE_SECONDS = 30
DEFAULT_SIGNALS = ('SIGKILL', 'SIGTERM', 'SIGINT', DEADLINE)
KNOWN_SIGNALS = tuple(name for name, _ in SIGNALS) + (DEADLINE,)
FAULTS = ('takeback-answer-lost', 'takeback-read-500')
# Past the fault child's http_timeout (kill_matrix.HTTP_TIMEOUT, 30 s).
SLOW_SECONDS = 65

# One row: its step and signal/fault columns, the child's arguments, the
# signal sent once it reached the step (None: none) and whether the
# recovery command runs after it.
Plan = collections.namedtuple('Plan', ['step', 'kind', 'child_args',
                                       'signum', 'recover'])


def label(step):
    """A lend row's step column: which mode the row ran in."""
    return 'lend:' + step


def plans(steps, signal_names, faults):
    """The lend rows for these steps, signals (and deadline) and faults."""
    rows = []
    for step in steps:
        for name, signum in SIGNALS:
            if name in signal_names:
                # SIGKILL skips the guard's restore: recovery must do it,
                # from the loan record while the host is lent.
                rows.append(Plan(label(step), name, ('--lend-child', step),
                                 signum, signum == signal.SIGKILL))
        if step == DEADLINE_STEP and DEADLINE in signal_names:
            rows.append(Plan(label(step), DEADLINE, (
                '--lend-child', step,
                '--max-seconds', str(DEADLINE_SECONDS)), None, False))
    for fault in faults:
        rows.append(Plan(label('take_back'), fault,
                         ('--lend-fault-child', fault), None, False))
    return rows


def fault_rule(fault):
    """The hostile proxy rule for a take-back fault."""
    from allocation_tempest_plugin.fakes.hostile import cases
    from allocation_tempest_plugin.fakes.hostile import proxy as hp

    # The take-back PUT: in lend mode the only one that forces the
    # service down (the claim disables, the lend enables, the restore
    # unforces).
    take_back = cases.FORCED
    if fault == 'takeback-answer-lost':
        # Forwarded, so Nova applies it; the answer comes after the
        # client gave up: the guard cannot know what landed.
        method, path, body = take_back
        return hp.Rule(hp.slow(SLOW_SECONDS), method=method, path=path,
                       body=body, times=1, label=fault)
    if fault == 'takeback-read-500':
        # The service reads after the take-back (its claim's re-read).
        return hp.Rule(hp.status_500, path='/os-services\\?',
                       after=take_back, times=2, label=fault)
    raise ValueError('no such take-back fault: %s' % fault)


def loan_records(lock_path):
    """The loan records (file names) under lock_path: none may be left."""
    from allocation_tempest_plugin.guard import loans

    return [os.path.basename(loan.path)
            for loan in loans.LoanBook(lock_path).loans()]
