"""Per-file reading state of the tailer (internal to :mod:`sentinel.sources.files`).

A :class:`Tracked` is one *file content* being read: an open descriptor (or,
for a rotated copy found compressed, a decompressing stream), the splitter
that turns its bytes into lines, and the lines read but not yet handed out.
It survives renames (the descriptor follows the inode) and, after a
copytruncate, moves to the rotated copy to finish the old content.

.. versionadded:: 0.1
"""

from __future__ import annotations

import io
import os
from typing import NamedTuple

from sentinel.records import LineRun, Position, RawLine
from sentinel.sources.fingerprint import HeadToken, Identity, is_compressed
from sentinel.sources.lines import LineSplitter, MultilineJoiner

__all__ = [
    "StartPoint",
    "Tracked",
    "end_offset",
    "looks_binary",
    "may_hold",
    "parse_cursor",
    "skip_bytes",
]


class Tracked:
    """Reading state of one file content.

    Attributes:
        live: The file is still at a path matched by the source's globs.
            A file that is not live (rotated away, deleted, a recovered copy)
            is read to its end and then closed.
        done: No more data will be read: deliver what is ready, then close.
    """

    def __init__(
        self,
        *,
        path: str,
        fd: int | None,
        stream: io.BufferedIOBase | None,
        dev: int,
        ino: int,
        ident: Identity,
        splitter: LineSplitter,
        joiner: MultilineJoiner | None,
        live: bool,
        now: float,
    ) -> None:
        self.path = path
        self.fd = fd
        self.stream = stream
        self.dev = dev
        self.ino = ino
        self.ident = ident
        self.splitter = splitter
        self.joiner = joiner
        self.live = live
        self.done = False
        #: Lines read and not handed out; LineRuns only with ``runs``.
        self.ready: list[RawLine | LineRun] = []
        self.ready_i = 0
        self.eof_since: float | None = None
        self.last_data = now
        #: Largest size seen; with ``consumed`` it bounds copytruncate losses.
        self.last_size = 0
        #: Size at the last head check; growth triggers the next check.
        self.checked_size = 0
        self.checked_mtime = 0
        #: Lines starting below this offset were handed out before a crash.
        self.reread_until = 0
        self.binary_checked = False
        #: Reading a rotated copy (or a recovered file), not the original inode.
        self.is_copy = False
        #: Plain lines go to ``ready`` as LineRuns (``FileSource.iter_blocks``).
        self.runs = False

    @property
    def key(self) -> str:
        """Checkpoint key (fingerprint) of this content."""
        return self.ident.key

    @property
    def inode(self) -> tuple[int, int]:
        """``(st_dev, st_ino)`` of the open file."""
        return (self.dev, self.ino)

    @property
    def pending(self) -> int:
        """Records (lines, or runs of lines) read and not yet handed out."""
        return len(self.ready) - self.ready_i

    def read(self, size: int) -> bytes:
        """Up to ``size`` bytes at the splitter's read offset (b"" at EOF)."""
        if self.stream is not None:
            return self.stream.read(size)
        assert self.fd is not None
        return os.pread(self.fd, size, self.splitter.consumed)

    def take(self, limit: int, out: list[RawLine | LineRun]) -> int:
        """Move up to ``limit`` ready lines to ``out``; return how many.

        A :class:`LineRun` moves whole and counts as its lines: the last run
        taken may go past ``limit``.
        """
        avail = len(self.ready) - self.ready_i
        if avail <= 0 or limit <= 0:
            return 0
        if self.runs:
            return self._take_runs(limit, out)
        if avail <= limit and self.ready_i == 0:
            out.extend(self.ready)
            self.ready = []
            return avail
        count = min(avail, limit)
        out.extend(self.ready[self.ready_i : self.ready_i + count])
        self.ready_i += count
        if self.ready_i == len(self.ready):
            self.ready = []
            self.ready_i = 0
        return count

    def _take_runs(self, limit: int, out: list[RawLine | LineRun]) -> int:
        ready, start, got = self.ready, self.ready_i, 0
        end = start
        while end < len(ready) and got < limit:
            item = ready[end]
            got += len(item.lines) if isinstance(item, LineRun) else 1
            end += 1
        out.extend(ready[start:end])
        if end == len(ready):
            self.ready = []
            self.ready_i = 0
        else:
            self.ready_i = end
        return got

    def resume_point(self) -> tuple[int, int]:
        """``(offset, lines before it)`` of the first line not yet handed out."""
        if self.ready_i < len(self.ready):
            ref = self.ready[self.ready_i].ref
            return ref.offset, ref.lineno - 1
        if self.joiner is not None and self.joiner.first is not None:
            ref = self.joiner.first.ref
            return ref.offset, ref.lineno - 1
        return self.splitter.start, self.splitter.lineno

    def position(self, source: str, *, final: bool = False) -> Position:
        """The checkpoint for everything handed out so far.

        ``final`` marks a content read to its end and closed, so a restart
        does not search for it again.
        """
        offset, lineno = self.resume_point()
        token = self.ident.token(lineno)
        cursor = token.dump() + (":final" if final else "")
        return Position(source, self.key, offset, self.path, cursor)

    def close(self) -> None:
        """Release the descriptor or stream (idempotent)."""
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None
        if self.stream is not None:
            self.stream.close()
            self.stream = None


def parse_cursor(cursor: str) -> tuple[HeadToken | None, bool]:
    """``(token, final)`` from a file checkpoint's ``cursor`` column."""
    final = cursor.endswith(":final")
    for suffix in (":final", ":retired"):
        cursor = cursor.removesuffix(suffix)
    return HeadToken.load(cursor), final


def looks_binary(sample: bytes) -> bool:
    """True when ``sample`` has NUL bytes after its start (git's heuristic).

    Leading NULs are tolerated: a writer without ``O_APPEND`` leaves a hole of
    zeros at the start of a file truncated under it (copytruncate).
    """
    return b"\0" in sample.lstrip(b"\0")


class StartPoint(NamedTuple):
    """Where a newly opened file is read from."""

    offset: int
    lineno: int = 0
    key: str | None = None  # the committed key resumed, if any
    reread: int = 0  # lines below this offset were delivered before a crash


def may_hold(key: str, path: str, token: HeadToken) -> bool:
    """Whether ``path`` can hold the content checkpointed under ``key``.

    A non-empty head token must match (the caller checks it).  A file that
    was empty when checkpointed has an empty token, which proves nothing:
    then only its inode (kept by a rename) identifies it.
    """
    if token.length > 0:
        return True
    if not key.startswith("i:") or is_compressed(path):
        return False
    parts = key.split(":")
    try:
        st = os.stat(path)
    except OSError:
        return False
    return parts[1:3] == [str(st.st_dev), str(st.st_ino)]


def skip_bytes(stream: object, count: int) -> None:
    read = stream.read  # type: ignore[attr-defined]
    while count > 0:
        chunk = read(min(count, 1 << 20))
        if not chunk:
            return
        count -= len(chunk)


def end_offset(fd: int, size: int) -> int:
    """Offset just after the last newline (start of the unterminated tail)."""
    window = min(size, 65536)
    tail = os.pread(fd, window, size - window)
    cut = tail.rfind(b"\n")
    if cut >= 0:
        return size - window + cut + 1
    # No newline at all: a single unterminated line is read whole once completed.
    return 0 if window == size else size
