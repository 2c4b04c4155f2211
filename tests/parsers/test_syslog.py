"""SyslogParser: headers, time zones, year inference, hostile bytes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from sentinel.parsers import ParserOptions, build_parser
from sentinel.parsers.syslog import SyslogParser
from sentinel.testing import raw_line

# 2027-01-01T00:00:00Z: December lines without a year belong to 2026.
REFERENCE = datetime(2027, 1, 1, tzinfo=UTC).timestamp()


def _parser(**options: object) -> SyslogParser:
    values: dict[str, object] = {"reference_time": REFERENCE, **options}
    parser = build_parser("syslog", ParserOptions(**values))  # type: ignore[arg-type]
    assert isinstance(parser, SyslogParser)
    return parser


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat()


class TestRegistry:
    """Both registry names build the syslog parser."""

    @pytest.mark.parametrize("fmt", ["syslog", "auth"])
    def test_format_names_build_syslog_parser(self, fmt: str) -> None:
        """``syslog`` and ``auth`` are the same parser."""
        assert isinstance(build_parser(fmt), SyslogParser)


class TestHeader:
    """RFC 3164 header shapes."""

    def test_common_line_fields(self) -> None:
        """Host, program, pid and message come from the header."""
        event = _parser().parse(raw_line("Dec 10 06:55:46 web1 CRON[42]: (root) CMD (x)"))
        assert event is not None
        assert (event.host, event.program, event.pid, event.message) == (
            "web1",
            "CRON",
            42,
            "(root) CMD (x)",
        )

    def test_origin_is_the_raw_line_ref(self) -> None:
        """The event points back at the line it came from."""
        raw = raw_line("Dec 10 06:55:46 web1 app: x", lineno=7)
        event = _parser().parse(raw)
        assert event is not None
        assert event.origin == raw.ref

    def test_source_name_is_set(self) -> None:
        """The parser's source name is copied into every event."""
        parser = SyslogParser(ParserOptions(reference_time=REFERENCE), source="auth.log")
        event = parser.parse(raw_line("Dec 10 06:55:46 web1 app: x"))
        assert event is not None
        assert event.source == "auth.log"

    def test_missing_host_uses_configured_host(self) -> None:
        """A line without a host gets ``options.host``."""
        event = _parser(host="box").parse(raw_line("Dec 10 06:55:46 sshd[1]: hello"))
        assert event is not None
        assert (event.host, event.program) == ("box", "sshd")

    def test_iso_fraction_is_kept(self) -> None:
        """rsyslog's microseconds survive."""
        line = "2026-11-27T06:25:01.123456+00:00 deb12 CRON[9]: x"
        event = _parser().parse(raw_line(line))
        assert event is not None
        assert _iso(event.ts) == "2026-11-27T06:25:01.123456+00:00"

    def test_unmatched_count_by_reason(self) -> None:
        """Garbage is rejected and counted under a reason."""
        parser = _parser()
        assert parser.parse(raw_line("garbage garbage garbage")) is None
        assert parser.rejected == {"no_timestamp": 1}

    def test_matched_counts_header_pattern(self) -> None:
        """Plain syslog lines count their header pattern."""
        parser = _parser()
        parser.parse(raw_line("Dec 10 06:55:46 web1 app: x"))
        assert parser.matched == {"rfc3164": 1}


class TestTime:
    """Year inference, time zones and the per-second shortcuts."""

    def test_first_line_year_from_reference(self) -> None:
        """A December line read on 1 January belongs to the previous year."""
        event = _parser().parse(raw_line("Dec 31 23:59:59 h app: x"))
        assert event is not None
        assert _iso(event.ts) == "2026-12-31T23:59:59+00:00"

    def test_new_year_moves_forward(self) -> None:
        """After December, a January line goes to the next year."""
        parser = _parser()
        parser.parse(raw_line("Dec 31 23:59:59 h app: x"))
        event = parser.parse(raw_line("Jan  1 00:00:01 h app: y"))
        assert event is not None
        assert _iso(event.ts) == "2027-01-01T00:00:01+00:00"

    def test_line_one_day_ahead_of_reference_is_this_year(self) -> None:
        """Clock skew of less than a day does not push a line back a year."""
        event = _parser().parse(raw_line("Jan  1 12:00:00 h app: x"))
        assert event is not None
        assert _iso(event.ts) == "2027-01-01T12:00:00+00:00"

    def test_timezone_applies_to_syslog_time(self) -> None:
        """A configured zone converts local syslog times to UTC."""
        event = _parser(timezone="America/New_York").parse(raw_line("Dec 10 06:55:46 h a: x"))
        assert event is not None
        assert _iso(event.ts) == "2026-12-10T11:55:46+00:00"

    def test_timezone_observes_dst(self) -> None:
        """Summer lines get the summer offset."""
        parser = _parser(timezone="Europe/Berlin", reference_time=REFERENCE - 150 * 86400)
        event = parser.parse(raw_line("Jul 10 12:00:00 h a: x"))
        assert event is not None
        assert _iso(event.ts) == "2026-07-10T10:00:00+00:00"

    def test_same_minute_shortcut_matches_full_parse(self) -> None:
        """The minute cache gives the same time as a fresh parser."""
        parser = _parser(timezone="Europe/Berlin")
        parser.parse(raw_line("Dec 10 06:55:01 h a: x"))
        cached = parser.parse(raw_line("Dec 10 06:55:59 h a: x"))
        fresh = _parser(timezone="Europe/Berlin").parse(raw_line("Dec 10 06:55:59 h a: x"))
        assert cached is not None
        assert fresh is not None
        assert cached.ts == fresh.ts

    def test_unknown_timezone_is_a_value_error(self) -> None:
        """A bad zone name fails when the parser is built."""
        with pytest.raises(ValueError, match="unknown time zone"):
            _parser(timezone="Mars/Olympus")


class TestHostileInput:
    """Bytes no syslog daemon writes."""

    def test_invalid_utf8_parses_with_a_note(self) -> None:
        """Invalid UTF-8 is replaced and noted, the line still parses."""
        parser = _parser()
        event = parser.parse(raw_line(b"Dec 10 06:55:46 web1 app: caf\xe9"))
        assert event is not None
        assert event.message == "caf\ufffd"
        assert parser.notes["invalid_utf8"] == 1

    def test_nul_bytes_are_removed(self) -> None:
        """NUL bytes are dropped before parsing."""
        event = _parser().parse(raw_line(b"Dec 10 06:55:46 web1 a\x00pp: x"))
        assert event is not None
        assert event.program == "app"

    def test_truncated_line_is_noted(self) -> None:
        """A line the source truncated is parsed and noted."""
        parser = _parser()
        raw = raw_line("Dec 10 06:55:46 web1 app: x")._replace(truncated=True)
        assert parser.parse(raw) is not None
        assert parser.notes["truncated"] == 1

    def test_message_capped(self) -> None:
        """A huge message is cut to the field cap."""
        event = _parser().parse(raw_line("Dec 10 06:55:46 web1 app: " + "x" * 70000))
        assert event is not None
        assert event.message is not None
        assert len(event.message) == 8192
