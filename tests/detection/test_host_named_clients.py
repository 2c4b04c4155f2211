"""sshd with ``UseDNS yes``: clients named by host are tracked like clients named by IP.

The whole auth pack runs, so suppression between its rules is part of what is
checked: one host-named brute force is one brute-force finding.
"""

from __future__ import annotations

import math

from sentinel.detection import DetectionEngine, latest_findings
from sentinel.records import Event, Finding, Success

from .helpers import T0, pack_definitions, parse, run, ssh_fail, ssh_ok, syslog_time

HOST = "scanner.example.net"
LOGGED = "Scanner.Example.NET"  # sshd lower-cases names; the parser does too


def detect(lines: list[str]) -> list[Finding]:
    """Latest findings of the bundled auth pack on ``lines`` (syslog)."""
    events = parse("syslog", lines)
    found = run([d for d in pack_definitions() if d.pack == "auth"], events)
    assert found == _batched(events), "observe_batch disagrees with observe"
    return found


def _batched(events: list[Event]) -> list[Finding]:
    engine = DetectionEngine([d for d in pack_definitions() if d.pack == "auth"])
    found = [*engine.observe_batch(events), *engine.flush(math.inf)]
    return latest_findings(found)


def by_detector(findings: list[Finding]) -> dict[str, list[Finding]]:
    grouped: dict[str, list[Finding]] = {}
    for finding in findings:
        grouped.setdefault(finding.detector_id, []).append(finding)
    return grouped


def brute(host: str = LOGGED, count: int = 8, user: str = "root") -> list[str]:
    return [ssh_fail(user, host, T0 + i * 5) for i in range(count)]


def pam_fail(host: str, ts: float) -> str:
    return (
        f"{syslog_time(ts)} web1 sshd[100]: pam_unix(sshd:auth): authentication failure; "
        f"logname= uid=0 euid=0 tty=ssh ruser= rhost={host}  user=root"
    )


class TestHostNamedBruteForce:
    def test_brute_force_by_host_name_is_flagged(self) -> None:
        """Failures from a host name are one brute-force finding about that (lower-cased) name."""
        found = by_detector(detect(brute()))
        (finding,) = found["auth.ssh_bruteforce"]
        assert (finding.entity.kind, finding.entity.value) == ("client", HOST)
        assert finding.targets == ("root",)
        assert finding.success is Success.FAILED
        assert "auth.ssh_slow_bruteforce" not in found

    def test_success_after_brute_force_by_host_name(self) -> None:
        """A login from the same host name marks the brute force succeeded and is a finding."""
        lines = [*brute(), ssh_ok("root", HOST, T0 + 120)]
        found = by_detector(detect(lines))
        (brute_force,) = found["auth.ssh_bruteforce"]
        (login,) = found["auth.bruteforce_success"]
        assert brute_force.success is Success.SUCCEEDED
        assert (login.entity.kind, login.entity.value) == ("client", HOST)
        assert (login.success, login.counts["prior_events"]) == (Success.SUCCEEDED, 8)
        assert [r.lineno for r in login.evidence][-1] == 9  # the login line itself

    def test_login_from_another_host_is_no_success(self) -> None:
        """A login from a different host name (or an IP) is not the attacker's success."""
        lines = [
            *brute(),
            ssh_ok("root", "office.example.net", T0 + 120),
            ssh_ok("root", "203.0.113.9", T0 + 130),
        ]
        found = by_detector(detect(lines))
        (brute_force,) = found["auth.ssh_bruteforce"]
        assert brute_force.success is Success.FAILED
        assert "auth.bruteforce_success" not in found

    def test_pam_lines_with_the_same_name_add_no_finding(self) -> None:
        """Where PAM logs each attempt too (rhost=name), the sshd rule has the client alone."""
        lines = []
        for i in range(8):
            lines += [pam_fail(HOST, T0 + i * 5), ssh_fail("root", LOGGED, T0 + i * 5 + 1)]
        found = by_detector(detect(lines))
        assert [f.entity.value for f in found["auth.ssh_bruteforce"]] == [HOST]
        assert set(found) == {"auth.ssh_bruteforce"}

    def test_injected_address_in_user_name_is_not_the_client(self) -> None:
        """``for USER from HOST``: an address inside the user name is not who is guessing."""
        user = "x from 6.6.6.6 port 1"
        found = detect(brute(user=user))
        assert {(f.entity.kind, f.entity.value) for f in found} == {("client", HOST)}

    def test_user_enumeration_by_host_name(self) -> None:
        """Many unknown users from one host name is user enumeration by that host."""
        lines = [
            f"{syslog_time(T0 + i)} web1 sshd[100]: Invalid user u{i} from {LOGGED} port 5000"
            for i in range(6)
        ]
        found = by_detector(detect(lines))
        (finding,) = found["auth.user_enumeration"]
        assert (finding.entity.kind, finding.entity.value) == ("client", HOST)

    def test_invalid_user_disconnects_by_host_name_count(self) -> None:
        """sshd's max-auth and Disconnecting lines for unknown users name the host: enumeration."""
        lines = []
        for i in range(3):
            stamp = f"{syslog_time(T0 + i)} web1 sshd[100]:"
            lines += [
                f"{stamp} error: maximum authentication attempts exceeded for invalid user "
                f"a{i} from {LOGGED} port 5000 ssh2 [preauth]",
                f"{stamp} Disconnecting invalid user b{i} {LOGGED} port 5000: "
                "Too many authentication failures [preauth]",
            ]
        found = by_detector(detect(lines))
        (finding,) = found["auth.user_enumeration"]
        assert (finding.entity.kind, finding.entity.value) == ("client", HOST)

    def test_hosts_are_separate_clients(self) -> None:
        """Four failures from each of two names is no brute force."""
        lines = [*brute("a.example.net", 4), *brute("b.example.net", 4)]
        assert "auth.ssh_bruteforce" not in by_detector(detect(lines))


