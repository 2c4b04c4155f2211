"""The C fast paths (``_speedups``) against the Python parsers they stand in front of.

Each test builds two parsers of one format, one with the C fast path and one
forced onto the Python path (``SENTINEL_NO_SPEEDUPS=1``), feeds both the same
sequence of lines and requires identical results: every event field (with its
type, and ``extra`` in the same order), and the ``rejected``, ``notes`` and
``matched`` counters.  Sequences matter for syslog, whose year inference and
per-minute shortcut keep state across lines.

``parse_block`` is compared the same way: the C block path (one call per
block of raw lines with their line ends) against the Python parser taking the
stripped lines one by one, origins included; blocks mix lines the C path
takes with lines it hands over.

The tests skip when the extension is not built, except under
``SENTINEL_EXPECT_SPEEDUPS=1`` (``.ci/run``), where a missing build fails.
"""

from __future__ import annotations

import itertools
import json
import os
import random
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import HealthCheck, currently_in_test_context, given, settings, target
from hypothesis import strategies as st

from sentinel.parsers import ParserOptions, build_parser, speedups
from sentinel.parsers.base import LineParser
from sentinel.parsers.options import JsonFieldMap
from sentinel.records import Event, LineRef, RawLine

REFERENCE = 1798761600.0  # 2027-01-01Z: December lines fall in 2026
DIFF = settings(
    max_examples=150,
    deadline=None,
    # Sequences of long hostile lines are big inputs by design.
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.large_base_example,
        HealthCheck.data_too_large,
    ],
)


def _expected() -> bool:
    return os.environ.get(speedups.EXPECT_ENV, "") not in ("", "0")


needs_speedups = pytest.mark.skipif(
    speedups.load() is None and not _expected(),
    reason="the C extension is not built, older than _speedups.c, or SENTINEL_NO_SPEEDUPS is set",
)


@contextmanager
def _python_only() -> Iterator[None]:
    """Parsers built inside take the pure-Python path."""
    old = os.environ.get(speedups.DISABLE_ENV)
    os.environ[speedups.DISABLE_ENV] = "1"
    try:
        yield
    finally:
        if old is None:
            del os.environ[speedups.DISABLE_ENV]
        else:
            os.environ[speedups.DISABLE_ENV] = old


def _pair(fmt: str, options: ParserOptions) -> tuple[LineParser, LineParser]:
    """(fast, reference) parsers of ``fmt``; fails if the fast one is not the C path."""
    fast = build_parser(fmt, options, source="diff")
    assert type(fast.parse).__module__ == "sentinel.parsers._speedups", type(fast.parse)
    with _python_only():
        reference = build_parser(fmt, options, source="diff")
    assert type(reference.parse).__module__ != "sentinel.parsers._speedups"
    return fast, reference


def _same_event(fast: Event | None, reference: Event | None, data: bytes) -> None:
    assert fast == reference, data
    if fast is None or reference is None:
        return
    assert type(fast) is type(reference), data
    assert [type(v) for v in fast] == [type(v) for v in reference], data
    assert list(fast.extra.items()) == list(reference.extra.items()), data
    assert list(fast.metrics.items()) == list(reference.metrics.items()), data


def _compare(fmt: str, lines: Sequence[bytes], options: ParserOptions | None = None) -> int:
    """Both parsers give the same events, counters and (syslog) time state.

    Returns how many lines the C path parsed itself (the rest it handed over).
    """
    fast, reference = _pair(fmt, options or ParserOptions(reference_time=REFERENCE, host="h"))
    for number, data in enumerate(lines, start=1):
        raw = RawLine(LineRef("diff", "diff.log", number * 100, number), data)
        _same_event(fast.parse(raw), reference.parse(raw), data)
    hits: int = fast.parse.hits  # type: ignore[attr-defined]
    for counter in ("rejected", "notes", "matched"):
        got, want = getattr(fast, counter), getattr(reference, counter)
        assert dict(+got) == dict(+want), (counter, lines)
    for state in ("_last_stamp", "_last_ts", "_last_minute", "_minute_base"):
        assert getattr(fast, state, None) == getattr(reference, state, None), state
    if currently_in_test_context():
        # Steer Hypothesis towards inputs the C path takes (it is what is under test).
        target(hits / len(lines), label="share of lines on the C path")
    return hits


ENDINGS = (b"\n", b"\n", b"\n", b"\r\n", b"", b"\r", b"\n\n", b"\r\r\n")


def _stripped(data: bytes) -> bytes:
    """What the file source (and ``parse_block``) makes of a line as read."""
    data = data.removesuffix(b"\n")
    return data.removesuffix(b"\r")


