"""Agreement with loghub's hand-checked structured CSVs (OpenSSH, Linux).

Skips when ``../shared/data/loghub`` is absent (a fresh clone).
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from sentinel.parsers import ParserOptions, build_parser
from sentinel.records import Event, EventKind
from sentinel.testing import raw_line

LOGHUB = Path(__file__).resolve().parents[3] / "shared" / "data" / "loghub"
# loghub's 2k samples are from 2015-2017 Decembers and summers; any reference
# after them works, the year is not in the CSVs.
OPTIONS = ParserOptions(reference_time=datetime(2018, 1, 1, tzinfo=UTC).timestamp())

pytestmark = pytest.mark.shared_data


@dataclass(frozen=True)
class Row:
    """One log line, its event (or None) and loghub's structured fields."""

    line: str
    event: Event | None
    fields: dict[str, str]


def _rows(name: str) -> Iterator[Row]:
    log = LOGHUB / name / f"{name}_2k.log"
    structured = LOGHUB / name / f"{name}_2k.log_structured.csv"
    if not log.exists() or not structured.exists():
        pytest.skip(f"loghub {name} sample not available at {LOGHUB}")
    parser = build_parser("syslog", OPTIONS, source=name)
    lines = log.read_text(encoding="utf-8", errors="replace").splitlines()
    with structured.open(encoding="utf-8", newline="") as handle:
        records = list(csv.DictReader(handle))
    assert len(lines) == len(records)
    for number, (line, fields) in enumerate(zip(lines, records, strict=True), start=1):
        yield Row(line, parser.parse(raw_line(line, lineno=number)), fields)


def _observed(event: Event, name: str) -> dict[str, str]:
    """The fields loghub has, as this parser saw them."""
    moment = event.time
    return {
        "month": moment.strftime("%b"),
        "day": str(moment.day),
        "time": moment.strftime("%H:%M:%S"),
        "host": event.host or "",
        "program": event.program or "",
        "pid": "" if event.pid is None else str(event.pid),
        "message": (event.message or "").strip(),
    } | ({"program": "sshd"} if name == "OpenSSH" and event.program == "sshd" else {})


def _expected(fields: dict[str, str], name: str) -> dict[str, str]:
    """loghub's columns under this parser's names."""
    if name == "OpenSSH":
        return {
            "month": fields["Date"],
            "day": fields["Day"],
            "time": fields["Time"],
            "host": fields["Component"],  # loghub calls the host "Component" here
            "program": "sshd",
            "pid": fields["Pid"],
            "message": fields["Content"].strip(),
        }
    return {
        "month": fields["Month"],
        "day": fields["Date"],
        "time": fields["Time"],
        "host": fields["Level"],  # loghub calls the host "Level" here ("combo")
        "program": fields["Component"],
        "pid": fields["PID"],
        "message": fields["Content"].strip(),
    }


@pytest.mark.parametrize("name", ["OpenSSH", "Linux"])
class TestLoghubAgreement:
    """Parse rate and per-field agreement on loghub's 2k samples."""

    def test_parse_rate(self, name: str) -> None:
        """At least 99.5 % of lines parse."""
        rows = list(_rows(name))
        parsed = sum(row.event is not None for row in rows)
        assert parsed / len(rows) >= 0.995, f"{name}: {parsed}/{len(rows)} parsed"

    def test_fields_agree(self, name: str) -> None:
        """Each field loghub has agrees on at least 99.5 % of parsed lines."""
        rows = [row for row in _rows(name) if row.event is not None]
        disagreements: dict[str, list[str]] = {}
        for row in rows:
            assert row.event is not None
            got, want = _observed(row.event, name), _expected(row.fields, name)
            for key in want:
                if got[key] != want[key]:
                    disagreements.setdefault(key, []).append(row.line)
        worst = {key: len(lines) / len(rows) for key, lines in disagreements.items()}
        assert all(rate <= 0.005 for rate in worst.values()), {
            key: lines[:3] for key, lines in disagreements.items()
        }


class TestOpenSshFailures:
    """Every ``Failed password`` line is an auth failure with loghub's user and address."""

    def test_failed_password_lines(self) -> None:
        """User and client IP agree with the line's own text."""
        checked = 0
        for row in _rows("OpenSSH"):
            if "Failed password" not in row.line:
                continue
            checked += 1
            event = row.event
            assert event is not None, row.line
            assert event.kind is EventKind.AUTH_FAILURE, row.line
            # "... for [invalid user ]USER from IP port N ssh2"; USER may hold spaces.
            head, _, tail = row.fields["Content"].split(" for ", 1)[1].rpartition(" from ")
            user, ip = head.removeprefix("invalid user "), tail.split()[0]
            assert (event.user, event.client_ip) == (user, ip), row.line
        assert checked > 500
