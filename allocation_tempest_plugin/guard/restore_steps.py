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

"""The steps that put a compute service back as it was found.

Shared by the guard's restore and by the recovery command, so that both
undo a disruption the same way: start the compute and wait for a
heartbeat the restorer did not cause, then forced_down, then status,
each a separate PUT retried until the restore deadline, and compare the
result with the recorded state.
"""

from allocation_tempest_plugin.reads import services


def start_and_await_heartbeat(start, read, threshold, step):
    """Start the process, then wait for its own first heartbeat.

    systemctl start returns once the process is forked, long before
    init_host and the first heartbeat; a heartbeat counts only when
    updated_at moves past threshold(), the restorer's own last write or
    what it read before the start (nova-behaviour.md). step(callable,
    what, done) retries until the restore deadline. Returns whether the
    start command succeeded, what is left undone (for the message) and
    the service record of that heartbeat (None without one).
    """
    started = step(start, 'start command')
    if not started.done:
        return False, ['nova-compute was stopped and the start command '
                       'kept failing (%s)' % started.why_not()], None
    since = threshold()
    # Still forced down, so state reads "down" whatever the compute
    # does; the heartbeat shows only in updated_at.
    beat = step(read, 'heartbeat after %s' % since,
                lambda s: services.heartbeat_after(s, since))
    if not beat.done:
        return True, ['nova-compute was started but sent no heartbeat '
                      'past %s (%s)' % (since, beat.why_not())], None
    return True, [], beat.value


def put_back(put, found, unforce, step):
    """forced_down, then status: separate PUTs, each retried.

    Nova answers 400 to unforcing while evacuations from the host are
    "done" (bug 1922053), until the compute's init_host completes them.
    Status goes back only once forced_down is: re-enabling clears the
    marker, and a forced-down service without it is one the recovery
    command could no longer find. Returns what is left undone.
    """
    if unforce:
        forced = step(lambda: put(forced_down=found['forced_down']),
                      'forced_down=%s' % found['forced_down'])
        if not forced.done:
            return ['forced_down is still true and the service still '
                    'disabled with the marker (%s)' % forced.why_not()]
    status = step(lambda: put(**restore_fields(found,
                                               with_forced_down=False)),
                  'status=%s' % found['status'])
    if not status.done:
        return ['status is still disabled with the marker (%s)' %
                status.why_not()]
    return []


def restore_fields(original, with_forced_down=True):
    """The PUT /os-services body that brings back the recorded state.

    Nova refuses a disabled_reason together with status=enabled, so the
    reason is only sent back for a service that was disabled.
    """
    fields = {'status': original['status']}
    if with_forced_down:
        fields['forced_down'] = original['forced_down']
    if original['status'] == 'disabled' and original['disabled_reason']:
        fields['disabled_reason'] = original['disabled_reason']
    return fields


def matches_original(service, original):
    """Whether service is back in the recorded state.

    Enabling a service clears its disabled_reason in Nova, so the reason
    only counts for a service that was recorded as disabled.
    """
    if (service['status'] != original['status'] or
            service['forced_down'] != original['forced_down']):
        return False
    return (original['status'] == 'enabled' or
            service['disabled_reason'] == original['disabled_reason'])
