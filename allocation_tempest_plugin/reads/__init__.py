

"""The read layer: one way to ask the cloud its questions.

Compute services and their state, and waiting with a deadline.
"""
