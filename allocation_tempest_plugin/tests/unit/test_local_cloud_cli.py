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
"""`cloud`'s command line, without a cloud (issue 24.4).

CI (.ci/run), the docs and the tempest.conf the cloud writes call
`tools/local-cloud/cloud` with a fixed syntax: every call found there must
still parse, and a wrong option must fail with the command's usage,
naming it. Nothing is run: only the parsed options are looked at.
"""

import glob
import importlib
import io
import os
import re
import shlex

import fixtures
import testtools

from allocation_tempest_plugin.tests.unit import test_local_cloud_releases

HARNESS = test_local_cloud_releases.HARNESS
REPO_ROOT = test_local_cloud_releases.REPO_ROOT
cli = HARNESS['cli']
settings = HARNESS['settings']
subcommands = importlib.import_module('localcloud.subcommands')

# The tools the venv's Python runs: their options are theirs, not cloud's.
VENV_TOOLS = ('run-defaults', 'kill-matrix', 'hostile', 'crowd', 'bench')

# Where `cloud` is called or documented.
DOC_FILES = (['README.rst', 'CONTRIBUTING.rst', 'HACKING.rst', '.zuul.yaml',
              os.path.join('tools', 'local-cloud', 'README.md')] +
             sorted(glob.glob(os.path.join(REPO_ROOT, 'doc', 'source',
                                           '*.rst'))) +
             sorted(glob.glob(os.path.join(REPO_ROOT, 'devstack', '*'))) +
             sorted(glob.glob(os.path.join(REPO_ROOT, 'playbooks', '*'))) +
             sorted(glob.glob(os.path.join(REPO_ROOT, 'tools', '**',
                                           '*.py'), recursive=True)))
# `tools/local-cloud/cloud SUB ...` or `cloud SUB ...` in backquotes.
DOC_CALL = re.compile(r'(?:tools/local-cloud/cloud|`cloud)\s+'
                      r'([a-z][a-z-]*)([^`\n]*)')
# A word of a synopsis, not of a call: a placeholder, an alternative, a
# repetition, an optional part.
SYNOPSIS = re.compile(r'\[|\||\.\.\.|<|\b[A-Z][A-Z_.=,]*\b')


def _read(path):
    with open(os.path.join(REPO_ROOT, path)) as f:
        return f.read()


def ci_calls():
    """Each `"$cloud" ARGS` of .ci/run, as the shell would split it."""
    script = _read(os.path.join('.ci', 'run')).replace('\\\n', ' ')
    calls = []
    for line in script.splitlines():
        for match in re.finditer(r'"\$cloud"((?:\s+[^|;&\s]+)*)', line):
            calls.append(shlex.split(match.group(1)))
    return calls


def doc_calls():
    """(file, command, its words, whole) for each call in the docs.

    whole: the call is all there, not cut by the end of a line inside a
    quoted span, or continued on the next line.
    """
    found = []
    for path in DOC_FILES:
        if os.path.isdir(os.path.join(REPO_ROOT, path)):
            continue
        text = _read(path)
        for match in DOC_CALL.finditer(text):
            words = re.split(r'\s#|&&|\|\|', match.group(2))[0].strip()
            quoted = match.group(0).startswith('`') or text[
                match.start() - 1:match.start()] == '`'
            closed = text[match.end():match.end() + 1] == '`'
            whole = (closed or not quoted) and not words.endswith('\\')
            found.append((os.path.relpath(os.path.join(REPO_ROOT, path),
                                          REPO_ROOT),
                          match.group(1), words, whole))
    return found


def names_an_option(parser, words):
    """`cloud up --restart-mode`: the option is named, not given."""
    action = parser._option_string_actions.get(words)
    return action is not None and action.nargs != 0


def declared_options(parser):
    """Every --option of a parser and of the parsers nested in it."""
    names = set()
    for action in parser._actions:  # argparse has no public listing
        names.update(o for o in action.option_strings if o.startswith('--'))
        if isinstance(action.choices, dict):  # break-nova's actions
            for nested in action.choices.values():
                names |= declared_options(nested)
    return names


