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

"""The allocation audit: who left what in Placement (issue 15).

snapshot.take(clients) reads the whole cloud once into a JSON-able dict;
compare.compare(before, after) returns the findings; attribution names
the Tempest test class (and tests) behind each; report prints them.
cmd/audit.py is the command line around these; each is usable alone.
"""
