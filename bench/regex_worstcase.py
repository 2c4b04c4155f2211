"""Worst parse time per line over crafted adversarial lines up to 64 KiB, per format.

For each registered format with a parser, starting from one valid seed line:

- runs of each delimiter the regexes use (spaces, quotes, ``\\"``, brackets,
  ``%``, ``:``, ``, ``, ``{"a":`` ...) as the whole line;
- near-misses: a prefix of the valid line cut at each delimiter, then a run;
- insertions: a run inserted at each delimiter of the valid line (so the
  regex can match to the end or almost);
- the valid line with its last character dropped after a run (matches
  almost to the end, then fails).

Each case is padded to the size (default 64 KiB), parsed a few times, and
the best time kept.  The worst case per format is printed, together with its
time at 1/8 of the size: a ratio near 8 means linear, much more means a
super-linear regex.  Formats whose parser is not importable are skipped.

Usage::

    .venv/bin/python bench/regex_worstcase.py [--size 65536] [--format combined]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sentinel.parsers import FORMATS, ParserOptions, build_parser, speedups
from sentinel.parsers.base import LineParser
from sentinel.records import LineRef, RawLine

LOG_FORMAT = (
    '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent '
    '"$http_referer" "$http_user_agent" rt=$request_time uct="$upstream_connect_time" '
    "$upstream_response_time"
)
SEEDS: dict[str, str] = {
    "combined": '203.0.113.9 - bob [10/Oct/2026:13:55:36 +0000] "GET /a?b=1 HTTP/1.1" 200 5 '
    '"https://example.com/" "curl/8.4.0"',
    "common": '203.0.113.9 - - [10/Oct/2026:13:55:36 -0700] "POST /login HTTP/1.0" 401 -',
    "vhost_combined": 'example.com:443 203.0.113.9 - - [10/Oct/2026:13:55:36 +0000] "GET / '
    'HTTP/1.1" 200 5 "-" "ua"',
    "combined_timed": '203.0.113.9 - - [10/Oct/2026:13:55:36 +0000] "GET / HTTP/1.1" 502 5 '
    '"-" "-" 0.500 0.100, 0.200 : 0.100',
    "nginx_json": '{"time_iso8601":"2026-10-10T13:55:36+00:00","remote_addr":"203.0.113.9",'
    '"request":"GET /a?b HTTP/1.1","status":"200","http_user_agent":"x"}',
    "nginx_log_format": '203.0.113.9 - - [10/Oct/2026:13:55:36 +0000] "GET / HTTP/1.1" 200 5 '
    '"-" "curl" rt=0.100 uct="0.001" 0.010, 0.020',
    "apache_error": "[Wed Oct 11 14:32:52.123456 2000] [core:error] [pid 1234:tid 5678] "
    "[client 192.0.2.4:5678] AH00124: Request exceeded the limit",
    "syslog": "Dec 10 06:55:46 web1 sshd[24200]: Failed password for invalid user admin "
    "from 203.0.113.5 port 22 ssh2",
    "auth": "Dec 10 06:55:46 web1 sshd[24200]: Accepted publickey for alice from "
    "2001:db8::5 port 50000 ssh2: RSA SHA256:abc",
}
FILLERS = (
    " ",
    '"',
    '\\"',
    "\\",
    "[",
    "]",
    "] [",
    "%",
    "-",
    ":",
    ", ",
    " : ",
    '{"a":',
    "a",
    "\t",
    '"x" ',
    "[x] ",
    "1",
    "/",
    "=",
)
DELIMITERS = frozenset(' "[]:,={}')


def cases(seed: str, size: int) -> Iterator[tuple[str, str]]:
    """``(description, line)`` adversarial cases for ``seed``, each about ``size`` chars."""
    cuts = [i for i, char in enumerate(seed) if char in DELIMITERS][:24]
    for filler in FILLERS:
        run = filler * (size // len(filler))
        yield f"run {filler!r}", run
        yield f"seed[:-1] + run {filler!r}", seed[:-1] + run[: size - len(seed)]
        for cut in cuts:
            body = run[: size - len(seed)]
            yield f"seed[:{cut}] + run {filler!r}", seed[:cut] + body
            yield f"run {filler!r} inserted at {cut}", seed[:cut] + body + seed[cut:]
            yield f"run {filler!r} at {cut}, last char dropped", seed[:cut] + body + seed[cut:-1]


def best_time(parser: LineParser, line: str, repeat: int) -> float:
    """Best of ``repeat`` parse times for ``line``, in seconds."""
    raw = RawLine(LineRef("bench", "adversarial.log", 0, 1), line.encode("utf-8"))
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        parser.parse(raw)
        best = min(best, time.perf_counter() - start)
    return best


def measure(fmt: str, size: int, repeat: int) -> None:
    """Print the worst case for one format."""
    log_format = LOG_FORMAT if fmt == "nginx_log_format" else None
    try:
        parser = build_parser(fmt, ParserOptions(log_format=log_format, reference_time=1.8e9))
    except (ImportError, AttributeError) as exc:
        print(f"{fmt:18s} skipped: parser not available ({exc})")
        return
    seed = SEEDS[fmt]
    worst = (0.0, "", "")
    count = 0
    for description, line in cases(seed, size):
        count += 1
        elapsed = best_time(parser, line, repeat)
        if elapsed > worst[0]:
            worst = (elapsed, description, line)
    small_line = dict(cases(seed, size // 8))[worst[1]]
    small = best_time(parser, small_line, repeat)
    growth = worst[0] / small if small > 0 else float("inf")
    print(
        f"{fmt:18s} {count:5d} lines  worst {worst[0] * 1e6:9.0f} µs/line "
        f"({worst[0] * 1e6 / (len(worst[2]) / 1024):6.1f} µs/KiB, x{growth:4.1f} for 8x size)  "
        f"{worst[1]}"
    )


def main(argv: list[str] | None = None) -> None:
    """Command-line entry point."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--size", type=int, default=65536, help="characters per adversarial line")
    ap.add_argument("--repeat", type=int, default=5, help="parses per line (best kept)")
    ap.add_argument("--format", action="append", choices=sorted(SEEDS), help="repeatable")
    args = ap.parse_args(argv)
    formats = args.format or [f for f in SEEDS if f in FORMATS]
    print(
        f"python {sys.version.split()[0]}, adversarial lines of {args.size:,} characters, "
        f"C fast paths {'on' if speedups.load() else 'off'} (SENTINEL_NO_SPEEDUPS=1: off)"
    )
    for fmt in formats:
        measure(fmt, args.size, args.repeat)


if __name__ == "__main__":
    main()