def _compare_block(
    fmt: str,
    lines: Sequence[bytes],
    options: ParserOptions | None = None,
    *,
    endings: Sequence[bytes] = (b"\n",),
    cuts: Sequence[int] = (),
) -> int:
    """``parse_block`` on the C path equals the Python parser line by line.

    Line ``i`` gets ``endings[i % len(endings)]`` appended; the lines are
    split into blocks at ``cuts``.  Events (origins included), counters, the
    returned offset and line number and (syslog) time state must agree, and
    the Python ``LineParser.parse_block`` must agree too.  Returns how many
    lines the C path parsed itself.
    """
    options = options or ParserOptions(reference_time=REFERENCE, host="h")
    fast, reference = _pair(fmt, options)
    with _python_only():
        python_block = build_parser(fmt, options, source="diff")
    assert getattr(fast.parse_block, "__self__", None) is fast.parse, "not the C block path"
    raw = [data + endings[i % len(endings)] for i, data in enumerate(lines)]
    bounds = [0, *sorted({min(max(cut, 0), len(raw)) for cut in cuts}), len(raw)]
    got: list[Event] = []
    via_python: list[Event] = []
    offset, lineno = python_offset, python_lineno = start = (1000, 7)
    for first, last in itertools.pairwise(bounds):
        events, offset, lineno = fast.parse_block(
            raw[first:last], "diff", "diff.log", offset, lineno, fingerprint="fp"
        )
        got += events
        events, python_offset, python_lineno = python_block.parse_block(
            raw[first:last], "diff", "diff.log", python_offset, python_lineno, fingerprint="fp"
        )
        via_python += events
    want: list[Event] = []
    position, number = start
    for data in raw:
        number += 1
        ref = LineRef("diff", "diff.log", position, number, "fp")
        event = reference.parse(RawLine(ref, _stripped(data)))
        if event is not None:
            want.append(event)
        position += len(data)
    assert (offset, lineno) == (python_offset, python_lineno) == (position, number)
    assert len(got) == len(want) == len(via_python), lines
    for fast_event, python_event, reference_event in zip(got, via_python, want, strict=True):
        assert fast_event.origin is not None
        _same_event(fast_event, reference_event, raw[fast_event.origin.lineno - start[1] - 1])
        _same_event(python_event, reference_event, b"python parse_block")
    hits: int = fast.parse.hits
    for counter in ("rejected", "notes", "matched"):
        want_counts = dict(+getattr(reference, counter))
        assert dict(+getattr(fast, counter)) == want_counts, (counter, lines)
        assert dict(+getattr(python_block, counter)) == want_counts, (counter, lines)
    for state in ("_last_stamp", "_last_ts", "_last_minute", "_minute_base"):
        assert getattr(fast, state, None) == getattr(reference, state, None), state
    if currently_in_test_context():
        target(hits / max(len(lines), 1), label="share of lines on the C path")
    return hits


block_endings = st.lists(st.sampled_from(ENDINGS), min_size=1, max_size=4)
block_cuts = st.lists(st.integers(0, 12), max_size=3)


# -- building blocks: everyday values, odd values and hostile ones ------------
#
# Each line is built from parts that are usually everyday values (so the C
# path takes the line and its output is compared) and sometimes odd or hostile
# ones (so the boundary between the C path and the fallback is compared too).

HOSTILE_CHARS = ' "\\[]-:/?%.,{}()<>=;\t\x00\x1b\x1c\x7f\u00a0\u2028\ufffd\u00e9' + "0123456789"
hostile_text = st.text(alphabet=HOSTILE_CHARS, max_size=12)
ipv4 = st.sampled_from(["203.0.113.9", "10.0.0.1", "0.0.0.0", "255.255.255.255", "198.51.100.77"])
odd_ipv4 = st.sampled_from(
    ["256.1.1.1", "01.2.3.4", "1.2.3", "1.2.3.4.5", "1..2.3", "1.2.3.4x", "١.2.3.4", "1.2.3.04",
     "100.200.300.1", ".1.2.3", "1.2.3.", "1.2.3.4 ", "0001.2.3.4", "1"]
)  # fmt: skip
ipv6 = st.sampled_from(
    ["2001:db8::1", "2001:DB8:0:0:0:0:0:1", "::1", "::", "::ffff:1.2.3.4", "fe80::1%eth0",
     "2001:db8::g", ":::", "1:2:3:4:5:6:7:8:9", "2001:0db8:0000:0000:0000:ff00:0042:8329"]
)  # fmt: skip
odd_address = st.one_of(odd_ipv4, ipv6, st.just("-"), st.just(""), hostile_text)
absurd_number = st.sampled_from(
    ["0", "-", "", "007", "99999999999999999999", "18446744073709551616", "1e9", "-1", "²",
     "١٢", "999999999999999999", "1000000000000000000"]
)  # fmt: skip


# How often a part is odd.  The choice is made with a Random that Hypothesis
# seeds (a real PRNG, so examples replay): Hypothesis' own choices lean
# towards edge values, which would make nearly every line odd and leave the C
# path, the thing under test, almost unused.
ODD_RATE = 0.04


class _Parts:
    """Draws line parts: usually everyday, with probability ``ODD_RATE`` odd."""

    def __init__(self, draw: st.DrawFn) -> None:
        self.draw = draw
        self.rng = draw(st.randoms(use_true_random=True))

    def __call__(self, normal: st.SearchStrategy[str], odd: st.SearchStrategy[str]) -> str:
        return self.draw(odd if self.rng.random() < ODD_RATE else normal)

    def mutate(self, text: str) -> bytes:
        """``text``, or (one time in eight) with hostile edits: insert, delete, bytes, a run."""
        draw, data = self.draw, text.encode("utf-8", "surrogatepass")
        for _ in range(self.rng.choice([0, 0, 0, 0, 0, 0, 0, 1, 2, 3])):
            at = draw(st.integers(0, len(data)))
            action = draw(st.sampled_from(["insert", "delete", "bytes", "run"]))
            if action == "insert":
                piece = draw(hostile_text).encode("utf-8", "surrogatepass")
                data = data[:at] + piece + data[at:]
            elif action == "delete":
                data = data[:at] + data[at + draw(st.integers(1, 8)) :]
            elif action == "bytes":
                data = data[:at] + draw(st.binary(min_size=1, max_size=4)) + data[at:]
            else:
                piece = draw(st.sampled_from([b" ", b'"', b"a", b"0", b"\\", b"]", b":", b"/"]))
                # 64 KiB lines have their own test (test_64k_lines_agree).
                count = draw(st.sampled_from([2, 100, 8191, 8193]))
                data = data[:at] + piece * count + data[at:]
        return data


