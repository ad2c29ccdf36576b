

"""The read layer: one way to ask the cloud its questions.

The client factory (one login, its microversions), compute services
and their state, and waiting with a deadline.
"""
