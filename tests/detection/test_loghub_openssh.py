"""Real attacks against one sshd (loghub OpenSSH_2k): every persistent guesser is flagged.

The expected set is computed independently with a plain regex count of
``Failed password`` lines; skipped when the shared data is absent.
"""

from __future__ import annotations

import functools
import math
import re
from collections import Counter, defaultdict
from datetime import UTC, datetime
from pathlib import Path

import pytest

from sentinel.detection import DetectionEngine, latest_findings
from sentinel.detection.replay import events_from
from sentinel.parsers import ParserOptions
from sentinel.records import Finding

from .helpers import pack_definitions

DATA = (
    Path(__file__).resolve().parents[3]
    / "shared"
    / "data"
    / "loghub"
    / "OpenSSH"
    / "OpenSSH_2k.log"
)
FAILED = re.compile(r"Failed password for (?:invalid user )?(\S+) from (\d+\.\d+\.\d+\.\d+)")
AUTH_PACK = "auth"

pytestmark = [
    pytest.mark.shared_data,
    pytest.mark.skipif(not DATA.exists(), reason="needs ../shared/data/loghub"),
]


@functools.cache
def expected() -> dict[str, set[str]]:
    """Client -> users it tried, for clients with at least five failures."""
    failures: Counter[str] = Counter()
    users: dict[str, set[str]] = defaultdict(set)
    for line in DATA.read_text(errors="replace").splitlines():
        match = FAILED.search(line)
        if match:
            failures[match.group(2)] += 1
            users[match.group(2)].add(match.group(1))
    return {ip: users[ip] for ip, n in failures.items() if n >= 5}


@functools.cache
def findings() -> tuple[Finding, ...]:
    engine = DetectionEngine([d for d in pack_definitions() if d.pack == AUTH_PACK])
    found: list[Finding] = []
    # Loghub's lines carry no year; any reference time gives the same windows.
    options = ParserOptions(reference_time=1_765_000_000.0)
    for event in events_from(DATA, "syslog", options):
        found.extend(engine.observe(event))
    found.extend(engine.flush(math.inf))
    return tuple(latest_findings(found))


def flagged() -> dict[str, set[str]]:
    users: dict[str, set[str]] = defaultdict(set)
    for finding in findings():
        if finding.entity.kind in ("client_ip", "client"):
            users[finding.entity.value].update(finding.targets)
    return users


class TestOpenSshLoghub:
    def test_expected_set_is_meaningful(self) -> None:
        """The independent count finds the known persistent attackers."""
        assert len(expected()) >= 8

    def test_every_persistent_client_flagged(self) -> None:
        """Every client with >= 5 failed passwords has a finding."""
        assert set(expected()) - set(flagged()) == set()

    def test_attempted_users_reported(self) -> None:
        """Each flagged client's finding lists the users it tried."""
        found = flagged()
        missing = {ip: users - found[ip] for ip, users in expected().items() if users - found[ip]}
        assert missing == {}


LINUX = DATA.parents[1] / "Linux" / "Linux_2k.log"
PAM_FAILURE = re.compile(
    r"^(\w{3} +\d+ [\d:]{8}) .*sshd\(pam_unix\)\[\d+\]: authentication failure;"
    r".* rhost=(\d+\.\d+\.\d+\.\d+)(?:\s|$)"
)
# Any rhost: an IP, or the host name sshd resolved (UseDNS yes).
PAM_FAILURE_ANY = re.compile(
    r"^(\w{3} +\d+ [\d:]{8}) .*sshd\(pam_unix\)\[\d+\]: authentication failure;"
    r".* rhost=(\S+)"
)


def bursts(path: Path, size: int, span: float, pattern: re.Pattern[str] = PAM_FAILURE) -> set[str]:
    """Clients with ``size`` PAM failures within ``span`` seconds somewhere in the file."""
    times: dict[str, list[float]] = defaultdict(list)
    for line in path.read_text(errors="replace").splitlines():
        match = pattern.search(line)
        if match:
            stamp = datetime.strptime("2005 " + match.group(1), "%Y %b %d %H:%M:%S")
            times[match.group(2).lower()].append(stamp.replace(tzinfo=UTC).timestamp())
    return {
        ip
        for ip, ts in times.items()
        if any(ts[i + size - 1] - ts[i] <= span for i in range(len(ts) - size + 1))
    }


@functools.cache
def linux_findings() -> tuple[Finding, ...]:
    engine = DetectionEngine([d for d in pack_definitions() if d.pack == AUTH_PACK])
    found: list[Finding] = []
    for event in events_from(LINUX, "syslog", ParserOptions(reference_time=1_150_000_000.0)):
        found.extend(engine.observe(event))
    found.extend(engine.flush(math.inf))
    return tuple(found)


@pytest.mark.skipif(not LINUX.exists(), reason="needs ../shared/data/loghub/Linux")
class TestLinuxLoghubPamOnly:
    def test_pam_only_guessers_flagged(self) -> None:
        """On a PAM-only host, every IP with 6 failures within 10 minutes is flagged."""
        wanted = bursts(LINUX, 6, 600)
        flagged = {f.entity.value for f in linux_findings() if f.entity.kind == "client"}
        assert wanted
        assert wanted - flagged == set()

    def test_one_finding_per_client(self) -> None:
        """A client guessing in bursts hours apart is one finding, not a fast and a slow one.

        60.30.224.116 guessed 10 times at 19:03 and 10 times at 00:21: it used
        to get a fast finding, a slow one (opened on the first burst's tail)
        and a second fast one.
        """
        per_client = Counter(
            f.entity.value
            for f in latest_findings(list(linux_findings()))
            if f.entity.kind == "client"
        )
        assert per_client["60.30.224.116"] == 1
        assert {client: n for client, n in per_client.items() if n > 1} == {}

    def test_named_and_slow_guessers_flagged(self) -> None:
        """Every client, by IP or by the host name PAM logged, with 6 failures in 6 h."""
        wanted = bursts(LINUX, 6, 6 * 3600, PAM_FAILURE_ANY)
        flagged = {f.entity.value for f in linux_findings() if f.entity.kind == "client"}
        assert len([c for c in wanted if not c[0].isdigit()]) >= 10  # names are in the data
        assert wanted - flagged == set()
