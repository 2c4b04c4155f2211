"""Putting one stream's events back in event-time order, within a bounded lateness.

Log lines are not always written in the order of their timestamps.  Apache's
``%t`` is when a request *arrived* but the line is written when it ends, so a
slow request's line lands after faster, later ones; several nginx workers
appending to one file can swap lines within a second.  Detection works on
event time, and its batch path proves its bulk work equal to event-by-event
work only for batches in time order: a stream with 2 % of its lines a few
seconds late ran at half speed, every batch event by event.

:class:`Reorder` holds the newest ``slack`` seconds of a stream (at most
``max_held`` events) and releases the rest sorted by time, so a line up to
``slack`` seconds late takes its place.  A line later than that is released
as it comes (the engine handles it event by event, as before) and counted in
:attr:`Reorder.late`.  Sorting is stable: events with equal times keep the
file's order.  Memory is bounded by ``max_held``.

.. versionadded:: 0.2
"""

from __future__ import annotations

import math
import operator
from bisect import bisect_right
from collections.abc import Iterable, Iterator
from itertools import islice

from sentinel.records import Event

__all__ = ["DEFAULT_MAX_HELD", "DEFAULT_SLACK", "Reorder", "reordered"]

#: Seconds of lateness absorbed: long enough for a slow request's Apache line.
DEFAULT_SLACK = 60.0
#: Events held at most (the bound on memory; a busier stream gets less slack).
DEFAULT_MAX_HELD = 20_000

_time = operator.itemgetter(0)  # Event.ts, in C


class Reorder:
    """Releases a stream's events in time order, holding the newest ``slack`` seconds.

    Args:
        slack: seconds an event may arrive after a later-stamped one and still
            be released in order.
        max_held: events held at most; beyond it the oldest are released early.
    """

    __slots__ = ("_held", "_newest", "_released", "late", "max_held", "reordered", "slack")

    def __init__(self, slack: float = DEFAULT_SLACK, max_held: int = DEFAULT_MAX_HELD) -> None:
        if not slack >= 0 or max_held < 0:
            raise ValueError(f"slack and max_held must be >= 0, got {slack!r}, {max_held!r}")
        self.slack = slack
        self.max_held = max_held
        self._held: list[Event] = []
        self._newest = -math.inf  # the latest time seen
        self._released = -math.inf  # the time of the last event released
        #: Events that arrived after a later-stamped one and were put back in order.
        self.reordered = 0
        #: Events released after a later-stamped one (later than ``slack``, or NaN times).
        self.late = 0

    def push(self, events: Iterable[Event]) -> list[Event]:
        """Take the next events of the stream; return those now due, in time order."""
        held = self._held
        start = len(held)
        held.extend(events)
        if len(held) == start:
            return []
        newest = self._newest
        fresh = held[start:]
        if _time(fresh[0]) >= newest and all(
            map(operator.le, map(_time, fresh), map(_time, islice(fresh, 1, None)))
        ):
            # The common case, checked in C: the block is in order and starts
            # at or after everything held, so ``held`` is still sorted.
            newest = _time(fresh[-1])
        else:
            for ts in map(_time, fresh):
                # ``not ts >= newest`` is also true for NaN, which sorts
                # nowhere: such events count as out of order.
                if not ts >= newest:
                    self.reordered += 1
                else:
                    newest = ts
            held.sort(key=_time)  # Timsort: linear on the sorted runs a log mostly is
        self._newest = newest
        cut = bisect_right(held, newest - self.slack, key=_time)
        cut = max(cut, len(held) - self.max_held)
        return self._release(cut)

    def drain(self) -> list[Event]:
        """The events still held (the stream ended), in time order."""
        return self._release(len(self._held))

    def _release(self, cut: int) -> list[Event]:
        held = self._held
        if cut <= 0:
            return []
        out = held[:cut]
        del held[:cut]
        if not _time(out[0]) >= self._released:
            # Put back in order as far as it could be, but behind what went out.
            self.late += sum(1 for ts in map(_time, out) if not ts >= self._released)
        self._released = max(self._released, _time(out[-1]))
        return out


def reordered(blocks: Iterable[list[Event]], reorder: Reorder) -> Iterator[list[Event]]:
    """``blocks`` of one stream, re-cut into time-ordered blocks by ``reorder``."""
    for block in blocks:
        out = reorder.push(block)
        if out:
            yield out
    out = reorder.drain()
    if out:
        yield out
