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

"""The operator's stop/start commands: rendered per argument, no shell."""

import shlex
import subprocess

from allocation_tempest_plugin import exceptions


def render(template, host):
    """argv for template with {host} replaced in each argument.

    The template is split first, so a host name from an API response
    becomes (part of) one argument whatever characters it holds; str.replace
    rather than str.format so other braces in the template stay as they are.
    """
    return [argument.replace('{host}', host)
            for argument in shlex.split(template)]


def run(template, host, timeout, runner=subprocess.run):
    argv = render(template, host)
    try:
        completed = runner(argv, shell=False, timeout=timeout,
                           stdin=subprocess.DEVNULL, capture_output=True,
                           text=True, check=False)
    except subprocess.TimeoutExpired:
        raise exceptions.DisruptionError(
            reason='%s did not finish within %s s' % (argv, timeout))
    except OSError as error:
        raise exceptions.DisruptionError(
            reason='%s could not run: %s' % (argv, error))
    if completed.returncode != 0:
        raise exceptions.DisruptionError(
            reason='%s exited %s: %s' % (
                argv, completed.returncode,
                (completed.stderr or completed.stdout or '')[-500:].strip()))
    return argv
