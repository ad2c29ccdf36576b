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

"""The hostile cases, shared by the unit tests and `cloud hostile`.

Each case names a plugin call, the Rule the proxy applies to it and the
substrings the failure message must hold: the request's URL and the JSON
path of the field, the status, or the timeout. ids fill the templates:
consumer, rp, project, service_id, host.
"""

import collections
import time

from allocation_tempest_plugin.fakes.hostile import proxy as hp
from allocation_tempest_plugin.guard import disruption
from allocation_tempest_plugin.guard import settings

# clients: an object with allocations, providers, usages and services.
# outcome: ERROR, the call fails with the expected text and the service
# ends as found; RESTORED, the guard rides out the fault (restore phase)
# and the service ends as found; MARKED, the restore can never succeed:
# a clear error, the service left marked, and recovery repairs it.
Case = collections.namedtuple('Case', [
    'name', 'api', 'call', 'rule', 'expect', 'writes', 'guard', 'outcome'])
ERROR, RESTORED, MARKED = 'error', 'restored', 'marked'

BAD_TYPE_STATUS = 1


def case(name, api, call, rule, *expect, writes=False, guard=False,
         outcome=ERROR):
    rule.label = name
    return Case(name, api, call, rule, expect, writes, guard, outcome)


def _allocations(c, ids):
    return c.allocations.list_allocations(ids['consumer'])


def _providers(c, ids):
    return c.providers.list_resource_providers()


def _provider_allocations(c, ids):
    return c.providers.list_resource_provider_allocations(ids['rp'])


def _inventories(c, ids):
    return c.providers.list_resource_provider_inventories(ids['rp'])


def _provider_usages(c, ids):
    return c.providers.list_resource_provider_usages(ids['rp'])


def _usages(c, ids):
    return c.usages.list_usages(ids['project'])


def _services(c, ids):
    return c.services.list_services(binary='nova-compute', host=ids['host'])


def _update(c, ids):
    # Sets what the service already has: harmless if it ever got through.
    return c.services.update_service(ids['service_id'], forced_down=False)


def _guard(timeout, interval, settle, restore_timeout):
    guard_settings = settings.GuardSettings(
        wait_timeout=timeout, poll_interval=interval,
        max_disruption_seconds=120, claim_settle_seconds=settle,
        restore_timeout=restore_timeout)

    def run(c, ids):
        with disruption.ComputeDisruption(c.services, ids['host'],
                                          guard_settings):
            pass
    return run


ALLOC = 'placement /allocations/{consumer}'
RPS = 'placement /resource_providers'
RP = 'placement /resource_providers/{rp}'
USAGES = 'placement /usages?project_id={project}'
SERVICES = 'compute /os-services?binary=nova-compute&host={host}'
SERVICE = 'compute /os-services/{service_id}'
PUT = '/os-services/[^/?]+$'
# The force-down PUT arms the restore-phase rules; one GET (the wait for
# "down") still belongs to the disruption.
FORCED = ('PUT', PUT, '"forced_down": true')
UNFORCE = '"forced_down": false'
ENABLE = '"status": "enabled"'
INVALID = 'answered 200 with an invalid body at '


