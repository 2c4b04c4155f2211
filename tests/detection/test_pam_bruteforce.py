"""PAM-only brute force: one finding per guessing client, however its pace changes.

``auth.pam_bruteforce`` (6 in 10 minutes) and ``auth.pam_slow_bruteforce``
(6 in 6 hours) count the same lines and suppress each other: while one has
an open finding for a client, the other ignores that client's failures and
forgets what it had counted, so whichever opens first keeps the client.
"""

from __future__ import annotations

import pytest

from sentinel.detection import DetectionEngine
from sentinel.records import Finding

from .helpers import T0, pack_definitions, parse, run, syslog_time

CLIENT = "203.0.113.41"


def pam_fail(ts: float, client: str = CLIENT) -> str:
    return (
        f"{syslog_time(ts)} combo sshd(pam_unix)[19939]: authentication failure; logname= "
        f"uid=0 euid=0 tty=NODEVssh ruser= rhost={client}  user=root"
    )


def burst(start: float, count: int = 10) -> list[str]:
    return [pam_fail(start + i) for i in range(count)]


def detect(lines: list[str]) -> list[Finding]:
    return run([d for d in pack_definitions() if d.pack == "auth"], parse("syslog", lines))


def _start(finding: Finding) -> float:
    return finding.first_ts


def detectors(findings: list[Finding]) -> list[str]:
    return sorted(f.detector_id for f in findings if f.entity.value == CLIENT)


class TestOneFindingPerClient:
    def test_one_burst_is_the_fast_rule(self) -> None:
        """A single burst is the fast rule's, the slow rule adds nothing."""
        assert detectors(detect(burst(T0))) == ["auth.pam_bruteforce"]

    def test_bursts_hours_apart_are_one_finding(self) -> None:
        """Bursts up to six hours apart join the fast rule's finding, whose count grows."""
        lines = [*burst(T0), *burst(T0 + 5 * 3600 + 1200), *burst(T0 + 10 * 3600 + 2400)]
        (finding,) = detect(lines)
        assert finding.detector_id == "auth.pam_bruteforce"
        assert finding.counts["events"] == 30

    @pytest.mark.parametrize("hours", [7, 13])
    def test_bursts_further_apart_are_one_finding_each(self, hours: int) -> None:
        """After six quiet hours the finding closes; the next burst is a new one, later.

        The slow rule counted nothing of the first burst (it was suppressed
        while the fast finding was open), so it cannot fire on that burst's
        tail: the second burst is the fast rule's again.
        """
        first, second = sorted(detect([*burst(T0), *burst(T0 + hours * 3600)]), key=_start)
        assert (first.detector_id, second.detector_id) == ("auth.pam_bruteforce",) * 2
        assert first.last_ts < second.first_ts

    def test_suppressed_rule_forgets_the_burst(self) -> None:
        """Failures seen while suppressed are counted as such and not kept."""
        engine = DetectionEngine([d for d in pack_definitions() if d.pack == "auth"])
        for event in parse("syslog", burst(T0)):
            engine.observe(event)
        counters = engine.counters()
        # The fast rule opens on the 6th failure (before the slow rule sees it,
        # in pack order); the slow rule ignores that one and the 4 after it.
        assert counters["auth.pam_slow_bruteforce.suppressed"] == 5
        slow = next(r for r in engine._runners if r.d.id == "auth.pam_slow_bruteforce")
        assert slow.pending is not None
        assert CLIENT not in slow.pending
        assert CLIENT not in slow.groups

    def test_slow_guesser_speeding_up_stays_slow(self) -> None:
        """A client the slow rule reported first gets no fast finding when it speeds up."""
        trickle = [pam_fail(T0 + i * 3600) for i in range(6)]
        lines = [*trickle, *burst(T0 + 5 * 3600 + 600)]
        (finding,) = detect(lines)
        assert finding.detector_id == "auth.pam_slow_bruteforce"
        assert finding.counts["events"] == 16

    def test_other_clients_are_not_suppressed(self) -> None:
        """Suppression is per client: a second client's burst is its own finding."""
        trickle = [pam_fail(T0 + i * 3600) for i in range(6)]
        other = [pam_fail(T0 + 5 * 3600 + 600 + i, "198.51.100.42") for i in range(6)]
        found = {(f.detector_id, f.entity.value) for f in detect([*trickle, *other])}
        assert found == {
            ("auth.pam_slow_bruteforce", CLIENT),
            ("auth.pam_bruteforce", "198.51.100.42"),
        }
