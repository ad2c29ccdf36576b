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
"""`cloud up --virt fake|libvirt` (issue 26), without a cloud.

The choice is recorded like the release and read back by a later `up`,
`down` and `status`; on libvirt each compute's nova.conf gets
libvirt.nova_settings, root's privsep helpers and the capacity setting
(the fake driver's files stay as they were); libvirt-python is pinned in
every release; `down` stops the libvirt daemons after the computes and
fails naming whatever libvirt left. Nothing is started here.
"""

import configparser
import importlib
import io
import os

import fixtures

from allocation_tempest_plugin.placement_checks import placement
from allocation_tempest_plugin.tests.unit import test_local_cloud_cli
from allocation_tempest_plugin.tests.unit import test_local_cloud_releases
from allocation_tempest_plugin.tests.unit import test_requirements

HARNESS = test_local_cloud_releases.HARNESS
settings = HARNESS['settings']
cloudstate = HARNESS['cloudstate']
install = HARNESS['install']
Failure = HARNESS['util'].Failure
libvirt = importlib.import_module('localcloud.libvirt')
nova_conf = importlib.import_module('localcloud.nova_conf')
control = importlib.import_module('localcloud.control')
up = importlib.import_module('localcloud.up')


class VirtTestCase(test_local_cloud_releases.HarnessTestCase):

    def setUp(self):
        super(VirtTestCase, self).setUp()
        self.useFixture(fixtures.MockPatchMultiple(
            settings, ETC=os.path.join(self.state, 'etc'),
            RUN=os.path.join(self.state, 'run')))
        # /dev/kvm of the machine running the tests is not the cloud's.
        self.useFixture(fixtures.MockPatchObject(
            libvirt, 'kvm_usable', return_value=True))


class RecordedVirtTest(VirtTestCase):

    def test_a_new_cloud_is_fake(self):
        self.assertEqual('fake', settings.DEFAULT_VIRT)
        self.assertEqual('fake', cloudstate.virt())
        self.record(release='2026.2', restart_mode='wait')
        self.assertEqual('fake', cloudstate.virt())

    def test_up_without_the_option_keeps_the_recorded(self):
        self.record(release='2026.2', virt='libvirt')
        self.assertEqual('libvirt', cloudstate.virt())
        self.assertEqual('fake', cloudstate.virt('fake'))

    def test_an_update_keeps_it(self):
        self.record(virt='libvirt')
        cloudstate.update(restart_mode='immediate', release='2025.1')
        self.assertEqual('libvirt', cloudstate.virt())

    def test_one_this_harness_does_not_know_is_the_default(self):
        self.record(virt='xen')
        self.assertEqual('fake', cloudstate.virt())


def compute_conf(host, virt):
    return nova_conf.compute(host, 0, virt)


