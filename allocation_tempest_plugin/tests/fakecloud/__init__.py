"""A Nova and a Placement in memory that behave as the real ones do.

nova.Nova and placement.Placement answer (method, path, query, body) with
(status, body) the way Nova 34 and Placement 16 do for the calls the plugin
makes: paging with limit and marker and a next link only on a full page,
hypervisor_hostname_pattern as a SQL LIKE '%pattern%', servers filtered by
host only for an admin, local delete when the compute is forced down.
cloud.build() fills them with a cloud of any size; http serves them on
127.0.0.1 (tools/bench/scale.py), the unit tests call them directly.
"""
