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

"""Sphinx configuration of the allocation-tempest-plugin documentation."""

import os
import sys

# The tests page is generated from the tests (_ext/plugin_tests.py).
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                '_ext'))

extensions = [
    'plugin_tests',
    'openstackdocstheme',
    # The configuration reference is rendered from the option definitions
    # (allocation_tempest_plugin/config.py), never written by hand.
    'oslo_config.sphinxext',
    'oslo_config.sphinxconfiggen',
]

# oslo_config.sphinxconfiggen: the sample file, written into _static at
# build time from the same generator config as `tox -e genconfig`.
config_generator_config_file = (
    '../../etc/config-generator/allocation-tempest-plugin.conf')
sample_config_basename = '_static/allocation-tempest-plugin'

# openstackdocstheme: the repository and bug tracker are given here so the
# theme needs neither .gitreview nor the network at build time.
openstackdocs_repo_name = 'openstack/allocation-tempest-plugin'
openstackdocs_bug_project = 'allocation-tempest-plugin'
openstackdocs_bug_tag = 'doc'
openstackdocs_auto_name = False
openstackdocs_auto_version = False
openstackdocs_use_storyboard = False

project = 'allocation-tempest-plugin'
copyright = '2025, allocation-tempest-plugin developers'
version = ''
release = ''

source_suffix = '.rst'
master_doc = 'index'
exclude_patterns = ['_build']
add_module_names = False
pygments_style = 'native'

html_theme = 'openstackdocs'
html_static_path = ['_static']
htmlhelp_basename = 'allocation-tempest-plugindoc'