# -- combined -------------------------------------------------------------------

# Well-formed stamps with values at and past every range limit: the C path
# decides these itself (computes or hands over), so they are everyday input.
clf_stamp = st.builds(
    "{:02d}/{}/{}:{:02d}:{:02d}:{:02d} {}{:02d}{:02d}".format,
    st.integers(0, 32), st.sampled_from(["Jan", "Feb", "Oct", "Dec"]),
    st.one_of(st.integers(2000, 2030).map(str),
              st.sampled_from(["0000", "0001", "1989", "1990", "2199", "2200", "9999"])),
    st.integers(0, 24), st.integers(0, 60), st.integers(0, 61),
    st.sampled_from("+-"), st.integers(0, 24), st.sampled_from([0, 30, 45, 59, 60]),
)  # fmt: skip
odd_clf_stamp = st.one_of(
    st.sampled_from(
        ["31/Feb/2026:00:00:00 +0000", "32/Oct/2026:13:55:36 +0000", "00/Oct/2026:13:55:36 +0000",
         "10/Oct/2026:24:00:00 +0000", "10/Oct/2026:23:59:60 +1400", "10/Oct/0000:13:55:36 +0000",
         "10/Oct/9999:13:55:36 +0000", "10/Oct/1989:23:59:59 +0000", "01/Jan/1990:00:00:00 +0000",
         "31/Dec/2199:23:59:59 +0000", "01/Jan/2200:00:00:00 +0000", "01/Jan/2200:00:00:00 +0100",
         "10/oct/2026:13:55:36 +0000", "10/Oct/2026:13:55:36.123 +0000",
         "10/Oct/2026:13:55:36 +07:00", "10/Oct/2026:13:55:36 Z", "10/Oct/2026:13:55:36 +2400",
         "10/Oct/2026:13:55:36 +0060", "10/Oct/2026 13:55:36 +0000", "1٠/Oct/2026:13:55:36 +0000",
         "10/Oct/2026:13:55:36  +0000", "10/Oct/2026:13:55:36 +00000", "10/Oct/2026:13:5:36 +0000"]
    ),
    st.builds(
        "{:02d}/{}/{:04d}:{:02d}:{:02d}:{:02d} {}{:02d}{:02d}".format,
        st.integers(0, 39), st.sampled_from(["Jan", "Feb", "Dec", "Foo"]),
        st.integers(0, 9999), st.integers(0, 29), st.integers(0, 69), st.integers(0, 69),
        st.sampled_from("+-"), st.integers(0, 30), st.integers(0, 70),
    ),
)  # fmt: skip
method = st.sampled_from(["GET", "POST", "HEAD", "PUT", "PROPFIND", "A" * 32])
odd_method = st.sampled_from(["get", "G3T", "A" * 33, "", "GET_", "-"])
path = st.one_of(
    st.sampled_from(["/", "/index.html", "/api/v1/items/42", "*", "/" + "x" * 8191]),
    st.text(alphabet="/abcXYZ09=&%.-_~", min_size=1, max_size=20).map(lambda p: "/" + p),
)
odd_path = st.sampled_from(["/a b", '/a"b', "/%00", "/é", "/" + "x" * 8192, "", "/a\\b"])
query = st.sampled_from(["", "", "?a=1", "?a=1?b", "?", "?" + "q" * 8192, "?x=%20&y"])
odd_query = st.sampled_from(["?a b", '?a"b', "?" + "q" * 8193])
protocol = st.sampled_from(["HTTP/1.1", "HTTP/1.0", "HTTP/2.0", "HTTP/2", "HTTP/3"])
odd_protocol = st.sampled_from(["HTTP/1.1.1", "HTTP/", "http/1.1", "HTTP/1.x", "SPDY/3", ""])
status = st.sampled_from(["200", "304", "404", "500", "101", "999"])
odd_status = st.one_of(st.sampled_from(["099", "1000", "20", "2OO", "-"]), absurd_number)
size = st.one_of(
    st.sampled_from(["0", "5", "007", "999999999999999999"]), st.integers(0, 10**9).map(str)
)
quoted = st.sampled_from(
    ["-", "", "curl/8.4.0", "https://example.com/a?b=c", "Mozilla/5.0 (X11; Linux x86_64)",
     "x" * 8192, "it's [fine] {ok} <yes>"]
)  # fmt: skip
odd_quoted = st.one_of(
    st.sampled_from(['a \\"quoted\\" agent', "ua\\", "x" * 8193, "é", 'a"b', "\x1b[31m"]),
    hostile_text,
)


