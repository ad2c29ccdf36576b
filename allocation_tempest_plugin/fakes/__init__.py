

"""Fake clouds for the unit tests and the tools: not a test package.

fakecloud behaves like Nova and Placement (nova-behaviour.md); hostile
serves malformed answers to check that every read is validated.
"""
