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

"""Hostile answers over real HTTP: the plugin fails clearly and quickly.

Real plugin clients talk to the hostile proxy on 127.0.0.1, in front of
in-process fakes of Placement and Nova; no cloud.
"""

import re
import time

import fixtures
from tempest.lib import exceptions as lib_exc
import testtools

from allocation_tempest_plugin import exceptions
from allocation_tempest_plugin.fakes import bodies
from allocation_tempest_plugin.fakes.hostile import cases
from allocation_tempest_plugin.fakes.hostile import fake_upstreams
from allocation_tempest_plugin.fakes.hostile import loopback
from allocation_tempest_plugin.fakes.hostile import proxy as hp
from allocation_tempest_plugin.fakes import os_services
from allocation_tempest_plugin.guard import disruption
from allocation_tempest_plugin.guard import marker
from allocation_tempest_plugin.guard import recovery
from allocation_tempest_plugin.services import compute
from allocation_tempest_plugin.services import placement
from allocation_tempest_plugin.tests.unit import fakes

HTTP_TIMEOUT = 0.5
SLOW = 3
GUARD_TIMEOUT = 2
# No case may take longer: one timeout per request the case makes, plus
# the guard's own wait and its restore deadline, plus slack.
BOUND = 4 * HTTP_TIMEOUT + 2 * GUARD_TIMEOUT + 2
# The recovery after a case, once the proxy answers cleanly again.
RECOVERY = fakes.guard_settings(poll_interval=0.05, restore_timeout=5)
SERVICE_ID = '0ec3c9ac-0d8f-4a6b-9a0c-2a3c1e2f1a00'
IDS = {'consumer': bodies.CONSUMER, 'rp': bodies.RP,
       'project': 'proj', 'host': 'compute1', 'service_id': SERVICE_ID}


def _cases():
    return cases.cases(SLOW, GUARD_TIMEOUT)


class Clients(object):
    def __init__(self, url, http_timeout=HTTP_TIMEOUT):
        auth = loopback.LoopbackAuth(url)
        kwargs = dict(http_timeout=http_timeout)
        self.allocations = placement.AllocationsClient(
            auth, 'placement', 'RegionOne', **kwargs)
        self.providers = placement.ResourceProvidersClient(
            auth, 'placement', 'RegionOne', **kwargs)
        self.usages = placement.UsagesClient(
            auth, 'placement', 'RegionOne', **kwargs)
        self.services = compute.ComputeServicesClient(
            auth, 'compute', 'RegionOne', **kwargs)


class HostileTestBase(testtools.TestCase):

    def setUp(self):
        super(HostileTestBase, self).setUp()
        self.useFixture(fixtures.Timeout(30, gentle=True))
        self.nova = fake_upstreams.Nova(
            os_services.service('compute1', id=SERVICE_ID),
            os_services.service('compute2'))

    def _upstream(self, method, path, headers, body):
        if path.startswith('/os-services'):
            return self.nova(method, path, headers, body)
        return fake_upstreams.placement(method, path, headers, body)

    def _proxy(self, *rules):
        self.proxy = self.useFixture(hp.HostileProxy(self._upstream, rules))
        return Clients(self.proxy.url)


class HostileResponsesTest(HostileTestBase):
    """One test per case in cases.cases(), added below the class."""

    def _run_case(self, index):
        case = _cases()[index]
        clients = self._proxy(case.rule)
        before = self.nova.state(SERVICE_ID)
        error, seconds = cases.run(case, clients, IDS)
        self.assertGreaterEqual(case.rule.applied, 1, str(error))
        self.assertLess(seconds, BOUND, str(error))
        if case.outcome == cases.RESTORED:
            self.assertIsNone(error, '%s: %s' % (case.name, error))
        else:
            self.assertIsNotNone(error, '%s: no failure' % case.name)
            for text in cases.expected(case, IDS):
                self.assertIn(text, str(error))
        if case.outcome == cases.MARKED:
            found = self.nova.state(SERVICE_ID)
            self.assertEqual(('disabled', True),
                             (found['status'], found['forced_down']))
            self.assertIsNotNone(marker.parse_marker(
                found['disabled_reason']))
            self.proxy.rules = []
            actions = recovery.recover(clients.services, RECOVERY,
                                       force=True)
            self.assertIn('restored', actions[0].verdict)
        # Nothing is left disrupted, whatever broke and wherever.
        self.assertEqual(before, self.nova.state(SERVICE_ID))
        return error


def _add_case_tests():
    for index, case in enumerate(_cases()):
        name = 'test_%02d_%s_%s' % (index, case.api, case.name)
        name = re.sub(r'[^a-z0-9]+', '_', name.lower()).strip('_')

        def test(self, index=index):
            self._run_case(index)
        test.__name__ = name
        setattr(HostileResponsesTest, name, test)


_add_case_tests()