@st.composite
def combined_line(draw: st.DrawFn) -> bytes:
    """A combined line from usually-everyday parts; then maybe mutated."""
    part = _Parts(draw)
    request = " ".join(
        (part(method, odd_method), part(path, odd_path) + part(query, odd_query),
         part(protocol, odd_protocol))
    )  # fmt: skip
    if part.rng.random() < ODD_RATE / 2:
        request = draw(st.sampled_from(["-", "", "\\x16\\x03\\x01", "GET /", "GET / HTTP/1.1 x"]))
    text = '{} {} {} [{}] "{}" {} {} "{}" "{}"{}'.format(
        part(st.one_of(ipv4, ipv6, st.just("-")), odd_address),
        part(st.just("-"), st.sampled_from(["ident", "", "a b"])),
        part(st.sampled_from(["-", "bob", "-x", "b" * 100]), hostile_text),
        part(clf_stamp, odd_clf_stamp),
        request,
        part(status, odd_status),
        part(size, absurd_number),
        part(quoted, odd_quoted),
        part(quoted, odd_quoted),
        part(st.just(""), st.sampled_from([" trailing", ' "x"', " ", "  "])),
    )
    return part.mutate(text)


@needs_speedups
class TestCombinedFastPath:
    """CombinedFast returns what the Python combined parser returns."""

    @DIFF
    @given(lines=st.lists(combined_line(), min_size=1, max_size=8))
    def test_built_lines(self, lines: list[bytes]) -> None:
        """Lines built from everyday, odd and hostile parts give identical results."""
        _compare("combined", lines)

    @DIFF
    @given(lines=st.lists(st.binary(max_size=300), min_size=1, max_size=5))
    def test_random_bytes(self, lines: list[bytes]) -> None:
        """Random bytes give identical results (mostly rejections)."""
        _compare("combined", lines)

    @DIFF
    @given(lines=st.lists(combined_line(), max_size=12), endings=block_endings, cuts=block_cuts)
    def test_blocks(self, lines: list[bytes], endings: list[bytes], cuts: list[int]) -> None:
        """``parse_block`` over built lines, any line ends and block cuts, agrees."""
        _compare_block("combined", lines, endings=endings, cuts=cuts)

    @DIFF
    @given(lines=st.lists(st.binary(max_size=300), max_size=6), endings=block_endings)
    def test_blocks_of_random_bytes(self, lines: list[bytes], endings: list[bytes]) -> None:
        """``parse_block`` over random bytes agrees."""
        _compare_block("combined", lines, endings=endings, cuts=[2])

    def test_truncated_and_non_rawline_input_go_to_python(self) -> None:
        """A truncated line and a plain tuple take the Python path and still agree."""
        fast, reference = _pair("combined", ParserOptions())
        line = b'1.2.3.4 - - [10/Oct/2026:13:55:36 +0000] "GET / HTTP/1.1" 200 5 "-" "-"'
        for raw in (RawLine(LineRef("d", "d", 0, 1), line, truncated=True),):
            _same_event(fast.parse(raw), reference.parse(raw), line)
        assert dict(fast.notes) == dict(reference.notes) == {"truncated": 1}

    def test_counts_fast_lines_as_matched(self) -> None:
        """Lines taken by the C path are counted under ``matched['combined']``."""
        fast, _ = _pair("combined", ParserOptions())
        line = b'1.2.3.4 - - [10/Oct/2026:13:55:36 +0000] "GET / HTTP/1.1" 200 5 "-" "-"'
        for _ in range(3):
            fast.parse(RawLine(LineRef("d", "d", 0, 1), line))
        assert fast.matched["combined"] == 3


# -- syslog and sshd ----------------------------------------------------------------

# Minutes a sequence of lines is drawn from: lines within a minute already
# seen are the C path's; the first line of each minute (and every odd stamp)
# is Python's, and the state both keep must agree afterwards.
MINUTES = ("Dec 31 23:59", "Jan  1 00:00", "Dec 10 06:55", "Feb 29 12:00", "Mar 31 01:59",
           "Oct 25 02:59", "Jun 14 15:16")  # fmt: skip
