"""``observe_batch`` is ``observe`` in bulk: same findings, same order, same counters.

A differential test: each corpus is fed once event by event through
:meth:`DetectionEngine.observe` and once in batches of several sizes through
:meth:`DetectionEngine.observe_batch`, and everything observable must agree:
the findings (as a list, so order counts), the counters and the learnt size
baselines.  The corpora are the scenario folders, the scenario generator with
fixed seeds, the replay benchmark's generator at small scale, and a synthetic
stream aimed at the batch path's edges (floods crossing the gate mid-batch,
gaps of several windows, tiny entity caps, missing fields, mixed kinds).
"""

from __future__ import annotations

import functools
import heapq
import importlib.util
import json
import math
import random
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from sentinel.detection import DetectionEngine, EngineLimits
from sentinel.detection.engine import _Runner
from sentinel.detection.replay import events_from
from sentinel.detection.view import EventView
from sentinel.parsers import ParserOptions
from sentinel.records import Event, Finding
from sentinel.scenarios import generate

from .helpers import T0, access_line, pack_definitions, parse, ssh_fail, ssh_ok

ROOT = Path(__file__).resolve().parents[2]
FOLDERS = sorted(p.parent for p in (ROOT / "tests" / "scenarios").glob("*/truth.json"))
FILES = (("access.log", "combined"), ("auth.log", "syslog"), ("kern.log", "syslog"))
BATCH_SIZES = (1, 7, 256, 4096)

Outcome = tuple[list[Finding], dict[str, int], list[tuple[str, list[float]]]]


def observe_all(events: Sequence[Event], size: int, limits: EngineLimits | None = None) -> Outcome:
    """Findings, counters and size baselines after ``events`` (``size`` 0: per event)."""
    engine = DetectionEngine(pack_definitions(), limits)
    found: list[Finding] = []
    if size == 0:
        for event in events:
            found.extend(engine.observe(event))
    else:
        for start in range(0, len(events), size):
            found.extend(engine.observe_batch(events[start : start + size]))
    found.extend(engine.flush(math.inf))
    baselines = [(path, list(entry)) for path, entry in engine.sizes._paths.items()]
    return found, dict(engine.counters()), baselines


def assert_same(events: Sequence[Event], limits: EngineLimits | None = None) -> None:
    expected = observe_all(events, 0, limits)
    for size in BATCH_SIZES:
        got = observe_all(events, size, limits)
        assert got[0] == expected[0], f"findings differ with batches of {size}"
        assert got[1] == expected[1], f"counters differ with batches of {size}"
        assert got[2] == expected[2], f"size baselines differ with batches of {size}"


def merged(files: list[tuple[Path, str]], options: ParserOptions) -> list[Event]:
    streams = [events_from(path, fmt, options) for path, fmt in files]
    return list(heapq.merge(*streams, key=lambda e: e.ts))


@functools.cache
def folder_events(folder: Path) -> list[Event]:
    truth = json.loads((folder / "truth.json").read_text())
    options = ParserOptions(reference_time=truth["run"]["start_ts"])
    return merged([(folder / n, f) for n, f in FILES if (folder / n).exists()], options)


@functools.cache
def generated_events(seed: int, tmp: Path) -> list[Event]:
    out = tmp / f"corpus-{seed}"
    generate(out, seed=seed, days=0.5, scale=0.25)
    truth = json.loads((out / "truth.json").read_text())
    options = ParserOptions(reference_time=truth["run"]["start_ts"])
    return merged([(out / n, f) for n, f in FILES], options)


def synthetic_events(seed: int) -> list[Event]:
    """HTTP and SSH traffic with bursts, floods, long gaps and missing fields."""
    rng = random.Random(seed)
    lines: list[tuple[float, str, str]] = []  # (ts, format, line)
    ts = T0
    pool = [f"198.51.100.{i}" for i in range(1, 60)]
    for _ in range(40):
        phase = rng.choice(("quiet", "flood", "distributed", "storm", "login", "gap", "ssh"))
        if phase == "gap":
            ts += rng.choice((90.0, 130.0, 400.0, 1300.0, 7200.0))
            continue
        count = {"flood": 700, "distributed": 1000, "storm": 90, "login": 15}.get(phase, 200)
        ip = rng.choice(pool)
        for _ in range(count):
            ts += rng.choice((0.0, 0.0, 0.02, 0.05, 0.2, 1.0)) if phase != "quiet" else 0.7
            if phase == "ssh":
                user = rng.choice(("root", "admin", "alice"))
                line = ssh_fail(user, ip, ts) if rng.random() < 0.9 else ssh_ok(user, ip, ts)
                lines.append((ts, "syslog", line))
                continue
            target, status, method = rng.choice(("/", "/shop", "/a.js")), 200, "GET"
            client = rng.choice(pool) if phase in ("quiet", "distributed") else ip
            if phase == "distributed":
                target = "/search?q=cheap"
            elif phase == "storm":
                target, status = f"/x{rng.randrange(40)}", 404
            elif phase == "login":
                target, method = "/login", "POST"
                status = 302 if rng.random() < 0.1 else 401
            elif rng.random() < 0.05:
                target = "/" + "long/" * 70 + str(rng.randrange(3))
            if phase == "quiet":
                status = rng.choice((200, 200, 304, 404, 403, 401, 302))
            if rng.random() < 0.01:
                target = "/p?id=1%20union%20select%20pass%20from%20users"
            line = access_line(target, ip=client, status=status, ts=ts, method=method)
            lines.append((ts, "combined", line))
    events: list[Event] = []
    for fmt in ("combined", "syslog"):
        mine = [line for _, f, line in lines if f == fmt]
        events.extend(parse(fmt, mine, path=f"{fmt}.log") if mine else [])
    events.sort(key=lambda e: e.ts)
    # Fields the parsers always fill, missing as they may be from other sources.
    for i in range(0, len(events), 89):
        event = events[i]
        missing = i % 3
        if missing == 0:
            events[i] = event._replace(status=None)
        elif missing == 1:
            events[i] = event._replace(client_ip=None)
        else:
            events[i] = event._replace(path=None, query=None)
    return events


