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

"""The old name of reads/polling.py's poll(), for one caller.

reads/compute_services.py still imports it and is being rewritten on
another branch; delete this module once that one calls polling.poll.
"""

from allocation_tempest_plugin.reads import polling


def wait_for(probe, condition, timeout, interval):
    return polling.poll(probe, condition, timeout, interval,
                        getattr(condition, '__name__', 'a condition'))
