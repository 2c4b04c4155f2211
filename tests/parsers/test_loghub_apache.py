"""Agreement with loghub's hand-checked Apache error-log CSV.

Skips when ``../shared/data/loghub`` is absent (a fresh clone).
"""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path

import pytest

from sentinel.parsers import ParserOptions, build_parser
from sentinel.records import Event, EventKind, LineRef, RawLine

LOGHUB = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "loghub"
LOG = LOGHUB / "Apache" / "Apache_2k.log"
STRUCTURED = LOGHUB / "Apache" / "Apache_2k.log_structured.csv"

pytestmark = pytest.mark.shared_data

Pair = tuple[Event | None, dict[str, str]]


@pytest.fixture(scope="module")
def pairs() -> list[Pair]:
    """Each line's event (or None) with loghub's structured row."""
    if not LOG.exists() or not STRUCTURED.exists():
        pytest.skip(f"loghub Apache sample not available at {LOGHUB}")
    parser = build_parser("apache_error", ParserOptions(timezone="UTC"), source="apache")
    lines = LOG.read_bytes().splitlines()
    with STRUCTURED.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(lines) == len(rows)
    return [
        (parser.parse(RawLine(LineRef("apache", str(LOG), 0, number), line)), row)
        for number, (line, row) in enumerate(zip(lines, rows, strict=True), start=1)
    ]


def _content(event: Event) -> str:
    """The message as loghub writes Content: with the ``[client ...]`` block kept."""
    message = event.message or ""
    if event.client_ip is not None:
        return f"[client {event.client_ip}] {message}"
    return message


class TestLoghubApache:
    """apache_error on loghub's Apache_2k.log."""

    def test_parse_rate(self, pairs: list[Pair]) -> None:
        """At least 99.5 % of the lines parse."""
        parsed = sum(event is not None for event, _ in pairs)
        assert parsed / len(pairs) >= 0.995

    def test_every_event_is_app(self, pairs: list[Pair]) -> None:
        """Error-log lines are app events."""
        assert {event.kind for event, _ in pairs if event is not None} == {EventKind.APP}

    def test_time_agrees(self, pairs: list[Pair]) -> None:
        """ts is loghub's Time (read as UTC) on every parsed line."""
        for event, row in pairs:
            if event is not None:
                want = datetime.strptime(row["Time"], "%a %b %d %H:%M:%S %Y").replace(tzinfo=UTC)
                assert event.ts == want.timestamp(), row["LineId"]

    def test_level_agrees(self, pairs: list[Pair]) -> None:
        """extra["level"] is loghub's Level on every parsed line."""
        for event, row in pairs:
            if event is not None:
                assert event.extra["level"] == row["Level"], row["LineId"]

    def test_message_agrees(self, pairs: list[Pair]) -> None:
        """The message (with its client block) is loghub's Content on every parsed line."""
        for event, row in pairs:
            if event is not None:
                assert _content(event) == row["Content"], row["LineId"]

    def test_clients_are_extracted(self, pairs: list[Pair]) -> None:
        """Every line with a [client ...] block has its address in client_ip."""
        with_client = [(e, r) for e, r in pairs if r["Content"].startswith("[client ")]
        assert with_client
        assert all(event is not None and event.client_ip for event, _ in with_client)
