"""The file source: tail globs of log files without losing a line.

Size: this module is past the ~1,000-line guideline on purpose.  It is the
rotation state machine (open, rotate, truncate, recover, catch up) and its
cases share per-file state that splitting across modules would expose; the
pieces without that coupling already live in ``lines``, ``tracking``,
``fingerprint``, ``watch`` and ``checkpoints``.

Reading model
    :meth:`FileSource.read_batch` is non-blocking and returns what is
    available now.  The consumer processes the batch and commits its
    ``positions`` in the same SQLite transaction as its results (see
    :mod:`sentinel.sources.checkpoints`).  Nothing is read ahead beyond one
    chunk per file, so a slow consumer makes the tailer read slower
    (back-pressure) and file lines are never dropped.
    :meth:`FileSource.iter_batches` wraps this in a follow loop (tail mode,
    woken by inotify through :mod:`sentinel.sources.watch`, polling as the
    fallback) or a read-to-end loop (replay and backfill).
    :meth:`FileSource.iter_blocks` is that read-to-end loop in block form:
    the lines of a chunk that need no per-line care come as one
    :class:`~sentinel.records.LineRun` (no record per line) for a parser's
    ``parse_block``; the lines, counters and positions are the same.

Identity and rotation
    Files are identified by fingerprint (:mod:`sentinel.sources.fingerprint`)
    and read through an open descriptor, so a file renamed by a rotation is
    read to its end before it is closed (``rotate_wait`` seconds after its
    last growth), even if it was deleted or compressed meanwhile.  A path that
    now holds another file counts as a rotation.  A file that shrinks below
    the read offset, or whose first bytes change, was truncated in place
    (copytruncate): the rotated copy is looked up among the siblings by
    fingerprint (``.gz`` included) and read from where the original stopped;
    the new content is read from 0.  Bytes that cannot be recovered that way
    are counted in ``bytes_possibly_lost``.  A writer's lines that land
    between logrotate's copy and its truncate exist in neither file: no
    reader can see or count them (see the copytruncate test).

Missed generations
    Rotations faster than the tailer notices (or an inotify queue that is
    late: watchdog holds events behind an unpaired move for up to 0.5 s) can
    create a file and rotate it away unseen.  When a rotation or a new file
    is seen, the siblings newer than the first content this source knows are
    read from their start (``files_caught_up``, ``source.file.caught_up``).
    logrotate may run again during that walk: a sibling is read only through
    a descriptor whose first bytes are the ones it was identified by, and a
    walk that found a listed name gone is repeated.  An archive beside its
    plain file (``app.log.1.gz`` and ``app.log.1``) is still being written:
    the plain file is read.

Checkpoints
    Each position's ``key`` is the fingerprint; its ``cursor`` holds the head
    token ``LEN:HASH:LINENO`` (``:final`` once the file was read to its end
    and closed).  A checkpoint is used only when its token proves the file
    (see :mod:`sentinel.sources.fingerprint`): an empty token proves nothing,
    since inodes are reused.  After a restart, committed positions whose file
    is no longer at a watched path are looked up among the rotated siblings
    (``.gz`` included) and finished (``files_recovered``).  Limits: a file
    only ever seen empty, then rotated, cannot be found after a crash; two
    files whose first ``fingerprint_bytes`` are identical are one file.

Start position (``start_at``)
    ``checkpoint`` (default): resume every file from its committed position;
    a file with none is read from its beginning: on the first run too, so
    the backlog already on disk is processed.  Choose ``end`` to skip it.
    ``beginning``: ignore checkpoints and read every file from byte 0
    (re-processing).  ``end``: files present at start are read from their
    end (checkpoints ignored; lines written while Sentinel was stopped are
    skipped); files that appear later are read from their beginning.

Crash re-reads
    Before a batch is returned, the source records how far it handed lines
    out (``delivered``, outside the consumer's transaction).  After a restart,
    lines delivered again from below that mark are counted in
    ``lines_reread_after_crash`` / ``bytes_reread_after_crash``; they are
    bounded by the batches that were delivered but not committed.

.. versionadded:: 0.1
"""

from __future__ import annotations

import errno
import glob
import os
import re
import secrets
import stat
import threading
from collections.abc import Callable, Iterator
from fnmatch import fnmatch
from functools import partial
from typing import TypeVar, cast

import structlog

from sentinel.clock import Clock
from sentinel.records import LineRun, Position, RawLine
from sentinel.sources.batch import Batch, BlockBatch
from sentinel.sources.checkpoints import CheckpointStore
from sentinel.sources.fingerprint import (
    HeadToken,
    Identity,
    head_hash,
    identify,
    is_compressed,
    open_compressed,
    read_head,
)
from sentinel.sources.history import history_files, rotation_base
from sentinel.sources.lines import LineSplitter, MultilineJoiner
from sentinel.sources.options import FileSourceOptions
from sentinel.sources.tracking import (
    StartPoint,
    Tracked,
    end_offset,
    looks_binary,
    may_hold,
    parse_cursor,
    skip_bytes,
)
from sentinel.sources.watch import Watcher

__all__ = ["COUNTERS", "Batch", "BlockBatch", "FileSource", "FileSourceOptions"]

_log = structlog.get_logger("sentinel.sources")

# One pread per refill.  Big enough that the per-chunk overhead vanishes,
# small enough to keep memory per file low (a few hundred KiB).
_CHUNK = 256 * 1024
_BINARY_SAMPLE = 8000
# Heads of closed files remembered to recognise their rotated copies.
_KNOWN_CAP = 4096
# A catch-up walk that a rotation disturbed is repeated, at most this many
# times in all (and so is the directory listing it starts from).
_CATCH_UP_PASSES = 16


_AnyBatch = TypeVar("_AnyBatch", Batch, BlockBatch)


class _Replaced(OSError):
    """The file at a path is no longer the content identified there (rotated since)."""


