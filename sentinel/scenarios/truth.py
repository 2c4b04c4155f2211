"""Ground truth of a generated corpus, and its ``truth.json`` form.

Schema (version 1)::

    {
      "schema": 1,
      "run": {"seed": 7, "days": 2.0, "scale": 1.0, "host": "web1",
              "start": "2026-11-20T00:00:00Z", "end": "2026-11-22T00:00:00Z"},
      "files": {"access.log": {"lines": 251234, "attack_lines": [17, 18, ...]}, ...},
      "benign": {"clients": ["24.16.3.9", ...], "users": ["alice", ...],
                 "firewall_noise": ["73.92.1.4", ...]},
      "campaigns": [
        {"id": "sqli-1", "class": "sqli", "clients": ["45.134.7.1"], "users": [],
         "entities": [{"kind": "client_ip", "value": "45.134.7.1"}],
         "targets": ["/products/view", "/search"],
         "start": "...Z", "end": "...Z", "start_ts": 1.7e9, "end_ts": 1.7e9,
         "evasive": false, "succeeded": true,
         "success_evidence": [{"file": "access.log", "line": 1234}],
         "lines": {"access.log": [1200, 1201, ...]}}
      ]
    }

Line numbers count from 1.  ``attack_lines`` of a file is the union of the
campaigns' ``lines`` in that file; every other line is benign.  ``entities``
uses the :class:`~sentinel.records.EntityKey` kinds ``client_ip``, ``client``
and ``user``: ``client`` for a client sshd named by host instead of an
address (``UseDNS yes``; ``clients`` then holds the host name), ``user`` for
sudo abuse (users, not addresses).  ``benign.clients`` includes the
firewall noise sources; ``benign.users`` are the accounts with benign activity
(some are also campaign targets, never campaign actors).

.. versionadded:: 0.1
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

__all__ = [
    "SCHEMA_VERSION",
    "CampaignTruth",
    "Evidence",
    "FileTruth",
    "GroundTruth",
    "client_entity",
]

SCHEMA_VERSION = 1


def client_entity(client: str) -> tuple[str, str]:
    """The truth's entity for a client: ``client_ip`` for an address, ``client`` for a host name.

    Args:
        client: An IP address, or the host name sshd logged instead.

    Returns:
        ``(kind, value)``.

    .. versionadded:: 0.2
    """
    try:
        ipaddress.ip_address(client)
    except ValueError:
        return ("client", client)
    return ("client_ip", client)


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, tz=UTC).isoformat().replace("+00:00", "Z")


@dataclass(frozen=True, slots=True)
class Evidence:
    """A line (file name and 1-based number) that proves a campaign succeeded."""

    file: str
    line: int


@dataclass(frozen=True, slots=True)
class CampaignTruth:
    """One injected campaign as it ended up in the files."""

    id: str
    attack_class: str
    clients: tuple[str, ...]
    users: tuple[str, ...]
    targets: tuple[str, ...]
    start_ts: float
    end_ts: float
    evasive: bool
    succeeded: bool
    success_evidence: tuple[Evidence, ...]
    lines: Mapping[str, tuple[int, ...]]

    @property
    def entities(self) -> tuple[tuple[str, str], ...]:
        """``(kind, value)`` pairs a detector should report: clients, then users."""
        return (*map(client_entity, self.clients), *(("user", u) for u in self.users))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (see the module docstring)."""
        return {
            "id": self.id,
            "class": self.attack_class,
            "clients": list(self.clients),
            "users": list(self.users),
            "entities": [{"kind": k, "value": v} for k, v in self.entities],
            "targets": list(self.targets),
            "start": _iso(self.start_ts),
            "end": _iso(self.end_ts),
            "start_ts": self.start_ts,
            "end_ts": self.end_ts,
            "evasive": self.evasive,
            "succeeded": self.succeeded,
            "success_evidence": [{"file": e.file, "line": e.line} for e in self.success_evidence],
            "lines": {name: list(nums) for name, nums in self.lines.items()},
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CampaignTruth:
        """Inverse of :meth:`to_dict`."""
        return cls(
            id=data["id"],
            attack_class=data["class"],
            clients=tuple(data["clients"]),
            users=tuple(data["users"]),
            targets=tuple(data["targets"]),
            start_ts=float(data["start_ts"]),
            end_ts=float(data["end_ts"]),
            evasive=bool(data["evasive"]),
            succeeded=bool(data["succeeded"]),
            success_evidence=tuple(
                Evidence(e["file"], int(e["line"])) for e in data["success_evidence"]
            ),
            lines={name: tuple(nums) for name, nums in data["lines"].items()},
        )


@dataclass(frozen=True, slots=True)
class FileTruth:
    """Line count and attack line numbers of one generated file."""

    lines: int
    attack_lines: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class GroundTruth:
    """Everything a quality benchmark needs to score findings against a corpus."""

    seed: int
    days: float
    scale: float
    host: str
    start_ts: float
    end_ts: float
    files: Mapping[str, FileTruth]
    campaigns: tuple[CampaignTruth, ...]
    benign_clients: tuple[str, ...]
    benign_users: tuple[str, ...]
    firewall_noise: tuple[str, ...] = field(default=())

    def by_class(self) -> dict[str, list[CampaignTruth]]:
        """Campaigns grouped by attack class, in generation order."""
        out: dict[str, list[CampaignTruth]] = {}
        for campaign in self.campaigns:
            out.setdefault(campaign.attack_class, []).append(campaign)
        return out

    def attack_clients(self) -> set[str]:
        """Every address that took part in any campaign."""
        return {ip for c in self.campaigns for ip in c.clients}

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (see the module docstring)."""
        return {
            "schema": SCHEMA_VERSION,
            "run": {
                "seed": self.seed,
                "days": self.days,
                "scale": self.scale,
                "host": self.host,
                "start": _iso(self.start_ts),
                "end": _iso(self.end_ts),
                "start_ts": self.start_ts,
                "end_ts": self.end_ts,
            },
            "files": {
                name: {"lines": f.lines, "attack_lines": list(f.attack_lines)}
                for name, f in self.files.items()
            },
            "benign": {
                "clients": list(self.benign_clients),
                "users": list(self.benign_users),
                "firewall_noise": list(self.firewall_noise),
            },
            "campaigns": [c.to_dict() for c in self.campaigns],
        }

    def dumps(self) -> str:
        """Deterministic JSON text (one campaign per line would not diff better; keep compact)."""
        return json.dumps(self.to_dict(), separators=(",", ":"), sort_keys=False) + "\n"

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> GroundTruth:
        """Inverse of :meth:`to_dict`.

        Raises:
            ValueError: If the schema version is not one this code reads.
        """
        if data.get("schema") != SCHEMA_VERSION:
            raise ValueError(f"truth.json schema {data.get('schema')!r} is not {SCHEMA_VERSION}")
        run = data["run"]
        return cls(
            seed=int(run["seed"]),
            days=float(run["days"]),
            scale=float(run["scale"]),
            host=str(run["host"]),
            start_ts=float(run["start_ts"]),
            end_ts=float(run["end_ts"]),
            files={
                name: FileTruth(int(f["lines"]), tuple(f["attack_lines"]))
                for name, f in data["files"].items()
            },
            campaigns=tuple(CampaignTruth.from_dict(c) for c in data["campaigns"]),
            benign_clients=tuple(data["benign"]["clients"]),
            benign_users=tuple(data["benign"]["users"]),
            firewall_noise=tuple(data["benign"].get("firewall_noise", ())),
        )

    @classmethod
    def load(cls, path: Path) -> GroundTruth:
        """Read a ``truth.json`` file.

        Args:
            path: The file.

        Returns:
            The parsed ground truth.
        """
        return cls.from_dict(json.loads(path.read_text(encoding="utf-8")))
