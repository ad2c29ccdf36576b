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
"""The devstack plugin: syntax, documented variables, what it writes.

devstack sources devstack/settings and devstack/plugin.sh with its own
functions defined; here bash sources them with stand-ins for the few
devstack functions they call (iniset records the option, sudo and tox
record the command), so the test sees what a devstack run would write
into tempest.conf and sudoers without a devstack.
"""

import os
import re
import socket
import subprocess
import tempfile

import testtools

from allocation_tempest_plugin import config

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__),
                                         os.pardir, os.pardir, os.pardir))
DEVSTACK_DIR = os.path.join(REPO_ROOT, 'devstack')
PLUGIN_SH = os.path.join(DEVSTACK_DIR, 'plugin.sh')
SETTINGS = os.path.join(DEVSTACK_DIR, 'settings')
README = os.path.join(DEVSTACK_DIR, 'README.rst')
# Shell variables, not devstack's or the plugin's.
SHELL_VARIABLES = {'PATH', 'HOME', 'TMPDIR'}

# Stand-ins for devstack's functions (functions-common, lib/tempest).
FAKE_DEVSTACK = r'''
set -eu
function trueorfalse {
    local value=${!2:-$1}
    case "${value,,}" in
        1|yes|true|on) echo True ;;
        *) echo False ;;
    esac
}
function iniset { echo "iniset [$2] $3 = $4" >> "$LOG"; }
function iniget { echo "${FAKE_NOVA_INTERVAL:-}"; }
function is_service_enabled { [[ " ${ENABLED_SERVICES} " == *" $1 "* ]]; }
function echo_summary { :; }
function tox { echo "tox $*" >> "$LOG"; }
function sudo {
    echo "sudo $*" >> "$LOG"
    if [[ "$1" == install ]]; then
        cp "${@: -2:1}" "$WORK/sudoers-drop-in"
    fi
}
'''


def variables_read(path):
    """Upper-case variables a script expands or names in trueorfalse."""
    with open(path) as script:
        text = script.read()
    names = set(re.findall(r'\$\{?([A-Z_][A-Z0-9_]*)', text))
    names |= set(re.findall(r'trueorfalse \S+ ([A-Z_][A-Z0-9_]*)', text))
    return names - SHELL_VARIABLES


def variables_assigned(path):
    with open(path) as script:
        return set(re.findall(r'^([A-Z_][A-Z0-9_]*)=', script.read(),
                              re.MULTILINE))


def documented_names():
    with open(README) as readme:
        return set(re.findall(r'``\$?([A-Z_][A-Z0-9_]*)``', readme.read()))


class DevstackPluginFilesTest(testtools.TestCase):

    def test_bash_syntax(self):
        for path in (PLUGIN_SH, SETTINGS):
            subprocess.run(['bash', '-n', path], check=True)

    def test_every_variable_read_is_documented(self):
        own = variables_assigned(PLUGIN_SH)
        read = (variables_read(PLUGIN_SH) | variables_read(SETTINGS)) - own
        self.assertNotEqual(set(), read)
        self.assertEqual(set(), read - documented_names(),
                         'read by devstack/plugin.sh or settings, missing '
                         'from devstack/README.rst')

    def test_every_setting_is_documented_and_nothing_stale(self):
        settings = variables_assigned(SETTINGS)
        documented = {name for name in documented_names()
                      if name.startswith('ALLOCATION_')}
        self.assertEqual(settings, documented)

    def test_options_written_exist(self):
        with open(PLUGIN_SH) as script:
            text = script.read()
        written = set(re.findall(r'iniset "\$TEMPEST_CONFIG" %s (\w+)'
                                 % config.GROUP_NAME, text))
        written |= set(re.findall(r'_allocation_iniset_if_set ([a-z_]+) "',
                                  text))
        known = {opt.name for opt in config.AllocationGroup}
        self.assertIn('allow_compute_disruption', written)
        self.assertEqual(set(), written - known)


