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

import os

from tempest import config
from tempest.test_discover import plugins

from allocation_tempest_plugin import config as project_config


class AllocationTempestPlugin(plugins.TempestPlugin):

    def load_tests(self):
        base_path = os.path.split(os.path.dirname(
            os.path.abspath(__file__)))[0]
        test_dir = 'allocation_tempest_plugin'
        full_test_dir = os.path.join(base_path, test_dir)
        return full_test_dir, base_path

    def register_opts(self, conf):
        config.register_opt_group(conf, project_config.allocation_group,
                                  project_config.AllocationGroup)

    def get_opt_lists(self):
        return [(project_config.allocation_group.name,
                 project_config.AllocationGroup)]

    def get_service_clients(self):
        # None registered with Tempest: tests and tools alike build the
        # plugin's clients with the read layer's factory
        # (reads/clients.py), from the auth provider of a client manager.
        return []
