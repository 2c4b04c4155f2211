"""Engine behaviour: aggregation into findings, event time, determinism, prefilter."""

from __future__ import annotations

import math

from sentinel.detection import DetectionEngine, finding_to_json

from .helpers import T0, access_line, definitions, pack_definitions, parse, run, ssh_fail


def sqli_lines(ip: str, start: float, count: int, gap: float = 10) -> list[str]:
    return [
        access_line(f"/p?id={i}%20union%20select%201", ip=ip, ts=start + i * gap)
        for i in range(count)
    ]


class TestSignatureAggregation:
    def test_lines_share_one_finding(self) -> None:
        """Many matching lines from one client within the window make one finding."""
        (finding,) = run(
            definitions("web.sqli"), parse("combined", sqli_lines("203.0.113.1", T0, 30))
        )
        assert (finding.counts["events"], finding.entity.value) == (30, "203.0.113.1")

    def test_quiet_gap_starts_new_finding(self) -> None:
        """After a quiet gap longer than the window a new finding opens."""
        lines = sqli_lines("203.0.113.1", T0, 3) + sqli_lines("203.0.113.1", T0 + 7200, 3)
        findings = run(definitions("web.sqli"), parse("combined", lines))
        assert sorted(f.first_ts for f in findings) == [T0, T0 + 7200]

    def test_clients_get_separate_findings(self) -> None:
        """Each client is its own entity."""
        lines = sqli_lines("203.0.113.1", T0, 2) + sqli_lines("203.0.113.2", T0 + 30, 2)
        findings = run(definitions("web.sqli"), parse("combined", lines))
        assert sorted(f.entity.value for f in findings) == ["203.0.113.1", "203.0.113.2"]

    def test_evidence_cites_lines(self) -> None:
        """Evidence references point at the matching lines."""
        (finding,) = run(
            definitions("web.sqli"), parse("combined", sqli_lines("203.0.113.1", T0, 2))
        )
        assert [r.lineno for r in finding.evidence] == [1, 2]


class TestEventTime:
    def test_threshold_uses_event_time(self) -> None:
        """Five failures spread over hours (event time) are not a fast brute force."""
        lines = [ssh_fail("root", "198.18.0.1", T0 + i * 3600) for i in range(5)]
        assert run(definitions("auth.ssh_bruteforce"), parse("syslog", lines)) == []

    def test_replay_is_deterministic(self) -> None:
        """Replaying the same events twice yields identical findings."""
        lines = [ssh_fail("root", "198.18.0.1", T0 + i) for i in range(20)]
        events = parse("syslog", lines)
        first = run(pack_definitions(), events)
        assert first == run(pack_definitions(), events)

    def test_flush_closes_only_idle_findings(self) -> None:
        """flush(now) closes findings idle at now and leaves recent ones open."""
        engine = DetectionEngine(definitions("web.sqli"))
        for event in parse("combined", sqli_lines("203.0.113.1", T0, 1)):
            engine.observe(event)
        assert (engine.flush(T0 + 60), len(engine.flush(math.inf))) == ([], 1)


class TestSuppression:
    def test_slow_rule_quiet_during_fast_bruteforce(self) -> None:
        """The slow brute-force rule opens nothing while the fast one is open for the client."""
        lines = [ssh_fail("root", "198.18.0.1", T0 + i) for i in range(20)]
        defs = definitions("auth.ssh_bruteforce", "auth.ssh_slow_bruteforce")
        assert [f.detector_id for f in run(defs, parse("syslog", lines))] == ["auth.ssh_bruteforce"]

    def test_slow_rule_fires_alone(self) -> None:
        """Failures too sparse for the fast rule still make a slow brute-force finding."""
        lines = [ssh_fail("root", "198.18.0.1", T0 + i * 1200) for i in range(6)]
        defs = definitions("auth.ssh_bruteforce", "auth.ssh_slow_bruteforce")
        found = [f.detector_id for f in run(defs, parse("syslog", lines))]
        assert found == ["auth.ssh_slow_bruteforce"]


class TestPrefilter:
    def test_clean_traffic_is_skipped(self) -> None:
        """Clean requests never reach the signature definitions."""
        engine = DetectionEngine(definitions("web.sqli", "web.xss"))
        for event in parse("combined", [access_line(f"/products/{i}") for i in range(50)]):
            engine.observe(event)
        counters = engine.counters()
        assert (counters["prefilter_skipped"], counters["web.sqli.matched"]) == (50, 0)


class TestFindingJson:
    def test_json_fields(self) -> None:
        """finding_to_json gives ids, RFC 3339 times, success and cited evidence."""
        (finding,) = run(
            definitions("web.sqli"), parse("combined", sqli_lines("203.0.113.1", T0, 1))
        )
        data = finding_to_json(finding)
        assert data["detector_id"] == "web.sqli"
        assert data["first_ts"] == "2026-11-20T10:00:00.000Z"
        assert data["evidence"][0]["cite"] == "test.log:1"
