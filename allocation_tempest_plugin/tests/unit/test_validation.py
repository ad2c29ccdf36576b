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

"""validation.check_no_body: a 204 through Tempest's validate_response."""

import testtools

from allocation_tempest_plugin import exceptions
from allocation_tempest_plugin.services import validation

DESCRIBE = {'method': 'Client.delete', 'http_method': 'DELETE',
            'url': 'compute /os-services/x', 'status': 204}


class NoBodyTest(testtools.TestCase):

    def test_nothing_or_blank_passes(self):
        for body in (b'', '', None, b' \n'):
            validation.check_no_body(body, DESCRIBE)

    def test_a_body_fails_at_the_root_cut_short(self):
        error = self.assertRaises(
            exceptions.InvalidResponse, validation.check_no_body,
            '<html>%s</html>' % ('x' * 5000), DESCRIBE)
        message = str(error)
        self.assertIn('Client.delete: DELETE compute /os-services/x '
                      'answered 204', message)
        self.assertIn(' at $: ', message)
        self.assertIn('should not exist', message)
        self.assertLess(len(message), 600)
