"""Line splitting and multi-line joining."""

from __future__ import annotations

import itertools
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sentinel.records import LineRef, LineRun, RawLine
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


def _feed_runs(splitter: LineSplitter, *chunks: bytes) -> list[RawLine | LineRun]:
    out: list[RawLine | LineRun] = []
    for chunk in chunks:
        splitter.feed_runs(chunk, out)
    return out


def _expand(records: list[RawLine | LineRun]) -> list[RawLine]:
    """The RawLines ``records`` stand for."""
    out: list[RawLine] = []
    for record in records:
        out.extend(record.raw_lines() if isinstance(record, LineRun) else [record])
    return out


def _state(splitter: LineSplitter) -> tuple[int, int, bytes, int, int, int]:
    return (
        splitter.start,
        splitter.lineno,
        splitter.partial,
        splitter.discard,
        splitter.lines_truncated,
        splitter.bytes_discarded,
    )


#: Line pieces that make chunks plain or not: CRs, long runs, NULs, newlines.
_pieces = st.lists(
    st.sampled_from([b"a", b"bc", b"\n", b"\n", b"\r", b"\r\n", b"\x00", b"x" * 37, b"y" * 90]),
    max_size=60,
)


class TestLineRuns:
    """``feed_runs``: the lines of plain chunks as one LineRun, all else as ``feed``."""

    def test_a_plain_chunk_is_one_run(self) -> None:
        """LF lines under the cap become one run with readlines()-style lines."""
        splitter = _splitter()
        out = _feed_runs(splitter, b"ab\ncde\nf")
        assert out == [LineRun(LineRef("s", "/x.log", 0, 1, "k"), (b"ab\n", b"cde\n"))]
        assert (splitter.start, splitter.lineno, splitter.partial) == (7, 2, b"f")

    def test_runs_continue_numbering_and_offsets(self) -> None:
        """A second chunk's run starts where the first ended, held tail included."""
        out = _feed_runs(_splitter(), b"ab\nc", b"d\ne\n")
        assert [r.ref for r in out] == [
            LineRef("s", "/x.log", 0, 1, "k"),
            LineRef("s", "/x.log", 3, 2, "k"),
        ]
        assert _expand(out) == _feed(_splitter(), b"ab\ncd\ne\n")

    def test_a_chunk_with_a_cr_is_lines(self) -> None:
        """A chunk holding a CR anywhere goes line by line (CRs are stripped there)."""
        out = _feed_runs(_splitter(), b"a\r\nb\n")
        assert all(type(r) is RawLine for r in out)
        assert [r.data for r in _expand(out)] == [b"a", b"b"]

    @pytest.mark.parametrize("length", [999, 1000, 1001, 1002, 2001])
    def test_the_cap_is_exact_with_windows(self, length: int) -> None:
        """A line just over the cap (window check on a large cap) is truncated, not run."""
        data = b"a\n" * 300 + b"z" * length + b"\n" + b"b\n" * 300
        splitter = _splitter(cap=1000)
        out = _feed_runs(splitter, data)
        assert any(type(r) is LineRun for r in out) is (length <= 1000)
        assert _expand(out) == _feed(_splitter(cap=1000), data)
        assert splitter.lines_truncated == (length > 1000)

    @given(
        pieces=_pieces,
        cuts=cut_points,
        cap=st.sampled_from([1, 2, 5, 40, 100, 64 * 1024]),
        flush=st.booleans(),
    )
    def test_runs_stand_for_the_same_lines(
        self, pieces: list[bytes], cuts: list[int], cap: int, flush: bool
    ) -> None:
        """Any bytes, chunking and cap: the runs expand to ``feed``'s lines, state equal."""
        data = b"".join(pieces)
        bounds = sorted({min(c, len(data)) for c in cuts} | {0, len(data)})
        chunks = [data[a:b] for a, b in itertools.pairwise(bounds)]
        plain, blocks = _splitter(cap), _splitter(cap)
        want = _feed(plain, *chunks)
        got = _feed_runs(blocks, *chunks)
        if flush:
            plain.flush(want)
            blocks.flush(got)
        assert _expand(got) == want
        assert _state(blocks) == _state(plain)
        assert all(line.endswith(b"\n") for r in got if type(r) is LineRun for line in r.lines)


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
