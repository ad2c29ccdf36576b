# Licensed under the Apache License, Version 2.0 (the "License"); you may
# not use this file except in compliance with the License. You may obtain
# a copy of the License at
#
#      http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
# WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the
# License for the specific language governing permissions and limitations
# under the License.

"""A Nova and a Placement in memory that behave as the real ones do.

nova.Nova and placement.Placement answer (method, path, query, body) with
(status, body) as Nova 34 and Placement 16 do for the plugin's calls: paging,
hostname patterns, filters, multi-create, server actions (server_actions.py),
local delete when the compute is forced down, COMPUTE_STATUS_DISABLED on a
disabled compute's provider (which the scheduler refuses). cloud.build()
fills them with a cloud of any size; http serves them on 127.0.0.1
(tools/bench/scale.py) with real Tempest clients logged in by
tempest_clients.Manager (test_shared_hold.py); other unit tests call them
directly.
"""
