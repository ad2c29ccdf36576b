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

"""Turns a raw 2xx body into validated data, or one clear exception."""

import collections
import json

from tempest.lib.common import api_version_request
from tempest.lib.common import rest_client
from tempest.lib import exceptions as lib_exc

from allocation_tempest_plugin import exceptions

# What Tempest's validate_response reads of a response: its status.
_Answer = collections.namedtuple('_Answer', 'status')


def select_schema(versioned_schemas, microversion):
    """The schema of the (min, max, schema) range holding microversion.

    Not Tempest's BaseComputeClient.get_schema: it reads the process-wide
    COMPUTE_MICROVERSION, and these clients bind theirs per client
    (services/base.py); Placement has no Tempest client base to host it.
    """
    requested = api_version_request.APIVersionRequest(microversion)
    for minimum, maximum, schema in versioned_schemas:
        if requested.matches(
                api_version_request.APIVersionRequest(minimum),
                api_version_request.APIVersionRequest(maximum)):
            return schema
    raise ValueError('no schema for microversion %s (ranges: %s)' % (
        microversion, [(lo, hi) for lo, hi, _ in versioned_schemas]))


def _offending_path(error):
    # json_path reads "$.allocations.<uuid>.resources.VCPU"; for a missing
    # key it points at the object lacking it, so name the key too.
    path = error.json_path
    if error.validator == 'required':
        missing = [key for key in error.validator_value
                   if isinstance(error.instance, dict)
                   and key not in error.instance]
        if missing:
            path = '%s.%s' % (path, missing[0])
    return path


def _tempest_validates(body_schema, status, data, describe):
    """Tempest's own check: status, then body against schema or none.

    RestClient.validate_response validates with Tempest's validator and
    format checker. Its message names the field only as a Python
    subscript inside the whole schema; the plugin promises the JSON path,
    so it is read from the jsonschema error Tempest's was raised from.
    """
    schema = {'status_code': [status]}
    if body_schema is not None:
        schema['response_body'] = body_schema
    try:
        rest_client.RestClient.validate_response(schema, _Answer(status),
                                                 data)
    except lib_exc.InvalidHTTPResponseBody as error:
        cause = error.__context__
        if getattr(cause, 'json_path', None) is None:
            # A body where none belongs: Tempest quotes all of it, and a
            # broken answer can be an HTML page or megabytes.
            raise exceptions.InvalidResponse(
                path='$', reason=' '.join(str(error).split())[:300],
                **describe)
        raise exceptions.InvalidResponse(path=_offending_path(cause),
                                         reason=cause.message, **describe)


def check_no_body(body, describe):
    """A 204 answer must carry nothing (blank counts as nothing)."""
    if isinstance(body, bytes):
        body = body.decode('utf-8', 'replace')
    _tempest_validates(None, describe['status'], (body or '').strip(),
                       describe)


def parse_and_validate(schema, body, describe):
    """Decode body as JSON and validate it against schema.

    describe is a dict with method, http_method, url and status; it goes
    into the exception so the message says who answered what.
    """
    if isinstance(body, bytes):
        body = body.decode('utf-8', 'replace')
    if not body or not body.strip():
        raise exceptions.InvalidResponse(
            path='$', reason='empty body', **describe)
    try:
        data = json.loads(body)
    except ValueError as error:
        raise exceptions.InvalidResponse(
            path='$', reason='not JSON (%s): %r' % (error, body[:200]),
            **describe)
    _tempest_validates(schema, describe['status'], data, describe)
    return data
