"""Bounded, event-time state: entity tables, sliding counts, distinct counts.

Everything here is keyed by attacker-controlled values (client IPs, users,
paths), so every table has a cap and a TTL and counts what it evicts.  Time
is always the events' own time, passed in; nothing reads the wall clock, so a
replay produces the same findings as the live run.

Counting over a sliding window uses the two-bucket estimate (the previous
fixed window's count weighted by its overlap, plus the current one's): three
numbers per entity instead of a timestamp per event, which is what keeps
100,000 clients inside the memory budget.  The estimate is exact for bursts
inside one window and at most the previous bucket's count off otherwise.

.. versionadded:: 0.1
"""

from __future__ import annotations

import math
from collections import Counter, OrderedDict
from collections.abc import Iterator, Mapping
from typing import Generic, Protocol, TypeVar

from sentinel.records import LineRef

__all__ = [
    "BoundedTable",
    "DistinctCounter",
    "GroupState",
    "PendingGroup",
    "RateGate",
    "SlidingCount",
    "Stamped",
]

#: Evidence references and targets kept per group before it fires (the rest
#: is counted): enough to show how an attack began without paying for every
#: benign client's history.
PRE_EVIDENCE = 4


class Stamped(Protocol):
    """A value with the event time of its last update."""

    last: float


V = TypeVar("V", bound=Stamped)


class BoundedTable(Generic[V]):
    """An LRU mapping with a size cap and an event-time TTL.

    ``evicted_cap`` and ``evicted_ttl`` count what was dropped, so a detector
    can report that it forgot entities instead of silently missing them.
    """

    def __init__(self, cap: int, ttl: float) -> None:
        if cap < 1 or ttl <= 0:
            raise ValueError("cap must be >= 1 and ttl > 0")
        self.cap = cap
        self.ttl = ttl
        self.evicted_cap = 0
        self.evicted_ttl = 0
        self._items: OrderedDict[str, V] = OrderedDict()
        #: Read-only view for hot membership tests (``key in table.data``
        #: saves a method call per event).
        self.data: Mapping[str, V] = self._items

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, key: str) -> bool:
        return key in self._items

    def get(self, key: str) -> V | None:
        """The value for ``key`` (marked most recently used), or ``None``."""
        value = self._items.get(key)
        if value is not None:
            self._items.move_to_end(key)
        return value

    def peek(self, key: str) -> V | None:
        """The value for ``key`` without touching its recency."""
        return self._items.get(key)

    def put(self, key: str, value: V) -> V | None:
        """Insert ``value``; returns the entry evicted to respect the cap, if any."""
        self._items[key] = value
        self._items.move_to_end(key)
        if len(self._items) > self.cap:
            self.evicted_cap += 1
            return self._items.popitem(last=False)[1]
        return None

    def pop(self, key: str) -> V | None:
        """Remove and return ``key``'s value."""
        return self._items.pop(key, None)

    def expire(self, now: float, ttl: float | None = None) -> Iterator[tuple[str, V]]:
        """Remove and yield entries idle for longer than the TTL at event time ``now``.

        Entries are in recency order, so the scan stops at the first live one.
        """
        limit = now - (self.ttl if ttl is None else ttl)
        items = self._items
        while items:
            key, value = next(iter(items.items()))
            if value.last >= limit:
                break
            del items[key]
            self.evicted_ttl += 1
            yield key, value

    def items(self) -> Iterator[tuple[str, V]]:
        """All entries, least recently used first (a snapshot)."""
        return iter(list(self._items.items()))


class SlidingCount:
    """Two-bucket sliding-window event count on event time."""

    __slots__ = ("cur", "prev", "start", "window")

    def __init__(self, window: float, ts: float) -> None:
        self.window = window
        self.start = ts
        self.cur = 0
        self.prev = 0

    def add(self, ts: float, n: int = 1) -> float:
        """Count ``n`` events at ``ts``; returns the estimated count in the window."""
        elapsed = ts - self.start
        if elapsed >= self.window:
            if elapsed < 2 * self.window:
                self.prev, self.cur = self.cur, 0
                self.start += self.window
            else:
                self.prev, self.cur, self.start = 0, 0, ts
            elapsed = ts - self.start
        self.cur += n
        # Events arriving slightly out of order (elapsed < 0) count fully.
        overlap = 1.0 - max(0.0, elapsed) / self.window
        return self.cur + self.prev * overlap


