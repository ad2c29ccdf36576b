"""What `cloud`'s subcommands share: a parser of one's own, a passed-on rest.

Some commands hand the rest of their line to another program (`run`'s
ARGS to `tempest run`, a tool's options to the tool, `soak`'s selection
after `--`). argparse cannot declare that rest: its REMAINDER takes
nothing when the rest starts with an option (`cloud run --serial`), and
would swallow the command's own options after a positional (`soak 3
--json OUT -- ...`). So such a command declares a splitter: the line is
cut into its own part, which argparse parses, and the rest, passed on
untouched.
"""
import argparse

PROG = 'cloud'
HELP = ('-h', '--help')


def standalone(add_parser):
    """The parser add_parser declares, built outside `cloud`'s own.

    For a command line met inside another command's (soak repeats a
    `run-beside` or a `run`; break-check builds a `run`).
    """
    top = argparse.ArgumentParser(prog=PROG)
    return add_parser(top.add_subparsers())


def pass_rest(parser, dest, split, metavar, help):
    """Declare the passed-on rest (shown in --help) and its splitter.

    split(args) -> (own, rest): rest None when the line lacks it.
    """
    parser.add_argument(dest, nargs='*', metavar=metavar, help=help)
    parser.set_defaults(split_line=split, rest_dest=dest,
                        rest_metavar=metavar)


def split_of(parser):
    return parser.get_default('split_line')


def parse(parser, args, parse_own=None):
    """Parse a command's line: its own part by argparse, the rest as is.

    parse_own: how to parse the own part (default: parser's parse_args;
    `cloud` parses it through its top-level parser).
    """
    own, rest = split_of(parser)(list(args))
    opts = (parse_own or parser.parse_args)(own)
    dest = parser.get_default('rest_dest')
    if getattr(opts, dest):  # the own part had a word too many
        parser.error('unrecognized arguments: %s' % ' '.join(
            getattr(opts, dest)))
    if rest is None:
        parser.error('missing: -- %s' % parser.get_default(
            'rest_metavar'))
    setattr(opts, dest, rest)
    return opts


def leading_options(args, with_value=(), flags=HELP):
    """How many leading words are the command's own options."""
    own = 0
    while own < len(args):
        word = args[own]
        if word in with_value:
            own += 2
        elif word.partition('=')[0] in with_value or word in flags:
            own += 1
        else:
            break
    return min(own, len(args))


def everything_passed_on(args):
    """A tool's whole line goes to the tool, --help included."""
    return [], args


def help_then_rest(args):
    """Only a leading --help is the command's own."""
    own = leading_options(args)
    return args[:own], args[own:]


def before_double_dash(args):
    """`OWN -- REST`: the rest is what follows the first `--`."""
    if '--' not in args:
        return args, None
    cut = args.index('--')
    return args[:cut], args[cut + 1:]