class NovaConfTest(VirtTestCase):

    def test_the_fake_drivers_file_is_todays(self):
        conf = compute_conf('compute1', 'fake')
        self.assertEqual(conf, nova_conf.compute('compute1', 0))
        self.assertEqual('fake.FakeDriverWithoutFakeNodes',
                         conf['DEFAULT']['compute_driver'])
        for ratio in ('cpu', 'ram', 'disk'):
            self.assertEqual(1.0, conf['DEFAULT'][ratio + '_allocation_ratio'])
        for section in ('libvirt', 'nova_sys_admin', 'image_cache'):
            self.assertNotIn(section, conf)

    def test_libvirt_merges_its_settings_over_todays(self):
        for host in ('compute1', 'compute2'):
            conf = compute_conf(host, 'libvirt')
            for section, values in libvirt.nova_settings(host).items():
                for key, value in values.items():
                    self.assertEqual(value, conf[section][key],
                                     '%s [%s] %s' % (host, section, key))
            # What the fake driver's file has and libvirt does not change.
            self.assertEqual(host, conf['DEFAULT']['host'])
            self.assertEqual(settings.UPDATE_RESOURCES_INTERVAL,
                             conf['DEFAULT']['update_resources_interval'])
            self.assertEqual('nova', conf['placement']['username'])
            # Gotcha 3: a compute's file never has a database.
            self.assertNotIn('database', conf)
            self.assertNotIn('api_database', conf)
        self.assertEqual(
            {libvirt.instances_path()},
            {compute_conf(host, 'libvirt')['DEFAULT']['instances_path']
             for host in ('compute1', 'compute2')})

    def test_privsep_runs_without_sudo_with_the_computes_file(self):
        conf = compute_conf('compute2', 'libvirt')
        for section in nova_conf.PRIVSEP_SECTIONS:
            helper = conf[section]['helper_command'].split()
            self.assertEqual(
                [os.path.join(settings.VBIN, 'privsep-helper'),
                 '--config-file', nova_conf.path('compute2')], helper)
        self.assertIn('nova_sys_admin', nova_conf.PRIVSEP_SECTIONS)

    def test_the_rendered_file_reads_back(self):
        inifile = importlib.import_module('localcloud.inifile')
        text = inifile.render(compute_conf('compute1', 'libvirt'))
        parsed = configparser.RawConfigParser()
        parsed.read_string(text)
        self.assertEqual('libvirt.LibvirtDriver',
                         parsed.get('DEFAULT', 'compute_driver'))
        self.assertEqual('kvm', parsed.get('libvirt', 'virt_type'))
        self.assertEqual(libvirt.uri('compute1'),
                         parsed.get('libvirt', 'connection_uri'))
        self.assertEqual('false', parsed.get('image_cache',
                                             'remove_unused_base_images'))


class CapacityTest(VirtTestCase):
    """The capacity setting on libvirt, and what it keeps of the check."""

    # What a libvirt compute reports on the 2-core, 24 GiB machine (nova's
    # reserved_host_memory_mb 512), with the ratios `up` writes.
    def inventories(self):
        conf = compute_conf('compute1', 'libvirt')['DEFAULT']
        return {
            'VCPU': {'total': 2, 'reserved': 0, 'max_unit': 2,
                     'allocation_ratio': conf['cpu_allocation_ratio']},
            'MEMORY_MB': {'total': 24105, 'reserved': 512,
                          'max_unit': 24105,
                          'allocation_ratio': conf['ram_allocation_ratio']},
            'DISK_GB': {'total': 98, 'reserved': 0, 'max_unit': 98,
                        'allocation_ratio': conf['disk_allocation_ratio']},
        }

    def test_only_vcpu_is_overcommitted(self):
        conf = compute_conf('compute1', 'libvirt')['DEFAULT']
        self.assertEqual(settings.LIBVIRT_CPU_ALLOCATION_RATIO,
                         conf['cpu_allocation_ratio'])
        self.assertEqual((1.0, 1.0), (conf['ram_allocation_ratio'],
                                      conf['disk_allocation_ratio']))

    def test_the_shared_hold_and_tempest_beside_fit_on_one_host(self):
        nano = dict(zip(('vcpus', 'ram', 'disk'), settings.FLAVORS[0][1:4]))
        free = placement.free_capacity(self.inventories(), {})
        vcpu = self.inventories()['VCPU']
        # 8 states of the shared hold, and as many again beside it.
        servers = 16
        self.assertLessEqual(
            servers * nano['vcpus'],
            vcpu['total'] * vcpu['allocation_ratio'])
        self.assertLessEqual(servers * nano['ram'], free['MEMORY_MB'])

    def test_a_whole_host_flavor_still_fails_on_one_leaked_allocation(self):
        # VCPU's free capacity is capped by max_unit (2) once the ratio is
        # above 1, so a leaked VCPU alone would go unseen; every leaked
        # server allocation holds memory too, whose ratio stays 1.0.
        neighbour = {'VCPU': 1, 'MEMORY_MB': 128, 'DISK_GB': 1}
        leaked = {'VCPU': 1, 'MEMORY_MB': 128, 'DISK_GB': 1}
        inventories = self.inventories()
        whole = placement.free_capacity(inventories, neighbour)
        after_leak = placement.free_capacity(inventories, {
            rc: neighbour[rc] + leaked[rc] for rc in neighbour})
        self.assertEqual(whole['VCPU'], after_leak['VCPU'])
        self.assertLess(after_leak['MEMORY_MB'], whole['MEMORY_MB'])
        self.assertLess(after_leak['DISK_GB'], whole['DISK_GB'])