class DevstackPluginRunTest(testtools.TestCase):

    def run_phase(self, phase, **localrc):
        """Source settings and plugin.sh as devstack does; the log."""
        work = self.make_workdir()
        env = {'PATH': os.environ['PATH'], 'WORK': work,
               'LOG': os.path.join(work, 'log'),
               'DEST': '/opt/stack',
               'TEMPEST_DIR': work,
               'TEMPEST_CONFIG': '/opt/stack/tempest/etc/tempest.conf',
               'NOVA_CPU_CONF': os.path.join(work, 'nova-cpu.conf'),
               'ENABLED_SERVICES': 'key placement n-cpu tempest'}
        open(env['NOVA_CPU_CONF'], 'w').close()
        env.update(localrc)
        script = '%s\nsource %s\nsource %s %s\n' % (
            FAKE_DEVSTACK, SETTINGS, PLUGIN_SH, phase)
        subprocess.run(['bash', '-c', script], env=env, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        log_path = env['LOG']
        if not os.path.exists(log_path):
            return [], None
        with open(log_path) as log:
            lines = log.read().splitlines()
        drop_in = os.path.join(work, 'sudoers-drop-in')
        if os.path.exists(drop_in):
            with open(drop_in) as sudoers:
                return lines, sudoers.read()
        return lines, None

    def make_workdir(self):
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        return tmp.name

    def options(self, lines):
        return [line for line in lines if line.startswith('iniset')]

    def test_defaults_install_and_keep_destruction_off(self):
        lines, drop_in = self.run_phase('stack test-config')
        self.assertIn('tox -evenv-tempest -- pip install -c', lines[0])
        self.assertTrue(lines[0].endswith(' /opt/stack/allocation-tempest-'
                                          'plugin'), lines[0])
        self.assertEqual(
            ['iniset [allocation] allow_compute_disruption = False'],
            self.options(lines))
        self.assertIsNone(drop_in)
        self.assertFalse([line for line in lines if 'sudo' in line])

    def test_gate_node_settings(self):
        lines, drop_in = self.run_phase(
            'stack test-config',
            ALLOCATION_ALLOW_COMPUTE_DISRUPTION='true',
            ALLOCATION_COMPUTE_RESTART='True',
            ALLOCATION_DISRUPTABLE_HOSTS='controller',
            FAKE_NOVA_INTERVAL='30')
        self.assertEqual([
            'iniset [allocation] allow_compute_disruption = True',
            'iniset [allocation] disruptable_hosts = controller',
            'iniset [allocation] resource_tracker_interval = 30',
            'iniset [allocation] compute_stop_command = '
            'sudo systemctl stop devstack@n-cpu',
            'iniset [allocation] compute_start_command = '
            'sudo systemctl start devstack@n-cpu',
        ], self.options(lines))
        # Exactly the two commands, nothing wider.
        self.assertEqual(
            'tempest ALL=(root) NOPASSWD: '
            '/usr/bin/systemctl stop devstack@n-cpu, '
            '/usr/bin/systemctl start devstack@n-cpu, '
            '/bin/systemctl stop devstack@n-cpu, '
            '/bin/systemctl start devstack@n-cpu\n', drop_in)
        [visudo] = [line for line in lines if 'visudo' in line]
        [install] = [line for line in lines if line.startswith(
            'sudo install')]
        self.assertLess(lines.index(visudo), lines.index(install))
        self.assertIn('-m 0440', install)
        self.assertTrue(install.endswith('/etc/sudoers.d/51_tempest_n_cpu'))

    def test_restart_without_hosts_names_this_node(self):
        # The unit stops this node's compute: the plugin accepts a command
        # without {host} only when disruptable_hosts is exactly that host.
        lines, _ = self.run_phase(
            'stack test-config', ALLOCATION_ALLOW_COMPUTE_DISRUPTION='true',
            ALLOCATION_COMPUTE_RESTART='True')
        self.assertIn('iniset [allocation] disruptable_hosts = %s' %
                      socket.gethostname(), lines)

    def test_explicit_interval_wins_over_nova_conf(self):
        lines, _ = self.run_phase(
            'stack test-config', ALLOCATION_RESOURCE_TRACKER_INTERVAL='90',
            FAKE_NOVA_INTERVAL='30')
        self.assertIn('iniset [allocation] resource_tracker_interval = 90',
                      lines)

    def test_nothing_without_tempest(self):
        lines, drop_in = self.run_phase(
            'stack test-config', ENABLED_SERVICES='key n-cpu',
            ALLOCATION_COMPUTE_RESTART='True')
        self.assertEqual(([], None), (lines, drop_in))

    def test_other_phases_do_nothing(self):
        for phase in ('stack install', 'stack post-config', 'stack extra',
                      'unstack'):
            self.assertEqual(([], None), self.run_phase(phase), phase)

    def test_clean_removes_the_drop_in(self):
        lines, _ = self.run_phase('clean')
        self.assertEqual(['sudo rm -f /etc/sudoers.d/51_tempest_n_cpu'],
                         lines)
