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

"""Who made a finding: the Tempest test class, and its tests.

Tempest's dynamic credentials create one project per test class, named
``data_utils.rand_name(cls.__name__, prefix='tempest')``, i.e.
``tempest-<ClassName>-<random 1..2**31-1>`` (tempest/lib/common/
dynamic_creds.py, _create_creds). The class deletes its projects when
it tears down, so after a run Keystone no longer knows their names;
the run's tempest.log does ("Acquired dynamic creds: ... 'project_id':
..., 'project_name': ..."). Its subunit stream lists the test ids of
each class; its log also says which test sent a request naming a
consumer ("Request (Class:test_method): 200 GET .../servers/<uuid>").
"""

import re

_DYNAMIC_PROJECT = re.compile(
    r'^tempest-(?P<cls>[A-Za-z_][A-Za-z0-9_]*)-(?P<digits>[0-9]+)$')
_CREDS = re.compile(r"'project_id': '(?P<id>[^']+)', "
                    r"'project_name': '(?P<name>[^']+)'")
_REQUEST = re.compile(r'Request \((?P<cls>[A-Za-z0-9_]+):(?P<test>\w+)\): '
                      r'\d{3} [A-Z]+ (?P<url>\S+)')
_UUID = re.compile(r'[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-'
                   r'[0-9a-f]{12}')
_CLASS_FIXTURE = re.compile(r'^\w+ \((?P<cls>[\w.]+)\)$')
# Outcomes of a finished test in a subunit v2 stream.
_DONE = frozenset(['success', 'fail', 'skip', 'xfail', 'uxsuccess'])


def test_class_of(project_name):
    """The Tempest test class a dynamic-credentials project belongs to."""
    match = _DYNAMIC_PROJECT.match(project_name or '')
    return match.group('cls') if match else None


class RunLog(object):
    """What tempest.log says about projects and consumers."""

    def __init__(self):
        self.project_names = {}       # project id -> name
        self.touched_by = {}          # uuid -> {"Class:test_method"}

    @classmethod
    def read(cls, lines):
        log = cls()
        for line in lines:
            creds = _CREDS.search(line)
            if creds:
                log.project_names[creds.group('id')] = creds.group('name')
                continue
            request = _REQUEST.search(line)
            if request:
                caller = '%s:%s' % (request.group('cls'),
                                    request.group('test'))
                for uuid in _UUID.findall(request.group('url')):
                    log.touched_by.setdefault(uuid, set()).add(caller)
        return log


def class_of_test_id(test_id):
    """'pkg.mod.Class.test_x[id-...]' or 'setUpClass (pkg.mod.Class)'."""
    fixture = _CLASS_FIXTURE.match(test_id)
    path = (fixture.group('cls') if fixture else
            test_id.split('[', 1)[0].rsplit('.', 1)[0])
    return path.rsplit('.', 1)[-1]


def tests_by_class(test_statuses):
    """{ClassName: [(test id, status)]} from {test id: status}."""
    by_class = {}
    for test_id, status in sorted(test_statuses.items()):
        by_class.setdefault(class_of_test_id(test_id), []).append(
            (test_id, status))
    return by_class


def read_subunit(stream):
    """{test id: final status} of a subunit v2 byte stream."""
    import subunit
    import testtools

    statuses = {}

    class Collect(testtools.StreamResult):
        def status(self, test_id=None, test_status=None, **kwargs):
            if test_id and test_status in _DONE:
                statuses[test_id] = test_status

    result = Collect()
    result.startTestRun()
    subunit.ByteStreamToStreamResult(
        stream, non_subunit_name='stdout').run(result)
    result.stopTestRun()
    return statuses


def owner(finding, project_names, by_class=None, run_log=None):
    """Who owns a finding, as a dict added to it under 'owner'."""
    project = finding.get('project_id')
    name = project_names.get(project)
    owned = {'project_name': name, 'test_class': test_class_of(name),
             'tests': [], 'touched_by': sorted(
                 (run_log.touched_by if run_log else {}).get(
                     finding['consumer'], ()))}
    if owned['test_class']:
        owned['tests'] = ['%s %s' % (test_id, status) for test_id, status
                          in (by_class or {}).get(owned['test_class'], [])]
        owned['summary'] = 'Tempest test class %s (project %s)' % (
            owned['test_class'], name)
    elif project is None:
        owned['summary'] = ('no project: the consumer was gone when its '
                            'owner was read')
    elif name:
        owned['summary'] = ('project %s (%s) is not a Tempest dynamic-'
                            'credentials project: not made by a Tempest '
                            'test class' % (name, project))
    else:
        owned['summary'] = (
            'project %s is unknown to Keystone and to the run\'s log: '
            'Tempest deletes a class\'s projects at teardown; give '
            '--log with the run\'s tempest.log to name the class'
            % project)
    return owned


def projects_to_name(report):
    """Distinct project ids of every finding, to read once each."""
    return sorted({finding['project_id']
                   for finding in report['findings'] + report['preexisting']
                   if finding.get('project_id')})


def attribute(report, project_names, by_class=None, run_log=None):
    """Add 'owner' to every finding (and preexisting one) of report."""
    for finding in report['findings'] + report['preexisting']:
        finding['owner'] = owner(finding, project_names, by_class, run_log)
    return report