class InstallTest(VirtTestCase):

    def test_libvirts_debian_packages_only_on_libvirt(self):
        self.assertEqual(settings.APT_PACKAGES, install.apt_packages('fake'))
        self.assertEqual(settings.APT_PACKAGES + libvirt.APT_PACKAGES,
                         install.apt_packages('libvirt'))

    def test_libvirt_python_goes_into_the_releases_venv_pinned(self):
        for name in settings.release_names():
            release = settings.use_release(name)
            vbin = os.path.join(settings.VENV, 'bin')
            self.assertEqual(
                [os.path.join(vbin, 'uv'), 'pip', 'install', '-q',
                 '--python', os.path.join(vbin, 'python'),
                 '-c', release.constraints, 'libvirt-python'],
                install.libvirt_command())

    def test_every_release_pins_libvirt_python(self):
        for release in settings.RELEASES.values():
            pins = test_local_cloud_releases.pins(release)
            for package in libvirt.PIP_PACKAGES:
                self.assertEqual(
                    '12.8.0', pins.get(test_requirements.canonical(package)),
                    '%s: %s' % (release.name, package))

    def test_the_fake_drivers_venv_is_unchanged(self):
        for name in settings.release_names():
            settings.use_release(name)
            self.assertNotIn('libvirt-python', settings.PIP_PACKAGES)


def record(name, pid):
    return {'name': name, 'pid': pid, 'starttime': '1', 'launched': pid}


class DownTest(VirtTestCase):

    def setUp(self):
        super(DownTest, self).setUp()
        self.stdout = self.useFixture(fixtures.MockPatch(
            'sys.stdout', io.StringIO())).mock
        self.done = []
        self.records = [record('mariadb', 1), record('nova-api', 2),
                        record('libvirtd-compute1', 3),
                        record('nova-compute-compute1', 4)]
        procs = control.procs
        for name, fake in (
                ('records', lambda: list(self.records)),
                ('alive', lambda rec: True),
                ('_signal', lambda pid, sig: None),
                ('load', lambda name: [r for r in self.records
                                       if r['name'] == name][0]),
                ('stop', lambda name, timeout=60: self.done.append(name))):
            self.useFixture(fixtures.MockPatchObject(procs, name, fake))
        self.useFixture(fixtures.MockPatchObject(
            libvirt, 'hosts_running', return_value=['compute1']))
        self.useFixture(fixtures.MockPatchObject(
            libvirt, 'stop', side_effect=lambda host: self.done.append(
                'libvirt.stop ' + host)))
        self.leftovers = self.useFixture(fixtures.MockPatchObject(
            libvirt, 'leftovers', return_value=[])).mock
        os.makedirs(libvirt.root())
        os.makedirs(settings.DATA)

    def test_libvirtd_stops_after_the_computes_before_the_backends(self):
        control.down()
        self.assertEqual(['nova-compute-compute1', 'nova-api',
                          'libvirt.stop compute1', 'mariadb'], self.done)
        self.assertIn('libvirt: no domain, tap device or daemon left',
                      self.stdout.getvalue())

    def test_leftovers_fail_naming_each(self):
        self.leftovers.return_value = ['process 4242 qemu-system-x86',
                                       'domain instance-00000001 on compute1',
                                       'interface tap0a1b2c3d-4e']
        error = self.assertRaises(Failure, control.down)
        for item in self.leftovers.return_value:
            self.assertIn('  ' + item, str(error))
        self.assertIn('3 things', str(error))

    def test_no_wipe_while_libvirt_left_something(self):
        self.leftovers.return_value = ['process 4242 qemu-system-x86']
        error = self.assertRaises(Failure, control.down, wipe=True)
        self.assertIn('nothing wiped', str(error))
        self.assertTrue(os.path.isdir(settings.DATA))
        self.assertTrue(os.path.isdir(libvirt.root()))

    def test_a_clean_wipe_removes_the_daemons_state(self):
        control.down(wipe=True)
        self.assertFalse(os.path.exists(libvirt.root()))
        self.assertFalse(os.path.exists(settings.DATA))

    def test_a_cloud_that_never_ran_libvirt_is_not_checked(self):
        os.rmdir(libvirt.root())
        self.leftovers.return_value = ['interface tap-not-ours']
        control.down()
        self.leftovers.assert_not_called()


