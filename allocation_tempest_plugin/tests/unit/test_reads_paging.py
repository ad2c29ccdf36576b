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

"""The one pager: its end rule, its marker, its guard against a loop."""

import testtools

from allocation_tempest_plugin.fakes.fakecloud import clients as fakeclients
from allocation_tempest_plugin.fakes.fakecloud import cloud
from allocation_tempest_plugin.reads import paging


class Listing(object):
    """A paged listing like Nova's over ids, recording each call."""

    def __init__(self, ids, max_limit=1000, ignore_marker=False):
        self.ids = list(ids)
        self.max_limit = max_limit
        self.ignore_marker = ignore_marker
        self.calls = []

    def list_things(self, **params):
        self.calls.append(params)
        limit = min(int(params.get('limit', self.max_limit)),
                    self.max_limit)
        start = 0
        if 'marker' in params and not self.ignore_marker:
            start = self.ids.index(params['marker']) + 1
        page = self.ids[start:start + limit]
        return {'things': [{'id': i, 'uuid': 'u-' + i} for i in page]}


class PagerTest(testtools.TestCase):

    def test_pages_are_concatenated_in_order(self):
        listing = Listing(['a', 'b', 'c', 'd', 'e'])
        found = paging.items(listing.list_things, 'things', 2, host='h')
        self.assertEqual(['a', 'b', 'c', 'd', 'e'],
                         [thing['id'] for thing in found])
        self.assertEqual([{'host': 'h', 'limit': 2},
                          {'host': 'h', 'limit': 2, 'marker': 'b'},
                          {'host': 'h', 'limit': 2, 'marker': 'd'},
                          {'host': 'h', 'limit': 2, 'marker': 'e'}],
                         listing.calls)

    def test_the_listing_ends_on_an_empty_page(self):
        listing = Listing(['a', 'b', 'c'])
        pages = list(paging.pages(listing.list_things, 'things', 2))
        self.assertEqual([2, 1, 0], [len(page) for page in pages])

    def test_a_short_page_is_not_the_end(self):
        # Nova filters after the database gave it a page: a short page
        # without a next link can come before the end.
        listing = Listing(['a', 'b', 'c'])
        answers = [{'things': [{'id': 'a'}]}]

        def short_first(**params):
            return answers.pop(0) if answers else listing.list_things(
                **params)
        found = paging.items(short_first, 'things', 2)
        self.assertEqual(['a', 'b', 'c'], [t['id'] for t in found])

    def test_without_page_size_no_limit_is_sent(self):
        listing = Listing(['a', 'b', 'c'], max_limit=2)
        self.assertEqual(3, len(list(paging.items(listing.list_things,
                                                  'things'))))
        self.assertEqual([{}, {'marker': 'b'}, {'marker': 'c'}],
                         listing.calls)

    def test_migrations_take_their_uuid_as_marker(self):
        # os-migrations (2.59+) pages by uuid; its "id" is an integer.
        def migrations(**params):
            uuids = ['m1', 'm2', 'm3']
            start = uuids.index(params['marker']) + 1 if (
                'marker' in params) else 0
            return {'migrations': [{'id': uuids.index(u), 'uuid': u}
                                   for u in uuids[start:start + 2]]}
        found = paging.items(migrations, 'migrations', 2, marker_key='uuid')
        self.assertEqual(['m1', 'm2', 'm3'], [m['uuid'] for m in found])

    def test_an_ignored_marker_is_an_error_not_a_loop(self):
        listing = Listing(['a', 'b', 'c'], ignore_marker=True)
        found = paging.items(listing.list_things, 'things', 2,
                             all_tenants=True, host='h1')
        self.assertEqual(['a', 'b'], [next(found)['id'], next(found)['id']])
        error = self.assertRaises(ValueError, next, found)
        self.assertEqual('the things listing (all_tenants=True, host=h1) '
                         'ignores its marker b: a came back', str(error))
        self.assertEqual(2, len(listing.calls))

    def test_a_caller_that_stops_reads_no_further_page(self):
        listing = Listing(['a', 'b', 'c', 'd'])
        found = paging.items(listing.list_things, 'things', 2)
        self.assertEqual('a', next(found)['id'])
        self.assertEqual(1, len(listing.calls))


class HypervisorsOfDeletedServicesTest(testtools.TestCase):
    """On the fake Nova: nodes without a service leave short pages."""

    def test_every_host_after_a_short_page_is_listed(self):
        # Hosts 2 and 4 lost their service; Nova drops their nodes from
        # the pages it answers, with no next link on a short page.
        fake = cloud.build(5, free_every=1, orphan_every=2, max_limit=2)
        calls, clients = fakeclients.admin_clients(fake)
        found = paging.items(clients['hypervisors'].list_hypervisors,
                             'hypervisors', 2, detail=True)
        self.assertEqual(['compute-00001', 'compute-00003', 'compute-00005'],
                         [h['service']['host'] for h in found])
        self.assertEqual(4, len(calls))
