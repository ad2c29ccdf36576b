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

"""Follow Nova's paged listings to the end.

Nova answers at most ``[api] max_limit`` items per call (1000 by
default) whatever limit is asked, and adds a ``<key>_links`` entry with
rel "next" only when the page is full; the next page starts after the
marker that link carries.
"""

from urllib import parse


def next_marker(links):
    """The marker of the rel=next link, or None on the last page."""
    for link in links or []:
        if link.get('rel') == 'next':
            query = parse.parse_qs(parse.urlparse(link['href']).query)
            markers = query.get('marker')
            if markers:
                return markers[-1]
    return None


def all_pages(list_call, key, page_size, **filters):
    """Every item of a paged listing: list_call(**filters, limit, marker).

    Returns (items, pages). Stops when Nova gives no next link, and
    refuses a next link that repeats a marker (a loop, not a listing).
    """
    items, pages, marker, seen = [], 0, None, set()
    while True:
        params = dict(filters, limit=page_size)
        if marker:
            params['marker'] = marker
        body = list_call(**params)
        pages += 1
        items.extend(body[key])
        marker = next_marker(body.get(key + '_links'))
        if marker is None:
            return items, pages
        if marker in seen:
            raise ValueError('%s listing loops: marker %s came back'
                             % (key, marker))
        seen.add(marker)
