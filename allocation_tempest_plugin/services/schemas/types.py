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

"""Building blocks shared by the plugin's response schemas."""

# Placement keeps totals, amounts and generations in 32-bit signed columns;
# anything above is not a number Placement can return.
MAX_INT = 2 ** 31 - 1

UUID_PATTERN = ('^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?'
                '[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$')
# Standard classes (VCPU) and custom ones (CUSTOM_FOO).
RESOURCE_CLASS_PATTERN = '^[A-Z0-9_]+$'

uuid = {'type': 'string', 'pattern': UUID_PATTERN}
non_negative_int = {'type': 'integer', 'minimum': 0, 'maximum': MAX_INT}
positive_int = {'type': 'integer', 'minimum': 1, 'maximum': MAX_INT}
generation = non_negative_int
nullable_string = {'type': ['string', 'null']}


def map_of(key_pattern, value_schema):
    """An object whose every key matches key_pattern, values value_schema."""
    return {
        'type': 'object',
        'patternProperties': {key_pattern: value_schema},
        'additionalProperties': False,
    }


def amounts(minimum_amount):
    """{RESOURCE_CLASS: integer} with amounts of at least minimum_amount."""
    return map_of(RESOURCE_CLASS_PATTERN, {
        'type': 'integer', 'minimum': minimum_amount, 'maximum': MAX_INT})


def body(properties, required, additional=False):
    return {
        'type': 'object',
        'properties': properties,
        'required': required,
        'additionalProperties': additional,
    }
