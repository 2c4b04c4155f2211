"""Access-log and Apache error-log parsers: behaviours the sample files do not pin down."""

from __future__ import annotations

import pytest

from sentinel.parsers import ParserOptions, build_parser
from sentinel.parsers.access import CombinedParser, NginxJsonParser
from sentinel.parsers.base import MAX_FIELD_CHARS, LineParser
from sentinel.parsers.logformat import split_request, unescape
from sentinel.parsers.timestamps import ClfTimeParser, CtimeParser
from sentinel.records import EventKind, LineRef, RawLine

REF = LineRef("test", "/var/log/nginx/access.log", 0, 1)
LINE = '203.0.113.9 - - [10/Oct/2026:13:55:36 +0000] "GET /a?b=1 HTTP/1.1" 200 5 "-" "curl/8.4.0"'


def raw(data: str | bytes, *, truncated: bool = False) -> RawLine:
    """A RawLine for ``data`` (text is UTF-8 encoded)."""
    return RawLine(REF, data.encode() if isinstance(data, str) else data, truncated)


def combined(host: str | None = None) -> LineParser:
    """A combined parser for source ``web`` on ``host``."""
    return build_parser("combined", ParserOptions(host=host), source="web")


class TestSplitRequest:
    """split_request: request line -> method, path, query, protocol."""

    def test_splits_query_on_first_question_mark(self) -> None:
        """Everything after the first ? is the query, even if it holds another ?."""
        assert split_request("GET /a?b=1?c HTTP/1.1") == ("GET", "/a", "b=1?c", "HTTP/1.1")

    def test_accepts_missing_protocol(self) -> None:
        """An HTTP/0.9 request line has no protocol."""
        assert split_request("GET /") == ("GET", "/", None, None)

    def test_keeps_spaces_in_target(self) -> None:
        """A target with raw spaces is kept whole; the protocol is the last word."""
        assert split_request("GET /a b HTTP/1.0") == ("GET", "/a b", None, "HTTP/1.0")

    def test_target_without_protocol_keeps_last_word(self) -> None:
        """Without an HTTP/ protocol the last word belongs to the target."""
        assert split_request("GET /a b") == ("GET", "/a b", None, None)

    @pytest.mark.parametrize("line", ["-", "", "\\x16\\x03\\x01", "GET", "G\u00e9T / HTTP/1.1"])
    def test_rejects_non_requests(self, line: str) -> None:
        """Dashes, TLS bytes, single words and non-token methods are not requests."""
        assert split_request(line) is None

    def test_rejects_overlong_method(self) -> None:
        """A 33-character method is not a method."""
        assert split_request("A" * 33 + " / HTTP/1.1") is None

    def test_rejects_query_without_path(self) -> None:
        """A target that is only a query has no path."""
        assert split_request("GET ?x HTTP/1.1") is None


class TestUnescape:
    """unescape: Apache / escape=json backslash escapes."""

    def test_unescapes_quote_and_backslash(self) -> None:
        r"""\" becomes " and \\ becomes \."""
        assert unescape(r"a \"b\" \\ c") == 'a "b" \\ c'

    def test_keeps_hex_escapes(self) -> None:
        r"""\xHH stays as logged, so no raw control byte comes back."""
        assert unescape(r"\x16\x03") == r"\x16\x03"

    def test_escaped_backslash_before_quote(self) -> None:
        r"""\\\" is a backslash then a quote."""
        assert unescape('\\\\\\"') == '\\"'