class HostileProxyTest(HostileTestBase):

    def test_at_least_twenty_cases(self):
        all_cases = _cases()
        self.assertGreaterEqual(len(all_cases), 20)
        self.assertGreaterEqual(len([c for c in all_cases if c.guard]), 4)
        self.assertGreaterEqual(len([c for c in all_cases
                                     if c.outcome != cases.ERROR]), 8)

    def test_good_answers_pass_through(self):
        clients = self._proxy()
        for case in _cases():
            if not case.guard:
                self.assertIsNotNone(case.call(clients, IDS), case.api)

    def test_guard_without_mutation_disrupts_and_restores(self):
        clients = self._proxy()
        before = self.nova.state(SERVICE_ID)
        with disruption.ComputeDisruption(
                clients.services, 'compute1', fakes.guard_settings(
                    max_disruption_seconds=60, wait_timeout=GUARD_TIMEOUT,
                    poll_interval=0.05, claim_settle_seconds=0,
                    disruptable_hosts=['compute1'])) as guard:
            self.assertEqual({'status': 'disabled', 'forced_down': True,
                              'state': 'down'},
                             {k: v for k, v in
                              self.nova.state(SERVICE_ID).items()
                              if k != 'disabled_reason'})
        self.assertTrue(guard.restored)
        self.assertEqual(before, self.nova.state(SERVICE_ID))

    def test_first_try_only(self):
        rule = hp.Rule(hp.conflict_409, path='/usages', times=1)
        clients = self._proxy(rule)
        self.assertRaises(lib_exc.Conflict, clients.usages.list_usages,
                          'proj')
        self.assertEqual(bodies.GOOD['list_usages'][1],
                         dict(clients.usages.list_usages('proj')))
        self.assertEqual(1, rule.applied)

    def test_mutation_that_does_not_fit_is_reported(self):
        clients = self._proxy(hp.Rule(hp.missing_key('nope'),
                                      path='/usages'))
        error = self.assertRaises(lib_exc.ServerFault,
                                  clients.usages.list_usages,
                                  'proj')
        self.assertIn('answered 500', str(error))
        self.assertIn('hostile proxy', str(error))


def _stalled(mutation, seconds):
    """mutation's answer, held seconds (the upstream never sees it)."""
    def mutate(reply):
        reply = mutation(reply)
        reply.delay = seconds
        return reply
    mutate.forwards = False
    return mutate


class RestoreStallTest(HostileTestBase):
    """A try at the restore deadline without an answer (test 37's flake).

    On a loaded machine the answer to the last unforce PUT once came
    after the 0.5 s http_timeout: the message named only that timeout,
    not the 400 Nova gave every try before it.
    """

    def test_stalled_tries_keep_novas_refusal_in_the_message(self):
        clients = self._proxy(
            hp.Rule(hp.evacuations_400, method='PUT', path=cases.PUT,
                    body=cases.UNFORCE, times=1),
            hp.Rule(_stalled(hp.evacuations_400, HTTP_TIMEOUT + 0.1),
                    method='PUT', path=cases.PUT, body=cases.UNFORCE))
        before = self.nova.state(SERVICE_ID)
        guard = cases._guard(GUARD_TIMEOUT, 0.05, 0.5, GUARD_TIMEOUT)
        started = time.monotonic()
        error = self.assertRaises(exceptions.RestoreFailed, guard, clients,
                                  IDS)
        self.assertLess(time.monotonic() - started, BOUND, str(error))
        self.assertIn('forced_down is still true', str(error))
        self.assertIn('(ApiTimeout: ', str(error))
        self.assertIn('; the last answer before it: BadRequest: ',
                      str(error))
        self.assertIn('allocation-tempest-recover', str(error))
        self.proxy.rules = []
        actions = recovery.recover(clients.services, RECOVERY, force=True)
        self.assertIn('restored', actions[0].verdict)
        self.assertEqual(before, self.nova.state(SERVICE_ID))


class PluginTransportErrorsTest(HostileTestBase):
    """The fixes in services/base.py, seen over real HTTP."""

    def test_read_timeout_is_not_retried(self):
        clients = self._proxy(hp.Rule(hp.slow(SLOW), path='/usages'))
        started = time.monotonic()
        error = self.assertRaises(exceptions.ApiTimeout,
                                  clients.usages.list_usages, 'proj')
        self.assertLess(time.monotonic() - started, 2 * HTTP_TIMEOUT + 1)
        # urllib3 alone would have sent this GET eleven times.
        self.assertEqual(1, len(self.proxy.log))
        self.assertTrue(str(error).startswith(
            'UsagesClient.list_usages: GET placement /usages?project_id=proj'
            ' got no answer within the 0.5 s http_timeout: '), str(error))

    def test_connection_refused_names_the_url(self):
        proxy = hp.HostileProxy(self._upstream)
        with proxy:
            clients = Clients(proxy.url)
        # The proxy is gone: its port refuses connections.
        error = self.assertRaises(
            exceptions.ApiConnectionError,
            clients.providers.list_resource_provider_inventories,
            bodies.RP)
        self.assertIn('ResourceProvidersClient.'
                      'list_resource_provider_inventories: GET placement '
                      '/resource_providers/%s/inventories failed '
                      'before a complete answer arrived' % bodies.RP,
                      str(error))

    def test_http_errors_keep_their_tempest_type(self):
        clients = self._proxy(
            hp.Rule(hp.conflict_409, method='PUT', path='/os-services/'),
            hp.Rule(hp.status_500, path='/usages'),
            hp.Rule(hp.status_503, path='/resource_providers$'))
        self.assertRaises(lib_exc.Conflict, clients.services.update_service,
                          SERVICE_ID, forced_down=False)
        self.assertRaises(lib_exc.ServerFault, clients.usages.list_usages,
                          'proj')
        error = self.assertRaises(lib_exc.UnexpectedResponseCode,
                                  clients.providers.list_resource_providers)
        self.assertEqual(
            'ResourceProvidersClient.list_resource_providers: GET placement '
            '/resource_providers answered 503: Unexpected response code '
            'received\nDetails: 503', str(error))
