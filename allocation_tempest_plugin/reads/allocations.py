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

"""Placement's allocations and usages, read and put in one shape.

Placement nests what a consumer holds under "resources", per provider
or per consumer depending on the question. The plugin compares plain
{resource class: amount} dicts, so every listing is reshaped here and
only here:

- a provider's allocations: {consumer: {rc: amount}};
- a consumer's allocations: {provider: {rc: amount}};
- usages: {rc: amount}.

Every read is one call filtered by the API (one provider, one consumer,
one project), so its cost does not grow with the cloud. The clients
validate each answer against its schema before it is reshaped; the
arithmetic on the shapes is placement_checks/placement.py's.
"""


def by_consumer(provider_allocations):
    """{consumer: resources} from a provider's allocations listing."""
    return {consumer: dict(held['resources']) for consumer, held
            in provider_allocations['allocations'].items()}


def by_provider(consumer_allocations):
    """{provider: resources} from GET /allocations/{consumer}.

    A consumer that holds nothing (or never existed) answers {}:
    Placement never answers 404 there (nova-behaviour.md).
    """
    return {rp: dict(held['resources']) for rp, held
            in consumer_allocations['allocations'].items()}


def on_provider(providers_client, rp_uuid):
    """What each consumer holds on the provider rp_uuid."""
    return by_consumer(
        providers_client.list_resource_provider_allocations(rp_uuid))


def of_consumer(allocations_client, consumer_uuid):
    """What consumer_uuid holds on each provider; {} when nothing."""
    return by_provider(allocations_client.list_allocations(consumer_uuid))


def project_of(allocations_client, consumer_uuid):
    """The consumer's project (1.12+), or None once it holds nothing.

    Placement leaves project_id out of an empty answer: a consumer that
    is gone has no project any more.
    """
    return allocations_client.list_allocations(consumer_uuid).get(
        'project_id')


def project_usages(usages_client, project_id):
    """{rc: amount} the project uses (GET /usages?project_id=, 1.9+)."""
    return dict(usages_client.list_usages(project_id)['usages'])