class TestCombinedParser:
    """The combined format's hot path and its slow path agree."""

    def test_fast_and_escaped_paths_agree(self) -> None:
        """A line parsed by the fast regex equals the same line through the escaped one."""
        parser = combined()
        fast = parser.parse(raw(LINE))
        slow = parser.parse(raw(LINE.replace("curl/8.4.0", "curl\\\\8.4.0")))
        assert fast is not None
        assert slow is not None
        assert fast._replace(user_agent="curl\\8.4.0") == slow
        assert parser.matched == {"combined": 1, "combined_escaped": 1}

    def test_event_carries_origin_source_and_host(self) -> None:
        """origin is the RawLine's ref; source and host come from the parser."""
        event = combined(host="web1").parse(raw(LINE))
        assert event is not None
        assert (event.origin, event.source, event.host) == (REF, "web", "web1")

    def test_kind_is_http_request(self) -> None:
        """Access-log events are http_request."""
        event = combined().parse(raw(LINE))
        assert event is not None
        assert event.kind is EventKind.HTTP_REQUEST

    def test_long_agent_is_capped_and_noted(self) -> None:
        """A user agent longer than the field cap is cut and counted."""
        parser = combined()
        event = parser.parse(raw(LINE.replace("curl/8.4.0", "A" * 70000)))
        assert event is not None
        assert event.user_agent == "A" * MAX_FIELD_CHARS
        assert parser.notes["field_truncated"] == 1

    def test_long_path_is_capped(self) -> None:
        """A path longer than the field cap is cut."""
        event = combined().parse(raw(LINE.replace("/a?b=1", "/" + "x" * 70000)))
        assert event is not None
        assert event.path is not None
        assert len(event.path) == MAX_FIELD_CHARS

    def test_bad_request_is_noted(self) -> None:
        """A garbage request line counts a bad_request note."""
        parser = combined()
        parser.parse(raw(LINE.replace("GET /a?b=1 HTTP/1.1", "\\x16\\x03")))
        assert parser.notes["bad_request"] == 1

    def test_unmatched_is_counted(self) -> None:
        """A line of another format is rejected as unmatched."""
        parser = combined()
        assert parser.parse(raw("Dec 10 06:55:46 web1 sshd[1]: hello")) is None
        assert parser.rejected == {"unmatched": 1}

    def test_method_strings_are_shared(self) -> None:
        """Two events share one method string object (memory in per-entity state)."""
        parser = combined()
        first, second = parser.parse(raw(LINE)), parser.parse(raw(LINE))
        assert first is not None
        assert second is not None
        assert first.method is second.method

    def test_registry_aliases(self) -> None:
        """nginx and apache name the combined parser."""
        assert isinstance(build_parser("nginx"), CombinedParser)
        assert isinstance(build_parser("apache"), CombinedParser)


class TestHostileBytes:
    """What LineParser.parse does with bytes no log should contain."""

    def test_invalid_utf8_still_parses(self) -> None:
        """Invalid UTF-8 is replaced, noted, and the line still yields an event."""
        parser = combined()
        event = parser.parse(raw(LINE.encode().replace(b"curl", b"c\xff\xfeurl")))
        assert event is not None
        assert event.user_agent == "c\ufffd\ufffdurl/8.4.0"
        assert parser.notes["invalid_utf8"] == 1

    def test_nul_bytes_are_removed(self) -> None:
        """NUL bytes vanish before parsing."""
        event = combined().parse(raw(LINE.encode().replace(b"curl", b"cu\x00rl")))
        assert event is not None
        assert event.user_agent == "curl/8.4.0"

    def test_truncated_line_is_noted(self) -> None:
        """A line the source cut at the length cap is counted as truncated."""
        parser = combined()
        parser.parse(raw(LINE, truncated=True))
        assert parser.notes["truncated"] == 1

    def test_blank_line_is_rejected_as_empty(self) -> None:
        """Whitespace-only lines are rejected as empty."""
        parser = combined()
        assert parser.parse(raw(" \t ")) is None
        assert parser.rejected == {"empty": 1}

    def test_control_characters_in_agent_do_not_break_parsing(self) -> None:
        """Escape sequences in a field are data (escaping is the renderer's job)."""
        event = combined().parse(raw(LINE.replace("curl/8.4.0", "\x1b[31mred\x07")))
        assert event is not None
        assert event.user_agent == "\x1b[31mred\x07"


class TestTimedCombinedParser:
    """combined + $request_time $upstream_response_time."""

    def test_garbage_upstream_is_not_a_metric(self) -> None:
        """A non-numeric upstream time gives no metric."""
        parser = build_parser("combined_timed")
        event = parser.parse(raw(LINE + " 0.5 abc"))
        assert event is not None
        assert event.duration == 0.5
        assert dict(event.metrics) == {}

    def test_bad_duration_is_noted(self) -> None:
        """A request time that is not a number is dropped and noted."""
        parser = build_parser("combined_timed")
        event = parser.parse(raw(LINE + " nan -"))
        assert event is not None
        assert event.duration is None
        assert parser.notes["bad_duration"] == 1


