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
"""The local cloud's per-compute libvirt daemons (issue 26), without one.

What localcloud/libvirt.py writes and runs, read back: each compute's
daemon has its own sockets, state and config under the state dir, both
computes share one instances path, and what the daemon would otherwise
need from systemd, polkit, virtlogd or cgroups is configured away. No
daemon is started here (doc/source/libvirt.rst has the measured runs).
"""

import importlib
import os
import re
import stat

import fixtures
import testtools

# Loads the harness (its path on sys.path, settings with an unused state
# dir) the way the releases tests do.
from allocation_tempest_plugin.tests.unit import test_local_cloud_releases

settings = test_local_cloud_releases.settings
libvirt = importlib.import_module('localcloud.libvirt')

HOSTS = ('compute1', 'compute2')


def parse(text):
    """libvirt's key = value lines back into {key: raw value}."""
    values = {}
    for line in text.splitlines():
        if not line.strip() or line.startswith('#'):
            continue
        key, value = (part.strip() for part in line.split('=', 1))
        values[key] = value
    return values


class LibvirtTestCase(testtools.TestCase):

    def setUp(self):
        super(LibvirtTestCase, self).setUp()
        self.state = self.useFixture(fixtures.TempDir()).path
        self.useFixture(fixtures.MockPatchMultiple(
            settings, STATE=self.state,
            DATA=os.path.join(self.state, 'data')))

    def config(self, host, name):
        path = os.path.join(self.state, 'libvirt', host, 'etc', name)
        return parse(libvirt.config_files(host)[path])


class DaemonConfigTest(LibvirtTestCase):

    def test_each_compute_has_its_own_socket_dir(self):
        sock_dirs = {self.config(host, 'libvirtd.conf')['unix_sock_dir']
                     for host in HOSTS}
        self.assertEqual(
            {'"%s"' % os.path.join(self.state, 'libvirt', host, 'run')
             for host in HOSTS}, sock_dirs)

    def test_uri_names_the_socket_in_the_daemons_socket_dir(self):
        for host in HOSTS:
            sock_dir = self.config(host, 'libvirtd.conf')['unix_sock_dir']
            self.assertEqual(
                'qemu+unix:///system?socket=%s/libvirt-sock'
                % sock_dir.strip('"'), libvirt.uri(host))
        self.assertNotEqual(libvirt.uri('compute1'), libvirt.uri('compute2'))

    def test_root_only_sockets_without_polkit_or_network_listeners(self):
        conf = self.config('compute1', 'libvirtd.conf')
        self.assertEqual('"none"', conf['auth_unix_rw'])
        self.assertEqual('"none"', conf['auth_unix_ro'])
        for perms in ('unix_sock_rw_perms', 'unix_sock_ro_perms',
                      'unix_sock_admin_perms'):
            self.assertEqual('"0700"', conf[perms])
        self.assertEqual('0', conf['listen_tcp'])
        self.assertEqual('0', conf['listen_tls'])

    def test_qemu_needs_no_virtlogd_cgroups_or_security_driver(self):
        conf = self.config('compute2', 'qemu.conf')
        self.assertEqual('"file"', conf['stdio_handler'])
        self.assertEqual('[ ]', conf['cgroup_controllers'])
        self.assertEqual('[ ]', conf['namespaces'])
        self.assertEqual('"none"', conf['security_driver'])
        self.assertEqual(('"root"', '"root"'), (conf['user'], conf['group']))
        self.assertEqual('"127.0.0.1"', conf['vnc_listen'])

    def test_render_uses_libvirts_syntax(self):
        text = libvirt.render({'a': 'x', 'b': True, 'c': False, 'd': 3,
                               'e': ['p', 'q'], 'f': []})
        self.assertEqual(['a = "x"', 'b = 1', 'c = 0', 'd = 3',
                          'e = [ "p", "q" ]', 'f = [ ]'],
                         text.splitlines()[1:])

    def test_write_config_writes_root_only_files_and_every_dir(self):
        libvirt.write_config('compute1')
        for path in libvirt.config_files('compute1'):
            mode = stat.S_IMODE(os.stat(path).st_mode)
            self.assertEqual(0o600, mode, path)
        for sub, _target in libvirt.MOUNTS:
            self.assertTrue(os.path.isdir(libvirt.host_dir('compute1', sub)))
        self.assertTrue(os.path.isdir(libvirt.instances_path()))
        self.assertFalse(os.path.exists(libvirt.host_dir('compute2')))


