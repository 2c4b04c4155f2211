"""Reorder: a stream's events back in time order, within a bounded lateness."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sentinel.records import Event, EventKind
from sentinel.reorder import Reorder, reordered


def _events(times: list[float]) -> list[Event]:
    # ``bytes`` carries the arrival position, to check stability and identity.
    return [Event(ts, EventKind.HTTP_REQUEST, bytes=i) for i, ts in enumerate(times)]


def _cut(events: list[Event], sizes: list[int]) -> list[list[Event]]:
    blocks, start = [], 0
    for size in sizes:
        blocks.append(events[start : start + size])
        start += size
    blocks.append(events[start:])
    return blocks


def _run(reorder: Reorder, blocks: list[list[Event]]) -> list[Event]:
    return [event for block in reordered(blocks, reorder) for event in block]


_times = st.lists(st.integers(0, 500).map(float), max_size=200)
_sizes = st.lists(st.integers(0, 40), max_size=12)


class TestReorder:
    """Reorder.push / drain."""

    @given(_times, _sizes, st.integers(0, 120), st.integers(0, 60))
    def test_nothing_lost_or_repeated(
        self, times: list[float], sizes: list[int], slack: int, held: int
    ) -> None:
        """Every event comes out exactly once, whatever the slack, the cap and the blocks."""
        events = _events(times)
        out = _run(Reorder(slack=float(slack), max_held=held), _cut(events, sizes))
        assert sorted(e.bytes or 0 for e in out) == list(range(len(events)))

    @given(_times, _sizes)
    def test_within_the_slack_the_output_is_sorted_and_stable(
        self, times: list[float], sizes: list[int]
    ) -> None:
        """With enough slack and room, the output is the stable sort by time."""
        events = _events(times)
        reorder = Reorder(slack=1000.0, max_held=10_000)
        assert _run(reorder, _cut(events, sizes)) == sorted(events, key=lambda e: e.ts)
        assert reorder.late == 0

    @given(_times, _sizes, st.integers(0, 120), st.integers(0, 60))
    def test_late_counts_what_went_out_of_order(
        self, times: list[float], sizes: list[int], slack: int, held: int
    ) -> None:
        """``late`` is the number of events released behind a later-stamped one."""
        reorder = Reorder(slack=float(slack), max_held=held)
        out = _run(reorder, _cut(_events(times), sizes))
        latest, behind = -math.inf, 0
        for event in out:
            if event.ts < latest:
                behind += 1
            latest = max(latest, event.ts)
        assert reorder.late == behind

    @given(_times, _sizes, st.integers(0, 60))
    def test_holds_at_most_max_held(self, times: list[float], sizes: list[int], held: int) -> None:
        """Memory is bounded: after each push at most ``max_held`` events wait."""
        reorder = Reorder(slack=1e9, max_held=held)
        pushed = released = 0
        for block in _cut(_events(times), sizes):
            pushed += len(block)
            released += len(reorder.push(block))
            assert pushed - released <= held

    def test_an_event_within_the_slack_takes_its_place(self) -> None:
        """A slow request logged 30 s late goes back before the lines logged meanwhile."""
        events = _events([100.0, 101.0, 130.0, 102.0, 200.0])
        reorder = Reorder(slack=60.0)
        out = _run(reorder, [events[:3], events[3:]])
        assert [e.ts for e in out] == [100.0, 101.0, 102.0, 130.0, 200.0]
        assert (reorder.reordered, reorder.late) == (1, 0)

    def test_an_event_later_than_the_slack_is_released_and_counted(self) -> None:
        """Beyond the slack an event is not held for ever: it goes out late, counted."""
        events = _events([100.0, 200.0, 300.0, 150.0])
        reorder = Reorder(slack=60.0)
        out = _run(reorder, [[e] for e in events])
        assert [e.ts for e in out] == [100.0, 200.0, 150.0, 300.0]
        assert (reorder.reordered, reorder.late) == (1, 1)

    def test_ordered_blocks_pass_through(self) -> None:
        """A stream in order comes out unchanged, nothing counted."""
        events = _events([float(t // 3) for t in range(100)])
        reorder = Reorder(slack=5.0)
        assert _run(reorder, _cut(events, [7, 30, 1, 0, 20])) == events
        assert (reorder.reordered, reorder.late) == (0, 0)

    def test_nan_times_do_not_stop_the_stream(self) -> None:
        """A NaN time (a parser bug) is released, never held for ever, and counted."""
        events = _events([1.0, math.nan, 2.0, 3.0])
        reorder = Reorder(slack=0.0)
        out = _run(reorder, [events[:2], events[2:]])
        assert sorted(e.bytes or 0 for e in out) == [0, 1, 2, 3]
        assert reorder.reordered >= 1

    @pytest.mark.parametrize(("slack", "held"), [(-1.0, 10), (math.nan, 10), (1.0, -1)])
    def test_bad_limits_are_refused(self, slack: float, held: int) -> None:
        """Negative or NaN limits are a programming error, said at once."""
        with pytest.raises(ValueError, match="slack and max_held"):
            Reorder(slack=slack, max_held=held)