class CliTestCase(testtools.TestCase):

    def parse(self, line, where=''):
        """cli.parse; a usage error fails the test."""
        argv = shlex.split(line) if isinstance(line, str) else line
        return self.without_exit(cli.parse, argv, where=where)

    def without_exit(self, parse, argv, where=''):
        # SystemExit would end the test runner, not fail the test.
        stderr = self.useFixture(fixtures.MockPatch(
            'sys.stderr', io.StringIO())).mock
        try:
            return parse(argv)
        except SystemExit:
            self.fail('%s: %s: %s' % (where, ' '.join(argv),
                                      stderr.getvalue()))

    def assertUsageError(self, line, *named):
        stderr = self.useFixture(fixtures.MockPatch(
            'sys.stderr', io.StringIO())).mock
        argv = shlex.split(line)
        error = self.assertRaises(SystemExit, cli.parse, argv)
        self.assertEqual(2, error.code, stderr.getvalue())
        self.assertIn('usage: cloud', stderr.getvalue())
        for word in named:
            self.assertIn(word, stderr.getvalue())
        return stderr.getvalue()


class CallsFoundTest(CliTestCase):

    def test_every_ci_call_parses(self):
        calls = ci_calls()
        self.assertTrue({'up', 'run', 'break-check', 'run-defaults',
                         'hostile', 'run-beside', 'two-runners', 'down'}
                        <= {call[0] for call in calls}, calls)
        for call in calls:
            self.assertEqual(call[0], self.parse(
                call, '.ci/run').command_name)

    def test_ci_stages_options(self):
        calls = [' '.join(c) for c in ci_calls()]
        self.assertIn('up --restart-mode immediate --shelved-offload-time '
                      '-1', calls)
        opts = self.parse('up --restart-mode immediate '
                          '--shelved-offload-time -1')
        self.assertEqual(('immediate', -1, None), (
            opts.restart_mode, opts.shelved_offload_time, opts.release))
        self.assertEqual(4, self.parse('run-beside --concurrency 4')
                         .concurrency)
        opts = self.parse(['run', '$(selection ALL)'])
        self.assertEqual(('$(selection ALL)', []),
                         (opts.regex, opts.tempest_args))

    def test_the_docs_call_only_commands_that_exist(self):
        calls = doc_calls()
        self.assertGreater(len(calls), 50)
        commands = cli.build()[1]
        for path, command, _words, _whole in calls:
            self.assertIn(command, commands, path)

    def test_every_whole_call_in_the_docs_parses(self):
        commands = cli.build()[1]
        parsed = 0
        for path, command, words, whole in doc_calls():
            words = words.replace('{host}', settings.COMPUTE_HOSTS[0])
            if not (whole and words) or SYNOPSIS.search(words) or \
                    names_an_option(commands[command], words):
                continue  # a synopsis (its examples below), or a mention
            opts = self.parse([command] + shlex.split(words), path)
            self.assertEqual(command, opts.command_name, path)
            parsed += 1
        self.assertGreater(parsed, 10)

    def test_every_option_the_docs_name_is_declared(self):
        commands = cli.build()[1]
        for path, command, words, _whole in doc_calls():
            if command in VENV_TOOLS:
                continue
            parser = commands[command]
            own = re.sub(r'[][]', ' ', words).split()  # a synopsis's too
            if subcommands.split_of(parser):
                # What `run` passes to tempest, or soak after its `--`,
                # is another program's.
                own = subcommands.split_of(parser)(own)[0]
            for option in [w for w in own if re.match('--[a-z]', w)]:
                self.assertIn(option.split('=')[0], declared_options(parser),
                              '%s: cloud %s %s' % (path, command, words))


