"""Scenario folders replayed through the real parsers and every bundled pack.

Each ``tests/scenarios/<name>/`` holds generated logs, the generator's
``truth.json`` and ``expected_findings.json``: the (detector, entity, success)
triples the packs must produce, checked by hand against the truth (attackers
of every campaign found, successes where the campaign succeeded, nothing on
benign clients).  Findings are compared exactly, so a new false positive or a
lost detection fails the test.  ``known_gaps`` names campaigns whose success
the logs cannot show, with the reason.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import pytest

from sentinel.detection import DetectionEngine
from sentinel.detection.replay import replay_files
from sentinel.parsers import ParserOptions
from sentinel.parsers.auth import normalize_ip

from .helpers import pack_definitions

ROOT = Path(__file__).resolve().parents[1] / "scenarios"
FOLDERS = sorted(p.parent for p in ROOT.glob("*/expected_findings.json"))
FILES = (("access.log", "combined"), ("auth.log", "syslog"), ("kern.log", "syslog"))

Triple = tuple[str, str, str]


@functools.cache
def replay(folder: Path) -> frozenset[Triple]:
    """(detector id, entity, success) of every finding the folder's logs produce."""
    truth = json.loads((folder / "truth.json").read_text())
    options = ParserOptions(reference_time=truth["run"]["start_ts"])
    files = [(folder / name, fmt) for name, fmt in FILES if (folder / name).exists()]
    findings = replay_files(DetectionEngine(pack_definitions()), files, options)
    return frozenset((f.detector_id, str(f.entity), f.success.value) for f in findings)


def expected(folder: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((folder / "expected_findings.json").read_text())
    return data


def triples(folder: Path) -> frozenset[Triple]:
    return frozenset(
        (f["detector_id"], f["entity"], f["success"]) for f in expected(folder)["findings"]
    )


def as_truth(entity: str) -> str:
    """A finding's entity as the truth names it: a ``client`` that is an IP is ``client_ip``."""
    kind, _, value = entity.partition("=")
    return f"client_ip={value}" if kind == "client" and normalize_ip(value) else entity


class TestScenarios:
    def test_folders_present(self) -> None:
        """The scenario folders with expectations exist (guards the parametrised tests)."""
        assert len(FOLDERS) >= 5

    @pytest.mark.parametrize("folder", FOLDERS, ids=[f.name for f in FOLDERS])
    def test_findings_match(self, folder: Path) -> None:
        """Replaying the folder yields exactly the expected findings."""
        assert sorted(replay(folder)) == sorted(triples(folder))

    @pytest.mark.parametrize("folder", FOLDERS, ids=[f.name for f in FOLDERS])
    def test_every_campaign_actor_found(self, folder: Path) -> None:
        """Every attacking client or user of the truth is the entity of some expected finding."""
        truth = json.loads((folder / "truth.json").read_text())
        entities = {as_truth(entity) for _, entity, _ in triples(folder)}
        actors = {f"{e['kind']}={e['value']}" for c in truth["campaigns"] for e in c["entities"]}
        assert actors - entities == set()

    @pytest.mark.parametrize("folder", FOLDERS, ids=[f.name for f in FOLDERS])
    def test_successful_campaigns_marked(self, folder: Path) -> None:
        """Every campaign the truth marks successful has a succeeded finding on its actor."""
        truth = json.loads((folder / "truth.json").read_text())
        succeeded = {
            as_truth(entity) for _, entity, success in triples(folder) if success == "succeeded"
        }
        gaps = expected(folder).get("known_gaps", {})
        for campaign in truth["campaigns"]:
            if campaign["succeeded"] and campaign["id"] not in gaps:
                actors = {f"{e['kind']}={e['value']}" for e in campaign["entities"]}
                assert actors & succeeded, campaign["id"]
