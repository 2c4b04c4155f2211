"""The nginx log_format compiler and LogFormatParser."""

from __future__ import annotations

import pytest

from sentinel.parsers import ParserOptions, build_parser
from sentinel.parsers.base import LineParser
from sentinel.parsers.logformat import compile_log_format, normalise_log_format
from sentinel.records import LineRef, RawLine

COMBINED = (
    '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent '
    '"$http_referer" "$http_user_agent"'
)
LINE = (
    '203.0.113.9 - bob [10/Oct/2026:13:55:36 +0000] "GET /a?b=1 HTTP/1.1" 200 5 '
    '"https://example.com/" "curl/8.4.0"'
)


def raw(text: str) -> RawLine:
    """A RawLine holding ``text``."""
    return RawLine(LineRef("test", "access.log", 0, 1), text.encode())


def parser_for(log_format: str) -> LineParser:
    """A nginx_log_format parser for ``log_format``."""
    return build_parser("nginx_log_format", ParserOptions(log_format=log_format), source="web")


class TestNormaliseLogFormat:
    """What users paste from nginx.conf."""

    def test_bare_string_is_kept(self) -> None:
        """A format without quotes is used as is."""
        assert normalise_log_format("$remote_addr [$time_local]") == "$remote_addr [$time_local]"

    def test_directive_and_pieces_are_joined(self) -> None:
        """log_format NAME 'a' 'b'; concatenates the quoted pieces."""
        text = "log_format main '$remote_addr '\n   '[$time_local]';"
        assert normalise_log_format(text) == "$remote_addr [$time_local]"

    def test_escape_parameter_is_dropped(self) -> None:
        """escape=json between the name and the string is not part of the format."""
        text = 'log_format j escape=json \'{"t":"$msec"}\';'
        assert normalise_log_format(text) == '{"t":"$msec"}'

    def test_unterminated_piece_raises(self) -> None:
        """A missing closing quote is a ValueError naming the position."""
        with pytest.raises(ValueError, match="unterminated"):
            normalise_log_format("'$remote_addr [$time_local]")


class TestCompileLogFormat:
    """Compilation errors and the shape of the regexes."""

    def test_adjacent_variables_raise(self) -> None:
        """Two variables with nothing between them cannot be split."""
        with pytest.raises(ValueError, match=r"\$remote_addr and \$time_local"):
            compile_log_format("$remote_addr$time_local")

    def test_missing_time_variable_raises(self) -> None:
        """A format without a time variable is refused: events need event time."""
        with pytest.raises(ValueError, match="no time variable"):
            compile_log_format("$remote_addr $status")

    def test_no_variables_raises(self) -> None:
        """Literal text alone is not a format."""
        with pytest.raises(ValueError, match="no variables"):
            compile_log_format("just text")

    def test_empty_raises(self) -> None:
        """An empty format is refused."""
        with pytest.raises(ValueError, match="empty"):
            compile_log_format("   ")

    def test_dollar_without_name_raises(self) -> None:
        """A lone $ is a syntax error."""
        with pytest.raises(ValueError, match="not followed by a variable name"):
            compile_log_format("$msec $ x")

    def test_unterminated_brace_raises(self) -> None:
        """${name without } is a syntax error."""
        with pytest.raises(ValueError, match="unterminated"):
            compile_log_format("$msec ${status")

    def test_braced_variables(self) -> None:
        """${name} works like $name and allows text right after the name."""
        compiled = compile_log_format("${msec}s ${status}x")
        assert compiled.variables == ("msec", "status")

    def test_quoted_variables_are_marked(self) -> None:
        """Only variables between double quotes get the escape-aware form."""
        compiled = compile_log_format(COMBINED)
        quoted = dict(zip(compiled.variables, compiled.quoted, strict=True))
        assert quoted["request"]
        assert quoted["http_user_agent"]
        assert not quoted["status"]

    def test_oversized_format_raises(self) -> None:
        """A format longer than 8192 characters is refused."""
        with pytest.raises(ValueError, match="longer than"):
            compile_log_format("$msec " + "x" * 9000)


