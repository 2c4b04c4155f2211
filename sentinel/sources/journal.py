"""The systemd journal source, through ``journalctl -o json``.

``journalctl`` does the journal work (file format, rotation, vacuuming,
permissions); Sentinel reads its JSON output, one record per line, and
checkpoints the ``__CURSOR`` of the last record of each batch as
``Position(key="journal:NAME", cursor=...)``.  On restart it passes
``--after-cursor``, so a crash re-reads at most the uncommitted batches.

Filters: ``units`` match ``_SYSTEMD_UNIT`` (``.service`` is appended to a
bare name) and ``identifiers`` match ``SYSLOG_IDENTIFIER``; a record matching
*any* of them is read (journalctl's ``+`` disjunction; ``-u`` and ``-t``
together would mean *both*).  No filter reads everything.

``start_at``: ``checkpoint`` (default) resumes after the committed cursor,
or reads the whole journal when there is none; ``beginning`` reads the whole
journal; ``end`` reads only records written from now on.

Back-pressure: a reader thread moves lines into a bounded queue; when it is
full the thread blocks, the pipe fills and ``journalctl`` waits.  Nothing is
dropped.

.. versionadded:: 0.1
"""

from __future__ import annotations

import json
import queue
import re
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Literal

import structlog

from sentinel.clock import Clock
from sentinel.errors import SourceUnavailable
from sentinel.records import LineRef, Position, RawLine
from sentinel.sources.batch import Batch
from sentinel.sources.checkpoints import CheckpointStore

__all__ = ["JournalSource", "JournalSourceOptions"]

_log = structlog.get_logger("sentinel.sources")
_MATCH_VALUE = re.compile(r"^[A-Za-z0-9_.@:\\-]+$")


@dataclass(frozen=True, slots=True)
class JournalSourceOptions:
    """Configuration of one journal source.  :meth:`validate` does no I/O."""

    name: str
    """Source name; the checkpoint key is ``journal:NAME``."""
    units: tuple[str, ...] = ()
    """systemd units to read (``nginx`` means ``nginx.service``)."""
    identifiers: tuple[str, ...] = ()
    """Syslog identifiers to read (``sshd``, ``sudo``)."""
    files: tuple[str, ...] = ()
    """Read these journal files instead of the system journal (``--file``; no follow)."""
    directory: str | None = None
    """Read the journal in this directory instead of the system journal (``--directory``)."""
    start_at: Literal["checkpoint", "beginning", "end"] = "checkpoint"
    """Where to start: see the module documentation."""
    journalctl: str = "journalctl"
    """The journalctl executable."""
    max_line_bytes: int = 65536
    """Longer JSON records are cut (``truncated=True``)."""
    queue_lines: int = 10000
    """Records buffered between the reader thread and :meth:`JournalSource.read_batch`."""

    def validate(self) -> None:
        """Check every field.

        Raises:
            ValueError: Naming the first invalid field.
        """
        if not self.name or not self.name.strip():
            raise ValueError("name: must not be empty")
        for field in ("units", "identifiers"):
            for value in getattr(self, field):
                if not isinstance(value, str) or not _MATCH_VALUE.match(value):
                    raise ValueError(f"{field}: invalid name {value!r}")
                if value.startswith("-"):
                    raise ValueError(f"{field}: {value!r} must not start with '-'")
        if self.files and self.directory:
            raise ValueError("files: give either files or directory, not both")
        if self.start_at not in ("checkpoint", "beginning", "end"):
            raise ValueError(
                f"start_at: {self.start_at!r} is not one of 'checkpoint', 'beginning', 'end'"
            )
        for field, low in (("max_line_bytes", 256), ("queue_lines", 1)):
            value = getattr(self, field)
            if isinstance(value, bool) or not isinstance(value, int) or value < low:
                raise ValueError(f"{field}: must be an integer >= {low}, got {value!r}")
        if not self.journalctl:
            raise ValueError("journalctl: must not be empty")


