"""Line splitting and multi-line joining."""

from __future__ import annotations

import itertools
import re

from hypothesis import given
from hypothesis import strategies as st

from sentinel.records import RawLine
from sentinel.sources.lines import LineSplitter, MultilineJoiner

from .strategies import cut_points, line_text


def _splitter(cap: int = 1000) -> LineSplitter:
    return LineSplitter("s", "/x.log", "k", start=0, lineno=0, cap=cap)


def _feed(splitter: LineSplitter, *chunks: bytes) -> list[RawLine]:
    out: list[RawLine] = []
    for chunk in chunks:
        splitter.feed(chunk, out)
    return out


class TestLineSplitter:
    def test_offsets_and_line_numbers(self) -> None:
        """Each line carries its start offset and 1-based line number."""
        out = _feed(_splitter(), b"ab\ncde\n")
        assert [(r.ref.offset, r.ref.lineno, r.data) for r in out] == [
            (0, 1, b"ab"),
            (3, 2, b"cde"),
        ]

    def test_partial_line_is_held(self) -> None:
        """An unterminated line is not emitted until its newline arrives."""
        splitter = _splitter()
        assert _feed(splitter, b"abc") == []
        assert splitter.start == 0
        assert [r.data for r in _feed(splitter, b"def\n")] == [b"abcdef"]
        assert splitter.start == 7

    def test_crlf_is_stripped(self) -> None:
        """A CR before the newline is not part of the data."""
        assert [r.data for r in _feed(_splitter(), b"a\r\nb\r\n")] == [b"a", b"b"]

    def test_long_line_is_truncated_and_counted(self) -> None:
        """A line over the cap is cut, flagged and its excess counted."""
        splitter = _splitter(cap=16)
        out = _feed(splitter, b"x" * 40 + b"\nok\n")
        assert [(r.data, r.truncated) for r in out] == [(b"x" * 16, True), (b"ok", False)]
        assert splitter.bytes_discarded == 24
        assert out[1].ref.offset == 41

    def test_long_line_is_not_buffered(self) -> None:
        """Over-long data arriving in chunks keeps at most ``cap`` bytes held."""
        splitter = _splitter(cap=16)
        for _ in range(100):
            assert _feed(splitter, b"y" * 1000) == []
            assert len(splitter.partial) <= 16
        out = _feed(splitter, b"yy\nz\n")
        assert [(r.data, r.truncated) for r in out] == [(b"y" * 16, True), (b"z", False)]
        assert out[1].ref.offset == 100_003
        assert splitter.bytes_discarded == 100_002 - 16

    def test_flush_emits_the_unterminated_tail(self) -> None:
        """At the end of a finished file the last line counts without a newline."""
        splitter = _splitter()
        out = _feed(splitter, b"a\nlast")
        splitter.flush(out)
        assert [r.data for r in out] == [b"a", b"last"]
        assert splitter.start == 6

    @given(lines=st.lists(line_text, max_size=30), cuts=cut_points)
    def test_chunking_does_not_change_lines(self, lines: list[str], cuts: list[int]) -> None:
        """Any split of the byte stream into chunks yields the same lines and offsets."""
        data = "".join(line + "\n" for line in lines).encode()
        whole = _feed(_splitter(), data)
        bounds = sorted({min(c, len(data)) for c in cuts} | {0, len(data)})
        pieces = [data[a:b] for a, b in itertools.pairwise(bounds)]
        assert _feed(_splitter(), *pieces) == whole
        assert [r.data.decode() for r in whole] == [line.removesuffix("\r") for line in lines]


def _lines(*texts: str) -> list[RawLine]:
    return _feed(_splitter(), "".join(t + "\n" for t in texts).encode())


class TestMultilineJoiner:
    def test_continuations_join_the_start_line(self) -> None:
        """Lines not matching the start pattern are appended to the record."""
        joiner = MultilineJoiner(re.compile(rb"\d"), max_lines=10, max_bytes=1000)
        out: list[RawLine] = []
        joiner.feed(_lines("1 boom", "  at a", "  at b", "2 ok"), out)
        assert [r.data for r in out] == [b"1 boom\n  at a\n  at b"]
        assert joiner.first is not None
        assert joiner.first.data == b"2 ok"

    def test_record_is_split_at_max_lines(self) -> None:
        """A record reaching ``max_lines`` is emitted and counted; nothing is lost."""
        joiner = MultilineJoiner(re.compile(rb"\d"), max_lines=2, max_bytes=1000)
        out: list[RawLine] = []
        joiner.feed(_lines("1", "a", "b", "c"), out)
        joiner.flush(out)
        assert [r.data for r in out] == [b"1\na", b"b\nc"]
        assert joiner.splits == 1

    def test_record_bytes_are_capped(self) -> None:
        """A joined record longer than ``max_bytes`` is cut and flagged."""
        joiner = MultilineJoiner(re.compile(rb"\d"), max_lines=100, max_bytes=10)
        out: list[RawLine] = []
        joiner.feed(_lines("1 abcdef", "ghijklmnop", "qrstuv"), out)
        joiner.flush(out)
        assert out[0].truncated
        assert out[0].data == b"1 abcdef\ng"
