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

import json

import jsonschema
from tempest.lib.common import api_version_request

from allocation_tempest_plugin import exceptions


def select_schema(versioned_schemas, microversion):
    """The schema of the (min, max, schema) range holding microversion."""
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


def check_no_body(body, describe):
    """A 204 answer must carry nothing."""
    if isinstance(body, bytes):
        body = body.decode('utf-8', 'replace')
    if body and body.strip():
        raise exceptions.InvalidResponse(
            path='$', reason='expected no body, got %r' % body[:200],
            **describe)


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
    error = jsonschema.exceptions.best_match(
        jsonschema.Draft4Validator(schema).iter_errors(data))
    if error is not None:
        raise exceptions.InvalidResponse(
            path=_offending_path(error), reason=error.message, **describe)
    return data
