"""``python -m sentinel.scenarios OUT_DIR`` (and later ``sentinel generate``).

.. versionadded:: 0.1
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from sentinel.scenarios.generator import DEFAULT_START, generate
from sentinel.scenarios.plan import CLASSES

__all__ = ["build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed so ``sentinel generate`` can reuse it)."""
    parser = argparse.ArgumentParser(
        prog="python -m sentinel.scenarios",
        description="Generate web, auth and firewall logs with injected attacks and ground truth.",
    )
    parser.add_argument(
        "out_dir", type=Path, help="directory for access.log, auth.log, kern.log, truth.json"
    )
    parser.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    parser.add_argument("--days", type=float, default=2.0, help="corpus length in days (default 2)")
    parser.add_argument("--scale", type=float, default=1.0, help="volume multiplier (default 1)")
    parser.add_argument(
        "--clients", type=int, default=None, help="benign visitors (default 4000*days*scale)"
    )
    parser.add_argument(
        "--start", default=DEFAULT_START.isoformat(), help="first instant, ISO 8601 (UTC if naive)"
    )
    parser.add_argument(
        "--campaigns",
        default=None,
        help=f"comma-separated attack classes, '' for none (default all: {','.join(CLASSES)})",
    )
    parser.add_argument(
        "--per-class", type=int, default=None, help="campaigns per class (default 3*scale)"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the generator from the command line.

    Args:
        argv: Arguments without the program name (``sys.argv[1:]`` when None).

    Returns:
        0 on success, 2 on invalid arguments.
    """
    args = build_parser().parse_args(argv)
    try:
        start = datetime.fromisoformat(args.start)
        classes = None if args.campaigns is None else [c for c in args.campaigns.split(",") if c]
        truth = generate(
            args.out_dir,
            seed=args.seed,
            days=args.days,
            scale=args.scale,
            benign_clients=args.clients,
            start=start.astimezone(UTC) if start.tzinfo else start,
            campaigns=classes,
            campaigns_per_class=args.per_class,
        )
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for name, info in truth.files.items():
        print(f"{name}: {info.lines} lines, {len(info.attack_lines)} attack lines")
    print(f"campaigns: {len(truth.campaigns)}, benign clients: {len(truth.benign_clients)}")
    return 0