NODES = tuple(f"Node-{i}.Botnet.Example" for i in range(12))


def botnet() -> list[str]:
    """Each of twelve host names fails once as root, a minute apart."""
    return [ssh_fail("root", node, T0 + i * 60) for i, node in enumerate(NODES)]


class TestHostNamedDistributedBruteForce:
    """A botnet whose nodes sshd names by host: many names against one account."""

    def test_is_flagged_with_the_names_as_targets(self) -> None:
        """Twelve host names failing as root are one finding about root listing the names."""
        found = by_detector(detect(botnet()))
        (finding,) = found["auth.distributed_bruteforce"]
        assert (finding.entity.kind, finding.entity.value) == ("user", "root")
        assert set(finding.targets) == {node.lower() for node in NODES}
        assert finding.success is Success.FAILED

    def test_login_from_one_of_the_names_succeeds(self) -> None:
        """A login as root from one of the attacking names marks the finding succeeded."""
        lines = [*botnet(), ssh_ok("root", "node-3.botnet.example", T0 + 900)]
        (finding,) = by_detector(detect(lines))["auth.distributed_bruteforce"]
        assert finding.success is Success.SUCCEEDED
        assert [r.lineno for r in finding.success_evidence] == [13]

    def test_login_from_elsewhere_is_no_success(self) -> None:
        """A login as root from a name (or an IP) that was not attacking is not the botnet's."""
        lines = [
            *botnet(),
            ssh_ok("root", "office.example.net", T0 + 900),
            ssh_ok("root", "203.0.113.9", T0 + 910),
        ]
        (finding,) = by_detector(detect(lines))["auth.distributed_bruteforce"]
        assert finding.success is Success.FAILED

    def test_names_and_addresses_count_together(self) -> None:
        """Five names and five IPs against one account are ten clients (neither alone is eight)."""
        lines = [
            *(ssh_fail("root", f"n{i}.botnet.example", T0 + i * 60) for i in range(5)),
            *(ssh_fail("root", f"198.18.1.{i}", T0 + 600 + i * 60) for i in range(5)),
        ]
        (finding,) = by_detector(detect(lines))["auth.distributed_bruteforce"]
        assert len(finding.targets) == 10
