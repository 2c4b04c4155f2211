"""Replay summary accumulation."""

from __future__ import annotations

from sentinel.records import Event, EventKind
from sentinel.summary import BoundedCounter, ReplaySummary


class TestBoundedCounter:
    """Bounded top-k counting."""

    def test_capacity_is_respected(self) -> None:
        """Distinct keys beyond capacity are pruned and counted."""
        counter = BoundedCounter(capacity=100)
        for i in range(1000):
            counter.add(f"k{i}")
        assert len(counter.counts) <= 100
        assert counter.pruned > 0

    def test_heavy_hitter_survives_pruning(self) -> None:
        """A frequent key stays on top while rare keys churn."""
        counter = BoundedCounter(capacity=50)
        for i in range(2000):
            counter.add("heavy")
            counter.add(f"rare{i}")
        assert counter.top(1)[0][0] == "heavy"

    def test_none_is_ignored(self) -> None:
        """None keys are not counted."""
        counter = BoundedCounter()
        counter.add(None)
        assert counter.top(5) == []


class TestReplaySummary:
    """ReplaySummary.add_event."""

    def test_time_range_and_kinds(self) -> None:
        """First/last event time and per-kind counts follow the events."""
        summary = ReplaySummary()
        summary.add_event(Event(200.0, EventKind.AUTH_FAILURE, user="root"))
        summary.add_event(Event(100.0, EventKind.HTTP_REQUEST, client_ip="1.2.3.4", path="/"))
        assert (summary.first_ts, summary.last_ts) == (100.0, 200.0)
        assert summary.kinds == {"auth_failure": 1, "http_request": 1}
        assert summary.users.top(1) == [("root", 1)]

    def test_batches_count_as_single_events(self) -> None:
        """add_events gives the counts add_event gives, event by event."""
        events = [
            Event(float(300 - i), EventKind.HTTP_REQUEST, client_ip=f"10.0.0.{i % 7}", path="/a")
            for i in range(50)
        ] + [Event(5.0, EventKind.AUTH_FAILURE, user="root"), Event(9.0, EventKind.AUTH_SUCCESS)]
        one, many = ReplaySummary(), ReplaySummary()
        for event in events:
            one.add_event(event)
        many.add_events(events[:20])
        many.add_events(events[20:])
        many.add_events([])
        assert (many.parsed, many.first_ts, many.last_ts) == (one.parsed, one.first_ts, one.last_ts)
        assert many.kinds == one.kinds
        for name in ("clients", "users", "paths"):
            assert getattr(many, name).counts == getattr(one, name).counts

    def test_host_named_clients_count_as_clients(self) -> None:
        """sshd's host-named clients (``extra.rhost``) are top clients, one by one or in batches."""
        named = Event(1.0, EventKind.AUTH_FAILURE, user="root", extra={"rhost": "bad.example"})
        events = [
            named,
            named,
            Event(2.0, EventKind.HTTP_REQUEST, client_ip="10.0.0.1"),
            Event(3.0, EventKind.AUTH_OTHER, extra={"action": "disconnect"}),
        ]
        one, many = ReplaySummary(), ReplaySummary()
        for event in events:
            one.add_event(event)
        many.add_events(events)
        for summary in (one, many):
            assert summary.clients.top(5) == [("bad.example", 2), ("10.0.0.1", 1)]

    def test_batches_stay_bounded(self) -> None:
        """Distinct keys in batches are pruned like single ones."""
        counter = BoundedCounter(capacity=100)
        for start in range(0, 1000, 50):
            counter.add_many(f"k{i}" for i in range(start, start + 50))
        assert len(counter.counts) <= 150
        assert counter.pruned > 0
