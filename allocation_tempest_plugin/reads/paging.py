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

"""Nova's paged listings, followed to the end: the one pager.

Nova pages servers, hypervisors (2.33+) and migrations (2.59+) with
``limit`` and ``marker``: a page holds at most min(limit, [api]
max_limit) items (1000 by default, whatever limit was asked) and the
next one starts after the item the marker names. os-services is not
paged, and Placement pages nothing.

The end rule: a listing ends on an empty page. Not on a missing
``<key>_links`` next link: Nova adds that link only when the page it
answers is full, counted after it filtered what the database gave it
(nova/api/openstack/common.py _get_collection_links), and
os-hypervisors drops compute nodes whose service was deleted after
reading the page; so a short page without a link can come before the
end. Asking past it costs one more request when the last page is
short; ending early would miss hosts and servers.

A listing that ignores its marker answers the same page again and
again; an item that comes back is an error naming the marker, never an
endless loop.
"""


def pages(list_call, key, page_size=None, marker_key='id', **filters):
    """Each page of list_call(**filters, limit=, marker=), lazily.

    key names the list in each answer ('servers'); marker_key the field
    Nova takes as marker ('id'; 'uuid' for migrations). Without
    page_size no limit is sent and Nova's [api] max_limit sizes the
    pages. The last page yielded is the empty one that ends the listing,
    so a caller can count its requests; a caller that stops early reads
    no further page. Raises ValueError when an item comes back.
    """
    marker, seen = None, set()
    while True:
        params = dict(filters)
        if page_size is not None:
            params['limit'] = page_size
        if marker is not None:
            params['marker'] = marker
        page = list_call(**params)[key]
        ids = [item[marker_key] for item in page]
        repeated = seen.intersection(ids)
        if repeated:
            raise ValueError(
                'the %s listing%s ignores its marker %s: %s came back' % (
                    key, _described(filters), marker, sorted(repeated)[0]))
        seen.update(ids)
        yield page
        if not page:
            return
        marker = ids[-1]


def items(list_call, key, page_size=None, marker_key='id', **filters):
    """Every item of the listing, in Nova's order, lazily (see pages())."""
    for page in pages(list_call, key, page_size, marker_key, **filters):
        for item in page:
            yield item


def _described(filters):
    shown = ', '.join('%s=%s' % (name, filters[name])
                      for name in sorted(filters) if name != 'detail')
    return ' (%s)' % shown if shown else ''
