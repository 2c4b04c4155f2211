"""Turning byte chunks into :class:`~sentinel.records.RawLine` records.

This is the hot path of every file read: chunks of up to a few hundred KiB are
split on ``b"\\n"`` in C and each line costs two tuple constructions.  Memory
is bounded: an unterminated line is held up to ``max_line_bytes``; beyond
that its bytes are discarded (and counted) until its newline arrives, and the
line is then emitted truncated with ``truncated=True``.

:meth:`LineSplitter.feed_runs` (read-to-end blocks) emits the lines of a
chunk that needs no per-line care (no ``\\r``, none over the cap) as one
:class:`~sentinel.records.LineRun` instead: no record per line at all.

.. versionadded:: 0.1
"""

from __future__ import annotations

import gc
import re
from io import BytesIO
from typing import Protocol, TypeVar

from sentinel.records import LineRef, LineRun, RawLine

__all__ = ["LineSplitter", "MultilineJoiner", "Sink"]

_T_contra = TypeVar("_T_contra", contravariant=True)
# Beyond this many windows (a cap far below the chunk size) _within_cap
# measures the lines instead.
_MAX_WINDOWS = 64


class Sink(Protocol[_T_contra]):
    """Where a stage puts what it emits: anything with ``append`` (a list).

    A ``list[RawLine | LineRun]`` is a ``Sink[RawLine]``: a stage that
    emits lines only can fill the list that also holds runs.
    """

    def append(self, item: _T_contra, /) -> None: ...


class LineSplitter:
    """Incremental splitter for one file.

    ``start`` is always the offset of the first byte not yet emitted as part
    of a complete line, i.e. the offset a checkpoint may safely record.
    """

    __slots__ = (
        "bytes_discarded",
        "cap",
        "discard",
        "key",
        "lineno",
        "lines_truncated",
        "partial",
        "path",
        "source",
        "start",
    )

    def __init__(
        self, source: str, path: str, key: str, *, start: int, lineno: int, cap: int
    ) -> None:
        self.source = source
        self.path = path
        self.key = key
        self.start = start
        self.lineno = lineno
        self.cap = cap
        self.partial = b""
        # Bytes of the current over-long line dropped beyond ``partial``.
        self.discard = 0
        self.lines_truncated = 0
        self.bytes_discarded = 0

    @property
    def consumed(self) -> int:
        """Offset of the next byte to read from the file."""
        return self.start + len(self.partial) + self.discard

    def feed(self, chunk: bytes, out: Sink[RawLine]) -> None:
        """Split ``chunk`` (the bytes at :attr:`consumed`) and append complete lines."""
        self._feed(chunk, out, None)

    def feed_runs(self, chunk: bytes, out: Sink[RawLine | LineRun]) -> None:
        """:meth:`feed`, with the lines of a plain chunk as one :class:`LineRun`.

        A chunk is plain when, with the held partial line, it has no ``\\r``
        and no complete line over the cap: then no line needs a check, a
        strip or a truncation.  The other lines (and :meth:`flush`'s) are
        emitted as :meth:`feed` emits them.  The two may be mixed.
        """
        self._feed(chunk, out, out)

    def _feed_run(self, data: bytes, out: Sink[LineRun]) -> bool:
        """Emit ``data``'s complete lines as one run and hold its tail; False if not plain."""
        # readlines() finds each newline with memchr; bytes.split(b"\n")
        # steps through the bytes one at a time (about 5x slower on log lines).
        lines = BytesIO(data).readlines()
        end = data.rfind(b"\n") + 1
        tail = lines.pop() if end < len(data) else b""
        if not _within_cap(data, end, lines, self.cap):
            return False
        if lines:
            ref = LineRef(self.source, self.path, self.start, self.lineno + 1, self.key)
            out.append(LineRun(ref, tuple(lines)))
            self.start += end
            self.lineno += len(lines)
        self._hold(tail)
        return True

    def _feed(self, chunk: bytes, out: Sink[RawLine], runs: Sink[LineRun] | None) -> None:
        if self.discard:
            cut = chunk.find(b"\n")
            if cut < 0:
                self.discard += len(chunk)
                return
            self._emit_capped(out, cut)
            chunk = chunk[cut + 1 :]
        data = self.partial + chunk if self.partial else chunk
        if runs is not None and b"\r" not in data and self._feed_run(data, runs):
            return
        parts = data.split(b"\n")
        tail = parts.pop()
        # The loops below allocate two tuples per line and create no cycles;
        # pausing the cyclic GC for one chunk (a few thousand lines) halves
        # their cost.  Collection resumes right after, with the count intact.
        paused = gc.isenabled()
        if paused:
            gc.disable()
        try:
            if b"\r" not in data and (
                len(data) <= self.cap or max(map(len, parts), default=0) <= self.cap
            ):
                self._emit_plain(parts, out)
            else:
                self._emit_checked(parts, out)
        finally:
            if paused:
                gc.enable()
        self._hold(tail)

    def _hold(self, tail: bytes) -> None:
        """Keep the unterminated ``tail`` (its first ``cap`` bytes) until its newline."""
        if len(tail) > self.cap:
            self.partial = tail[: self.cap]
            self.discard = len(tail) - self.cap
        else:
            self.partial = tail

    def flush(self, out: Sink[RawLine]) -> None:
        """Emit a pending unterminated line (the file is finished)."""
        if self.discard:
            self._emit_capped(out, -1)
        elif self.partial:
            data = self.partial
            self.lineno += 1
            ref = LineRef(self.source, self.path, self.start, self.lineno, self.key)
            out.append(RawLine(ref, data[:-1] if data.endswith(b"\r") else data, False))
            self.start += len(data)
            self.partial = b""

    def drop_partial(self) -> int:
        """Forget the pending unterminated line; return how many bytes it had."""
        lost = len(self.partial) + self.discard
        self.start += lost
        self.partial = b""
        self.discard = 0
        return lost

    def _emit_plain(self, parts: list[bytes], out: Sink[RawLine]) -> None:
        # The common case: no CR and nothing over the cap, so no per-line checks.
        # tuple.__new__ skips the NamedTuple constructor's Python frame: this
        # loop is the tailer's whole per-line cost.
        src, path, key = self.source, self.path, self.key
        off, lineno = self.start, self.lineno
        append = out.append
        new = tuple.__new__
        for line in parts:
            lineno += 1
            append(new(RawLine, (new(LineRef, (src, path, off, lineno, key)), line, False)))
            off += len(line) + 1
        self.start, self.lineno = off, lineno

    def _emit_checked(self, parts: list[bytes], out: Sink[RawLine]) -> None:
        src, path, key, cap = self.source, self.path, self.key, self.cap
        off, lineno = self.start, self.lineno
        append = out.append
        for raw in parts:
            lineno += 1
            line = raw[:-1] if raw.endswith(b"\r") else raw
            truncated = len(line) > cap
            if truncated:
                self.bytes_discarded += len(line) - cap
                self.lines_truncated += 1
                line = line[:cap]
            append(RawLine(LineRef(src, path, off, lineno, key), line, truncated))
            off += len(raw) + 1
        self.start, self.lineno = off, lineno

    def _emit_capped(self, out: Sink[RawLine], cut: int) -> None:
        """Emit the held prefix of an over-long line whose end is ``cut`` bytes on."""
        self.lineno += 1
        ref = LineRef(self.source, self.path, self.start, self.lineno, self.key)
        out.append(RawLine(ref, self.partial, True))
        tail = max(cut, 0)
        self.bytes_discarded += self.discard + tail
        self.lines_truncated += 1
        self.start += len(self.partial) + self.discard + tail + (1 if cut >= 0 else 0)
        self.partial = b""
        self.discard = 0


