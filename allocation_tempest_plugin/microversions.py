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

"""Every microversion the plugin asks for, and why.

Named for what the version gives. The test classes put them in Tempest's
class attributes (min_microversion, placement_min_microversion); the
plugin's clients send them as their floor (default_microversion); the
tools bind them to the clients they build (reads/clients.py). Nothing
sets them process-wide. The response schemas (services/schemas) keep
their own range bounds: those describe Nova and Placement, not a choice.
"""

# -- compute ---------------------------------------------------------------

# "networks": "none": no test depends on Neutron ports.
NETWORKS_NONE = '2.37'
# Servers embed their flavor, so the audit sizes an allocation without a
# flavor that may be deleted.
EMBEDDED_FLAVOR = '2.47'
# Services have UUIDs, and one PUT /os-services/{id} changes status,
# disabled_reason and forced_down.
SERVICE_UUIDS = '2.53'
# Migrations carry the uuid Placement knows them by (the consumer holding
# the source during a move) and page by limit/marker; includes 2.47.
MIGRATION_UUIDS = '2.59'
# A server boots onto a named host, so the baseline is taken on the
# provider the server will really use.
BOOT_ON_HOST = '2.74'
# Not asked for: from this version an evacuated server ends SHUTOFF.
EVACUATED_SHUTOFF = '2.95'

# -- placement -------------------------------------------------------------

# GET /usages?project_id=: a project's usage.
PROJECT_USAGES = '1.9'
# Allocations carry project, user and consumer generation; the newest
# version whose answers every Placement schema of the plugin knows in
# full (root providers came at 1.14).
CONSUMER_GENERATIONS = '1.28'

# -- identity --------------------------------------------------------------

# Keystone has no microversions: the one schema range starts at v3.0 and
# no version header is sent.
IDENTITY_V3 = '3.0'
