"""Hypothesis fuzzing of the web-log parsers: hostile input never escapes ``parse``.

``LineParser.parse`` turns any exception into an ``internal_error``
rejection, so "never raises" alone would prove little: these tests also
require that no line reaches that fallback (no parser bug was hit) and that
every event is well typed.
"""

from __future__ import annotations

import contextlib
import math

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sentinel.parsers import ParserOptions, build_parser
from sentinel.parsers.base import MAX_FIELD_CHARS, LineParser
from sentinel.parsers.logformat import MAX_EXTRA_KEYS, compile_log_format
from sentinel.records import Event, EventKind, LineRef, RawLine

LOG_FORMAT = (
    '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent '
    '"$http_referer" "$http_user_agent" rt=$request_time uct="$upstream_connect_time" '
    "$upstream_response_time"
)
# One valid line per format: the seeds that mutations start from.
SEEDS: dict[str, str] = {
    "combined": '203.0.113.9 - bob [10/Oct/2026:13:55:36 +0000] "GET /a?b=1 HTTP/1.1" 200 5 '
    '"https://example.com/" "curl/8.4.0"',
    "common": '2001:db8::1 - - [10/Oct/2026:13:55:36 -0700] "POST /login HTTP/1.0" 401 -',
    "vhost_combined": 'example.com:443 203.0.113.9 - - [10/Oct/2026:13:55:36 +0000] "GET / '
    'HTTP/1.1" 200 5 "-" "ua \\"x\\""',
    "combined_timed": '203.0.113.9 - - [10/Oct/2026:13:55:36 +0000] "GET / HTTP/1.1" 502 5 '
    '"-" "-" 0.500 0.100, 0.200 : 0.100',
    "nginx_json": '{"time_iso8601":"2026-10-10T13:55:36+00:00","remote_addr":"203.0.113.9",'
    '"request":"GET /a?b HTTP/1.1","status":"200","body_bytes_sent":"5",'
    '"request_time":"0.001","http_user_agent":"x \\"y\\""}',
    "nginx_log_format": '203.0.113.9 - - [10/Oct/2026:13:55:36 +0000] "GET / HTTP/1.1" 200 5 '
    '"-" "curl" rt=0.100 uct="0.001" 0.010, 0.020',
    "apache_error": "[Wed Oct 11 14:32:52.123456 2000] [core:error] [pid 1234:tid 5678] "
    "[client 192.0.2.4:5678] AH00124: Request exceeded the limit",
}
# Characters the regexes use as delimiters, and bytes no log should hold.
HOSTILE = ' "\\[]-:/?%.,{}\t\x00\x1b\u2028\ufffd0123456789'
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def parser_for(fmt: str) -> LineParser:
    """A parser for ``fmt`` (with a log_format for nginx_log_format)."""
    log_format = LOG_FORMAT if fmt == "nginx_log_format" else None
    return build_parser(fmt, ParserOptions(log_format=log_format), source="fuzz")


def check_event(event: Event | None) -> None:
    """Every field of an event has its declared type and a sane range."""
    if event is None:
        return
    assert isinstance(event.ts, float)
    assert math.isfinite(event.ts)
    assert isinstance(event.kind, EventKind)
    for name in ("host", "client_ip", "user", "method", "path", "query", "user_agent"):
        value = getattr(event, name)
        assert value is None or isinstance(value, str), name
    for name in ("referrer", "program", "message", "template_id"):
        value = getattr(event, name)
        assert value is None or isinstance(value, str), name
    for name in ("user_agent", "path", "message", "referrer"):
        value = getattr(event, name)
        assert value is None or len(value) <= MAX_FIELD_CHARS, name
    assert event.status is None or (isinstance(event.status, int) and 100 <= event.status <= 999)
    assert event.bytes is None or (isinstance(event.bytes, int) and event.bytes >= 0)
    assert event.pid is None or isinstance(event.pid, int)
    assert event.duration is None or (
        isinstance(event.duration, float) and 0 <= event.duration < 1e7
    )
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in event.extra.items())
    assert len(event.extra) <= MAX_EXTRA_KEYS + 4  # + fields the parser adds itself
    assert all(
        isinstance(k, str) and isinstance(v, float) and math.isfinite(v)
        for k, v in event.metrics.items()
    )


