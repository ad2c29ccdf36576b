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
"""The vocabulary the plugin's tests are written in, one job per module.

base.py composes these mixins into the classes the tests inherit from
(AllocationTestBase, AdminAllocationTestBase); serial_tests/base.py adds
what a destructive test needs. Each mixin relies on the clients and the
waits those classes set up, and holds no test of its own.

- servers.py: a test's servers, booted and deleted Tempest's way;
- member_usages.py: what a project member sees of its own usage;
- providers.py: hosts and their compute node providers;
- verdicts.py: Placement read at three levels, and the verdicts on it.
"""