odd_syslog_stamp = st.sampled_from(
    ["Jul 1 10:00:00", "Dec 10 06:55:46.123456", "Dec 32 06:55:46", "Dec 10 25:00:00",
     "Dec 10 06:61:00", "Foo 10 06:55:46", "Dec 10 06:55:60", "dec 10 06:55:46", "Dec 1٠ 06:55:46",
     "Dec  0 06:55:46", "Dec 00 06:55:46", "2026-12-10T06:55:46Z"]
)  # fmt: skip
odd_host = st.sampled_from(["h" * 256, "a:", "[h]", ""])
program = st.sampled_from(["sshd", "sshd", "sshd", "sshd-session", "sudo", "su", "kernel", "CRON"])
odd_program = st.sampled_from(["sshd(pam_unix)", "login)", "x" * 64, "x" * 65, "ssh d", "", "a]"])
pid = st.sampled_from(["[24200]", "", "[1]", "[1234567890]"])
odd_pid = st.sampled_from(["[12345678901]", "[]", "[x]", "[0123]", "[1", "[-1]"])
user = st.sampled_from(
    ["root", "admin", "git", "-", "", "x from 6.6.6.6 port 1", "invalid user y",
     "x from host.example port 1"]
)  # fmt: skip
# sshd with UseDNS names clients by host: such lines are Python's, odd ones too.
host_name = st.sampled_from(
    ["host.example.com", "Scanner.Example.NET", "deadbeef.cafe", "cafe", "1.2.3.4.example",
     "h" * 254, "a.-b.example", "1.2.3.4.5", "x_y.example.", "é.example", "a\x01b.example"]
)  # fmt: skip
odd_user = st.one_of(
    st.sampled_from(["a b", "u" * 9000, "from", "port", " from ", "authenticating user z"]),
    hostile_text,
)
port = st.sampled_from(["22", "65535", "2222", "0", "99999"])
odd_port = st.sampled_from(["123456", "x", "", "22:11", "2" * 40, "-1", "٢٢"])
auth_method = st.sampled_from(["password", "publickey", "keyboard-interactive/pam", "none"])
odd_auth_method = st.sampled_from(["hostbased", "/x", "m" * 64, "m" * 65, "", "a/b/c"])
preauth = st.sampled_from(["", "", " [preauth]", "[preauth]", " [preauth] "])
SSHD_TEMPLATES = (
    "Failed {method} for {user} from {ip} port {port} ssh2",
    "Failed {method} for invalid user {user} from {ip} port {port} ssh2",
    "Accepted {method} for {user} from {ip} port {port} ssh2: RSA SHA256:abc",
    "Accepted {method} for {user} from {ip}",
    "Failed {method} for {user} from {ip} port {port} ssh2 from 1.2.3.4 from 5.6.7.8 from x",
    "Failed {method} for {user} from {ip} port {port}ssh2",
    "Failed {method}  for {user} from {ip} port {port} ssh2",
    "Invalid user {user} from {ip} port {port}",
    "Invalid user {user} from {ip}",
    "Invalid user  from {ip}",
    "Disconnected from authenticating user {user} {ip} port {port}{preauth}",
    "Disconnected from invalid user {user} {ip} port {port}{preauth}",
    "Disconnected from user {user} {ip} port {port}",
    "Disconnected from {ip} port {port}{preauth}",
    "Disconnected from {ip}",
    "Connection closed by {ip} port {port}{preauth}",
    "Connection closed by authenticating user {user} {ip} port {port}{preauth}",
    "Connection reset by {ip} port {port}{preauth}",
    "Connection reset by peer",
    "Connection closed by peer{preauth}",
    "Received disconnect from {ip} port {port}:11: Bye Bye{preauth}",
    "Received disconnect from {ip}: 11: {user}{preauth}",
    "Received disconnect from {ip} port {port}",
    "Received disconnect from {ip} {user} port {port}:3:  x  ",
    "message repeated 5 times: [ Failed password for {user} from {ip} port {port} ssh2]",
    "pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= "
    "rhost={ip}  user={user}",
    "Did not receive identification string from {ip} port {port}",
    "error: maximum authentication attempts exceeded for {user} from {ip} port {port} ssh2",
    "Failed",
    "Accepted",
    "{user}",
)
OTHER_MESSAGES = (
    "alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/id",
    "pam_unix(sudo:auth): authentication failure; logname=bob uid=1000 euid=0 tty=/dev/pts/1 "
    "ruser=bob rhost=  user=bob",
    "FAILED su for root by bob",
    "[UFW BLOCK] IN=eth0 OUT= MAC=00 SRC=203.0.113.7 DST=10.0.0.5 LEN=40 PROTO=TCP SPT=1 DPT=23",
    "authentication failure; logname= uid=0 euid=0 tty=NODEVssh ruser= rhost=1.2.3.4",
    "(root) CMD (run-parts /etc/cron.hourly)",
    "",
    "   ",
    "  padded message  ",
    "x" * 9000,
)


@st.composite
def sshd_message(draw: st.DrawFn) -> str:
    """An sshd message from a template with usually-everyday fields."""
    part = _Parts(draw)
    return draw(st.sampled_from(SSHD_TEMPLATES)).format(
        method=part(auth_method, odd_auth_method),
        # Odd users and addresses do not send a line to Python: C must get them right.
        user=draw(st.one_of(user, odd_user)),
        ip=draw(st.one_of(ipv4, ipv6, odd_ipv4, odd_address, host_name)),
        port=draw(st.one_of(port, odd_port)),
        preauth=draw(preauth),
    )


@st.composite
def syslog_lines(draw: st.DrawFn) -> list[bytes]:
    """A sequence of RFC 3164 lines within a few minutes, mostly well formed."""
    # Minute by minute, as logs are written: the first line of each minute
    # takes the Python path, the others the C path (unless odd).
    stamps = sorted(
        f"{minute}:{second:02d}"
        for minute, second in draw(
            st.lists(st.tuples(st.sampled_from(MINUTES), st.sampled_from([0, 1, 59])), max_size=16)
        )
    )
    stamps.sort(key=lambda stamp: MINUTES.index(stamp[:12]))
    lines = []
    part = _Parts(draw)
    for stamp in stamps or ["Dec 10 06:55:46"]:
        message = draw(st.one_of(sshd_message(), st.sampled_from(OTHER_MESSAGES), hostile_text))
        text = "{}{} {} {}{}:{}{}".format(
            part(st.just(""), st.sampled_from(["<38>", "<999>", " "])),
            part(st.just(stamp), odd_syslog_stamp),
            part(st.sampled_from(["web1", "h" * 255]), odd_host),
            part(program, odd_program),
            part(pid, odd_pid),
            part(st.just(" "), st.sampled_from(["", "  "])),
            message,
        )
        lines.append(part.mutate(text))
    return lines