class TestNginxJsonParser:
    """JSON access logs."""

    def test_extra_keys_are_capped(self) -> None:
        """A line with hundreds of unknown keys keeps at most 32 in extra."""
        parser = NginxJsonParser()
        keys = ",".join(f'"k{i}":"v"' for i in range(500))
        event = parser.parse(raw('{"msec":1791640536,' + keys + "}"))
        assert event is not None
        assert len(event.extra) == 32
        assert parser.notes["extra_capped"] == 468

    def test_numeric_time_is_epoch(self) -> None:
        """A numeric @timestamp is epoch seconds."""
        event = NginxJsonParser().parse(raw('{"@timestamp": 1791640536.5, "status": 200}'))
        assert event is not None
        assert event.ts == 1791640536.5

    def test_bool_and_null_values_are_skipped(self) -> None:
        """true/false/null values set nothing."""
        event = NginxJsonParser().parse(raw('{"msec":"1791640536","status":null,"x":true}'))
        assert event is not None
        assert event.status is None
        assert "x" not in event.extra

    def test_forwarded_for_without_remote_addr_gives_client(self) -> None:
        """Without remote_addr the first X-Forwarded-For address is the client."""
        line = '{"msec":"1791640536","http_x_forwarded_for":"203.0.113.1, 10.0.0.1"}'
        event = NginxJsonParser().parse(raw(line))
        assert event is not None
        assert event.client_ip == "203.0.113.1"

    def test_remote_addr_wins_over_forwarded_for(self) -> None:
        """The socket address beats the client-supplied header."""
        line = '{"msec":"1791640536","remote_addr":"10.0.0.9","http_x_forwarded_for":"203.0.113.1"}'
        event = NginxJsonParser().parse(raw(line))
        assert event is not None
        assert event.client_ip == "10.0.0.9"
        assert event.extra["x_forwarded_for"] == "203.0.113.1"


class TestApacheErrorParser:
    """Apache error logs."""

    def test_time_zone_option_applies(self) -> None:
        """Times without an offset are read in the configured zone."""
        parser = build_parser("apache_error", ParserOptions(timezone="Europe/Paris"))
        event = parser.parse(raw("[Sun Dec 04 04:47:44 2005] [notice] x"))
        assert event is not None
        assert event.ts == 1133668064.0

    def test_long_message_is_capped(self) -> None:
        """A 64 KiB message is cut at the field cap."""
        event = build_parser("apache_error").parse(
            raw("[Sun Dec 04 04:47:44 2005] [error] " + "m" * 65536)
        )
        assert event is not None
        assert event.message == "m" * MAX_FIELD_CHARS


class TestClfTimeParser:
    """Common Log Format times."""

    def test_offset_is_applied(self) -> None:
        """-0700 means seven hours behind UTC."""
        assert ClfTimeParser().parse("10/Oct/2000:13:55:36 -0700") == 971211336.0

    def test_new_second_uses_day_cache(self) -> None:
        """Consecutive seconds of one day are consistent with a fresh conversion."""
        parser = ClfTimeParser()
        parser.parse("10/Oct/2000:13:55:36 -0700")
        assert parser.parse("10/Oct/2000:23:59:59 -0700") == 971247599.0

    @pytest.mark.parametrize(
        "text",
        [
            "32/Oct/2000:13:55:36 -0700",
            "10/Oct/2000:24:00:00 -0700",
            "10/Oct/2000:13:60:00 -0700",
            "10/Oct/2000:13:55:36 +2400",
            "10/Oct/1900:13:55:36 +0000",
            "1\u0660/Oct/2000:13:55:36 +0000",
        ],
    )
    def test_rejects_impossible_times(self, text: str) -> None:
        """Out-of-range fields, offsets, years and non-ASCII digits raise ValueError."""
        with pytest.raises(ValueError):
            ClfTimeParser().parse(text)


class TestCtimeParser:
    """ctime-style times of Apache error logs."""

    def test_fraction_is_added(self) -> None:
        """Microseconds are added to the cached second."""
        assert CtimeParser().parse("Wed Oct 11 14:32:52.250000 2000") == 971274772.25

    @pytest.mark.parametrize(
        "text", ["Wed Oct 11 14:32:52", "Wed Oct 31x 14:32:52 2000", "Wed Oct 11 14:32:52.x 2000"]
    )
    def test_rejects_malformed(self, text: str) -> None:
        """Missing year, bad day and bad fraction raise ValueError."""
        with pytest.raises(ValueError):
            CtimeParser().parse(text)
