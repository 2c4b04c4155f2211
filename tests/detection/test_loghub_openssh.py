"""Real attacks against one sshd (loghub OpenSSH_2k): every persistent guesser is flagged.

The expected set is computed independently with a plain regex count of
``Failed password`` lines; skipped when the shared data is absent.
"""

from __future__ import annotations

import functools
import math
import re
from collections import Counter, defaultdict
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
        if finding.entity.kind == "client_ip":
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