class TestLogFormatParser:
    """Lines of a compiled format become events."""

    def test_matches_combined_parser(self) -> None:
        """The stock combined format gives the same event as the combined parser."""
        ours = parser_for(COMBINED).parse(raw(LINE))
        theirs = build_parser("combined", source="web").parse(raw(LINE))
        assert ours is not None
        assert theirs is not None
        assert ours._replace(extra={}) == theirs._replace(extra={})
        assert dict(ours.extra) == dict(theirs.extra)

    def test_missing_option_raises(self) -> None:
        """nginx_log_format without a log_format is a ValueError."""
        with pytest.raises(ValueError, match="needs the log_format option"):
            build_parser("nginx_log_format")

    def test_unknown_variables_go_to_extra(self) -> None:
        """Variables without a field keep their name in extra."""
        parser = parser_for("$msec $ssl_cipher $request_id")
        event = parser.parse(raw("1791640536.000 TLS_AES_128 7f3a"))
        assert event is not None
        assert dict(event.extra) == {"ssl_cipher": "TLS_AES_128", "request_id": "7f3a"}

    def test_upstream_list_in_the_middle(self) -> None:
        """An unquoted upstream list with spaces is not cut at its first space."""
        parser = parser_for("$msec $upstream_response_time $status")
        event = parser.parse(raw("1791640536.000 0.100, 0.200 : 0.050 502"))
        assert event is not None
        assert event.status == 502
        assert event.metrics["upstream_response_time"] == pytest.approx(0.35)

    def test_request_uri_and_method(self) -> None:
        """$request_method + $request_uri give method, path and query."""
        event = parser_for("$msec $request_method $request_uri").parse(
            raw("1791640536 DELETE /v1/x?force=1")
        )
        assert event is not None
        assert (event.method, event.path, event.query) == ("DELETE", "/v1/x", "force=1")

    def test_uri_and_args(self) -> None:
        """$uri + $args give path and query when there is no request line."""
        event = parser_for("$msec $uri?$args").parse(raw("1791640536 /search?q=1"))
        assert event is not None
        assert (event.path, event.query) == ("/search", "q=1")

    def test_iso_time_uses_time_zone_for_naive_times(self) -> None:
        """A naive $time_iso8601 is read in the configured zone."""
        options = ParserOptions(log_format="[$time_iso8601] $status", timezone="Europe/Paris")
        parser = build_parser("nginx_log_format", options)
        event = parser.parse(raw("[2026-01-01T01:00:00] 200"))
        assert event is not None
        assert event.ts == 1767225600.0

    def test_bad_time_is_rejected(self) -> None:
        """An unparsable time rejects the line as bad_timestamp."""
        parser = parser_for("[$time_local] $status")
        assert parser.parse(raw("[yesterday] 200")) is None
        assert parser.rejected == {"bad_timestamp": 1}

    def test_last_variable_takes_the_rest(self) -> None:
        """The final variable captures to the end of the line, spaces included."""
        event = parser_for("$msec $http_user_agent").parse(raw("1791640536 Mozilla/5.0 (X11)"))
        assert event is not None
        assert event.user_agent == "Mozilla/5.0 (X11)"

    def test_bytes_sent_used_without_body_bytes(self) -> None:
        """$bytes_sent fills bytes when $body_bytes_sent is absent."""
        event = parser_for("$msec $bytes_sent").parse(raw("1791640536 345"))
        assert event is not None
        assert event.bytes == 345

    def test_request_length_is_a_metric(self) -> None:
        """$request_length becomes a metric."""
        event = parser_for("$msec $request_length").parse(raw("1791640536 512"))
        assert event is not None
        assert event.metrics == {"request_length": 512.0}

    def test_duplicate_remote_addr_keeps_first(self) -> None:
        """When a variable appears twice, the first value is the field."""
        event = parser_for("$msec $remote_addr $remote_addr").parse(
            raw("1791640536 10.0.0.1 10.0.0.2")
        )
        assert event is not None
        assert event.client_ip == "10.0.0.1"
