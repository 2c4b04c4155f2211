"""The ``sentinel`` command line.

Start-up cost matters (``sentinel --help`` ≤ 300 ms): this module imports
only the standard library at the top; each command imports what it needs.

Exit codes: 0 success, 1 runtime failure, 2 user error (bad config,
bad arguments, bad definitions).  User errors print one line, no traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TextIO

__all__ = ["main"]

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2

_FORMAT_HELP = (
    "combined (alias nginx, apache), common, vhost_combined, combined_timed, nginx_json, "
    "nginx_log_format (with --log-format), apache_error, syslog (alias auth), journal, "
    "jsonlines, text, or auto (default: detect from the first lines)"
)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sentinel",
        description="Security-focused anomaly and attack detection for Linux hosts.",
    )
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    parser.add_argument(
        "-v", "--verbose", action="count", default=0, help="log more (-v info, -vv debug)"
    )
    parser.add_argument(
        "--log-format",
        dest="log_output",
        choices=("auto", "json", "console"),
        default="auto",
        help="Sentinel's own log output on stderr (default: console on a terminal, else JSON)",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    replay = commands.add_parser(
        "replay",
        help="read log files to the end on event time and print a summary and findings",
        description="Replay log files (plain or .gz) through parsers and detectors. "
        "Without FILE, replays the bundled sample logs.",
    )
    replay.add_argument("files", nargs="*", type=Path, metavar="FILE")
    replay.add_argument("--format", default="auto", help=_FORMAT_HELP)
    replay.add_argument("--log-format", help="nginx log_format string (format nginx_log_format)")
    replay.add_argument("--timezone", default="UTC", help="zone for timestamps without offset")
    replay.add_argument("--events", type=Path, metavar="OUT", help="write events as ECS JSONL")
    replay.add_argument("--findings", type=Path, metavar="OUT", help="write findings as JSONL")
    replay.add_argument("--top", type=int, default=5, help="entries in each top list")
    replay.add_argument("--no-detect", action="store_true", help="parse only")
    replay.add_argument("-c", "--config", type=Path, help="take limits and packs from this file")

    check = commands.add_parser("check-config", help="validate a configuration file")
    check.add_argument("file", nargs="?", type=Path, help="the TOML file")
    check.add_argument("-c", "--config", type=Path, dest="config", help="the TOML file")

    rules = commands.add_parser("rules", help="detector definitions")
    rules_commands = rules.add_subparsers(dest="rules_command", metavar="ACTION", required=True)
    rules_test = rules_commands.add_parser("test", help="run every definition's own examples")
    rules_test.add_argument("paths", nargs="*", type=Path, help="pack files or directories")
    rules_list = rules_commands.add_parser("list", help="list packs and detectors")
    rules_list.add_argument("paths", nargs="*", type=Path, help="pack files or directories")

    generate = commands.add_parser(
        "generate",
        help="write a synthetic corpus of logs with ground truth (see `sentinel generate -h`)",
        add_help=False,
    )
    generate.add_argument("args", nargs=argparse.REMAINDER)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``sentinel`` console script."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["generate"]:
        # The generator owns its arguments (and its -h); hand them over untouched.
        from sentinel.scenarios import main as generate_main

        return generate_main(argv[1:])
    args = _parser().parse_args(argv)
    if args.version:
        from sentinel import __version__

        print(f"sentinel {__version__}")
        return EXIT_OK
    handlers: dict[str, Callable[[argparse.Namespace, TextIO], int]] = {
        "replay": _cmd_replay,
        "check-config": _cmd_check_config,
        "rules": _cmd_rules,
    }
    handler = handlers.get(args.command or "")
    if handler is None:
        _parser().print_help()
        return EXIT_USAGE
    from sentinel.errors import ConfigError, DefinitionError
    from sentinel.telemetry import configure

    configure(("warning", "info", "debug")[min(args.verbose, 2)], args.log_output)
    try:
        return handler(args, sys.stdout)
    except (ConfigError, DefinitionError) as exc:
        print(f"sentinel: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return EXIT_OK


def _cmd_check_config(args: argparse.Namespace, out: TextIO) -> int:
    from sentinel.settings import check_runtime, load_settings

    path = args.config or args.file
    if path is None:
        print("sentinel: check-config needs a file: sentinel check-config -c FILE", file=sys.stderr)
        return EXIT_USAGE
    settings = load_settings(path)
    for warning in check_runtime(settings):
        print(f"warning: {path}: {warning}", file=sys.stderr)
    print(f"{path}: OK ({len(settings.sources)} sources)", file=out)
    return EXIT_OK


def _cmd_replay(args: argparse.Namespace, out: TextIO) -> int:
    from sentinel.replaycmd import run_replay

    return run_replay(args, out)


def _cmd_rules(args: argparse.Namespace, out: TextIO) -> int:
    from sentinel.detection.rules import rules_list_main, rules_test_main

    paths = list(args.paths) or None
    if args.rules_command == "test":
        return rules_test_main(paths, out)
    return rules_list_main(paths, out)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
