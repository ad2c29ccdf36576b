

"""The read layer: one way to ask the cloud its questions.

The client factory (one login, its microversions), compute services
and their state, paging, Placement allocations in one shape, and
waiting with a deadline.
"""
