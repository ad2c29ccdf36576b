"""Delete what a broken Nova left in Placement, between break-check rows.

A row's test fails on purpose and keeps its leak for the operator to see
(the plugin releases only a known defect's leftovers). The next row must
not meet it: it would turn red for the wrong reason, the plugin's orphan
check instead of its own break. Only consumers that are no server
(GET /servers/{uuid} answers 404) are deleted; between rows nothing is in
progress, no migration among them.
"""
from localcloud import api
from localcloud import util


def clear():
    """Delete every consumer's allocations that no server explains."""
    status, body = api.call('placement', '/resource_providers')
    if status != 200:
        raise util.Failure('GET /resource_providers answered %s' % status)
    for provider in body['resource_providers']:
        status, held = api.call('placement', '/resource_providers/%s/'
                                'allocations' % provider['uuid'])
        if status != 200:
            raise util.Failure('GET allocations of %s answered %s' % (
                provider['name'], status))
        for consumer, allocation in sorted(held['allocations'].items()):
            status, _ = api.call('nova-api', '/servers/%s' % consumer)
            if status != 404:
                continue
            status, _ = api.call('placement', '/allocations/%s' % consumer,
                                 method='DELETE')
            if status not in (204, 404):
                raise util.Failure('DELETE /allocations/%s answered %s' % (
                    consumer, status))
            util.say('deleted leftover %s on %s: %s' % (
                consumer, provider['name'], allocation['resources']))
