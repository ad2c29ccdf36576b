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
"""Which tests are the plugin's, for tempest run --regex (one place).

Plain constants with no imports, so that tools outside Tempest's
environment (the local cloud's harness) can read them too.
"""

# Every Tempest test of the plugin; its own unit tests (tests/) are not.
ALL = r'^allocation_tempest_plugin\.(api|serial_tests)\.'
# The tests that disrupt a compute service (serial classes).
DESTRUCTIVE = r'^allocation_tempest_plugin\.serial_tests\.'
# The local delete in every server state (CI runs it once more on a
# cloud that keeps shelved servers on their host).
LOCAL_DELETE = (r'^allocation_tempest_plugin\.serial_tests\.api\.admin\.'
                r'test_local_delete\.LocalDeleteTest\.')
# The tests that restart a compute or wait for one to return.
SCENARIO = r'^allocation_tempest_plugin\.serial_tests\.scenario\.'
# What two runners sharing one cloud contend for most (the local cloud's
# two-runners check): local deletes, a second host, returning computes.
CONTENDED = (r'^allocation_tempest_plugin\.serial_tests\.(api\.admin\.'
             r'test_local_delete|scenario\.test_(multi_compute|'
             r'compute_returns))\.')
# The seed case alone (Nova's test_bug_1679750): a local delete of an
# ACTIVE server frees its allocations. The local cloud's smoke check.
SEED = (r'^allocation_tempest_plugin\.serial_tests\.api\.admin\.'
        r'test_local_delete\.LocalDeleteTest\.'
        r'test_local_delete_active_server\b')
# What CI runs on the oldest maintained release's services (issue 25):
# the non-destructive tests and the local delete in every state.
RELEASE_CHECK = (r'^allocation_tempest_plugin\.(api\.|serial_tests\.api\.'
                 r'admin\.test_local_delete\.)')
# What CI runs with both computes on libvirt/KVM (issue 26): the local
# delete in every state (a guest keeps running after it), a compute that
# returns (init_host walks real domains) and the evacuation stories
# (fenced source, rebuild on shared storage).
LIBVIRT_CHECK = (r'^allocation_tempest_plugin\.serial_tests\.(api\.admin\.'
                 r'test_local_delete\.|scenario\.test_(compute_returns|'
                 r'evacuation)\.)')
# Admin but non-destructive: safe in shared clouds.
NON_DESTRUCTIVE = r'^allocation_tempest_plugin\.api\.'
# A project member's credentials only (certification runs).
MEMBER = r'^allocation_tempest_plugin\.api\.test_'
