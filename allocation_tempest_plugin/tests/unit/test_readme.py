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
"""README's option table names every option of config.py.

The configuration reference is generated from config.py; README's short
table is written by hand and lacked four options (restore_timeout,
claim_settle_seconds, compute_report_interval, known_nova_defects)
before this check.
"""

import os
import re

import testtools

from allocation_tempest_plugin import config
from allocation_tempest_plugin.tests import inventory

README = os.path.join(inventory.TOP_DIR, 'README.rst')


def table_options(text):
    """Option names in the first column of README's options table."""
    section = text.split('\nConfiguration\n', 1)[1]
    section = section.split('\nDocumentation\n', 1)[0]
    return re.findall(r'^``([a-z_]+)``', section, re.MULTILINE)


class ReadmeOptionsTest(testtools.TestCase):

    def test_every_option_is_in_the_table(self):
        with open(README) as readme:
            listed = table_options(readme.read())
        defined = [opt.name for opt in config.AllocationGroup]
        self.assertEqual(sorted(defined), sorted(set(listed)))