def run(fmt: str, data: bytes) -> None:
    """Parse ``data`` with a fresh ``fmt`` parser; no internal error, typed output."""
    parser = parser_for(fmt)
    event = parser.parse(RawLine(LineRef("fuzz", "fuzz.log", 0, 1), data))
    assert parser.rejected["internal_error"] == 0
    check_event(event)


@st.composite
def mutated(draw: st.DrawFn, seed: str) -> bytes:
    """``seed`` with a few characters inserted, deleted or replaced (hostile alphabet)."""
    text = seed
    steps = draw(st.integers(min_value=1, max_value=6))
    for _ in range(steps):
        position = draw(st.integers(min_value=0, max_value=len(text)))
        action = draw(st.sampled_from(["insert", "delete", "replace", "repeat"]))
        piece = draw(st.text(alphabet=HOSTILE, min_size=1, max_size=4))
        if action == "insert":
            text = text[:position] + piece + text[position:]
        elif action == "delete":
            text = text[:position] + text[position + 1 :]
        elif action == "replace":
            text = text[:position] + piece + text[position + 1 :]
        else:
            text = text[:position] + piece * 500 + text[position:]
    return text.encode("utf-8", "surrogatepass")


class TestFuzzAccess:
    """No input makes a web-log parser crash or emit a badly typed event."""

    @FUZZ
    @given(fmt=st.sampled_from(sorted(SEEDS)), data=st.binary(max_size=600))
    def test_arbitrary_bytes(self, fmt: str, data: bytes) -> None:
        """Random bytes are rejected or parsed, never a parser bug."""
        run(fmt, data)

    @FUZZ
    @given(fmt=st.sampled_from(sorted(SEEDS)), text=st.text(max_size=400))
    def test_arbitrary_text(self, fmt: str, text: str) -> None:
        """Random unicode text is rejected or parsed, never a parser bug."""
        run(fmt, text.encode("utf-8", "surrogatepass"))

    @FUZZ
    @given(data=st.data(), fmt=st.sampled_from(sorted(SEEDS)))
    def test_mutated_valid_lines(self, data: st.DataObject, fmt: str) -> None:
        """Valid lines with hostile edits are rejected or parsed, never a parser bug."""
        run(fmt, data.draw(mutated(SEEDS[fmt])))

    @FUZZ
    @given(fmt=st.sampled_from(sorted(SEEDS)), junk=st.binary(min_size=1, max_size=64))
    def test_seed_with_invalid_utf8(self, fmt: str, junk: bytes) -> None:
        """A valid line with arbitrary bytes appended still never hits a parser bug."""
        run(fmt, SEEDS[fmt].encode() + junk)

    def test_seeds_parse(self) -> None:
        """Each seed line is itself valid (so mutations start from a parsed line)."""
        for fmt, line in SEEDS.items():
            parser = parser_for(fmt)
            assert parser.parse(RawLine(LineRef("fuzz", "f", 0, 1), line.encode())), fmt


class TestFuzzLogFormat:
    """The log_format compiler on arbitrary formats."""

    @FUZZ
    @given(
        text=st.lists(
            st.sampled_from([*HOSTILE, "$", "${", "}", "$msec", "$status", "'", "log_format "])
        ).map("".join)
    )
    def test_compiler_only_raises_value_error(self, text: str) -> None:
        """Any format string compiles or raises ValueError: nothing else escapes."""
        with contextlib.suppress(ValueError):
            compile_log_format(text)

    @FUZZ
    @given(
        parts=st.lists(
            st.sampled_from(
                ["$msec", "$status", "$request", "$remote_addr", "$upstream_response_time", "$x"]
            ),
            min_size=1,
            max_size=6,
        ),
        separators=st.lists(st.sampled_from([" ", '" "', " [", "] ", ",", "|", "="]), min_size=6),
        line=st.text(alphabet=HOSTILE + "abcGET", max_size=200),
    )
    def test_compiled_formats_parse_any_line(
        self, parts: list[str], separators: list[str], line: str
    ) -> None:
        """A compiled random format parses random lines without a parser bug."""
        fmt = "$msec " + "".join(p + s for p, s in zip(parts, separators, strict=False))
        parser = build_parser("nginx_log_format", ParserOptions(log_format=fmt))
        event = parser.parse(RawLine(LineRef("fuzz", "f", 0, 1), line.encode("utf-8", "replace")))
        assert parser.rejected["internal_error"] == 0
        check_event(event)