@needs_speedups
class TestSyslogFastPath:
    """SyslogFast returns what the Python syslog parser returns, state included."""

    @DIFF
    @given(lines=syslog_lines(), fmt=st.sampled_from(["syslog", "auth"]))
    def test_built_lines(self, lines: list[bytes], fmt: str) -> None:
        """Sequences of everyday, odd and hostile lines give identical results."""
        _compare(fmt, lines)

    @DIFF
    @given(
        lines=syslog_lines(),
        zone=st.sampled_from(["UTC", "Europe/Paris", "America/New_York"]),
    )
    def test_time_zones(self, lines: list[bytes], zone: str) -> None:
        """Year inference and the per-minute shortcut agree in zones with DST."""
        _compare("syslog", lines, ParserOptions(timezone=zone, reference_time=REFERENCE))

    @DIFF
    @given(lines=st.lists(st.binary(max_size=300), min_size=1, max_size=5))
    def test_random_bytes(self, lines: list[bytes]) -> None:
        """Random bytes give identical results (mostly rejections)."""
        _compare("syslog", lines)

    @DIFF
    @given(
        lines=syslog_lines(),
        fmt=st.sampled_from(["syslog", "auth"]),
        endings=block_endings,
        cuts=block_cuts,
    )
    def test_blocks(
        self, lines: list[bytes], fmt: str, endings: list[bytes], cuts: list[int]
    ) -> None:
        """``parse_block`` over line sequences, any line ends and block cuts, agrees."""
        _compare_block(fmt, lines, endings=endings, cuts=cuts)

    @DIFF
    @given(lines=st.lists(st.binary(max_size=300), max_size=6), endings=block_endings)
    def test_blocks_of_random_bytes(self, lines: list[bytes], endings: list[bytes]) -> None:
        """``parse_block`` over random bytes agrees."""
        _compare_block("syslog", lines, endings=endings, cuts=[3])

    def test_a_classifier_exception_in_a_block_is_counted_like_python(self) -> None:
        """An exception inside a classifier costs its line in a block too, counted alike."""
        fast, reference = _pair("syslog", ParserOptions(reference_time=REFERENCE))
        for parser in (fast, reference):
            parser._programs["sudo"] = _boom  # type: ignore[attr-defined]
        lines = [b"Dec 10 06:55:46 h CRON[1]: x\n", b"Dec 10 06:55:47 h sudo[1]: x\n"] * 2
        events, _, _ = fast.parse_block(lines, "d", "d")
        assert [e.program for e in events] == ["CRON", "CRON"]
        for raw in lines:
            reference.parse(RawLine(LineRef("d", "d", 0, 1), _stripped(raw)))
        assert dict(fast.rejected) == dict(reference.rejected) == {"internal_error": 2}

    def test_a_classifier_exception_is_counted_like_python(self) -> None:
        """An exception inside a classifier is an ``internal_error`` on both paths."""
        fast, reference = _pair("syslog", ParserOptions(reference_time=REFERENCE))
        for parser in (fast, reference):
            parser._programs["sudo"] = _boom  # type: ignore[attr-defined]
        first = RawLine(LineRef("d", "d", 0, 1), b"Dec 10 06:55:46 h CRON[1]: x")
        second = RawLine(LineRef("d", "d", 0, 1), b"Dec 10 06:55:47 h sudo[1]: x")
        for raw in (first, second):
            _same_event(fast.parse(raw), reference.parse(raw), raw.data)
        assert dict(fast.rejected) == dict(reference.rejected) == {"internal_error": 1}


HOST_NAMED = (
    "Failed password for root from Host-7.Example.COM port 4819 ssh2",
    "Failed password for root from deadbeef.cafe port 4822 ssh2",
    "Failed password for invalid user x from 6.6.6.6 port 1 from scanner.example port 2 ssh2",
    "Accepted publickey for bob from office.example port 4820 ssh2: ED25519 SHA256:abc",
    "Invalid user oracle from scanner.example.net port 4821",
    "Invalid user x from 6.6.6.6 from scanner.example.net",
    "Failed password for root from evil host.example port 4824 ssh2",
    "Failed password for root from 1.2.3.4.5 port 4825 ssh2",
)


@needs_speedups
@pytest.mark.parametrize("message", HOST_NAMED)
def test_host_named_clients_agree(message: str) -> None:
    """sshd lines naming the client by host (UseDNS) give what Python gives.

    The first line sets the minute, so the second is offered to the C path.
    """
    first = b"Dec 10 06:55:46 web1 sshd[1]: Failed password for root from 192.0.2.1 port 2 ssh2"
    second = f"Dec 10 06:55:47 web1 sshd[2]: {message}".encode()
    _compare("syslog", [first, second])


def _boom(message: str) -> None:
    raise RuntimeError(message)


# -- the annotated samples and 64 KiB lines -----------------------------------------

SAMPLES = Path(__file__).parent / "samples"