class CommandTest(LibvirtTestCase):

    def test_every_fixed_path_is_a_bind_of_the_hosts_own_dir(self):
        argv = libvirt.command('compute2')
        self.assertEqual(['unshare', '--mount', '--uts', '--propagation',
                          'private', '--', '/bin/sh', '-ec'], argv[:-1])
        binds = re.findall(r'mount --bind (\S+) (\S+)', argv[-1])
        self.assertEqual(
            [(os.path.join(self.state, 'libvirt', 'compute2', sub), target)
             for sub, target in libvirt.MOUNTS] +
            [(libvirt.hosts_file('compute2'), '/etc/hosts')], binds)
        self.assertEqual({'/etc/libvirt', '/run/libvirt', '/var/lib/libvirt',
                          '/var/log/libvirt', '/var/cache/libvirt',
                          '/etc/hosts'},
                         {target for _sub, target in binds})

    def test_the_daemon_is_named_after_its_compute(self):
        # Nova's libvirt driver names the node (and its resource provider)
        # after the hostname libvirt reports: one per compute, as the fake
        # driver's, or both computes would claim the machine's name.
        for host in HOSTS:
            script = libvirt.command(host)[-1]
            self.assertTrue(script.startswith('hostname %s && ' % host),
                            script)
            hosts = libvirt.config_files(host)[libvirt.hosts_file(host)]
            self.assertIn('127.0.1.1 %s' % host, hosts.splitlines())
            self.assertTrue(libvirt.hosts_file(host).startswith(
                libvirt.host_dir(host, 'etc')))

    def test_libvirtd_runs_in_the_foreground_with_its_own_files(self):
        script = libvirt.command('compute1')[-1]
        exec_part = script.split(' && ')[-1].split()
        self.assertEqual(['exec', '/usr/sbin/libvirtd', '--config',
                          os.path.join(libvirt.host_dir('compute1', 'etc'),
                                       'libvirtd.conf'),
                          '--pid-file', libvirt.pid_file('compute1')],
                         exec_part)
        for flag in ('--daemon', '-d', '--timeout', '-t', '--listen'):
            self.assertNotIn(flag, exec_part)


class NovaSettingsTest(LibvirtTestCase):

    def test_one_instances_path_and_a_uri_per_compute(self):
        nova = {host: libvirt.nova_settings(host) for host in HOSTS}
        self.assertEqual(
            {os.path.join(self.state, 'data', 'nova-instances')},
            {conf['DEFAULT']['instances_path'] for conf in nova.values()})
        self.assertEqual({libvirt.uri(host) for host in HOSTS},
                         {conf['libvirt']['connection_uri']
                          for conf in nova.values()})
        for conf in nova.values():
            self.assertEqual('libvirt.LibvirtDriver',
                             conf['DEFAULT']['compute_driver'])
            self.assertEqual('none', conf['libvirt']['cpu_mode'])
            self.assertFalse(
                conf['image_cache']['remove_unused_base_images'])

    def test_tcg_when_kvm_is_not_usable(self):
        self.useFixture(fixtures.MockPatchObject(
            libvirt, 'kvm_usable', return_value=False))
        self.assertEqual('qemu', libvirt.virt_type())
        self.assertEqual(
            'qemu', libvirt.nova_settings('compute1')['libvirt']['virt_type'])

    def test_kvm_when_it_is(self):
        self.useFixture(fixtures.MockPatchObject(
            libvirt, 'kvm_usable', return_value=True))
        self.assertEqual('kvm', libvirt.virt_type())

    def test_a_missing_device_is_no_kvm(self):
        self.assertFalse(libvirt.kvm_usable(os.path.join(self.state, 'kvm')))


class PackagesTest(testtools.TestCase):

    def test_no_package_that_brings_a_network_or_systemd_units(self):
        for package in ('libvirt-daemon-system',
                        'libvirt-daemon-config-network', 'dnsmasq-base'):
            self.assertNotIn(package, libvirt.APT_PACKAGES)
        for package in ('libvirt-daemon', 'libvirt-daemon-driver-qemu',
                        'qemu-system-x86', 'libvirt-dev'):
            self.assertIn(package, libvirt.APT_PACKAGES)

    def test_what_up_and_status_say(self):
        self.assertEqual('KVM', libvirt.describe('kvm'))
        self.assertEqual('TCG (no usable /dev/kvm)', libvirt.describe('qemu'))


class LeftoversTest(LibvirtTestCase):

    def test_a_running_domains_status_file_is_a_leftover(self):
        status_dir = os.path.join(libvirt.host_dir('compute1', 'run'), 'qemu')
        os.makedirs(status_dir)
        open(os.path.join(status_dir, 'instance-00000001.xml'), 'w').close()
        open(os.path.join(status_dir, 'capabilities.monitor.sock'),
             'w').close()
        found = libvirt.leftovers()
        self.assertIn('domain instance-00000001 on compute1', found)
        self.assertEqual(1, len([f for f in found
                                 if f.startswith('domain ')]))

    def test_hosts_running_are_the_live_daemon_records(self):
        records = [{'name': 'libvirtd-compute2', 'live': True},
                   {'name': 'nova-compute-compute1', 'live': True},
                   {'name': 'libvirtd-compute1', 'live': True},
                   {'name': 'libvirtd-compute3', 'live': False}]
        self.useFixture(fixtures.MockPatchObject(
            libvirt.procs, 'records', return_value=records))
        self.useFixture(fixtures.MockPatchObject(
            libvirt.procs, 'alive', side_effect=lambda rec: rec['live']))
        self.assertEqual(['compute1', 'compute2'], libvirt.hosts_running())

    def test_this_process_is_no_leftover_though_it_names_the_dir(self):
        found = libvirt.leftovers()
        self.assertNotIn('process %d' % os.getpid(),
                         [' '.join(f.split()[:2]) for f in found])
