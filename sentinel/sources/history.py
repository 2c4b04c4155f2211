"""A source's history on disk: rotated siblings oldest first, then the live file.

Used by training and backfill.  :func:`history_files` understands logrotate's
names: numbered (``access.log.1``, ``access.log.2.gz``: a higher number is
older) and dated (``access.log-20261126``, ``access.log-2026-11-26.gz``:
an earlier date is older).  Numbered siblings come before dated ones (a host
that switched to ``dateext`` has its numbered files from before the switch).

:class:`HistoryReader` reads them in that order with no line twice: each file
is identified by its head (see :mod:`sentinel.sources.fingerprint`), so a
file renamed by a rotation during the read, or present both as ``.1`` and as
a half-written ``.1.gz``, is read once.  After every file the directory is
listed again and the oldest file not yet read is taken next, which is what
makes a rotation in the middle of a read harmless.

Limitation: identity is content-based, so two files whose first
``fingerprint_bytes`` are identical (for short files: whose whole content is
identical) are read once.

.. versionadded:: 0.1
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Iterator
from pathlib import Path

import structlog

from sentinel.records import RawLine
from sentinel.sources.fingerprint import head_hash, is_compressed, open_compressed, read_head
from sentinel.sources.lines import LineSplitter

__all__ = ["HistoryReader", "history_files", "rotation_base"]

_log = structlog.get_logger("sentinel.sources")

_CHUNK = 1 << 20
_SUFFIX = re.compile(
    r"^(?:\.(?P<num>\d{1,6})|-(?P<date>\d{4}-?\d{2}-?\d{2}(?:[-_T]?\d+)*))"
    r"(?P<z>\.(?:gz|bz2|xz))?$"
)


_ROTATED = re.compile(
    r"^(?P<base>.+?)(?:\.\d{1,6}|-\d{4}-?\d{2}-?\d{2}(?:[-_T]?\d+)*)(?:\.(?:gz|bz2|xz))?$"
)


def rotation_base(path: str | os.PathLike[str]) -> Path:
    """The live name a rotated file came from (``a.log.2.gz`` -> ``a.log``).

    A name that does not look rotated is returned unchanged.
    """
    path = Path(path)
    match = _ROTATED.match(path.name)
    return path.with_name(match["base"]) if match else path


def history_files(live_path: str | os.PathLike[str]) -> list[Path]:
    """Rotated siblings of ``live_path``, oldest first, then the live file.

    The live file is included only if it exists.  When both ``X.1`` and
    ``X.1.gz`` exist (compression in progress) both are listed, the plain one
    first; readers dedup them by fingerprint.
    """
    live = Path(live_path)
    name = live.name
    try:
        entries = os.listdir(live.parent)
    except OSError:
        entries = []
    numbered: list[tuple[int, int, str]] = []
    dated: list[tuple[str, int, str]] = []
    for entry in entries:
        if entry == name or not entry.startswith(name):
            continue
        match = _SUFFIX.match(entry[len(name) :])
        if match is None:
            continue
        compressed = 1 if match["z"] else 0
        if match["num"] is not None:
            numbered.append((-int(match["num"]), compressed, entry))
        else:
            dated.append((re.sub(r"\D", "", match["date"]), compressed, entry))
    ordered = [live.parent / e for *_, e in sorted(numbered)]
    ordered += [live.parent / e for *_, e in sorted(dated)]
    if live.is_file():
        ordered.append(live)
    return ordered


class HistoryReader:
    """Yields :class:`RawLine` records from a source's whole history.

    Args:
        live_path: The live log file (its siblings are found next to it).
        source: Source name for the line references.
        max_line_bytes: Line-length cap, as for the tailer.
        fingerprint_bytes: Head length used to recognise a file already read.
    """

    def __init__(
        self,
        live_path: str | os.PathLike[str],
        source: str,
        *,
        max_line_bytes: int = 65536,
        fingerprint_bytes: int = 256,
    ) -> None:
        self.live_path = Path(live_path)
        self.source = source
        self.max_line_bytes = max_line_bytes
        self.fingerprint_bytes = fingerprint_bytes
        self._seen: set[tuple[int, str]] = set()
        # The directory is listed again after every file: count and warn once.
        self._duplicates: set[Path] = set()
        self._bad: set[Path] = set()
        self._read_as: dict[Path, tuple[int, str]] = {}
        self._counters = {
            "files_read": 0,
            "files_skipped_duplicate": 0,
            "files_unreadable": 0,
            "lines_read": 0,
            "bytes_read": 0,
            "lines_truncated": 0,
        }

    def counters(self) -> dict[str, int]:
        """A snapshot of this reader's counters."""
        return dict(self._counters)

    def __iter__(self) -> Iterator[RawLine]:
        while (found := self._next_unread()) is not None:
            path, head = found
            yield from self._read(path, head)

    def _next_unread(self) -> tuple[Path, bytes] | None:
        """The oldest history file whose head has not been read yet."""
        for path in history_files(self.live_path):
            if path in self._bad:
                continue
            try:
                head = read_head(path, self.fingerprint_bytes)
            except OSError as exc:
                self._warn_unreadable(path, exc)
                continue
            token = (len(head), head_hash(head))
            if token in self._seen:
                if self._read_as.get(path) != token and path not in self._duplicates:
                    self._duplicates.add(path)
                    self._counters["files_skipped_duplicate"] += 1
                continue
            self._seen.add(token)
            self._read_as[path] = token
            return path, head
        return None

    def _warn_unreadable(self, path: Path, exc: BaseException) -> None:
        self._bad.add(path)
        self._counters["files_unreadable"] += 1
        _log.warning(
            "source.history.unreadable", source=self.source, path=str(path), error=str(exc)
        )

    def _read(self, path: Path, head: bytes) -> Iterator[RawLine]:
        key = ("c:" if len(head) >= self.fingerprint_bytes else "s:") + head_hash(head)
        splitter = LineSplitter(
            self.source, str(path), key, start=0, lineno=0, cap=self.max_line_bytes
        )
        self._counters["files_read"] += 1
        out: list[RawLine] = []
        try:
            with self._open(path) as fh:
                while chunk := fh.read(_CHUNK):
                    self._counters["bytes_read"] += len(chunk)
                    splitter.feed(chunk, out)
                    yield from self._drain(out)
        except (OSError, EOFError) as exc:
            # A truncated archive still yields the lines before the damage.
            self._warn_unreadable(path, exc)
        if path != self.live_path:
            # A rotated file is finished: its last line is complete even
            # without a newline.  The live file's is held for the tailer.
            splitter.flush(out)
        yield from self._drain(out)
        self._counters["lines_truncated"] += splitter.lines_truncated

    @staticmethod
    def _open(path: Path) -> io.BufferedIOBase:
        if is_compressed(path):
            return open_compressed(path)
        return path.open("rb")

    def _drain(self, out: list[RawLine]) -> Iterator[RawLine]:
        self._counters["lines_read"] += len(out)
        yield from out
        out.clear()