class SynopsisExamplesTest(CliTestCase):
    """One call per form the docs' synopses describe."""

    def test_up(self):
        opts = self.parse('up --release=2025.2 --restart-mode wait '
                          '--shelved-offload-time 0')
        self.assertEqual(('wait', 0, '2025.2'), (
            opts.restart_mode, opts.shelved_offload_time, opts.release))
        self.assertTrue(opts.needs_root)

    def test_down(self):
        self.assertTrue(self.parse('down --wipe').wipe)
        self.assertFalse(self.parse('down').wipe)

    def test_run_takes_set_and_regex_and_passes_the_rest(self):
        opts = self.parse("run --set allocation.compute_stop_command="
                          "'/bin/true {host}' --set=a.b=c REGEX "
                          "--concurrency 2 --set x")
        self.assertEqual([('allocation', 'compute_stop_command',
                           '/bin/true {host}'), ('a', 'b', 'c')], opts.set)
        self.assertEqual('REGEX', opts.regex)
        self.assertEqual(['--concurrency', '2', '--set', 'x'],
                         opts.tempest_args)

    def test_run_without_regex_passes_a_leading_option(self):
        opts = self.parse('run --serial --concurrency 2')
        self.assertEqual((None, ['--serial', '--concurrency', '2']),
                         (opts.regex, opts.tempest_args))
        opts = self.parse('run')
        self.assertEqual(([], None, []),
                         (opts.set, opts.regex, opts.tempest_args))

    def test_smoke_passes_everything_to_tempest(self):
        self.assertEqual(['--serial', 'x'],
                         self.parse('smoke --serial x').tempest_args)

    def test_run_beside(self):
        opts = self.parse('run-beside --without-plugin --concurrency 2 '
                          '--full --compare-with /tmp/run')
        self.assertEqual((True, 2, True, '/tmp/run'), (
            opts.without_plugin, opts.concurrency, opts.full,
            opts.compare_with))
        self.assertEqual(settings.BESIDE_CONCURRENCY,
                         self.parse('run-beside').concurrency)

    def test_soak_keeps_what_follows_the_double_dash(self):
        opts = self.parse('soak 3 --json out.json -- run-beside --full')
        self.assertEqual((3, 'out.json', ['run-beside', '--full']),
                         (opts.n, opts.json, opts.selection))
        opts = self.parse('soak 2 -- run REGEX --serial -- x')
        self.assertEqual(['run', 'REGEX', '--serial', '--', 'x'],
                         opts.selection)

    def test_two_runners(self):
        opts = self.parse("two-runners --settles 3,0 --disruptable-b ''")
        self.assertEqual(((3.0, 0.0), ''),
                         (opts.settles, opts.disruptable_b))

    def test_computes(self):
        host = settings.COMPUTE_HOSTS[-1]
        self.assertEqual(host, self.parse(['stop-compute', host]).host)
        for line in (['start-compute', '--no-wait', host],
                     ['start-compute', host, '--no-wait']):
            opts = self.parse(line)
            self.assertEqual((host, False), (opts.host, opts.wait))
        self.assertTrue(self.parse(['start-compute', host]).wait)

    def test_venv_tools_pass_their_whole_line(self):
        for tool in VENV_TOOLS:
            opts = self.parse([tool, '--help', '--steps', '', '-x'])
            self.assertEqual((tool, ['--help', '--steps', '', '-x']),
                             (opts.tool, opts.tool_args))
            self.assertEqual([], self.parse([tool]).tool_args)

    def test_class_times(self):
        opts = self.parse('class-times a b --vs c d')
        self.assertEqual((['a', 'b'], ['c', 'd']), (opts.runs, opts.vs))

    def test_break_nova(self):
        opts = self.parse('break-nova apply local-delete rt-heal')
        self.assertEqual(['local-delete', 'rt-heal'], opts.faults)
        for action in ('restore', 'list', 'check'):
            self.assertEqual(action, self.parse(
                'break-nova ' + action).action)
        nova = self.useFixture(fixtures.TempDir()).path
        os.makedirs(os.path.join(nova, 'compute'))
        open(os.path.join(nova, 'compute', 'api.py'), 'w').close()
        self.assertEqual(nova, self.parse(
            ['break-nova', 'check', '--nova-dir', nova]).nova_dir)

    def test_break_check(self):
        break_check = importlib.import_module('localcloud.break_check')
        opts = self.parse('break-check --only LocalDeleteTest,'
                          'EvacuationTest --list')
        self.assertTrue(opts.list)
        self.assertEqual({'LocalDeleteTest', 'EvacuationTest'},
                         {break_check.class_of(t) for t, _ in opts.rows})
        self.assertEqual(break_check.ROWS, self.parse('break-check').rows)