def load_bench_generator() -> Any:
    path = ROOT / "bench" / "replay.py"
    if not path.exists():
        pytest.skip("bench/replay.py is not in this tree")
    spec = importlib.util.spec_from_file_location("bench_replay", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class TestObserveBatch:
    @pytest.mark.parametrize("folder", FOLDERS, ids=[f.name for f in FOLDERS])
    def test_scenario_folders(self, folder: Path) -> None:
        """Each scenario folder comes out the same in batches as event by event."""
        assert_same(folder_events(folder))

    @pytest.mark.parametrize("seed", [3, 11])
    def test_generated_corpus(self, seed: int, tmp_path_factory: pytest.TempPathFactory) -> None:
        """A generated corpus (every attack class) comes out the same in batches."""
        assert_same(generated_events(seed, tmp_path_factory.getbasetemp()))

    def test_bench_corpus(self, tmp_path: Path) -> None:
        """The replay benchmark's traffic, at small scale, comes out the same in batches."""
        bench = load_bench_generator()
        log = tmp_path / "bench.log"
        bench.generate(log, 20_000, 3_000)
        assert_same(merged([(log, "combined")], ParserOptions()))

    @pytest.mark.parametrize("seed", [1, 2, 3])
    def test_synthetic_edges(self, seed: int) -> None:
        """Floods crossing the gate, long gaps and missing fields come out the same."""
        assert_same(synthetic_events(seed))

    @pytest.mark.parametrize("cap", [5, 40])
    def test_small_entity_caps(self, cap: int) -> None:
        """With tiny tables (gate refusals, evictions) batches still agree."""
        assert_same(synthetic_events(4), EngineLimits(max_entities=cap, cache_size=8))

    def test_short_entity_ttl(self) -> None:
        """Groups and pending groups dropped as idle (lazily or by a sweep) agree too."""
        assert_same(synthetic_events(7), EngineLimits(entity_ttl=1.0))

    def test_out_of_order_batch(self) -> None:
        """A batch out of time order is observed event by event, with the same result."""
        events = synthetic_events(5)[:3000]
        shuffled = events[:]
        random.Random(5).shuffle(shuffled)
        expected = observe_all(shuffled, 0)
        assert observe_all(shuffled, 500)[:2] == expected[:2]

    @pytest.mark.parametrize(
        ("ttl", "cap"), [(1.0, 100_000), (30.0, 100_000), (3600.0, 100_000), (30.0, 8), (60.0, 3)]
    )
    def test_late_events_then_in_order_again(self, ttl: float, cap: int) -> None:
        """Late events (a slow request logged when it ended) agree, and bulk pending resumes.

        After a late event the pending tables are out of time order; the
        batch path goes event by event for pending groups until a check finds
        them in order again.
        """
        events = synthetic_events(6)
        for index in range(300, len(events) - 400, 700):
            events.insert(index + 37 + index % 300, events.pop(index))
        limits = EngineLimits(max_entities=cap, entity_ttl=ttl)
        assert_same(events, limits)
        engine = DetectionEngine(pack_definitions(), limits)
        for start in range(0, len(events), 256):
            engine.observe_batch(events[start : start + 256])
        assert engine.order_restored >= 1

    def test_bulk_pending_waits_for_the_tables_to_be_in_order(self) -> None:
        """An entry left behind by a late event must not be dropped earlier than event by event.

        After the late ``Y``, the wordlist rule's pending table reads
        ``[X (t+1000), Y (t+100)]``.  Event by event, the sweep before ``X``'s
        next 404 stops at the live ``X``, so ``Y`` stays until ``Z`` evicts it
        from the full table.  Had the bulk path resumed, it would append that
        404 to ``X`` first and the batch's sweep would drop ``Y`` as idle:
        another counter, a different table.
        """

        def at(delay: float, ip: str, path: str) -> Event:
            line = access_line(path, ip=ip, status=404, ts=T0 + delay)
            return parse("combined", [line])[0]

        x, y, z = "198.51.100.1", "198.51.100.2", "198.51.100.3"
        head = [at(0, x, "/a"), at(100, y, "/a"), at(1000, x, "/b"), at(50, y, "/c")]
        tail = [at(2000, x, "/d"), at(2001, z, "/a")]
        limits = EngineLimits(max_entities=2, entity_ttl=1.0)

        def counters(batches: list[list[Event]]) -> dict[str, int]:
            engine = DetectionEngine(pack_definitions(), limits)
            for batch in batches:
                if len(batch) == 1:
                    engine.observe(batch[0])
                else:
                    engine.observe_batch(batch)
            return dict(engine.counters())

        expected = counters([[event] for event in head + tail])
        assert expected["web.wordlist_scan.groups_evicted_cap"] >= 1
        assert counters([head, tail]) == expected

    def test_columns_given_by_the_caller(self) -> None:
        """A batch transposed by the caller (the replayer's summary) gives the same result."""
        events = synthetic_events(2)[:3000]
        engine = DetectionEngine(pack_definitions())
        found: list[Finding] = []
        for start in range(0, len(events), 256):
            batch = events[start : start + 256]
            found.extend(engine.observe_batch(batch, list(zip(*batch, strict=True))))
        found.extend(engine.flush(math.inf))
        expected = observe_all(events, 256)
        assert (found, dict(engine.counters())) == expected[:2]
        with pytest.raises(ValueError, match="transposed"):
            engine.observe_batch(events[:10], list(zip(*events[:9], strict=True)))

    def test_bulk_path_is_taken(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """On benchmark-like traffic most events never reach a per-event runner call."""
        bench = load_bench_generator()
        calls = {"n": 0}
        original = _Runner.observe

        def counting(self: _Runner, *args: Any) -> bool:
            calls["n"] += 1
            return original(self, *args)

        monkeypatch.setattr(_Runner, "observe", counting)
        events = bench_events(bench)
        observe_all(events, 0)
        per_event, calls["n"] = calls["n"], 0
        observe_all(events, 1024)
        assert calls["n"] < per_event / 10


class TestPendingGroups:
    """Keeping a key's first events in a pending group changes nothing observable."""

    @staticmethod
    def without_pending(events: Sequence[Event], limits: EngineLimits | None = None) -> Outcome:
        engine = DetectionEngine(pack_definitions(), limits)
        for runner in engine._runners:
            runner.pending = None  # every key gets a group on its first event
        found = [f for event in events for f in engine.observe(event)]
        found.extend(engine.flush(math.inf))
        return found, dict(engine.counters()), []

    @pytest.mark.parametrize("seed", [1, 2, 8])
    def test_same_findings_as_groups_from_the_first_event(self, seed: int) -> None:
        events = synthetic_events(seed)
        expected = self.without_pending(events)
        got = observe_all(events, 256)
        assert got[0] == expected[0]
        assert any(f.detector_id == "web.wordlist_scan" for f in got[0])

    def test_generated_corpus(self, tmp_path_factory: pytest.TempPathFactory) -> None:
        events = generated_events(3, tmp_path_factory.getbasetemp())
        assert observe_all(events, 256)[0] == self.without_pending(events)[0]

    def test_idle_pending_groups_are_dropped(self) -> None:
        """A pending group idle past the TTL is forgotten (counted), not kept forever."""
        limits = EngineLimits(entity_ttl=1.0)
        engine = DetectionEngine(pack_definitions(), limits)
        first = parse("combined", [access_line("/nope", ip="198.51.100.9", status=404, ts=T0)])
        later = parse(
            "combined", [access_line("/nope2", ip="198.51.100.10", status=404, ts=T0 + 7200)]
        )
        engine.observe_batch(first)
        runner = next(r for r in engine._runners if r.d.id == "web.wordlist_scan")
        assert runner.pending is not None
        assert "198.51.100.9" in runner.pending
        engine.observe_batch(later)
        assert "198.51.100.9" not in runner.pending
        assert engine.counters()["web.wordlist_scan.groups_evicted_ttl"] == 1


class TestGuards:
    @pytest.mark.parametrize("folder", FOLDERS[:3], ids=[f.name for f in FOLDERS[:3]])
    def test_guards_are_implied_by_the_match(self, folder: Path) -> None:
        """Matched events pass the (success) match's guards; exact guards are the match."""
        events = folder_events(folder) + synthetic_events(6)[:3000]
        for d in pack_definitions():
            for event in events:
                if event.kind not in d.kinds:
                    continue
                guarded = all((event[g.index] in g.values) is g.inside for g in d.guards)
                matched = d.match(EventView(event))
                assert guarded or not matched, (d.id, event)
                assert not d.guards_exact or guarded == matched, (d.id, event)
                success = d.success
                if success is not None and success.match is not None:
                    ok = all((event[g.index] in g.values) is g.inside for g in success.guards)
                    assert ok or not success.match(EventView(event)), (d.id, event)


def bench_events(bench: Any) -> list[Event]:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "bench.log"
        bench.generate(log, 10_000, 2_000)
        return merged([(log, "combined")], ParserOptions())
