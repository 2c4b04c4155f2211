"""Instructions per line of the replay benchmark, split into parsing and detection.

Wall-clock figures on a shared VM swing by tens of percent from run to run;
instruction counts do not.  This runs ``bench/replay.py``'s loop under
``valgrind --tool=callgrind`` three times over the same log: reading only,
parsing, and parsing plus detection (after ``--warm`` lines that are parsed and
detected in all three runs), and prints the differences per line.

Run: ``.venv/bin/python bench/replay_instructions.py [--lines 50000] [--warm 100000]``
(needs valgrind; takes a few minutes).  The log is bench/replay.py's cached one.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

LOG = Path("/tmp/sentinel-bench-replay.log")


def loop(stage: str, lines: int, warm: int) -> None:
    """The measured loop: ``stage`` is ``read``, ``parse`` or ``detect``."""
    from sentinel.detection import DetectionEngine, load_packs
    from sentinel.parsers import build_parser
    from sentinel.runtime import streaming_gc

    parser = build_parser("combined", source="bench")
    engine = DetectionEngine(load_packs(check_examples=False))
    count = offset = 0
    with LOG.open("rb") as fh, streaming_gc():
        while block := fh.readlines(256 * 230):
            counting = count >= warm
            if counting and stage == "read":
                count += len(block)
            else:
                events, offset, count = parser.parse_block(block, "b", str(LOG), offset, count)
                if not counting or stage == "detect":
                    engine.observe_batch(events)
            if count >= warm + lines:
                break


def instructions(stage: str, lines: int, warm: int) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "callgrind.out"
        command = [
            "valgrind", "--tool=callgrind", f"--callgrind-out-file={out}",
            sys.executable, __file__, "--stage", stage, "--lines", str(lines), "--warm", str(warm),
        ]  # fmt: skip
        subprocess.run(command, check=True, capture_output=True)
        found = re.search(r"^summary: (\d+)", out.read_text(errors="replace"), re.MULTILINE)
        if found is None:
            raise SystemExit("no callgrind summary")
        return int(found.group(1))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=50_000)
    parser.add_argument("--warm", type=int, default=100_000)
    parser.add_argument("--stage", choices=("read", "parse", "detect"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.stage:
        loop(args.stage, args.lines, args.warm)
        return 0
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed")
    if not LOG.exists():
        raise SystemExit(f"{LOG} is missing: run bench/replay.py once to generate it")
    read, parse, detect = (
        instructions(s, args.lines, args.warm) for s in ("read", "parse", "detect")
    )
    print(
        f"{args.lines:,} lines after {args.warm:,} warm-up lines, callgrind instructions per line:"
    )
    print(f"  parsing (parse_block):  {(parse - read) / args.lines:,.0f}")
    print(f"  detection (all packs):  {(detect - parse) / args.lines:,.0f}")
    print(f"  both:                   {(detect - read) / args.lines:,.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