def cases(slow_seconds, guard_timeout=5, guard_interval=0.05,
          claim_settle=0.5, restore_timeout=None):
    """The cases; slow_seconds must exceed the clients' http_timeout."""
    guard = _guard(guard_timeout, guard_interval, claim_settle,
                   restore_timeout or guard_timeout)
    Rule = hp.Rule
    return [
        # -- bodies that break the schema: URL and JSON path ------------
        case('missing key', 'list_allocations', _allocations,
             Rule(hp.missing_key('allocations'), path='/allocations/'),
             ALLOC, INVALID + '$.allocations:'),
        case('wrong type (list)', 'list_allocations', _allocations,
             Rule(hp.wrong_type(('allocations',), []), path='/allocations/'),
             ALLOC, INVALID + '$.allocations:'),
        case('extra nesting', 'list_allocations', _allocations,
             Rule(hp.extra_nesting('allocations'), path='/allocations/'),
             ALLOC, INVALID + "$.allocations: 'allocations' does not match"),
        case('missing uuid', 'list_resource_providers', _providers,
             Rule(hp.missing_key('resource_providers', '*', 'uuid'),
                  path='/resource_providers$'),
             RPS, INVALID + '$.resource_providers[0].uuid:'),
        case('wrong type (str)', 'list_resource_providers', _providers,
             Rule(hp.wrong_type(('resource_providers', '*', 'generation'),
                                '2'), path='/resource_providers$'),
             RPS, INVALID + '$.resource_providers[0].generation:'),
        case('missing generation', 'list_resource_provider_allocations',
             _provider_allocations,
             Rule(hp.missing_key('resource_provider_generation'),
                  path='/allocations$'),
             RP + '/allocations',
             INVALID + '$.resource_provider_generation:'),
        case('wrong type (str)', 'list_resource_provider_inventories',
             _inventories,
             Rule(hp.wrong_type(('inventories', 'VCPU', 'total'), '8'),
                  path='/inventories$'),
             RP + '/inventories', INVALID + '$.inventories.VCPU.total:'),
        case('extra nesting', 'list_resource_provider_inventories',
             _inventories,
             Rule(hp.extra_nesting('inventories', 'VCPU'),
                  path='/inventories$'),
             RP + '/inventories', INVALID + '$.inventories.VCPU'),
        case('wrong type (str)', 'list_usages (provider)', _provider_usages,
             Rule(hp.wrong_type(('usages', 'VCPU'), '0'),
                  path='/resource_providers/.*/usages$'),
             RP + '/usages', INVALID + '$.usages.VCPU:'),
        case('missing key', 'list_usages (project)', _usages,
             Rule(hp.missing_key('usages'), path='^[^?]*/usages\\?'),
             USAGES, INVALID + '$.usages:'),
        case('missing key', 'list_services', _services,
             Rule(hp.missing_key('services', '*', 'forced_down'),
                  path='/os-services\\?'),
             SERVICES, INVALID + '$.services[0].forced_down:'),
        case('wrong type (int)', 'list_services', _services,
             Rule(hp.wrong_type(('services', '*', 'state'),
                                BAD_TYPE_STATUS), path='/os-services\\?'),
             SERVICES, INVALID + '$.services[0].state:'),
        case('extra nesting', 'update_service', _update,
             Rule(hp.extra_nesting('service'), method='PUT', path=PUT),
             SERVICE, INVALID + '$.service.', writes=True),
        # -- bodies that are not JSON at all ----------------------------
        case('non-JSON', 'list_allocations', _allocations,
             Rule(hp.non_json, path='/allocations/'),
             ALLOC, INVALID + '$: not JSON'),
        case('truncated', 'list_resource_providers', _providers,
             Rule(hp.truncated(), path='/resource_providers$'),
             RPS, INVALID + '$: not JSON'),
        case('truncated, long Content-Length',
             'list_resource_provider_inventories',
             _inventories,
             Rule(hp.truncated(honest=False), path='/inventories$'),
             RP + '/inventories', 'failed before a complete answer',
             'IncompleteRead'),
        case('empty 200', 'list_resource_provider_allocations',
             _provider_allocations,
             Rule(hp.empty_200, path='/allocations$'),
             RP + '/allocations', INVALID + '$: empty body'),
        # -- error statuses ---------------------------------------------
        case('500', 'list_usages (project)', _usages,
             Rule(hp.status_500, path='^[^?]*/usages\\?'),
             USAGES, 'answered 500: Got server fault'),
        case('503', 'list_resource_providers', _providers,
             Rule(hp.status_503, path='/resource_providers$'),
             RPS, 'answered 503: Unexpected response code received'),
        case('409 first try', 'list_usages (provider)', _provider_usages,
             Rule(hp.conflict_409, path='/resource_providers/.*/usages$',
                  times=1),
             RP + '/usages', 'answered 409: Conflict'),
        case('409 first try', 'update_service', _update,
             Rule(hp.conflict_409, method='PUT', path=PUT, times=1),
             SERVICE, 'answered 409: Conflict', writes=True),
        # -- slower than http_timeout -----------------------------------
        case('slow GET', 'list_allocations', _allocations,
             Rule(hp.slow(slow_seconds), path='/allocations/'),
             ALLOC, 'got no answer within the', 's http_timeout',
             'timed out'),
        case('slow GET', 'list_services', _services,
             Rule(hp.slow(slow_seconds), path='/os-services\\?'),
             SERVICES, 'got no answer within the', 'timed out'),
        case('slow PUT', 'update_service', _update,
             Rule(hp.slow(slow_seconds), method='PUT', path=PUT),
             SERVICE, 'got no answer within the', 'timed out', writes=True),
        # -- the guard: the failure is clear and the service restored ---
        case('guard: list GET missing key', 'ComputeDisruption', guard,
             Rule(hp.missing_key('services', '*', 'state'),
                  path='/os-services\\?', times=1),
             SERVICES, INVALID + '$.services[0].state:', guard=True),
        case('guard: disable PUT 409', 'ComputeDisruption', guard,
             Rule(hp.conflict_409, method='PUT', path=PUT,
                  body='"disabled"', times=1),
             SERVICE, 'answered 409: Conflict', guard=True),
        case('guard: force-down PUT 503', 'ComputeDisruption', guard,
             Rule(hp.status_503, method='PUT', path=PUT,
                  body='"forced_down": true', times=1),
             SERVICE, 'answered 503', guard=True),
        case('guard: force-down PUT slow', 'ComputeDisruption', guard,
             Rule(hp.slow(slow_seconds), method='PUT', path=PUT,
                  body='"forced_down": true', times=1),
             SERVICE, 'got no answer within the', 'timed out', guard=True,
             writes=True),
        case('guard: wait GET truncated', 'ComputeDisruption', guard,
             Rule(hp.truncated(honest=False), path='/os-services\\?',
                  skip=1, times=1),
             SERVICES, 'failed before a complete answer', guard=True,
             writes=True),
        case('guard: wait GET 500', 'ComputeDisruption', guard,
             Rule(hp.status_500, path='/os-services\\?', skip=1, times=1),
             SERVICES, 'answered 500', guard=True, writes=True),
        # -- the restore phase: ridden out, the service as found --------
        case('restore: GET 500 twice', 'ComputeDisruption', guard,
             Rule(hp.status_500, path='/os-services\\?', after=FORCED,
                  skip=1, times=2),
             guard=True, outcome=RESTORED),
        case('restore: GET slow', 'ComputeDisruption', guard,
             Rule(hp.slow(slow_seconds), path='/os-services\\?',
                  after=FORCED, skip=1, times=1),
             guard=True, outcome=RESTORED),
        case('restore: GET truncated', 'ComputeDisruption', guard,
             Rule(hp.truncated(honest=False), path='/os-services\\?',
                  after=FORCED, skip=1, times=1),
             guard=True, outcome=RESTORED),
        case('restore: unforce PUT 503 twice', 'ComputeDisruption', guard,
             Rule(hp.status_503, method='PUT', path=PUT, body=UNFORCE,
                  times=2),
             guard=True, outcome=RESTORED),
        case('restore: unforce PUT slow', 'ComputeDisruption', guard,
             Rule(hp.slow(slow_seconds), method='PUT', path=PUT,
                  body=UNFORCE, times=1),
             guard=True, outcome=RESTORED),
        case('restore: enable PUT 500 twice', 'ComputeDisruption', guard,
             Rule(hp.status_500, method='PUT', path=PUT, body=ENABLE,
                  times=2),
             guard=True, outcome=RESTORED),
        case('restore: unforce 400 (evacuations done) 3x',
             'ComputeDisruption', guard,
             Rule(hp.evacuations_400, method='PUT', path=PUT, body=UNFORCE,
                  times=3),
             guard=True, outcome=RESTORED),
        # -- the restore phase: never succeeds, recovery repairs --------
        case('restore: unforce always 400', 'ComputeDisruption', guard,
             Rule(hp.evacuations_400, method='PUT', path=PUT, body=UNFORCE),
             'forced_down is still true', 'BadRequest',
             'allocation-tempest-recover', guard=True, outcome=MARKED),
    ]


def run(case_, clients, ids):
    """Run one case: (exception or None, seconds)."""
    started = time.monotonic()
    try:
        case_.call(clients, ids)
    except Exception as error:
        return error, time.monotonic() - started
    return None, time.monotonic() - started


def expected(case_, ids):
    return [text.format(**ids) for text in case_.expect]
