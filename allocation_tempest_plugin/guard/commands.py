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

"""The operator's stop/start commands: rendered per argument, no shell.

The host name comes from an API response: it must be a plain RFC 1123
host name (no leading '-', so it can never become an option of the
command) before it is put into an argument. A template without {host}
acts on whatever host it was written for (the gate's
"systemctl stop devstack@n-cpu" stops the local compute), so it is only
accepted when disruptable_hosts names exactly that one host. Templates
may carry secrets (an ssh key path, a token): messages name the program
and the host only, and stderr is shown with every argument of the
command blanked out.
"""

import os
import re
import shlex
import subprocess

from allocation_tempest_plugin import exceptions

_LABEL = r'[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?'
HOSTNAME = re.compile(r'%s(?:\.%s)*' % (_LABEL, _LABEL))
REDACTED = '<redacted>'
_STDERR_TAIL = 300


def valid_host(host):
    # fullmatch: a "$" would also accept the name followed by a newline.
    return (isinstance(host, str) and len(host) <= 253 and
            bool(HOSTNAME.fullmatch(host)))


def check_host(host):
    if not valid_host(host):
        raise exceptions.UnsafeCommand(
            reason='host name %r is not a plain host name (RFC 1123: '
                   'letters, digits, inner "-", dots); refusing to put it '
                   'into a command' % (host,))


def check_syntax(template, option):
    """Refuse a template a shell could not split (an unbalanced quote).

    Checked before anything changes (at class setup and again by the
    guard), so a bad template never fails half way through a disruption,
    after the force-down, with every retry failing the same way. The
    message names the option, not the template: it may carry secrets.
    """
    try:
        argv = shlex.split(template)
    except ValueError as error:
        raise exceptions.UnsafeCommand(
            reason='[allocation] %s cannot be split like a shell would '
                   '(%s)' % (option, error))
    if not argv:
        raise exceptions.UnsafeCommand(
            reason='[allocation] %s is empty' % option)


def check_template(template, host, disruptable_hosts=()):
    """Refuse what could act on another host than the one held."""
    check_host(host)
    check_syntax(template, 'compute command')
    if '{host}' in template:
        return
    if list(disruptable_hosts or ()) != [host]:
        raise exceptions.UnsafeCommand(
            reason='a compute command without {host} acts on one fixed '
                   'host; it is only used when [allocation] '
                   'disruptable_hosts names exactly that host (it names '
                   '%s, the guard holds %s)' % (
                       sorted(disruptable_hosts or ()) or 'none', host))


def render(template, host, disruptable_hosts=None):
    """argv for template with {host} replaced in each argument.

    The template is split first, so the host becomes (part of) one
    argument; str.replace rather than str.format so other braces in the
    template stay as they are. disruptable_hosts None skips the template
    check (the caller did it).
    """
    if disruptable_hosts is None:
        check_host(host)
    else:
        check_template(template, host, disruptable_hosts)
    return [argument.replace('{host}', host)
            for argument in shlex.split(template)]


def describe(argv, host):
    """What a message may say about a command: program and host."""
    return '%s (%d argument(s) redacted) for host %s' % (
        os.path.basename(argv[0]) if argv else '?', max(len(argv) - 1, 0),
        host)


def redact(text, argv, host):
    """text with every argument of argv except the host blanked out."""
    text = text or ''
    secrets = sorted({argument for argument in argv[1:]
                      if argument != host and len(argument) >= 3},
                     key=len, reverse=True)
    for secret in secrets:
        text = text.replace(secret, REDACTED)
    return text[-_STDERR_TAIL:].strip()


def run(template, host, timeout, runner=subprocess.run,
        disruptable_hosts=None):
    argv = render(template, host, disruptable_hosts)
    what = describe(argv, host)
    try:
        completed = runner(argv, shell=False, timeout=timeout,
                           stdin=subprocess.DEVNULL, capture_output=True,
                           text=True, check=False)
    except subprocess.TimeoutExpired:
        raise exceptions.CommandFailed(
            reason='%s did not finish within %s s' % (what, timeout))
    except OSError as error:
        raise exceptions.CommandFailed(
            reason='%s could not run: %s' % (
                what, redact(str(error), argv, host)))
    if completed.returncode != 0:
        raise exceptions.CommandFailed(
            reason='%s exited %s: %s' % (
                what, completed.returncode,
                redact(completed.stderr or completed.stdout, argv, host)))
    return argv