#: Counter names reported by :meth:`FileSource.counters`.
COUNTERS: tuple[str, ...] = (
    "lines_read",
    "bytes_read",
    "rotations",
    "truncations",
    "lines_reread_after_crash",
    "bytes_reread_after_crash",
    "bytes_possibly_lost",
    "copies_recovered",
    "files_opened",
    "files_closed",
    "files_recovered",
    "files_binary",
    "files_caught_up",
    "lines_truncated",
    "bytes_discarded",
    "multiline_splits",
    "warnings",
)


class FileSource:
    """Reads lines from the files matched by ``options.paths``.

    Use from one thread (the watchdog thread only sets flags).  The caller
    owns ``store`` and closes it after :meth:`close`.

    Args:
        options: The source configuration (validated here).
        store: Where checkpoints are loaded from and starting points recorded.
        clock: Wall/monotonic time for rescans, rotation grace and timeouts.

    Raises:
        ValueError: ``options`` is invalid.
    """

    def __init__(self, options: FileSourceOptions, store: CheckpointStore, clock: Clock) -> None:
        options.validate()
        self.options = options
        self.name = options.name
        self._store = store
        self._clock = clock
        self._joiner_re = (
            re.compile(options.multiline_start.encode()) if options.multiline_start else None
        )
        self._files: list[Tracked] = []
        self._by_inode: dict[tuple[int, int], Tracked] = {}
        self._warned: dict[str, str] = {}
        self._counters = dict.fromkeys(COUNTERS, 0)
        self._pending_positions: list[Position] = []
        self._rr = 0
        self._hint = threading.Event()
        self._rescan_requested = True
        self._next_rescan = 0.0
        self._watcher: Watcher | None = None
        self._closed = False
        self._exhausted = False
        # Set by iter_blocks: splitters then make LineRuns.
        self._runs = False
        if options.use_inotify:
            # Before the first scan: a file created right after it must not
            # wait for the next timed rescan (it may be rotated away by then).
            self._start_watcher()
        self._committed = store.load(self.name)
        self._delivered = store.delivered(self.name)
        self._resumed: set[str] = set()
        self._claimed: set[str] = set()
        self._known: dict[int, set[str]] = {}
        self._archives: set[tuple[int, int]] = set()
        self._recovering: dict[str, Tracked] = {}
        self._known_count = 0
        for pos in self._committed.values():
            # Contents read by earlier runs are not "missed generations".
            token, _, _ = self._tokens(pos)
            if token is not None and token.length:
                self._known.setdefault(token.length, set()).add(token.digest)
        self._rescan(self._clock.monotonic(), initial=True)
        if options.start_at == "checkpoint":
            self._recover_orphans()

    # ------------------------------------------------------------------ public

    def counters(self) -> dict[str, int]:
        """A snapshot of the counters (names in :data:`COUNTERS`)."""
        counts = dict(self._counters)
        for t in self._files:
            counts["lines_truncated"] += t.splitter.lines_truncated
            counts["bytes_discarded"] += t.splitter.bytes_discarded
            if t.joiner is not None:
                counts["multiline_splits"] += t.joiner.splits
        return counts

    @property
    def open_files(self) -> list[str]:
        """Paths of the files currently open (rotated ones included)."""
        return [t.path for t in self._files]

    def read_batch(self, max_lines: int = 1000) -> Batch:
        """Lines available now, at most ``max_lines`` (non-blocking).

        Returns:
            A batch, possibly empty; commit its positions once processed.

        Raises:
            RuntimeError: :meth:`iter_blocks` was called on this source.
        """
        return self._read(max_lines, final=False)

    def iter_batches(
        self, follow: bool, stop: threading.Event | None = None, max_lines: int = 1000
    ) -> Iterator[Batch]:
        """Yield batches until ``stop`` is set (``follow``) or every file is at EOF.

        With ``follow=False`` (replay, backfill) the last unterminated line of
        each file is delivered and the generator ends; with ``follow=True`` it
        waits for more data (inotify or polling) until ``stop`` is set.
        Empty batches are not yielded; batches with only positions are.

        Raises:
            RuntimeError: :meth:`iter_blocks` was called on this source.
        """
        return self._loop(partial(self._read, max_lines), max_lines, follow, stop)

    def iter_blocks(self, max_lines: int = 4096) -> Iterator[BlockBatch]:
        """Read every file to its end, in block form (replay).

        :meth:`iter_batches` with ``follow=False``, except that the lines of
        a chunk that needs no per-line care (no ``\\r``, no line over the
        cap, no multiline joining: see :mod:`sentinel.sources.lines`) come as
        one :class:`~sentinel.records.LineRun` instead of a
        :class:`~sentinel.records.RawLine` each, and that a batch may hold up
        to one chunk's lines beyond ``max_lines`` (a run is never cut).
        Expanded with ``LineRun.raw_lines``, the lines are exactly those
        :meth:`iter_batches` delivers; counters and the positions to commit
        are the same too.  From the call on, this source reads blocks only:
        :meth:`read_batch` and :meth:`iter_batches` raise.
        """
        self._runs = True
        for t in self._files:
            t.runs = t.joiner is None
        return self._loop(partial(self._collect, max_lines), max_lines, False, None)

    def wait(self, timeout: float | None = None) -> bool:
        """Block until inotify reports activity or ``timeout`` passes.

        ``timeout`` defaults to ``poll_interval``.  Returns True when woken by
        an event (the watcher runs from construction when ``use_inotify``).
        """
        return self._hint.wait(self.options.poll_interval if timeout is None else timeout)

    def _start_watcher(self) -> None:
        self._watcher = Watcher(self.options.paths, self._on_event)
        if not self._watcher.start():
            self._counters["warnings"] += 1

    def close(self) -> None:
        """Stop watching and close every file (uncommitted lines are re-read next time)."""
        self._closed = True
        self._hint.set()
        if self._watcher is not None:
            self._watcher.stop()
            self._watcher = None
        for t in self._files:
            t.close()
        self._files.clear()
        self._by_inode.clear()

    def __enter__(self) -> FileSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------ read loop

    def _on_event(self, structural: bool) -> None:
        # Runs on watchdog's thread: only flags here.
        if structural:
            self._rescan_requested = True
        self._hint.set()

    def _loop(
        self,
        read: Callable[[bool], _AnyBatch],
        max_lines: int,
        follow: bool,
        stop: threading.Event | None,
    ) -> Iterator[_AnyBatch]:
        """:meth:`iter_batches` over ``read(final)`` (which reads ``max_lines``)."""
        while not (stop is not None and stop.is_set()):
            self._hint.clear()
            batch = read(False)
            if batch:
                yield batch
            if len(batch) >= max_lines:
                continue
            if not follow:
                yield from self._finish(read)
                return
            if not len(batch):
                self.wait()

    def _finish(self, read: Callable[[bool], _AnyBatch]) -> Iterator[_AnyBatch]:
        """Read-to-end: flush unterminated lines, close files, yield the rest."""
        while True:
            batch = read(True)
            if batch:
                yield batch
            if not len(batch):
                # Every file is closed: reading on would start them over.
                self._exhausted = True
                return

    def _read(self, max_lines: int, final: bool) -> Batch:
        if self._runs:
            raise RuntimeError(f"source {self.name!r} reads blocks (iter_blocks) only")
        batch = self._collect(max_lines, final)
        # Without iter_blocks no splitter makes runs: every record is a RawLine.
        return Batch(cast("tuple[RawLine, ...]", batch.records), batch.positions)

    def _collect(self, max_lines: int, final: bool) -> BlockBatch:
        if self._closed or self._exhausted:
            return BlockBatch()
        now = self._clock.monotonic()
        if not final and (self._rescan_requested or now >= self._next_rescan):
            self._rescan(now)
        lines: list[RawLine | LineRun] = []
        count = 0
        delivered: list[Position] = []
        # Every open file, not only those this batch reaches: a truncation
        # must be seen before the content is copied away a second time.
        for t in list(self._files):
            if t.fd is not None and not t.done and self._check_replaced(t, now):
                delivered.append(t.position(self.name))
        positions: list[Position] = []
        for t in self._visit_order():
            if count >= max_lines:
                break
            before = len(lines)
            got = self._take(t, max_lines - count, lines, now, final)
            if got:
                count += got
                if t.reread_until:
                    self._count_rereads(t, lines, before)
                pos = t.position(self.name)
                positions.append(pos)
                delivered.append(pos)
            if t.done and not t.pending:
                positions.append(self._close(t))
        # Taken last: checks above may retire keys, and their final positions
        # must be committed with the batch that first uses the new key.
        positions = [*self._pending_positions, *positions]
        self._pending_positions = []
        if delivered:
            self._store.note_delivered(delivered)
        self._counters["lines_read"] += count
        return BlockBatch(tuple(lines), tuple(positions), count)

    def _visit_order(self) -> list[Tracked]:
        # Finished-but-open files (rotated, recovered) first: their lines are
        # older.  Live files round-robin so one busy file cannot starve others.
        old = [t for t in self._files if not t.live]
        live = [t for t in self._files if t.live]
        if live:
            self._rr = (self._rr + 1) % len(live)
            live = live[self._rr :] + live[: self._rr]
        return old + live

    def _take(
        self, t: Tracked, limit: int, out: list[RawLine | LineRun], now: float, final: bool
    ) -> int:
        """Move up to ``limit`` of ``t``'s lines to ``out``, reading as needed; how many."""
        got = 0
        while got < limit:
            got += t.take(limit - got, out)
            if got >= limit or t.done:
                break
            if not self._refill(t, now) and not self._at_eof(t, now, final):
                break
        return got

    def _refill(self, t: Tracked, now: float) -> bool:
        """Read one chunk into ``t.ready``; False at EOF."""
        try:
            chunk = t.read(_CHUNK)
        except (OSError, EOFError) as exc:
            self._warn(t.path, "source.file.read_failed", error=str(exc))
            t.done = True
            return False
        if not chunk:
            if t.eof_since is None:
                t.eof_since = now
            return False
        if not t.binary_checked:
            t.binary_checked = True
            if t.splitter.consumed == 0 and looks_binary(chunk[:_BINARY_SAMPLE]):
                self._flag_binary(t)
        t.eof_since = None
        t.last_data = now
        self._counters["bytes_read"] += len(chunk)
        self._extend_head(t, len(chunk))
        if t.joiner is not None:
            lines: list[RawLine] = []
            t.splitter.feed(chunk, lines)
            t.joiner.feed(lines, t.ready)
        elif t.runs:
            t.splitter.feed_runs(chunk, t.ready)
        else:
            t.splitter.feed(chunk, t.ready)
        return True

    def _extend_head(self, t: Tracked, size: int) -> None:
        """Keep the head at least as long as what is read (up to N bytes).

        A checkpoint's token must cover its offset; otherwise a short or
        empty token would also "prove" a later file that reuses the inode.
        """
        head = t.ident.head
        if t.fd is None or len(head) >= self.options.fingerprint_bytes:
            return
        if len(head) >= t.splitter.consumed + size:
            return
        fresh = os.pread(t.fd, self.options.fingerprint_bytes, 0)
        if fresh.startswith(head) and len(fresh) > len(head):
            self._upgrade_identity(t, fresh)

    def _at_eof(self, t: Tracked, now: float, final: bool) -> bool:
        """Decide what EOF means for ``t``; True when lines became ready."""
        idle = now - (t.eof_since if t.eof_since is not None else now)
        if final or t.stream is not None or (not t.live and idle >= self.options.rotate_wait):
            # Nothing more will be written: the last line is complete as is.
            t.done = True
            lines: list[RawLine] = []
            t.splitter.flush(lines)
            self._join(t, lines, flush=True)
            return t.pending > 0
        if (
            t.joiner is not None
            and t.joiner.first is not None
            and now - t.last_data >= self.options.multiline_timeout
        ):
            t.joiner.flush(t.ready)
            return True
        return False

    def _join(self, t: Tracked, lines: list[RawLine], flush: bool) -> None:
        if t.joiner is None:
            t.ready.extend(lines)
            return
        t.joiner.feed(lines, t.ready)
        if flush:
            t.joiner.flush(t.ready)

    def _count_rereads(self, t: Tracked, lines: list[RawLine | LineRun], start: int) -> None:
        limit = t.reread_until
        for record in lines[start:]:
            for line in record.raw_lines() if isinstance(record, LineRun) else (record,):
                if line.ref.offset >= limit:
                    t.reread_until = 0
                    return
                self._counters["lines_reread_after_crash"] += 1
                self._counters["bytes_reread_after_crash"] += len(line.data) + 1

    # ------------------------------------------------------- change detection

    def _check_replaced(self, t: Tracked, now: float) -> bool:
        """Detect an in-place truncation or rewrite (copytruncate) of ``t``.

        Returns:
            True when ``t``'s head grew (its identity token should be saved).
        """
        assert t.fd is not None
        try:
            st = os.fstat(t.fd)
        except OSError:
            return False
        size = st.st_size
        # A log file only shrinks when truncated: below what we read, below
        # the head we identified, or below any size we saw.
        if size < max(t.splitter.consumed, len(t.ident.head), t.checked_size):
            self._on_truncated(t, now)
            return False
        if size == t.checked_size and st.st_mtime_ns == t.checked_mtime:
            return False
        # Changed (grown, or rewritten to the same size): compare the head.
        t.checked_size, t.checked_mtime = size, st.st_mtime_ns
        head = os.pread(t.fd, self.options.fingerprint_bytes, 0)
        if not head.startswith(t.ident.head):
            self._on_truncated(t, now)
            return False
        t.last_size = max(t.last_size, size)
        if len(head) > len(t.ident.head):
            self._upgrade_identity(t, head)
            return True
        return False

    def _upgrade_identity(self, t: Tracked, head: bytes) -> None:
        """A short file grew: keep more head bytes, switch to a checksum key."""
        n = self.options.fingerprint_bytes
        if len(head) >= n:
            # The short-file row stays as it is: until a batch under the new
            # key is committed it is the only safe restart point.  A restart
            # sees both rows prove one file and keeps the furthest.
            old = t.key
            t.ident = identify(head, t.dev, t.ino, n)
            t.splitter.key = t.ident.key
            _log.debug("source.file.identified", source=self.name, path=t.path, old=old, key=t.key)
        else:
            t.ident = Identity(t.ident.key, head)

    def _on_truncated(self, t: Tracked, now: float) -> None:
        self._counters["truncations"] += 1
        _log.warning(
            "source.file.truncated", source=self.name, path=t.path, offset=t.splitter.consumed
        )
        assert t.fd is not None
        fd, path, inode, live = t.fd, t.path, t.inode, t.live
        t.fd = None
        self._by_inode.pop(inode, None)
        t.live = False
        copy = t.is_copy
        if copy:
            # A rotated copy truncated under us: finish it.  Its new content is
            # not the writer's stream (a rescan opens it if a glob matches).
            os.close(fd)
            fd = -1
        if copy or not self._continue_from_copy(t):
            lost = max(t.last_size - t.splitter.consumed, 0) + t.splitter.drop_partial()
            self._counters["bytes_possibly_lost"] += lost
            if lost:
                _log.error("source.file.copytruncate_loss", source=self.name, path=path, bytes=lost)
            t.done = True
            self._join(t, [], flush=True)
        if fd < 0:
            return
        # The same inode now holds new content: read it from 0.  A rotated or
        # deleted original stays detached (closed after rotate_wait).
        try:
            st = os.fstat(fd)
        except OSError:
            os.close(fd)
            return
        fresh = self._track(
            path, fd, st, start=0, lineno=0, now=now, resumed_key=None, register=True
        )
        fresh.live = live

    def _continue_from_copy(self, t: Tracked) -> bool:
        """Point ``t`` at the rotated copy of its content, if one exists."""
        for path in reversed(history_files(t.path)):
            if str(path) == t.path or not path.is_file():
                continue
            try:
                head = read_head(path, len(t.ident.head))
            except OSError:
                continue
            if head != t.ident.head:
                continue
            try:
                self._attach(t, str(path))
            except (OSError, EOFError):
                continue
            self._counters["copies_recovered"] += 1
            _log.info("source.file.copy_found", source=self.name, path=str(path))
            return True
        return False

    def _attach(self, t: Tracked, path: str) -> None:
        """Make ``t`` read ``path`` (a copy of its content) from its current offset.

        The callers identified ``path`` by its head in an earlier open; a
        rotation may have put another file under that name since.  The head
        is read again through the very descriptor (or stream) that ``t`` will
        read, and a file that no longer starts with ``t``'s head is refused.

        Raises:
            _Replaced: ``path`` holds another content now.
            OSError, EOFError: ``path`` cannot be opened or read.
        """
        offset = t.splitter.consumed
        n = self.options.fingerprint_bytes
        if is_compressed(path):
            stream = open_compressed(path)
            try:
                full = stream.read(n)
                self._check_attached(t, path, full)
                stream.seek(0)
                skip_bytes(stream, offset)
            except BaseException:
                stream.close()
                raise
            t.stream = stream
        else:
            fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC | os.O_NONBLOCK)
            try:
                st = os.fstat(fd)
                full = os.pread(fd, n, 0)
                self._check_attached(t, path, full)
            except BaseException:
                os.close(fd)
                raise
            if st.st_size <= offset:
                # We had read the original past the copy's end: nothing left.
                os.close(fd)
                t.done = True
            else:
                t.fd, t.dev, t.ino = fd, st.st_dev, st.st_ino
                t.checked_size = st.st_size
                self._by_inode[t.inode] = t
        t.path = t.splitter.path = path
        t.eof_since = None
        t.is_copy = True
        # A copy is never read through pread on its head again (streams
        # cannot): take the full head now, so checkpoints cover their offset.
        if len(full) > len(t.ident.head):
            self._upgrade_identity(t, full)

    @staticmethod
    def _check_attached(t: Tracked, path: str, head: bytes) -> None:
        if not head.startswith(t.ident.head):
            raise _Replaced(errno.ENOENT, "another file is there now (rotated)", path)

    # ---------------------------------------------------------------- scanning

    def _rescan(self, now: float, initial: bool = False) -> None:
        self._rescan_requested = False
        self._next_rescan = now + self.options.rescan_interval
        if self._watcher is not None:
            self._watcher.refresh()
        matched, archives = self._glob()
        by_inode: dict[tuple[int, int], list[str]] = {}
        for path, st in matched.items():
            by_inode.setdefault((st.st_dev, st.st_ino), []).append(path)
        for t in self._files:
            if t.done or t.stream is not None:
                continue
            paths = by_inode.get(t.inode)
            if paths is None:
                if t.live:
                    self._detach(t, matched)
            elif t.path not in paths:
                # Renamed to another matched name (e.g. ``app.log*`` and ``app.log.1``).
                if t.live and t.path in matched:
                    self._counters["rotations"] += 1
                t.path = t.splitter.path = paths[0]
                t.live = True
            else:
                t.live = True
        for inode, paths in by_inode.items():
            if inode not in self._by_inode:
                self._open(paths[0], initial, now)
        for path, st in archives.items():
            if (st.st_dev, st.st_ino) not in self._archives:
                self._archives.add((st.st_dev, st.st_ino))
                self._open_archive(path, initial, now)

    def _open_archive(self, path: str, initial: bool, now: float) -> None:
        """Read a matched ``.gz``/``.bz2``/``.xz`` file once, as a finished file.

        Compressed files never grow: they are read from their committed
        position (or start) to their end.  One whose content this source
        already knows (a rotated copy of a file it read) is skipped.
        """
        n = self.options.fingerprint_bytes
        try:
            head = read_head(path, n)
        except OSError as exc:
            self._warn(path, "source.file.unreadable", error=str(exc))
            return
        if not head or (initial and self.options.start_at == "end"):
            return
        found: tuple[Position, int] | None = None
        if not (initial and self.options.start_at == "beginning"):
            heads = [h for t in self._files for h in (t.ident.head, self._current_head(t))]
            if self._is_known(head, heads, closed=False):
                return  # a compressed copy of a file being read right now
            if not initial:
                self._committed = self._store.load(self.name)
                self._delivered = self._store.delivered(self.name)
            found = self._archive_row(head)
            if found is None and self._is_known(head, []):
                return  # a copy of a file read to its end earlier
        if found is not None and found[0].cursor.endswith(":final"):
            return
        start, lineno = (found[0].offset, found[1]) if found else (0, 0)
        ident = identify(head, 0, 0, n)
        if found is not None:
            ident = Identity(found[0].key, head)
        elif not ident.is_checksum:
            ident = Identity(f"i:0:0:{secrets.token_hex(4)}", head)
        t = self._new_tracked(path, None, ident, dev=0, ino=0, start=start, lineno=lineno, now=now)
        t.binary_checked = True
        if not self._attach_first(t, path):
            return
        self._counters["files_opened"] += 1
        if found is None:
            self._store.register([t.position(self.name)])
        else:
            self._resumed.add(found[0].key)
        _log.info("source.file.opened", source=self.name, path=path, key=t.key, offset=start)

    def _archive_row(self, head: bytes) -> tuple[Position, int] | None:
        """The checkpoint (and lineno) whose token proves it is this archive."""
        best: tuple[Position, int] | None = None
        for pos in self._committed.values():
            token, lineno, _ = self._tokens(pos)
            if token is None or token.length == 0 or not token.matches(head):
                continue
            if token.length < min(pos.offset, self.options.fingerprint_bytes):
                continue
            if best is None or pos.offset > best[0].offset:
                best = (pos, lineno)
        return best

    def _glob(self) -> tuple[dict[str, os.stat_result], dict[str, os.stat_result]]:
        """``(plain files, compressed files)`` matched by the globs."""
        matched: dict[str, os.stat_result] = {}
        archives: dict[str, os.stat_result] = {}
        for pattern in self.options.paths:
            hits = 0
            for path in sorted(glob.glob(pattern)):
                if any(fnmatch(path, ex) for ex in self.options.exclude):
                    continue
                try:
                    st = os.stat(path)
                except FileNotFoundError:
                    continue  # a dangling symlink, or removed since the listing
                except OSError as exc:
                    self._warn(path, "source.file.unreadable", error=str(exc))
                    continue
                if not stat.S_ISREG(st.st_mode):
                    kind = "directory" if stat.S_ISDIR(st.st_mode) else "special file"
                    self._warn(path, "source.file.not_regular", kind=kind)
                    continue
                hits += 1
                (archives if is_compressed(path) else matched).setdefault(path, st)
            if hits:
                self._warned.pop(pattern, None)
            else:
                self._warn(pattern, "source.glob.no_match")
        return matched, archives

    def _detach(self, t: Tracked, matched: dict[str, os.stat_result]) -> None:
        """``t`` left its path: rotated, moved out of the globs, or deleted."""
        t.live = False
        replaced = t.path in matched
        if replaced:
            self._counters["rotations"] += 1
        _log.info(
            "source.file.rotated" if replaced else "source.file.gone",
            source=self.name,
            path=t.path,
            key=t.key,
            unread_from=t.splitter.consumed,
        )
        self._catch_up(t.path)

    def _catch_up(self, path: str, opening: tuple[tuple[int, int], bytes] | None = None) -> None:
        """Read rotated generations of ``path`` that lived and left unseen.

        Rotations faster than the rescan (or an inotify queue that was late)
        can create a file and rotate it away before it is ever opened.  Walking
        the siblings newest first, every file whose content is unknown, up to
        the first one this source has read, is such a generation: it is read
        from its start.  Nothing is assumed about siblings older than the
        first known one (they predate this source).

        ``opening`` is ``(inode, head)`` of a file being opened at ``path`` but
        not tracked yet.  It may itself have been rotated already (it is
        newer than any missed generation), so it is stepped over, never a
        stopping point: what the glob saw at ``path`` may have been rotated
        away between the listing and the open.

        A source that lags behind its rotations walks while logrotate runs
        again, and names move under the walk: a listed sibling is gone, or
        another file has its name by the time it is opened.  A file is
        adopted only through a descriptor whose head is the one identified,
        and a walk that lost track of a file is repeated (stepping over what
        earlier passes adopted).
        """
        n = self.options.fingerprint_bytes
        inodes = {t.inode for t in self._files if t.fd is not None}
        # Current heads, not the identified ones: a file opened empty may have
        # been written and compressed since it was last read.
        heads = [h for t in self._files for h in (t.ident.head, self._current_head(t))]
        adopted: list[bytes] = []
        for _ in range(_CATCH_UP_PASSES):
            if self._catch_up_pass(
                path, n=n, inodes=inodes, heads=heads, opening=opening, adopted=adopted
            ):
                return
        self._warn(path, "source.file.catch_up_unsettled", passes=_CATCH_UP_PASSES)

    def _catch_up_pass(
        self,
        path: str,
        *,
        n: int,
        inodes: set[tuple[int, int]],
        heads: list[bytes],
        opening: tuple[tuple[int, int], bytes] | None,
        adopted: list[bytes],
    ) -> bool:
        """One catch-up walk; False when a sibling moved under it (walk again).

        Files only move towards older names, so a walk that reads each name
        when it gets there still meets every generation it has not passed,
        by content; what escapes it is a name found empty (logrotate between
        compressing ``.1`` and renaming the live file) or a file moved
        between its identification and its open.
        """
        own_inode, own_head = opening if opening is not None else (None, b"")
        names = _listing(path)
        listed = set(names)
        settled = True
        missed: list[tuple[str, bytes]] = []
        for name in names:
            compressed = is_compressed(name)
            if compressed and os.path.splitext(name)[0] in listed:
                # Still being compressed (logrotate removes the plain file
                # once the archive is complete): the plain file is read.
                continue
            try:
                st = os.stat(name)
                if not compressed and (st.st_dev, st.st_ino) == own_inode:
                    continue
                if not compressed and (st.st_dev, st.st_ino) in inodes:
                    break
                head = read_head(name, n)
            except FileNotFoundError:
                settled = False  # moved since the listing
                continue
            except OSError:
                continue
            if not head:
                continue  # empty: nothing to read, and proves nothing
            if own_head and _related(head, own_head):
                continue  # a compressed copy of the file being opened
            if any(_related(head, h) for h in adopted) or any(_related(head, h) for _, h in missed):
                continue  # met again under an older name (rotated during the walk)
            if self._is_known(head, heads):
                break
            missed.append((name, head))
        now = self._clock.monotonic()
        for name, head in reversed(missed):
            if self._adopt(name, head, now):
                adopted.append(head)
            else:
                settled = False
        return settled

    def _current_head(self, t: Tracked) -> bytes:
        if t.fd is not None:
            try:
                return os.pread(t.fd, self.options.fingerprint_bytes, 0)
            except OSError:
                pass
        return t.ident.head

    def _is_known(self, head: bytes, tracked: list[bytes], closed: bool = True) -> bool:
        """True when ``head`` starts a content being read (or, with ``closed``, read)."""
        for known in tracked:
            if known and (head.startswith(known) or known.startswith(head)):
                return True
        return closed and any(
            head_hash(head[:length]) in digests
            for length, digests in self._known.items()
            if length <= len(head)
        )

    def _remember(self, head: bytes) -> None:
        """Keep the head of a closed content (bounded) for :meth:`_is_known`."""
        if not head:
            return
        self._known.setdefault(len(head), set()).add(head_hash(head))
        self._known_count += 1
        if self._known_count > _KNOWN_CAP:
            self._known.clear()  # rare; losing history only weakens catch-up
            self._known_count = 0

    def _attach_first(self, t: Tracked, path: str) -> bool:
        """Open ``path`` for ``t`` and read it before the others; warn and drop ``t`` on failure."""
        try:
            self._attach(t, path)
        except (OSError, EOFError) as exc:
            self._warn(path, "source.file.unreadable", error=str(exc))
            t.close()
            return False
        self._files.insert(0, t)
        return True

    def _adopt(self, path: str, head: bytes, now: float) -> bool:
        """Read the missed generation ``head`` at ``path`` from its start.

        Returns:
            False when ``path`` no longer holds it (moved by a rotation since
            it was identified): the caller looks for it again.
        """
        ident = identify(head, 0, 0, self.options.fingerprint_bytes)
        if not ident.is_checksum:
            ident = Identity(f"i:0:0:{secrets.token_hex(4)}", head)
        t = self._new_tracked(path, None, ident, dev=0, ino=0, start=0, lineno=0, now=now)
        try:
            self._attach(t, path)
        except (FileNotFoundError, _Replaced):
            t.close()
            return False
        except (OSError, EOFError) as exc:
            self._warn(path, "source.file.unreadable", error=str(exc))
            t.close()
            return True
        # After the rotated files already open (older), before the live ones.
        self._files.append(t)
        self._counters["files_caught_up"] += 1
        self._store.register([t.position(self.name)])
        _log.warning("source.file.caught_up", source=self.name, path=path, key=t.key)
        return True

    def _open(self, path: str, initial: bool, now: float) -> None:
        try:
            fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC | os.O_NONBLOCK)
        except FileNotFoundError:
            if not initial:
                self._catch_up(path)
            return
        except OSError as exc:
            event = "source.file.not_regular" if exc.errno == errno.EISDIR else None
            self._warn(path, event or "source.file.unreadable", error=str(exc))
            return
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode):
                os.close(fd)
                self._warn(path, "source.file.not_regular", kind="special file")
                return
            head = os.pread(fd, self.options.fingerprint_bytes, 0)
        except OSError as exc:
            os.close(fd)
            self._warn(path, "source.file.unreadable", error=str(exc))
            return
        if not initial:
            # A new file at a path: generations may have come and gone since
            # the previous one was seen there, including the very file the
            # glob listed here if a rotation ran between the listing and the
            # open (this descriptor may be a newer file).  Hence after the
            # open: the walk steps over the file just opened.
            self._catch_up(path, ((st.st_dev, st.st_ino), head))
        self._warned.pop(path, None)
        start = self._start_for(st, fd, head, initial)
        if start is None:
            os.close(fd)  # deferred: a copy of a file being read (see _start_for)
            return
        t = self._track(
            path,
            fd,
            st,
            start=start.offset,
            lineno=start.lineno,
            now=now,
            resumed_key=start.key,
            register=start.key is None,
        )
        t.reread_until = start.reread
        if start.key is not None:
            # Save the (possibly longer) head and the delivery mark under the
            # key now in use: if the file is rotated and compressed before the
            # next batch, only this token identifies it.
            pos = t.position(self.name)
            self._store.note_delivered([pos._replace(offset=max(pos.offset, start.reread))])

    def _start_for(
        self, st: os.stat_result, fd: int, head: bytes, initial: bool
    ) -> StartPoint | None:
        """Where reading a newly opened file starts; None to defer it."""
        mode = self.options.start_at
        n = self.options.fingerprint_bytes
        if len(head) >= n:
            key = identify(head, st.st_dev, st.st_ino, n).key
            if any(t.key == key and not t.done for t in self._files):
                # Same first bytes as a file being read: a copytruncate copy
                # appearing before the truncation is seen.  Reading it now would
                # duplicate lines; the original moves to it once truncated.
                return None
        if initial and mode == "beginning":
            return StartPoint(0)
        if initial and mode == "end":
            return StartPoint(end_offset(fd, st.st_size))
        if not initial:
            # Rare (a rotation, a new file): fresh rows, not the startup snapshot.
            self._committed = self._store.load(self.name)
            self._delivered = self._store.delivered(self.name)
        found = self._lookup(st, head)
        if found is None:
            return StartPoint(0)
        pos, lineno, done = found
        self._resumed.add(pos.key)
        return StartPoint(pos.offset, lineno, pos.key, done if done > pos.offset else 0)

    def _tokens(self, pos: Position) -> tuple[HeadToken | None, int, bool]:
        """``(longest identity token, committed lineno, final)`` of a checkpoint row."""
        committed, final = parse_cursor(pos.cursor)
        seen, _ = parse_cursor(self._delivered.get(pos.key, (0, ""))[1])
        tokens = [t for t in (committed, seen) if t is not None]
        best = max(tokens, key=lambda t: t.length) if tokens else None
        return best, committed.lineno if committed is not None else 0, final

    def _lookup(self, st: os.stat_result, head: bytes) -> tuple[Position, int, int] | None:
        """``(position, lineno, delivered mark)`` of the rows proven to be this file.

        Several rows can describe one file (its short-file key and its
        checksum key): the furthest committed offset wins, and the furthest
        delivery mark among them bounds the re-reads.
        """
        n = self.options.fingerprint_bytes
        candidates: list[Position] = []
        if len(head) >= n:
            pos = self._committed.get(identify(head, 0, 0, n).key)
            if pos is not None:
                candidates.append(pos)
        prefix = f"i:{st.st_dev}:{st.st_ino}:"
        candidates += [p for k, p in self._committed.items() if k.startswith(prefix)]
        best: tuple[Position, int] | None = None
        done = 0
        for pos in candidates:
            token, lineno, _ = self._tokens(pos)
            if token is None or not token.matches(head) or pos.offset > st.st_size:
                continue
            if token.length == 0 or token.length < min(pos.offset, n):
                # An empty token, or one shorter than the offset, proves nothing
                # (an inode is reused as soon as a deleted file is closed).
                continue
            done = max(done, self._delivered.get(pos.key, (0, ""))[0])
            # Every row proven to be this file is in use, not an orphan.
            self._resumed.add(pos.key)
            if best is None or pos.offset > best[0].offset:
                best = (pos, lineno)
        return None if best is None else (*best, done)

    def _track(
        self,
        path: str,
        fd: int,
        st: os.stat_result,
        *,
        start: int,
        lineno: int,
        now: float,
        resumed_key: str | None,
        register: bool,
    ) -> Tracked:
        n = self.options.fingerprint_bytes
        head = os.pread(fd, n, 0)
        ident = identify(head, st.st_dev, st.st_ino, n)
        if not ident.is_checksum:
            key = resumed_key or f"i:{st.st_dev}:{st.st_ino}:{secrets.token_hex(4)}"
            ident = Identity(key, head)
        t = self._new_tracked(
            path, fd, ident, dev=st.st_dev, ino=st.st_ino, start=start, lineno=lineno, now=now
        )
        t.live = True
        t.checked_size = t.last_size = st.st_size
        t.binary_checked = start > 0
        self._files.append(t)
        self._by_inode[t.inode] = t
        self._counters["files_opened"] += 1
        _log.info("source.file.opened", source=self.name, path=path, key=t.key, offset=start)
        if register:
            self._store.register([t.position(self.name)])
        return t

    def _new_tracked(
        self,
        path: str,
        fd: int | None,
        ident: Identity,
        *,
        dev: int,
        ino: int,
        start: int,
        lineno: int,
        now: float,
    ) -> Tracked:
        opts = self.options
        splitter = LineSplitter(
            self.name, path, ident.key, start=start, lineno=lineno, cap=opts.max_line_bytes
        )
        joiner = None
        if self._joiner_re is not None:
            joiner = MultilineJoiner(self._joiner_re, opts.multiline_max_lines, opts.max_line_bytes)

        t = Tracked(
            path=path,
            fd=fd,
            stream=None,
            dev=dev,
            ino=ino,
            ident=ident,
            splitter=splitter,
            joiner=joiner,
            live=False,
            now=now,
        )
        t.runs = self._runs and joiner is None
        return t

    def _recover_orphans(self) -> None:
        """Finish files that were rotated away while Sentinel was down.

        A committed position that matched no file at startup (and is not
        marked final) belongs to a file that left the globs: it is looked up
        among the rotated siblings by its head token (``.gz`` included) and
        read from the committed offset.
        """
        now = self._clock.monotonic()
        heads: dict[tuple[str, int], bytes | None] = {}
        # Highest offset first: when two rows (an old short-file key and its
        # checksum key) match one file, the furthest one wins and the other
        # then finds the file taken.
        rows = sorted(self._committed.values(), key=lambda p: (-p.offset, p.key.startswith("i:")))
        for pos in rows:
            if pos.key in self._resumed or pos.cursor.endswith(":retired"):
                continue
            token, lineno, final = self._tokens(pos)
            if token is None or not pos.path or token.length == 0:
                continue  # an empty token proves nothing (see _lookup)
            if token.length < min(pos.offset, self.options.fingerprint_bytes):
                continue
            for path, taken in self._siblings(pos.path):
                if not may_hold(pos.key, path, token):
                    continue
                cache = (str(path), token.length)
                if cache not in heads:
                    try:
                        heads[cache] = read_head(path, token.length)
                    except OSError:
                        heads[cache] = None
                head = heads[cache]
                if head is not None and token.matches(head):
                    if final:
                        self._claimed.add(path)  # finished: claim it, read nothing
                    elif taken:
                        # Another row (further on) already reads this file:
                        # this one is stale (e.g. a retired short-file key),
                        # but its delivery mark still bounds the re-reads.
                        self._retire(pos)
                        reader = self._recovering.get(path)
                        done = self._delivered.get(pos.key, (0, ""))[0]
                        if reader is not None and done > reader.splitter.start:
                            reader.reread_until = max(reader.reread_until, done)
                            # Keep the mark under the key still in use.
                            mark = reader.position(self.name)._replace(offset=done)
                            self._store.note_delivered([mark])
                    else:
                        # Claimed even when fully read: a lower row must not
                        # read it again.
                        self._claimed.add(path)
                        self._recover(pos, lineno, str(path), head, now)
                    break

    def _retire(self, pos: Position) -> None:
        """Mark a stale checkpoint row (superseded by another key); offset unchanged."""
        if not pos.cursor.endswith((":final", ":retired")):
            self._store.commit_positions([pos._replace(cursor=pos.cursor + ":retired")])

    def _siblings(self, path: str) -> list[tuple[str, bool]]:
        """Candidate files for a checkpoint at ``path``, each with ``taken``."""
        tracked = {t.inode for t in self._files if t.fd is not None}
        taken = {t.path for t in self._files} | self._claimed
        out: list[tuple[str, bool]] = []
        # The row's path may itself be a rotated name that has been shifted
        # since (.1 -> .2.gz): search around the live name it came from.
        base = rotation_base(path)
        names = [*map(str, history_files(base)), str(base), path]
        for candidate in dict.fromkeys(names):
            try:
                st = os.stat(candidate)
            except OSError:
                continue
            if stat.S_ISREG(st.st_mode):
                busy = (st.st_dev, st.st_ino) in tracked or candidate in taken
                out.append((candidate, busy))
        return out

    def _recover(self, pos: Position, lineno: int, path: str, head: bytes, now: float) -> None:
        ident = Identity(pos.key, head)
        t = self._new_tracked(
            path, None, ident, dev=0, ino=0, start=pos.offset, lineno=lineno, now=now
        )
        done = self._delivered.get(pos.key, (0, ""))[0]
        t.reread_until = done if done > pos.offset else 0
        t.binary_checked = True
        try:
            self._attach(t, path)
        except (OSError, EOFError) as exc:
            self._warn(path, "source.file.unreadable", error=str(exc))
            t.close()
            return
        if t.done:
            return
        self._resumed.add(pos.key)
        self._recovering[path] = t
        self._files.insert(0, t)
        self._counters["files_recovered"] += 1
        _log.info(
            "source.file.recovered", source=self.name, path=path, key=pos.key, offset=pos.offset
        )

    def _flag_binary(self, t: Tracked) -> None:
        # Warned, never skipped: log content is attacker-controlled, and a few
        # injected NUL bytes must not make Sentinel stop reading a log.  The
        # line cap bounds what a binary "line" can cost downstream.
        self._warn(t.path, "source.file.binary")
        self._counters["files_binary"] += 1

    def _close(self, t: Tracked) -> Position:
        final = t.position(self.name, final=True)
        self._remember(t.ident.head)
        t.close()
        if self._by_inode.get(t.inode) is t:
            del self._by_inode[t.inode]
        self._files.remove(t)
        self._counters["files_closed"] += 1
        self._counters["lines_truncated"] += t.splitter.lines_truncated
        self._counters["bytes_discarded"] += t.splitter.bytes_discarded
        if t.joiner is not None:
            self._counters["multiline_splits"] += t.joiner.splits
        _log.info(
            "source.file.closed", source=self.name, path=t.path, key=t.key, offset=final.offset
        )
        return final

    def _warn(self, subject: str, event: str, **fields: object) -> None:
        """Log ``event`` once per subject until the subject recovers."""
        if self._warned.get(subject) == event:
            return
        self._warned[subject] = event
        self._counters["warnings"] += 1
        _log.warning(event, source=self.name, path=subject, **fields)


def _related(head: bytes, other: bytes) -> bool:
    """True when one head is a prefix of the other (one content, seen at two sizes)."""
    return head.startswith(other) or other.startswith(head)


def _siblings_newest_first(path: str) -> list[str]:
    """Rotated siblings of the live ``path``, newest first (``path`` excluded)."""
    return [str(p) for p in reversed(history_files(path)) if str(p) != path]


def _listing(path: str) -> list[str]:
    """:func:`_siblings_newest_first`, listed until two listings in a row agree.

    A directory read while entries are renamed may miss one of them.
    """
    names = _siblings_newest_first(path)
    for _ in range(_CATCH_UP_PASSES):
        again = _siblings_newest_first(path)
        if again == names:
            break
        names = again
    return names
