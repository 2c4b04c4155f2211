"""``--format auto``: pick the parser that reads a file's first lines best.

Each candidate parses a sample of the first non-empty lines; the one that
parses the largest share wins, ties going to the earlier (more specific)
candidate, e.g. ``combined_timed`` before ``combined`` before ``common``.
Free-text ``text`` parses anything with a timestamp, so it only wins when
nothing structured reaches :data:`MIN_SHARE`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sentinel.parsers import ParserOptions, build_parser
from sentinel.records import LineRef, RawLine

__all__ = ["CANDIDATES", "MIN_SHARE", "Detection", "detect_format"]

CANDIDATES: tuple[str, ...] = (
    "journal",
    "nginx_json",
    "jsonlines",
    "vhost_combined",
    "combined_timed",
    "combined",
    "common",
    "apache_error",
    "syslog",
)
MIN_SHARE = 0.5
FALLBACK = "text"


@dataclass(frozen=True, slots=True)
class Detection:
    """The chosen format and how well each candidate did (share of lines parsed)."""

    format: str
    share: float
    scores: tuple[tuple[str, float], ...]


def detect_format(lines: Sequence[bytes], options: ParserOptions | None = None) -> Detection:
    """Choose a format for ``lines`` (the first lines of a file, without newlines)."""
    sample = [line for line in lines if line.strip()][:200]
    if not sample:
        return Detection(FALLBACK, 0.0, ())
    scores: list[tuple[str, float]] = []
    for name in CANDIDATES:
        try:
            parser = build_parser(name, options, source="detect")
        except (ImportError, AttributeError, KeyError, ValueError):
            continue  # a parser that cannot be built cannot be chosen
        parsed = sum(
            parser.parse(RawLine(LineRef("detect", "", 0, i), line)) is not None
            for i, line in enumerate(sample)
        )
        scores.append((name, parsed / len(sample)))
    best_name, best_share = FALLBACK, 0.0
    for name, share in scores:
        if share > best_share:
            best_name, best_share = name, share
    if best_share < MIN_SHARE:
        best_name = FALLBACK
    return Detection(best_name, best_share, tuple(scores))
