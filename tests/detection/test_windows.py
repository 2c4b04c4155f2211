"""Bounded event-time state: caps, TTLs, sliding and distinct counts."""

from __future__ import annotations

from dataclasses import dataclass

from sentinel.detection import EngineLimits
from sentinel.detection.windows import BoundedTable, DistinctCounter, SlidingCount

from .helpers import T0, definitions, parse, run, ssh_fail


@dataclass
class Item:
    last: float


class TestBoundedTable:
    def test_cap_evicts_least_recent(self) -> None:
        """Past the cap the least recently used entry goes and is counted."""
        table: BoundedTable[Item] = BoundedTable(cap=2, ttl=60)
        table.put("a", Item(0))
        table.put("b", Item(0))
        table.get("a")
        evicted = table.put("c", Item(0))
        assert evicted is not None
        assert (sorted(k for k, _ in table.items()), table.evicted_cap) == (["a", "c"], 1)

    def test_ttl_expires_idle_entries(self) -> None:
        """Entries idle past the TTL (event time) are expired and counted."""
        table: BoundedTable[Item] = BoundedTable(cap=10, ttl=60)
        table.put("old", Item(0))
        table.put("new", Item(100))
        assert [k for k, _ in table.expire(now=120)] == ["old"]
        assert table.evicted_ttl == 1


class TestSlidingCount:
    def test_burst_in_window_is_exact(self) -> None:
        """Events inside one window are counted exactly."""
        counter = SlidingCount(60, T0)
        estimates = [counter.add(T0 + i) for i in range(10)]
        assert estimates[-1] == 10

    def test_old_events_fade(self) -> None:
        """After two quiet windows the count starts again."""
        counter = SlidingCount(60, T0)
        for i in range(10):
            counter.add(T0 + i)
        assert counter.add(T0 + 500) == 1

    def test_previous_window_weighted(self) -> None:
        """Halfway into the next window, half the previous window's count remains."""
        counter = SlidingCount(60, T0)
        for _ in range(10):
            counter.add(T0)
        assert counter.add(T0 + 90) == 1 + 10 * 0.5


class TestDistinctCounter:
    def test_counts_distinct_in_window(self) -> None:
        """Values older than the window drop out of the distinct count."""
        counter = DistinctCounter(window=60, cap=100)
        counter.add("a", T0)
        counter.add("b", T0 + 50)
        assert counter.distinct(T0 + 100) == 1

    def test_cap_drops_and_counts(self) -> None:
        """Past its cap the counter drops the oldest value and counts it."""
        counter = DistinctCounter(window=600, cap=3)
        for i, value in enumerate("abcd"):
            counter.add(value, T0 + i)
        assert (len(counter.seen), counter.dropped) == (3, 1)

    def test_min_count_filters(self) -> None:
        """min_count counts only values seen often enough."""
        counter = DistinctCounter(window=600, cap=10)
        for value in "aab":
            counter.add(value, T0)
        assert counter.distinct(T0, min_count=2) == 1


class TestEngineBounds:
    def test_entity_cap_counts_evictions(self) -> None:
        """With more clients than max_entities, groups are evicted and counted, not kept."""
        from sentinel.detection import DetectionEngine

        lines = [ssh_fail("root", f"198.18.0.{i}", T0 + i) for i in range(1, 50)]
        engine = DetectionEngine(definitions("auth.ssh_bruteforce"), EngineLimits(max_entities=10))
        for event in parse("syslog", lines):
            engine.observe(event)
        assert engine.counters()["auth.ssh_bruteforce.groups_evicted_cap"] == 39

    def test_ttl_evicts_idle_groups(self) -> None:
        """Groups idle longer than the TTL are dropped on the next sweep and counted."""
        from sentinel.detection import DetectionEngine

        lines = [ssh_fail("root", "198.18.0.1", T0), ssh_fail("root", "198.18.0.2", T0 + 7200)]
        engine = DetectionEngine(definitions("auth.ssh_bruteforce"), EngineLimits(entity_ttl=1800))
        for event in parse("syslog", lines):
            engine.observe(event)
        assert engine.counters()["auth.ssh_bruteforce.groups_evicted_ttl"] == 1

    def test_evidence_is_bounded(self) -> None:
        """A long attack keeps at most max_evidence line references but counts every line."""
        lines = [ssh_fail("root", "198.18.0.1", T0 + i) for i in range(200)]
        limits = EngineLimits(max_evidence=5)
        (finding,) = run(definitions("auth.ssh_bruteforce"), parse("syslog", lines), limits)
        assert (len(finding.evidence), finding.counts["events"]) == (5, 200)


class TestRateGate:
    def test_admits_at_half_threshold(self) -> None:
        """A key is admitted once its estimate reaches the admit level."""
        from sentinel.detection.windows import RateGate

        gate = RateGate(window=60, admit=3, cap=10)
        assert [gate.add("a", T0 + i) for i in range(3)] == [0.0, 0.0, 3.0]

    def test_cap_refuses_and_counts(self) -> None:
        """Past its cap the gate refuses new keys and counts them."""
        from sentinel.detection.windows import RateGate

        gate = RateGate(window=60, admit=100, cap=2)
        for key in "abc":
            gate.add(key, T0)
        assert gate.overflow == 1


class TestByteBounds:
    def test_long_entity_keys_are_shortened(self) -> None:
        """A hostile 8 KiB entity value is kept as a short, deterministic key."""
        from sentinel.detection.engine import _key

        value = "/a" * 4000
        assert len(_key(value)) < 300
        assert _key(value) == _key(value)
        assert _key(value) != _key(value + "b")

    def test_long_uris_are_not_cached(self) -> None:
        """Prefilter caches keep only short keys: unique long URIs cannot fill them."""
        from sentinel.detection import DetectionEngine
        from sentinel.detection.engine import _cacheable

        from .helpers import access_line

        engine = DetectionEngine(definitions("web.sqli"))
        for event in parse("combined", [access_line("/x?q=" + "a" * 3000)]):
            engine.observe(event)
        assert not _cacheable(("/x", "q=" + "a" * 3000))
        assert _cacheable(("/x", "q=1"))
