"""Per-test results of a subunit v2 stream as JSON (venv python).

Usage: subunit_results.py STREAM OUT_JSON

Writes {test_id: {"status": "pass"|"fail"|"skip", "duration": seconds,
"start": iso, "stop": iso, "worker": "worker-N", "reason": skip reason
or failure tail, "message": the failure's exception line}}. Test ids lose their
"[id-...,tags]" suffix so the same test matches across runs. A class-level
error shows as "setUpClass (module.Class)". An expected failure (testtools
"xfail": the plugin's known Nova defect that reproduced) counts as "pass"
as stestr counts it, with "expected_failure": true and its reason, so a
check that must go red (cloud break-check) can tell it from a pass.
"""
import json
import re
import sys

import subunit
import testtools

STATUS = {'success': 'pass', 'xfail': 'pass', 'skip': 'skip',
          'fail': 'fail', 'uxsuccess': 'fail', 'exists': None,
          'inprogress': None, None: None}


# "AssertionError: ...", "testtools.matchers._impl.MismatchError: ...".
EXCEPTION_LINE = re.compile(r'^\s*[\w.]*(Error|Exception|Failure)\w*: ')


def _message(test):
    """The exception line of a failure's last traceback, whole.

    The reason keeps only the traceback's tail, and a long message (a
    leak report) pushes the exception's first line out of it.
    """
    details = test['details']
    if 'traceback' not in details:
        return ''
    lines = details['traceback'].as_text().splitlines()
    frames = [i for i, line in enumerate(lines)
              if line.lstrip().startswith('File "')]
    for line in lines[(frames[-1] + 1) if frames else 0:]:
        if EXCEPTION_LINE.match(line):
            return line.strip()[:400]
    return ''


def _reason(test):
    details = test['details']
    for key in ('reason', 'traceback'):
        if key in details:
            text = details[key].as_text()
            return text[-2000:] if key == 'traceback' else text
    return ''


def read(path):
    results = {}

    def on_test(test):
        status = STATUS.get(test['status'], 'fail')
        if status is None:
            return
        start, stop = test['timestamps']
        duration = (stop - start).total_seconds() if start and stop else None
        test_id = test['id'].split('[')[0]
        xfail = test['status'] == 'xfail'
        workers = sorted(tag for tag in test['tags']
                         if tag.startswith('worker-'))
        results[test_id] = {
            'status': status,
            'duration': round(duration, 3) if duration is not None else None,
            'start': start.isoformat() if start else None,
            'stop': stop.isoformat() if stop else None,
            'worker': workers[0] if workers else None,
            'reason': _reason(test) if status != 'pass' or xfail else '',
        }
        if xfail:
            results[test_id]['expected_failure'] = True
        if status == 'fail':
            results[test_id]['message'] = _message(test)

    with open(path, 'rb') as stream:
        case = subunit.ByteStreamToStreamResult(stream, non_subunit_name=None)
        result = testtools.StreamToDict(on_test)
        result.startTestRun()
        try:
            case.run(result)
        finally:
            result.stopTestRun()
    return results


def main(stream, out):
    results = read(stream)
    with open(out, 'w') as f:
        json.dump(results, f, indent=1, sort_keys=True)


if __name__ == '__main__':
    main(*sys.argv[1:3])
