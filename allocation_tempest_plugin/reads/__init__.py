

"""The read layer: one way to ask the cloud its questions.

Compute services and their state, paging, Placement allocations
in one shape, and waiting with a deadline.
"""