class GeneratedCallsTest(CliTestCase):
    """Calls the harness itself makes: they must parse as cloud's."""

    def test_tempest_confs_stop_and_start_commands(self):
        tempest_conf = HARNESS['tempest_conf']
        host = settings.COMPUTE_HOSTS[0]
        for mode, wait in (('wait', True), ('immediate', False)):
            line = tempest_conf.start_command(settings.HARNESS, mode)
            argv = shlex.split(line.format(host=host))
            self.assertEqual(settings.HARNESS, argv[0])
            opts = self.parse(argv[1:])
            self.assertEqual(('start-compute', host, wait),
                             (opts.command_name, opts.host, opts.wait))

    def test_break_checks_rows_are_run_lines(self):
        break_check = importlib.import_module('localcloud.break_check')
        run_command = importlib.import_module('localcloud.run_command')
        for test, faults in break_check.ROWS:
            sets = [f[len(break_check.CONF):] for f in faults
                    if f.startswith(break_check.CONF)]
            line = [a for item in sets for a in ('--set', item)] + [
                break_check.regex(test)]
            opts = self.without_exit(run_command.parse_run_line, line)
            self.assertEqual((break_check.regex(test), []),
                             (opts.regex, opts.tempest_args))
            self.assertEqual(len(sets), len(opts.set))

    def test_soak_parses_its_selection_before_the_first_run(self):
        soak = importlib.import_module('localcloud.soak')
        self.useFixture(fixtures.MockPatch('sys.stderr', io.StringIO()))
        for selection in (['run-beside', '--bogus'],
                          ['run', '--set', 'no-dot']):
            self.assertRaises(SystemExit, soak.runner, selection)
        self.assertTrue(callable(self.without_exit(
            soak.runner, ['run', 'REGEX', '--serial'])))


class WrongOptionTest(CliTestCase):

    def test_an_unknown_option_is_named_with_the_commands_usage(self):
        for line, usage in (('up --bogus', 'usage: cloud up'),
                            ('down --wipe extra', 'usage: cloud down'),
                            ('status --bogus', 'usage: cloud status'),
                            ('two-runners --bogus',
                             'usage: cloud two-runners'),
                            ('break-check --bogus',
                             'usage: cloud break-check')):
            self.assertIn(usage, self.assertUsageError(
                line, line.split()[-1]))

    def test_a_wrong_value_is_named(self):
        self.assertUsageError('up --release zed', '--release', 'zed')
        self.assertUsageError('up --restart-mode later', '--restart-mode')
        self.assertUsageError('up --shelved-offload-time soon',
                              '--shelved-offload-time')
        self.assertUsageError('run --set no-dot', '--set', 'no-dot')
        self.assertUsageError('run-beside --concurrency many',
                              '--concurrency')
        self.assertUsageError('two-runners --settles 3', '--settles')
        self.assertUsageError('break-check --only NoSuchTest', 'NoSuchTest')
        self.assertUsageError('break-nova apply no-such-fault',
                              'no-such-fault')
        self.assertUsageError('break-nova check --nova-dir /', '--nova-dir')
        self.assertUsageError('stop-compute no-such-host', 'no-such-host')
        self.assertUsageError('soak many -- run', 'N')

    def test_a_missing_part_is_named(self):
        self.assertUsageError('soak 3', '-- SELECTION')
        self.assertUsageError('soak 3 extra -- run', 'extra')
        self.assertUsageError('start-compute', 'HOST')
        self.assertUsageError('break-nova', 'ACTION')
        self.assertUsageError('no-such-command', 'no-such-command')


class HelpTest(CliTestCase):

    def help_of(self, line):
        stdout = self.useFixture(fixtures.MockPatch(
            'sys.stdout', io.StringIO())).mock
        argv = shlex.split(line) if isinstance(line, str) else line
        error = self.assertRaises(SystemExit, cli.parse, argv)
        self.assertEqual(0, error.code)
        return stdout.getvalue()

    def test_the_overview_lists_every_command(self):
        overview = self.help_of('--help')
        for command in cli.build()[1]:
            self.assertIn(command, overview)

    def test_each_command_has_its_help(self):
        for command in cli.build()[1]:
            if command in VENV_TOOLS:
                continue  # the tool's own --help, run by the venv
            self.assertIn('usage: cloud ' + command,
                          self.help_of([command, '--help']))

    def test_no_command_prints_the_overview(self):
        stdout = self.useFixture(fixtures.MockPatch(
            'sys.stdout', io.StringIO())).mock
        self.assertEqual(0, cli.main([]))
        self.assertEqual(0, cli.main(['help']))
        self.assertIn('usage: cloud', stdout.getvalue())