class RateGate:
    """A cheap two-bucket count per key that admits keys nearing a threshold.

    High-threshold rules (floods, 404 storms) see nearly every client, and
    almost none comes close.  Counting them in two plain dicts (this window's
    and the previous one's) costs one look-up per event and no object per
    client; only a key whose estimate reaches ``admit`` gets a full
    :class:`GroupState`, seeded with that estimate.  Memory is bounded by
    ``cap`` keys per bucket; keys refused at the cap are counted in
    ``overflow``.
    """

    __slots__ = ("admit", "cap", "cur", "high", "overflow", "prev", "prev_high", "start", "window")

    def __init__(self, window: float, admit: float, cap: int) -> None:
        self.window = window
        self.admit = admit
        self.cap = cap
        self.start = -math.inf
        # Counters so that the batch path can add a whole segment's keys at C
        # speed (Counter.update on an iterable); the per-event path uses them
        # as plain dicts.
        self.cur: Counter[str] = Counter()
        self.prev: Counter[str] = Counter()
        #: Upper bounds of the counts in ``cur`` and ``prev`` (never below the
        #: true maximum), so the batch path can rule out admissions in O(1).
        self.high = 0
        self.prev_high = 0
        self.overflow = 0

    def rotate(self, ts: float) -> float:
        """Move the buckets on to event time ``ts``; returns ``ts`` minus the bucket start."""
        elapsed = ts - self.start
        if elapsed >= self.window:
            if elapsed < 2 * self.window:
                self.prev, self.cur = self.cur, Counter()
                self.prev_high, self.high = self.high, 0
                self.start += self.window
            else:
                self.prev, self.cur, self.start = Counter(), Counter(), ts
                self.prev_high = self.high = 0
            elapsed = ts - self.start
        return elapsed

    def add(self, key: str, ts: float) -> float:
        """Count ``key`` at ``ts``; the estimate if it reaches ``admit``, else 0."""
        elapsed = ts - self.start
        if elapsed >= self.window:
            elapsed = self.rotate(ts)
        count = self.cur.get(key)
        if count is None:
            if len(self.cur) >= self.cap:
                self.overflow += 1
                return 0.0
            count = 0
        count += 1
        self.cur[key] = count
        if count > self.high:  # noqa: PLR1730 - an if is cheaper than max() per event
            self.high = count
        previous = self.prev.get(key)
        estimate = count + (previous * (1.0 - max(0.0, elapsed) / self.window) if previous else 0)
        return estimate if estimate >= self.admit else 0.0

    def forget(self, key: str) -> None:
        """Drop ``key`` (it now has full group state)."""
        self.cur.pop(key, None)
        self.prev.pop(key, None)


class DistinctCounter:
    """Distinct values (with per-value counts) seen within a window, capped."""

    __slots__ = ("cap", "dropped", "pruned_at", "seen", "window")

    def __init__(self, window: float, cap: int) -> None:
        self.window = window
        self.cap = cap
        self.dropped = 0
        self.pruned_at = 0.0
        self.seen: dict[str, list[float]] = {}  # value -> [last_ts, count]

    def add(self, value: str, ts: float) -> None:
        """Record ``value`` at ``ts``."""
        entry = self.seen.get(value)
        if entry is not None:
            entry[0] = ts
            entry[1] += 1
            return
        if len(self.seen) >= self.cap:
            if ts - self.pruned_at >= self.window / 4:
                self.prune(ts)
            if len(self.seen) >= self.cap:
                # Oldest insertion goes: it is the least likely to be in the window.
                del self.seen[next(iter(self.seen))]
                self.dropped += 1
        self.seen[value] = [ts, 1]

    def prune(self, ts: float) -> None:
        """Forget values last seen before the window ending at ``ts``."""
        limit = ts - self.window
        self.seen = {k: v for k, v in self.seen.items() if v[0] >= limit}
        self.pruned_at = ts

    def distinct(self, ts: float, min_count: int = 1) -> int:
        """Distinct values in the window seen at least ``min_count`` times.

        Prunes at most every quarter window, so the count may include values
        up to a quarter window stale; that bounds the work per event.
        """
        if ts - self.pruned_at >= self.window / 4:
            self.prune(ts)
        if min_count <= 1:
            return len(self.seen)
        return sum(1 for entry in self.seen.values() if entry[1] >= min_count)

    def count(self, value: str) -> int:
        """Events recorded for ``value`` in the window (0 if unknown)."""
        entry = self.seen.get(value)
        return int(entry[1]) if entry is not None else 0

    def mean_per_value(self) -> float:
        """Mean events per distinct value."""
        if not self.seen:
            return 0.0
        return sum(v[1] for v in self.seen.values()) / len(self.seen)


class PendingGroup:
    """The events of a group too small to fire yet, kept to be counted on admission.

    An aggregation cannot fire before it has seen ``threshold`` events (the
    windowed estimate never exceeds the events counted), so until then a
    group is only a list of what its events would have recorded.  Most keys
    of a low-threshold rule (a client with one 404) never get further, and a
    list append is far cheaper than a :class:`GroupState` with a
    :class:`DistinctCounter`.  On the event that could fire, the list is
    replayed into a real group in order, which leaves it exactly as if it
    had counted every event itself.
    """

    __slots__ = ("events", "last")

    def __init__(self, ts: float) -> None:
        self.last = ts
        #: ``(ts, line reference, distinct key, target)`` per event, in order.
        self.events: list[tuple[float, LineRef | None, str | None, object]] = []

    def add(self, ts: float, ref: LineRef | None, distinct: str | None, target: object) -> None:
        """Keep one event."""
        self.events.append((ts, ref, distinct, target))
        if ts > self.last:  # noqa: PLR1730 - an if is cheaper than max() per event
            self.last = ts


class GroupState(SlidingCount):
    """Pre-firing state of one aggregation group: a sliding count plus context."""

    __slots__ = ("distinct", "first", "last", "refs", "targets")

    def __init__(self, window: float, ts: float, distinct: DistinctCounter | None) -> None:
        super().__init__(window, ts)
        self.distinct = distinct
        self.first = ts
        self.last = ts
        self.refs: list[LineRef] = []
        self.targets: list[str] | None = None

    def add_target(self, target: object) -> None:
        """Remember a distinct target (callers stop after the first few events)."""
        if target is None:
            return
        text = str(target)
        if self.targets is None:
            self.targets = [text]
        elif text not in self.targets:
            self.targets.append(text)

    def add_event(self, ts: float, ref: LineRef | None) -> float:
        """Count one event; returns the windowed count estimate."""
        if ts - self.last > self.window:
            # A quiet gap longer than the window starts a new burst.
            self.first = ts
            self.refs.clear()
            self.targets = None
        self.last = max(self.last, ts)
        if ref is not None and len(self.refs) < PRE_EVIDENCE:
            self.refs.append(ref)
        return self.add(ts)
