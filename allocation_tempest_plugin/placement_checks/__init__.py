

"""The Placement truth: what a test expects back, and what leaked.

Snapshots of the providers and consumers a test uses, the leak report an
operator reads, the capacity check, orphans, and Nova's known defects.
"""
