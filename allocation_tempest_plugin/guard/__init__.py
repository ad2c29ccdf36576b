

"""The guard: the only code that changes a compute service's state.

Claim, lend, hold, restore and recover a compute host, with the marker,
the deadline and the signals that make every way out end in a restore.
"""
