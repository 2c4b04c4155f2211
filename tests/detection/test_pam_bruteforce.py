"""PAM-only brute force: one finding per guessing client, however its pace changes.

``auth.pam_bruteforce`` (6 in 10 minutes) and ``auth.pam_slow_bruteforce``
(6 in 6 hours) count the same lines; suppression is checked when a finding
opens, so the packs arrange that whichever opens first keeps the client.
"""

from __future__ import annotations

import pytest

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
        """After six quiet hours the finding closes; the next burst has one finding, later.

        Which rule reports the second burst depends on how much of the first
        burst's tail the slow rule's two-bucket count still holds (it counts
        on while suppressed; only the engine could stop that): never both,
        never at once.
        """
        first, second = sorted(detect([*burst(T0), *burst(T0 + hours * 3600)]), key=_start)
        assert first.detector_id == "auth.pam_bruteforce"
        assert first.last_ts < second.first_ts

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
