"""Hypothesis fuzzing of the system parsers: syslog/auth, journal, jsonlines, text.

``LineParser.parse`` turns any exception into an ``internal_error``
rejection, so "never raises" alone would prove little: these tests also
require that no line reaches that fallback and that every event is well typed.
"""

from __future__ import annotations

import math

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sentinel.parsers import ParserOptions, build_parser
from sentinel.parsers.base import LineParser
from sentinel.records import Event, EventKind, LineRef, RawLine

REFERENCE = 1798761600.0  # 2027-01-01Z
SEEDS: dict[str, list[str]] = {
    "syslog": [
        "Dec 10 06:55:46 web1 sshd[24200]: Failed password for invalid user admin from "
        "203.0.113.5 port 22 ssh2",
        "<38>Dec 10 06:55:46 web1 sudo:    alice : TTY=pts/0 ; PWD=/ ; USER=root ; COMMAND=/bin/id",
        "2026-11-27T06:25:01.123456+00:00 deb12 kernel: [1.2] [UFW BLOCK] IN=eth0 OUT= "
        "SRC=1.2.3.4 DST=10.0.0.5 PROTO=TCP SPT=1 DPT=23",
        '<165>1 2003-10-11T22:14:15.003Z host app 12 ID1 [x@1 a="b\\"c"] msg',
        "Jun 14 15:16:01 combo sshd(pam_unix)[1]: authentication failure; logname= uid=0 "
        "euid=0 tty=NODEVssh ruser= rhost=h.example  user=root",
        "Dec 10 07:13:56 LabSZ sshd[1]: message repeated 5 times: [ Failed password for root "
        "from 5.36.59.76 port 42393 ssh2]",
        "Dec 10 06:55:46 web1 su[1]: FAILED su for root by bob",
    ],
    "journal": [
        '{"__REALTIME_TIMESTAMP":"1796885746123456","SYSLOG_IDENTIFIER":"sshd","_PID":"1",'
        '"_HOSTNAME":"h","PRIORITY":"6","MESSAGE":"Accepted publickey for a from ::1 port 2 ssh2"}',
        '{"__REALTIME_TIMESTAMP":"1796885746123456","_COMM":"x","MESSAGE":[104,105,255]}',
    ],
    "jsonlines": [
        '{"time": "2026-12-10T06:55:46Z", "level": "INFO", "message": "m", "n": 1.5, '
        '"client_ip": "::1", "x": {"y": [1, 2]}}',
        '{"time": 1796885746, "metric": "cpu", "value": 12.3, "host": "h"}',
    ],
    "text": [
        "2026-11-27 06:25:01,123 INFO app.db: connected to db1 in 12 ms",
        "[Sun Dec 04 04:47:44 2005] [error] [client 1.2.3.4] Directory index forbidden",
        "081109 203615 148 INFO dfs.DataNode$PacketResponder: PacketResponder 1 terminating",
    ],
}
HOSTILE = ' "\\[]<>-:=;/.,{}()\t\x00\x1b\u2028\ufffd0123456789'
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FORMATS = sorted(SEEDS)


def _parser(fmt: str) -> LineParser:
    return build_parser(fmt, ParserOptions(reference_time=REFERENCE), source="fuzz")


def _check(parser: LineParser, data: bytes) -> None:
    """Parsing never raises, never hits the internal-error fallback, and types hold."""
    event = parser.parse(RawLine(LineRef("fuzz", "fuzz.log", 0, 1), data))
    assert parser.rejected["internal_error"] == 0, data
    if event is None:
        return
    _check_event(event)


def _check_event(event: Event) -> None:
    assert isinstance(event.ts, float)
    assert math.isfinite(event.ts)
    assert isinstance(event.kind, EventKind)
    for name in ("host", "client_ip", "user", "program", "message", "template_id"):
        value = getattr(event, name)
        assert value is None or (isinstance(value, str) and value), (name, value)
    assert event.pid is None or (isinstance(event.pid, int) and event.pid >= 0)
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in event.extra.items())
    assert all(isinstance(v, float) and math.isfinite(v) for v in event.metrics.values())
    assert len(event.extra) <= 64


@st.composite
def mutated(draw: st.DrawFn, fmt: str) -> bytes:
    """A seed line with a few random edits (insert, delete, duplicate a slice)."""
    text = draw(st.sampled_from(SEEDS[fmt]))
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(text)))
        action = draw(st.sampled_from(["insert", "delete", "repeat"]))
        if action == "insert":
            text = text[:at] + draw(st.text(alphabet=HOSTILE, min_size=1, max_size=8)) + text[at:]
        elif action == "delete":
            text = text[:at] + text[at + draw(st.integers(1, 12)) :]
        else:
            text = text[:at] + text[at : at + 8] * draw(st.integers(2, 200)) + text[at:]
    return text.encode("utf-8", "surrogatepass")


class TestFuzzSystemParsers:
    """Every system parser on arbitrary and mutated input."""

    @FUZZ
    @given(fmt=st.sampled_from(FORMATS), data=st.binary(max_size=512))
    def test_arbitrary_bytes(self, fmt: str, data: bytes) -> None:
        """Random bytes give an event or a counted rejection, never an exception."""
        _check(_parser(fmt), data)

    @FUZZ
    @given(data=st.data(), fmt=st.sampled_from(FORMATS))
    def test_mutated_valid_lines(self, data: st.DataObject, fmt: str) -> None:
        """Edited valid lines give an event or a counted rejection, never an exception."""
        _check(_parser(fmt), data.draw(mutated(fmt)))

    @FUZZ
    @given(fmt=st.sampled_from(FORMATS), text=st.text(alphabet=HOSTILE, max_size=300))
    def test_delimiter_soup(self, fmt: str, text: str) -> None:
        """Lines made only of delimiters and odd characters are handled."""
        _check(_parser(fmt), text.encode("utf-8", "surrogatepass"))

    @FUZZ
    @given(data=st.data())
    def test_seeds_still_parse_after_a_stream_of_junk(self, data: st.DataObject) -> None:
        """A parser that saw junk still parses its valid lines (no poisoned state)."""
        fmt = data.draw(st.sampled_from(FORMATS))
        parser = _parser(fmt)
        for junk in data.draw(st.lists(st.binary(max_size=64), max_size=5)):
            _check(parser, junk)
        for seed in SEEDS[fmt]:
            assert parser.parse(RawLine(LineRef("f", "f", 0, 1), seed.encode())) is not None