def _sample_file(path: Path) -> tuple[str, ParserOptions, list[bytes]]:
    """Format, options and *every* line of an annotated sample file (comments are input too)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    options = json.loads(next((o[11:] for o in lines if o.startswith("# options: ")), "{}"))
    if "json_fields" in options:
        fields = options["json_fields"]
        fields["metrics"] = tuple(fields.get("metrics", ()))
        options["json_fields"] = JsonFieldMap(**fields)
    return (
        lines[0].removeprefix("# format: "),
        ParserOptions(**options),
        [line.encode() for line in lines],
    )


SAMPLE_FILES = [
    p for p in sorted(SAMPLES.glob("*.log")) if _sample_file(p)[0] in ("combined", "syslog", "auth")
]


@needs_speedups
@pytest.mark.parametrize("path", SAMPLE_FILES, ids=lambda p: p.name)
def test_annotated_samples_agree(path: Path) -> None:
    """Every line of the sample files of the sped-up formats gives identical results."""
    fmt, options, lines = _sample_file(path)
    _compare(fmt, lines, options)


@needs_speedups
@pytest.mark.parametrize("path", SAMPLE_FILES, ids=lambda p: p.name)
def test_annotated_samples_agree_in_blocks(path: Path) -> None:
    """Every sample file read as one block, and in blocks of 3, with LF and CRLF ends."""
    fmt, options, lines = _sample_file(path)
    _compare_block(fmt, lines, options)
    _compare_block(fmt, lines, options, endings=[b"\r\n", b"\n"], cuts=range(3, len(lines), 3))


@pytest.mark.parametrize("path", sorted(SAMPLES.glob("*.log")), ids=lambda p: p.name)
def test_python_parse_block_is_parse_line_by_line(path: Path) -> None:
    """``LineParser.parse_block`` (every format) is ``parse`` over the stripped lines."""
    fmt, options, lines = _sample_file(path)
    raw = [line + b"\r\n" for line in lines]
    block, line_by_line = build_parser(fmt, options), build_parser(fmt, options)
    events, offset, lineno = block.parse_block(raw, "s", "p", 5, 2, fingerprint="f")
    want, position = [], 5
    for number, data in enumerate(raw, start=3):
        event = line_by_line.parse(RawLine(LineRef("s", "p", position, number, "f"), data[:-2]))
        position += len(data)
        if event is not None:
            want.append(event)
    assert events == want
    assert (offset, lineno) == (position, 2 + len(raw))
    for counter in ("rejected", "notes", "matched"):
        assert getattr(block, counter) == getattr(line_by_line, counter), counter


@needs_speedups
@pytest.mark.parametrize("fmt", ["combined", "syslog"])
def test_parse_block_takes_bytes_only(fmt: str) -> None:
    """A line that is not bytes is a TypeError on the C and the Python block path."""
    fast, reference = _pair(fmt, ParserOptions())
    for parser in (fast, reference):
        with pytest.raises(TypeError):
            parser.parse_block([b"x\n", "x\n"], "s", "p")  # type: ignore[list-item]
        with pytest.raises(TypeError):
            parser.parse_block(42, "s", "p")  # type: ignore[arg-type]


SEEDS = {
    "combined": '203.0.113.9 - bob [10/Oct/2026:13:55:36 +0000] "GET /a?b=1 HTTP/1.1" 200 5 '
    '"https://example.com/" "curl/8.4.0"',
    "syslog": "Dec 10 06:55:46 web1 sshd[24200]: Failed password for invalid user admin "
    "from 203.0.113.5 port 22 ssh2",
}


@needs_speedups
@pytest.mark.parametrize("fmt", sorted(SEEDS))
@pytest.mark.parametrize("filler", [" ", '"', "a", "0", "[", "]", ":", " from 1.2.3.4", "\\"])
def test_64k_lines_agree(fmt: str, filler: str) -> None:
    """A 64 KiB run inserted at each delimiter of a valid line gives identical results."""
    seed = SEEDS[fmt]
    run = filler * (65536 // len(filler))
    cuts = [i for i, c in enumerate(seed) if c in ' "[]:'] + [len(seed)]
    _compare(fmt, [(seed[:cut] + run + seed[cut:]).encode() for cut in cuts])


def _everyday_combined(rng: random.Random, count: int) -> list[bytes]:
    ips = ["203.0.113.9", "198.51.100.7", "2001:db8::1", "::ffff:10.0.0.1", "-"]
    paths = ["/", "/index.html", "/api/v1/items/7", "/wp-login.php", "/search"]
    queries = ["", "", "?q=shoes&sort=price", "?", "?id=1"]
    agents = ["-", "", "curl/8.4.0", "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101"]
    lines = []
    for i in range(count):
        stamp = f"{1 + i // 120:02d}/Oct/2026:13:{i // 60 % 60:02d}:{i % 60:02d}"
        request = " ".join(
            (rng.choice(["GET", "POST", "HEAD"]), rng.choice(paths) + rng.choice(queries),
             rng.choice(["HTTP/1.1", "HTTP/1.0", "HTTP/2.0"]))
        )  # fmt: skip
        lines.append(
            f"{rng.choice(ips)} - {rng.choice(['-', 'bob'])} [{stamp} "
            f'{rng.choice(["+0000", "-0700"])}] "{request}" {rng.choice(["200", "404", "301"])} '
            f'{rng.randrange(10**6)} "{rng.choice(["-", "https://example.com/"])}" '
            f'"{rng.choice(agents)}"'
        )
    return [line.encode() for line in lines]


def _everyday_syslog(rng: random.Random, count: int) -> list[bytes]:
    # Odd users, addresses and ports keep a line on the C path: C must decide them.
    users = ["root", "admin", "git", "-", "a b", "x from 6.6.6.6 port 1", "invalid user y", ""]
    ips = ["203.0.113.9", "198.51.100.7", "2001:db8::5", "01.2.3.4", "1.2.3.04", "256.1.1.1"]
    ips += ["1.2.3", "0.0.0.0", "::ffff:1.2.3.4", "fe80::1%eth0", "1.2.3.4.5", "12.34.56.789"]
    messages = [*SSHD_TEMPLATES[:4], *SSHD_TEMPLATES[7:22], *OTHER_MESSAGES[:6]]
    lines = []
    for i in range(count):
        message = rng.choice(messages).format(
            method=rng.choice(["password", "publickey", "keyboard-interactive/pam"]),
            user=rng.choice(users), ip=rng.choice(ips),
            port=rng.choice(["22", "50022", "123456", "x", "22:11", "", "-1"]),
            preauth=rng.choice(["", " [preauth]"]),
        )  # fmt: skip
        program = rng.choice(["sshd", "sshd", "sshd", "sudo", "su", "kernel", "CRON"])
        stamp = f"Dec 10 {6 + i // 600:02d}:{i // 10 % 60:02d}:{i % 10:02d}"
        lines.append(f"{stamp} web1 {program}[42]: {message}")
    return [line.encode() for line in lines]


@needs_speedups
def test_clf_stamp_boundaries_agree() -> None:
    """Stamps at and past every range limit (day, month, year, clock, offset) agree."""
    stamps = [
        f"{day}/{month}/{year}:{clock} {offset}"
        for day in ("00", "01", "29", "31", "32")
        for month in ("Feb", "Dec")
        for year in ("0000", "1989", "1990", "2199", "2200", "9999")
        for clock in ("00:00:00", "23:59:60", "23:59:61", "24:00:00", "00:60:00")
        for offset in ("+0000", "-2359", "+2400", "+0060", "+1400")
    ]
    lines = [f'1.2.3.4 - - [{stamp}] "GET / HTTP/1.1" 200 5 "-" "-"'.encode() for stamp in stamps]
    assert _compare("combined", lines) > 0


@needs_speedups
class TestEverydayTraffic:
    """A fixed corpus of everyday lines: identical results, and mostly parsed by C itself."""

    def test_combined(self) -> None:
        """Nearly every everyday combined line is parsed by C, identically to Python."""
        lines = _everyday_combined(random.Random(2), 3000)
        assert _compare("combined", lines) >= 0.95 * len(lines)

    def test_syslog(self) -> None:
        """Everyday syslog/sshd lines are parsed by C (bar a minute's first), identically."""
        lines = _everyday_syslog(random.Random(3), 3000)
        assert _compare("auth", lines) >= 0.9 * len(lines)

    def test_blocks_mixing_c_and_python_lines(self) -> None:
        """Blocks where everyday lines alternate with lines the C path hands over."""
        rng = random.Random(5)
        odd = [b"", b"  ", b"\xff\xfe", b"a\x00b", "é".encode(), b'"\\"', b"x" * 70000]
        for fmt, lines in (
            ("combined", _everyday_combined(rng, 2000)),
            ("auth", _everyday_syslog(rng, 2000)),
        ):
            for at in range(0, len(lines), 37):
                lines.insert(at, lines[at] + rng.choice(odd) if at % 2 else rng.choice(odd))
            hits = _compare_block(fmt, lines, endings=ENDINGS, cuts=range(0, len(lines), 256))
            assert 0.5 * len(lines) <= hits < len(lines)  # 2 of the 8 ENDINGS hand over

    def test_repeated_values_are_shared_and_equal(self) -> None:
        """Interned values (path, agent, referrer) are equal to fresh ones, and shared."""
        lines = _everyday_combined(random.Random(6), 500)
        fast, _ = _pair("combined", ParserOptions())
        events, _, _ = fast.parse_block([line + b"\n" for line in lines], "s", "p")
        assert len(events) == len(lines)
        agents = {e.user_agent for e in events if e.user_agent is not None}
        assert all(type(agent) is str for agent in agents)
        for agent in agents:
            same = [e.user_agent for e in events if e.user_agent == agent]
            assert all(value is same[0] for value in same), agent
            assert agent.encode() in b"".join(lines)


def test_the_extension_is_active_when_expected() -> None:
    """Under SENTINEL_EXPECT_SPEEDUPS=1 (CI) the fast paths are built and installed."""
    if not _expected():
        pytest.skip("SENTINEL_EXPECT_SPEEDUPS is not set")
    assert not speedups.disabled_by_env(), "SENTINEL_NO_SPEEDUPS is set"
    assert speedups.load() is not None, "sentinel.parsers._speedups is not built (or is stale)"
    for fmt in ("combined", "syslog", "auth"):
        parse = build_parser(fmt, ParserOptions()).parse
        assert type(parse).__module__ == "sentinel.parsers._speedups", fmt


@needs_speedups
def test_c_constants_match_python() -> None:
    """The field cap compiled into the C path is the Python parsers' one."""
    from sentinel.parsers import _speedups
    from sentinel.parsers.base import MAX_FIELD_CHARS

    assert _speedups.MAX_FIELD_CHARS == MAX_FIELD_CHARS


def test_a_binary_older_than_its_source_is_not_used(tmp_path: Path) -> None:
    """An in-tree build not redone after editing _speedups.c is ignored, not run."""
    binary, source = tmp_path / "_speedups.so", tmp_path / "_speedups.c"
    binary.write_bytes(b"")
    source.write_text("")
    os.utime(binary, (1_000_000, 1_000_000))
    assert speedups._stale(binary)
    os.utime(binary, (4_000_000_000, 4_000_000_000))
    assert not speedups._stale(binary)
    source.unlink()
    assert not speedups._stale(binary)


def test_no_speedups_env_forces_python() -> None:
    """SENTINEL_NO_SPEEDUPS=1 gives the pure-Python parse methods."""
    with _python_only():
        assert speedups.load() is None
        for fmt in ("combined", "syslog"):
            parse = build_parser(fmt, ParserOptions()).parse
            assert type(parse).__module__ != "sentinel.parsers._speedups", fmt
