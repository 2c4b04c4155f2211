"""JournalParser: journalctl -o json records."""

from __future__ import annotations

import json

from sentinel.parsers import build_parser
from sentinel.parsers.journal import JournalParser
from sentinel.records import EventKind
from sentinel.testing import raw_line


def _record(**fields: object) -> str:
    base: dict[str, object] = {"__REALTIME_TIMESTAMP": "1796885746000000", "_HOSTNAME": "h"}
    return json.dumps(base | fields)


def _parser() -> JournalParser:
    parser = build_parser("journal")
    assert isinstance(parser, JournalParser)
    return parser


class TestJournalParser:
    """Record fields to event fields."""

    def test_sshd_message_is_an_auth_event(self) -> None:
        """sshd lines in the journal are classified like syslog ones."""
        line = _record(SYSLOG_IDENTIFIER="sshd", MESSAGE="Invalid user x from 192.0.2.1 port 5")
        event = _parser().parse(raw_line(line))
        assert event is not None
        assert (event.kind, event.user, event.client_ip) == (
            EventKind.AUTH_FAILURE,
            "x",
            "192.0.2.1",
        )

    def test_realtime_timestamp_is_microseconds(self) -> None:
        """``__REALTIME_TIMESTAMP`` is read as microseconds since the epoch."""
        event = _parser().parse(raw_line(_record(__REALTIME_TIMESTAMP="1796885746500000")))
        assert event is not None
        assert event.ts == 1796885746.5

    def test_null_message_is_noted(self) -> None:
        """A null MESSAGE gives an event without message and a note."""
        parser = _parser()
        event = parser.parse(raw_line(_record(SYSLOG_IDENTIFIER="a", MESSAGE=None)))
        assert event is not None
        assert event.message is None
        assert parser.notes["message_unavailable"] == 1

    def test_priority_out_of_range_is_ignored(self) -> None:
        """A PRIORITY that is no syslog severity sets no level."""
        event = _parser().parse(raw_line(_record(PRIORITY="9", MESSAGE="m")))
        assert event is not None
        assert "level" not in event.extra

    def test_superscript_pid_is_no_pid(self) -> None:
        """A digit-like but non-decimal pid is dropped, not a crash."""
        event = _parser().parse(raw_line(_record(_PID="²", MESSAGE="m")))
        assert event is not None
        assert event.pid is None

    def test_origin_is_kept(self) -> None:
        """The event points back at its line."""
        raw = raw_line(_record(MESSAGE="m"), lineno=3)
        event = _parser().parse(raw)
        assert event is not None
        assert event.origin == raw.ref