class SayVirtTest(VirtTestCase):

    def test_up_says_kvm_or_tcg(self):
        self.assertIn('libvirt (KVM', up.describe_virt('libvirt'))
        libvirt.kvm_usable.return_value = False
        self.assertIn('libvirt (TCG', up.describe_virt('libvirt'))
        self.assertTrue(up.describe_virt('fake').startswith('fake'))

    def test_status_reads_the_computes_file(self):
        self.assertEqual('fake', control.describe_virt())
        self.record(virt='libvirt')
        self.assertIn('no [libvirt] virt_type', control.describe_virt())
        path = nova_conf.path(settings.COMPUTE_HOSTS[0])
        os.makedirs(os.path.dirname(path))
        with open(path, 'w') as f:
            f.write('[libvirt]\nvirt_type = qemu\n')
        self.assertEqual('libvirt (TCG (no usable /dev/kvm))',
                         control.describe_virt())


class UpOptionTest(test_local_cloud_cli.CliTestCase):

    def test_forms(self):
        self.assertIsNone(self.parse('up').virt)
        self.assertEqual('libvirt', self.parse('up --virt libvirt').virt)
        self.assertEqual('fake', self.parse('up --virt=fake').virt)
        opts = self.parse('up --release 2025.1 --virt libvirt '
                          '--restart-mode immediate')
        self.assertEqual(('2025.1', 'libvirt', 'immediate'),
                         (opts.release, opts.virt, opts.restart_mode))

    def test_an_unknown_driver_is_named(self):
        self.assertUsageError('up --virt xen', '--virt', 'xen')


compute = importlib.import_module('localcloud.compute')


class FenceTest(VirtTestCase):
    """`cloud fence-compute HOST`: tempest.conf's compute_fence_command."""

    def setUp(self):
        super(FenceTest, self).setUp()
        self.calls = []
        self.useFixture(fixtures.MockPatchObject(
            compute, 'stop', side_effect=lambda host, timeout=60:
            self.calls.append(('stop', host))))
        self.running = ['instance-00000001', 'instance-00000002']

        def virsh(host, *args, **kwargs):
            self.calls.append(('virsh', host) + args)
            if args[0] == 'list':
                return ''.join(d + '\n' for d in self.running)
            return ''
        self.useFixture(fixtures.MockPatchObject(libvirt, 'virsh', virsh))

    def test_on_libvirt_the_compute_stops_then_its_running_guests(self):
        self.record(virt='libvirt')
        self.assertEqual(0, compute.fence('compute1'))
        self.assertEqual([
            ('stop', 'compute1'),
            ('virsh', 'compute1', 'list', '--name'),
            ('virsh', 'compute1', 'destroy', 'instance-00000001'),
            ('virsh', 'compute1', 'destroy', 'instance-00000002'),
        ], self.calls)

    def test_on_the_fake_driver_a_fence_is_a_stop(self):
        self.record(virt='fake')
        self.assertEqual(0, compute.fence('compute2'))
        self.assertEqual([('stop', 'compute2')], self.calls)
