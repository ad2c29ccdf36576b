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
"""Nova defects the plugin knows by name, and how a test reports one.

A test whose expectation Nova does not meet today still expects what a
user needs. When the operator lists the defect in [allocation]
known_nova_defects, the test is an expected failure (testtools "xfail")
only while the defect reproduces exactly as described, and fails once
Nova behaves ("fixed: remove it from the option"); when it is not
listed, the test fails with its report and the Nova code path.
"""


class Defect(object):
    def __init__(self, name, summary, code_path, bugs=()):
        self.name = name
        self.summary = summary
        self.code_path = code_path
        self.bugs = bugs


DEFECTS = {defect.name: defect for defect in [
    Defect(
        'verify-resize-delete-source-down',
        'Deleting a server in VERIFY_RESIZE whose source compute is '
        'stopped and forced down answers 500 after rpc_response_timeout, '
        'both the server\'s and the migration\'s allocations stay, and the '
        'server is left in task_state "deleting", so that a later DELETE '
        'is ignored until an admin resets its state',
        'nova/compute/api.py API._delete calls _confirm_resize_on_deleting, '
        'a synchronous RPC (cast=False) to the source compute, before it '
        'decides on a local delete; with the source stopped it ends in '
        'MessagingTimeout'),
    Defect(
        'error-after-resize-delete-leaks-migration',
        'Deleting a server reset to ERROR while it was in VERIFY_RESIZE '
        'leaves the migration\'s allocation (the old flavor on the source) '
        'in Placement',
        'nova/compute/api.py API._delete confirms a resize only for '
        'vm_state RESIZED; for an ERROR server neither nova-api nor the '
        'compute deletes the migration consumer, and the resource tracker '
        'never heals migration consumers'),
]}


class Verdict(object):
    """What a known-defect test concludes; the base class acts on it."""

    PASS, FIXED, EXPECTED, FAIL = 'pass', 'fixed', 'expected', 'fail'

    def __init__(self, kind, message):
        self.kind = kind
        self.message = message


def judge(name, listed, needs_met, reproduces, report):
    """The verdict for defect name.

    needs_met: Nova did what a user needs. reproduces: it failed exactly
    as the defect describes. report: what was seen, for the message.
    """
    defect = DEFECTS[name]
    if needs_met:
        if listed:
            return Verdict(Verdict.FIXED, (
                'fixed: Nova no longer shows known defect %s (%s); remove '
                'it from [allocation] known_nova_defects' % (
                    name, defect.summary)))
        return Verdict(Verdict.PASS, None)
    if reproduces and listed:
        return Verdict(Verdict.EXPECTED, (
            'known Nova defect %s reproduced as described: %s\n%s' % (
                name, defect.summary, report)))
    if reproduces:
        return Verdict(Verdict.FAIL, (
            'Nova defect %s: %s\nNova code path: %s%s\n%s\n(a cloud that '
            'accepts this defect lists it in [allocation] '
            'known_nova_defects)' % (
                name, defect.summary, defect.code_path,
                ''.join('\nNova bug %s' % bug for bug in defect.bugs),
                report)))
    return Verdict(Verdict.FAIL, report)