class JournalSource:
    """Reads journal records as :class:`RawLine` (data = the JSON record).

    Args:
        options: The source configuration (validated here).
        store: Where the cursor is loaded from (the consumer commits it).
        clock: Wall clock (kept for symmetry with the file source).

    Raises:
        ValueError: ``options`` is invalid.
    """

    def __init__(self, options: JournalSourceOptions, store: CheckpointStore, clock: Clock) -> None:
        options.validate()
        self.options = options
        self.name = options.name
        self.key = f"journal:{options.name}"
        self._clock = clock
        saved = store.load(self.name).get(self.key)
        self._cursor = saved.cursor if saved is not None else ""
        # None marks the end of journalctl's output.
        self._queue: queue.Queue[tuple[bytes, bool] | None] = queue.Queue(
            maxsize=options.queue_lines
        )
        self._proc: subprocess.Popen[bytes] | None = None
        self._thread: threading.Thread | None = None
        self._stderr: IO[bytes] | None = None
        self._stop = threading.Event()
        self._ended = False
        self._seq = 0
        self._counters = {"lines_read": 0, "bytes_read": 0, "lines_truncated": 0, "warnings": 0}

    def command(self, follow: bool) -> list[str]:
        """The journalctl command line for the current cursor."""
        opts = self.options
        exe = shutil.which(opts.journalctl) or opts.journalctl
        cmd = [exe, "-o", "json", "--no-pager", "--quiet"]
        for path in opts.files:
            cmd.append(f"--file={path}")
        if opts.directory:
            cmd.append(f"--directory={opts.directory}")
        if follow:
            cmd.append("--follow")
        if self._cursor and opts.start_at == "checkpoint":
            cmd.append(f"--after-cursor={self._cursor}")
        elif opts.start_at == "end":
            cmd.append("--lines=0")
        elif follow:
            cmd.append("--lines=all")  # --follow alone shows only the last 10
        groups = [
            [f"_SYSTEMD_UNIT={u if '.' in u else u + '.service'}" for u in opts.units],
            [f"SYSLOG_IDENTIFIER={i}" for i in opts.identifiers],
        ]
        matches = [g for g in groups if g]
        for i, group in enumerate(matches):
            if i:
                cmd.append("+")
            cmd.extend(group)
        return cmd

    def counters(self) -> dict[str, int]:
        """A snapshot of the counters."""
        return dict(self._counters)

    def start(self, follow: bool = True) -> None:
        """Start journalctl (done by the first read when not called).

        Raises:
            SourceUnavailable: journalctl cannot be started.
        """
        if self._proc is not None:
            return
        cmd = self.command(follow)
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 - closed in close()
        try:
            self._proc = subprocess.Popen(
                cmd, stdout=subprocess.PIPE, stderr=self._stderr, stdin=subprocess.DEVNULL
            )
        except OSError as exc:
            raise SourceUnavailable(f"journal source {self.name}: {exc}") from exc
        _log.info("source.journal.started", source=self.name, follow=follow)
        self._thread = threading.Thread(target=self._pump, name=f"journal-{self.name}", daemon=True)
        self._thread.start()

    def _pump(self) -> None:
        """Reader thread: journalctl stdout -> bounded queue (blocking when full)."""
        assert self._proc is not None
        assert self._proc.stdout is not None
        cap = self.options.max_line_bytes
        out = self._proc.stdout
        while not self._stop.is_set():
            line = out.readline(cap + 1)
            if not line:
                break
            truncated = not line.endswith(b"\n")
            if truncated:
                # Discard the rest of an over-long record without holding it.
                while (rest := out.readline(cap)) and not rest.endswith(b"\n"):
                    pass
            self._put((line.rstrip(b"\n")[:cap], truncated))
        self._put(None)

    def _put(self, item: tuple[bytes, bool] | None) -> None:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.2)
                return
            except queue.Full:
                continue

    def read_batch(self, max_lines: int = 1000) -> Batch:
        """Records available now (non-blocking); starts following on first use."""
        if self._proc is None:
            self.start(follow=True)
        return self._drain(max_lines, block=0.0)

    def _drain(self, max_lines: int, block: float) -> Batch:
        lines: list[RawLine] = []
        cursor = ""
        while len(lines) < max_lines and not self._ended:
            try:
                item = (
                    self._queue.get(timeout=block)
                    if block and not lines
                    else self._queue.get_nowait()
                )
            except queue.Empty:
                break
            if item is None:
                self._ended = True
                self._report_exit()
                break
            data, truncated = item
            self._seq += 1
            path = self.options.directory or ",".join(self.options.files) or "journal"
            ref = LineRef(self.name, path, self._seq, 0, self.key)
            lines.append(RawLine(ref, data, truncated))
            self._counters["lines_read"] += 1
            self._counters["bytes_read"] += len(data) + 1
            if truncated:
                self._counters["lines_truncated"] += 1
                continue
            cursor = _cursor_of(data) or cursor
        if cursor:
            self._cursor = cursor
        positions = (Position(self.name, self.key, self._seq, "journal", cursor),) if cursor else ()
        return Batch(tuple(lines), positions)

    def iter_batches(
        self, follow: bool, stop: threading.Event | None = None, max_lines: int = 1000
    ) -> Iterator[Batch]:
        """Yield batches until ``stop`` is set or (``follow=False``) the journal ends."""
        self.start(follow=follow)
        while not (stop is not None and stop.is_set()) and not self._ended:
            batch = self._drain(max_lines, block=0.2)
            if batch:
                yield batch

    def _report_exit(self) -> None:
        assert self._proc is not None
        code = self._proc.wait()
        if code not in (0, -15) and self._stderr is not None:
            self._stderr.seek(0)
            error = self._stderr.read(4096).decode("utf-8", "replace").strip()
            self._counters["warnings"] += 1
            _log.warning("source.journal.failed", source=self.name, code=code, error=error)

    def close(self) -> None:
        """Stop journalctl and the reader thread."""
        self._stop.set()
        if self._proc is not None:
            if self._proc.poll() is None:
                self._proc.terminate()
            self._proc.wait()
            if self._proc.stdout is not None:
                self._proc.stdout.close()
        if self._thread is not None:
            self._thread.join()
        if self._stderr is not None:
            self._stderr.close()

    def __enter__(self) -> JournalSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _cursor_of(record: bytes) -> str:
    try:
        value = json.loads(record).get("__CURSOR", "")
    except (ValueError, AttributeError):
        return ""
    return value if isinstance(value, str) else ""
