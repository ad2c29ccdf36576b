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

"""What Nova claims in Placement for a server's flavor, from its API view.

Follows nova/scheduler/utils.py ResourceRequest.from_request_spec:
``resources[N]:CLASS`` extra specs are claimed as given (summed over
request groups) and win over the flavor's fields; otherwise the flavor
claims VCPU (or PCPU for dedicated CPUs), MEMORY_MB, and DISK_GB as
ephemeral + swap rounded up to GiB + the root disk unless the server is
volume-backed; zero amounts are not claimed.

Only these classes are compared: ports and devices add others on child
providers, which the flavor does not tell.
"""

import re

from allocation_tempest_plugin.placement_checks import placement

_RESOURCE_SPEC = re.compile(r'^resources([1-9][0-9]*|_[-a-zA-Z0-9_]+)?:'
                            r'(?P<rc>[A-Z0-9_]+)$')
CPU_CLASSES = ('VCPU', 'PCPU')
FLAVOR_CLASSES = CPU_CLASSES + ('MEMORY_MB', 'DISK_GB')


def _from_extra_specs(extra_specs):
    requested = {}
    for key, value in sorted((extra_specs or {}).items()):
        match = _RESOURCE_SPEC.match(key)
        if match:
            requested = placement.add_resources(
                requested, {match.group('rc'): int(value)})
    return requested


def expected_resources(flavor, volume_backed):
    """{class: amount} Nova claims for flavor (the 2.47+ embedded view)."""
    extra_specs = flavor.get('extra_specs') or {}
    resources = _from_extra_specs(extra_specs)
    if not any(rc in resources for rc in CPU_CLASSES):
        dedicated = extra_specs.get('hw:cpu_policy') == 'dedicated'
        resources['PCPU' if dedicated else 'VCPU'] = flavor['vcpus']
    resources.setdefault('MEMORY_MB', flavor['ram'])
    if 'DISK_GB' not in resources:
        disk = (flavor.get('ephemeral') or 0) + -(
            -int(flavor.get('swap') or 0) // 1024)
        if not volume_backed:
            disk += flavor['disk']
        resources['DISK_GB'] = disk
    return {rc: amount for rc, amount in resources.items() if amount}


def compared_classes(expected):
    return set(FLAVOR_CLASSES) | set(expected)


def matches(held, expected):
    """Whether held (summed over providers) is what the flavor claims.

    The image may ask for dedicated CPUs (hw_cpu_policy), which the
    server's view does not show: the CPUs count whether claimed as VCPU
    or as PCPU.
    """
    classes = compared_classes(expected)
    held = {rc: amount for rc, amount in held.items() if rc in classes}
    if held == expected:
        return True
    cpus = sum(expected.get(rc, 0) for rc in CPU_CLASSES)
    as_other = {rc: amount for rc, amount in expected.items()
                if rc not in CPU_CLASSES}
    for rc in CPU_CLASSES:
        if cpus and held == dict(as_other, **{rc: cpus}):
            return True
    return False
