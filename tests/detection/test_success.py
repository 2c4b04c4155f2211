"""Success verdicts: logins after brute force, large 2xx answers, served files."""

from __future__ import annotations

from sentinel.detection.definitions import SuccessRule
from sentinel.detection.success import SizeBaseline
from sentinel.records import Success

from .helpers import T0, access_line, definitions, parse, run, ssh_fail, ssh_ok

ATTACKER = "203.0.113.66"


def brute(count: int = 8, ip: str = ATTACKER, user: str = "root") -> list[str]:
    return [ssh_fail(user, ip, T0 + i * 5) for i in range(count)]


def baseline(path: str, size: int, count: int = 10) -> list[str]:
    return [
        access_line(path, ip=f"198.51.100.{i}", size=size, ts=T0 - 600 + i) for i in range(count)
    ]


class TestLoginAfter:
    def test_login_from_attacker_succeeds(self) -> None:
        """A login from the brute-forcing client marks the finding succeeded with evidence."""
        lines = [*brute(), ssh_ok("root", ATTACKER, T0 + 120)]
        (finding,) = run(definitions("auth.ssh_bruteforce"), parse("syslog", lines))
        assert finding.success is Success.SUCCEEDED
        assert [r.lineno for r in finding.success_evidence] == [9]

    def test_no_login_fails(self) -> None:
        """A brute force whose window closes without a login is failed."""
        (finding,) = run(definitions("auth.ssh_bruteforce"), parse("syslog", brute()))
        assert finding.success is Success.FAILED

    def test_login_from_elsewhere_does_not_count(self) -> None:
        """A login by another client is not the attacker's success."""
        lines = [*brute(), ssh_ok("root", "198.51.100.9", T0 + 120)]
        (finding,) = run(definitions("auth.ssh_bruteforce"), parse("syslog", lines))
        assert finding.success is Success.FAILED

    def test_login_too_late_does_not_count(self) -> None:
        """A login long after the attack (past within) is not evidence."""
        lines = [*brute(), ssh_ok("root", ATTACKER, T0 + 6 * 3600)]
        (finding,) = run(definitions("auth.ssh_bruteforce"), parse("syslog", lines))
        assert finding.success is Success.FAILED

    def test_distributed_needs_an_attacking_client(self) -> None:
        """For a user-entity finding, the login must come from one of the attacking clients."""
        lines = [ssh_fail("root", f"198.18.1.{i}", T0 + i) for i in range(12)]
        legit = [*lines, ssh_ok("root", "192.0.2.200", T0 + 60)]
        bot = [*lines, ssh_ok("root", "198.18.1.3", T0 + 60)]
        detector = definitions("auth.distributed_bruteforce")
        assert run(detector, parse("syslog", legit))[0].success is Success.FAILED
        assert run(detector, parse("syslog", bot))[0].success is Success.SUCCEEDED


class TestSequence:
    def test_login_after_bruteforce_is_its_own_finding(self) -> None:
        """The sequence detector fires on the login that follows a brute force."""
        lines = [*brute(), ssh_ok("root", ATTACKER, T0 + 120)]
        defs = definitions("auth.ssh_bruteforce", "auth.bruteforce_success")
        found = {f.detector_id: f for f in run(defs, parse("syslog", lines))}
        sequence = found["auth.bruteforce_success"]
        assert (sequence.success, sequence.counts["prior_events"]) == (Success.SUCCEEDED, 8)

    def test_login_without_bruteforce_is_quiet(self) -> None:
        """An ordinary login fires nothing."""
        defs = definitions("auth.ssh_bruteforce", "auth.bruteforce_success")
        assert run(defs, parse("syslog", [ssh_ok("alice", ATTACKER, T0)])) == []


class TestResponseLarge:
    def test_large_2xx_succeeds(self) -> None:
        """An injection answered 200 with a body far above the path's usual size succeeded."""
        attack = access_line("/item?id=1%20union%20select%20*%20from%20users", size=90000, ts=T0)
        lines = [*baseline("/item?id=3", 5000), attack]
        (finding,) = run(definitions("web.sqli"), parse("combined", lines))
        assert finding.success is Success.SUCCEEDED

    def test_usual_size_fails(self) -> None:
        """A 200 of the path's usual size returned the normal page: failed."""
        attack = access_line("/item?id=1%20union%20select%20*%20from%20users", size=5050, ts=T0)
        lines = [*baseline("/item?id=3", 5000), attack]
        (finding,) = run(definitions("web.sqli"), parse("combined", lines))
        assert finding.success is Success.FAILED

    def test_no_baseline_is_unknown(self) -> None:
        """A 200 on a path never seen before says nothing either way."""
        attack = access_line("/new?id=1%20union%20select%20*%20from%20users", size=90000, ts=T0)
        (finding,) = run(definitions("web.sqli"), parse("combined", [attack]))
        assert finding.success is Success.UNKNOWN

    def test_all_errors_fail(self) -> None:
        """An attack answered only with errors failed."""
        attack = access_line("/item?id=1%20union%20select%201", status=403, ts=T0)
        (finding,) = run(definitions("web.sqli"), parse("combined", [attack]))
        assert finding.success is Success.FAILED


class TestServed2xx:
    def test_served_file_succeeds(self) -> None:
        """A probed secret served with 200 is a success."""
        (finding,) = run(
            definitions("web.sensitive_files"), parse("combined", [access_line("/.env")])
        )
        assert finding.success is Success.SUCCEEDED

    def test_not_found_fails(self) -> None:
        """Probes that all got 404 failed."""
        line = access_line("/.env", status=404)
        (finding,) = run(definitions("web.sensitive_files"), parse("combined", [line]))
        assert finding.success is Success.FAILED


class TestSizeBaseline:
    def test_path_cap_counts_evictions(self) -> None:
        """The baseline keeps at most max_paths paths and counts what it drops."""
        sizes = SizeBaseline(max_paths=2)
        for path in ("/a", "/b", "/c"):
            sizes.learn(path, 100)
        assert sizes.evicted == 1

    def test_new_path_has_no_verdict(self) -> None:
        """A path never answered benignly has no baseline (None, not a guess)."""
        sizes = SizeBaseline()
        for _ in range(10):
            sizes.learn("/a", 1000)
        assert sizes.is_large("/new", 5000, SuccessRule("response_large")) is None
