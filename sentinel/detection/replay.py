"""Replay log files through the real parsers and the engine, on event time.

A small helper for benchmarks, scenario tests and ``sentinel replay``: each
file is parsed with its format and the event streams are merged by event
time (each file is in time order, as logs are), so windows see one timeline.

.. versionadded:: 0.1
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Iterator, Sequence
from itertools import islice
from pathlib import Path

from sentinel.detection.engine import DetectionEngine
from sentinel.detection.rules import latest_findings
from sentinel.parsers import ParserOptions, build_parser
from sentinel.records import Event, Finding, LineRef, RawLine

__all__ = ["events_from", "replay_files"]


def events_from(path: Path, fmt: str, options: ParserOptions | None = None) -> Iterator[Event]:
    """Parsed events of one file, in file order (unparseable lines skipped)."""
    parser = build_parser(fmt, options, source=path.name)
    name = str(path)
    offset = 0
    with path.open("rb") as fh:
        for lineno, data in enumerate(fh, start=1):
            raw = RawLine(LineRef(path.name, name, offset, lineno), data.rstrip(b"\r\n"))
            offset += len(data)
            event = parser.parse(raw)
            if event is not None:
                yield event


def replay_files(
    engine: DetectionEngine,
    files: Sequence[tuple[Path, str]],
    options: ParserOptions | None = None,
    batch_events: int = 256,
) -> list[Finding]:
    """Feed ``(path, format)`` files merged by event time; the latest findings.

    Events reach the engine in batches of ``batch_events``
    (:meth:`DetectionEngine.observe_batch`: the same findings as one by one).
    """
    streams = [events_from(path, fmt, options) for path, fmt in files]
    found: list[Finding] = []
    merged = heapq.merge(*streams, key=lambda e: e.ts)
    while batch := list(islice(merged, batch_events)):
        found.extend(engine.observe_batch(batch))
    found.extend(engine.flush(math.inf))
    return latest_findings(found)
