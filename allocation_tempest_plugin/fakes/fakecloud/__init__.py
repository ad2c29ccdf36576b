"""A Nova and a Placement in memory that behave as the real ones do.

nova.Nova and placement.Placement answer (method, path, query, body) with
(status, body) as Nova 34 and Placement 16 do for the plugin's calls: paging,
hostname patterns, filters, multi-create, server actions (server_actions.py),
local delete when the compute is forced down. cloud.build() fills them with
a cloud of any size; http serves them on 127.0.0.1 (tools/bench/scale.py)
with real Tempest clients logged in by tempest_clients.Manager
(test_shared_hold.py); other unit tests call them directly.
"""
