"""What a replay saw: counts, time range and bounded top lists."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sentinel.records import EVENT_FIELDS, Event, event_client

__all__ = ["BoundedCounter", "ReplaySummary"]

_TS, _KIND, _CLIENT, _USER, _PATH = (
    EVENT_FIELDS.index(name) for name in ("ts", "kind", "client_ip", "user", "path")
)


def _clients(column: tuple[str | None, ...], events: Sequence[Event]) -> Iterable[str | None]:
    # Web events always carry an address: the per-event look-up into
    # ``extra`` runs only for a batch that has an event without one.
    if None not in column:
        return column
    return [ip or event_client(event) for ip, event in zip(column, events, strict=True)]


class BoundedCounter:
    """A counter of at most ``capacity`` keys (attacker-controlled keys must not grow memory).

    When full, at least the half with the smallest counts is dropped; counts
    of keys seen after that are lower bounds.  ``pruned`` says how many keys
    went.
    """

    def __init__(self, capacity: int = 20_000) -> None:
        self.capacity = capacity
        self.counts: Counter[str] = Counter()
        self.pruned = 0

    def add(self, key: str | None) -> None:
        """Count one occurrence of ``key`` (``None`` is ignored)."""
        if key is None:
            return
        counts = self.counts
        counts[key] += 1
        if len(counts) > self.capacity:
            self._prune()

    def add_many(self, keys: Iterable[str | None]) -> None:
        """Count each of ``keys`` (``None`` ignored), pruning once afterwards.

        Between prunes the counter holds at most ``capacity`` keys plus the
        distinct keys of one call, so callers pass bounded batches.
        """
        counts = self.counts
        counts.update(filter(None, keys))
        if len(counts) > self.capacity:
            self._prune()

    def _prune(self) -> None:
        """Keep the keys counted more often than the one at half the capacity's rank.

        At most ``capacity // 2`` keys stay (fewer when counts tie at the cut):
        a sort of the counts in C instead of ``most_common``'s heap, which
        cost about 20 ms a prune with 20,000 keys, and a stream of one-off
        clients prunes every few thousand lines.
        """
        counts = self.counts
        cut = sorted(counts.values(), reverse=True)[self.capacity // 2]
        keep = Counter({key: count for key, count in counts.items() if count > cut})
        self.pruned += len(counts) - len(keep)
        self.counts = keep

    def top(self, n: int) -> list[tuple[str, int]]:
        """The ``n`` most frequent keys."""
        return self.counts.most_common(n)


@dataclass
class ReplaySummary:
    """Accumulates what a replay read; filled by :class:`~sentinel.pipeline.Replayer`."""

    lines: int = 0
    parsed: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    notes: Counter[str] = field(default_factory=Counter)
    kinds: Counter[str] = field(default_factory=Counter)
    first_ts: float = math.inf
    last_ts: float = -math.inf
    clients: BoundedCounter = field(default_factory=BoundedCounter)
    users: BoundedCounter = field(default_factory=BoundedCounter)
    paths: BoundedCounter = field(default_factory=BoundedCounter)
    formats: dict[str, str] = field(default_factory=dict)
    #: Events put back in time order (see :mod:`sentinel.reorder`).
    reordered: int = 0
    #: Of those, events later than the reorder slack, observed out of order.
    late: int = 0

    def add_event(self, event: Event) -> None:
        """Fold one parsed event into the summary."""
        self.parsed += 1
        self.kinds[event.kind.value] += 1
        ts = event.ts
        self.first_ts = min(self.first_ts, ts)
        self.last_ts = max(self.last_ts, ts)
        self.clients.add(event_client(event))
        self.users.add(event.user)
        self.paths.add(event.path)

    def add_events(
        self, events: Sequence[Event], columns: Sequence[tuple[Any, ...]] | None = None
    ) -> None:
        """Fold a batch of parsed events into the summary (a column at a time).

        ``columns`` is ``list(zip(*events))`` when the caller has it already.
        """
        if not events:
            return
        if columns is None:
            columns = list(zip(*events, strict=True))
        times = columns[_TS]
        self.parsed += len(events)
        for kind, count in Counter(columns[_KIND]).items():
            self.kinds[kind.value] += count  # .value is slow on an enum: once per kind
        self.first_ts = min(self.first_ts, *times)
        self.last_ts = max(self.last_ts, *times)
        self.clients.add_many(_clients(columns[_CLIENT], events))
        self.users.add_many(columns[_USER])
        self.paths.add_many(columns[_PATH])

    def add_counters(
        self, rejected: Iterable[tuple[str, int]], notes: Iterable[tuple[str, int]]
    ) -> None:
        """Merge a parser's reject and note counters."""
        for reason, count in rejected:
            self.rejected[reason] += count
        for reason, count in notes:
            self.notes[reason] += count

    @property
    def parse_share(self) -> float:
        """Share of lines that became events."""
        return self.parsed / self.lines if self.lines else 0.0
