"""Stage contracts.

Each stage is an object with one verb, composed by the pipeline; a stage that
does not want an input returns ``None`` (or nothing) and counts why.  Stages
never raise on hostile input: a parser that meets garbage counts it and
returns ``None``.

Ownership: the pipeline owns queues and the checkpoint transaction; a stage
owns only its own bounded state.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Protocol, runtime_checkable

from sentinel.records import Event, Finding, RawLine

__all__ = ["Detector", "Parser"]


@runtime_checkable
class Parser(Protocol):
    """Turns a :class:`RawLine` into an :class:`Event`.

    Must: return ``None`` for a line it cannot parse and increment
    ``rejected[reason]`` with a short stable reason (``"unmatched"``,
    ``"bad_timestamp"``, ``"invalid_utf8"`` ...); never raise; do work bounded
    by the line length (linear-time regexes only).
    Must not: keep per-line state beyond bounded caches.
    """

    name: str
    rejected: Counter[str]

    def parse(self, raw: RawLine) -> Event | None: ...


@runtime_checkable
class Detector(Protocol):
    """Consumes events in event-time order and emits findings.

    Must: keep bounded per-entity state (caps and TTLs, evictions counted);
    decide on event time only (``event.ts``), so replay equals live.
    ``flush(now_ts)`` emits findings for windows that closed by event time
    ``now_ts`` (called at end of input and periodically by the pipeline).
    """

    id: str

    def observe(self, event: Event) -> Iterable[Finding]: ...

    def flush(self, now_ts: float) -> Iterable[Finding]: ...

    def counters(self) -> Mapping[str, int]: ...
