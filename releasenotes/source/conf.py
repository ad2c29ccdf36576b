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

"""Sphinx configuration of the allocation-tempest-plugin release notes."""

extensions = [
    'openstackdocstheme',
    'reno.sphinxext',
]

# openstackdocstheme: repository and bug tracker named here so the theme
# needs neither .gitreview nor the network at build time.
openstackdocs_repo_name = 'openstack/allocation-tempest-plugin'
openstackdocs_bug_project = 'allocation-tempest-plugin'
openstackdocs_bug_tag = 'releasenotes'
openstackdocs_auto_name = False
openstackdocs_use_storyboard = False

project = 'allocation-tempest-plugin Release Notes'
copyright = '2025, allocation-tempest-plugin developers'
# Release notes are not versioned: reno puts each note under its release.
version = ''
release = ''

source_suffix = '.rst'
master_doc = 'index'
exclude_patterns = []
pygments_style = 'native'

html_theme = 'openstackdocs'
html_static_path = ['_static']
htmlhelp_basename = 'AllocationTempestPluginReleaseNotesdoc'