def _within_cap(data: bytes, end: int, lines: list[bytes], cap: int) -> bool:
    """Whether no line in ``lines`` (``data[:end]``, newlines kept) is over ``cap`` bytes.

    A line over the cap is a run of more than ``cap`` bytes without a newline,
    so it covers a whole window of ``cap // 2 + 1`` bytes that starts at a
    multiple of that width.  When every such window of ``data[:end]`` holds a
    newline (one memchr each, a handful per chunk), no line is over the cap;
    otherwise (or with too many windows: a small cap) the lengths decide.
    """
    width = cap // 2 + 1
    if end // width <= _MAX_WINDOWS and all(
        data.find(b"\n", at, at + width) >= 0 for at in range(0, end, width)
    ):
        return True
    return max(map(len, lines), default=0) <= cap + 1


class MultilineJoiner:
    """Joins continuation lines onto the line that starts a record.

    A line matching ``start`` begins a new record; any other line is appended
    to the current one.  A record is emitted when the next one starts, when it
    reaches ``max_lines`` lines (the next line then starts a new record, so
    nothing is lost), or on :meth:`flush` (end of file, or idle timeout).  The
    joined bytes are capped at ``max_bytes`` with ``truncated=True``.
    """

    __slots__ = (
        "count",
        "first",
        "max_bytes",
        "max_lines",
        "parts",
        "size",
        "splits",
        "start",
        "truncated",
    )

    def __init__(self, start: re.Pattern[bytes], max_lines: int, max_bytes: int) -> None:
        self.start = start
        self.max_lines = max_lines
        self.max_bytes = max_bytes
        self.first: RawLine | None = None
        # Only the first ``max_bytes`` of a record are kept: memory stays bounded.
        self.parts: list[bytes] = []
        self.size = 0
        self.count = 0
        self.truncated = False
        #: Records cut because they reached ``max_lines``.
        self.splits = 0

    @property
    def held_from(self) -> RawLine | None:
        """First line of the record still being assembled, if any."""
        return self.first

    def feed(self, lines: list[RawLine], out: Sink[RawLine]) -> None:
        """Join ``lines`` and append every completed record to ``out``."""
        match = self.start.match
        for line in lines:
            if self.first is not None:
                if match(line.data):
                    self.flush(out)
                elif self.count >= self.max_lines:
                    self.splits += 1
                    self.flush(out)
            if self.first is None:
                self.first = line
                self.parts = [line.data]
                self.size = len(line.data)
                self.count = 1
                self.truncated = line.truncated
                continue
            self.count += 1
            self.truncated = self.truncated or line.truncated
            if self.size < self.max_bytes:
                self.parts.append(line.data)
                self.size += len(line.data) + 1
            else:
                self.truncated = True

    def flush(self, out: Sink[RawLine]) -> None:
        """Emit the record being assembled, if any."""
        first = self.first
        if first is None:
            return
        if self.count == 1:
            out.append(first)
        else:
            data = b"\n".join(self.parts)
            truncated = self.truncated
            if len(data) > self.max_bytes:
                data = data[: self.max_bytes]
                truncated = True
            out.append(RawLine(first.ref, data, truncated))
        self.first = None
        self.parts = []
        self.size = self.count = 0
        self.truncated = False
