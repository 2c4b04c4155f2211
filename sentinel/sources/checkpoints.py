"""Checkpoints in SQLite, committed in the consumer's own transaction.

The store is one SQLite database in WAL mode.  Sources read their starting
points from it; the consumer commits *its results and the positions of the
batch that produced them in one transaction*::

    batch = source.read_batch()
    with store.transaction() as conn:
        conn.executemany("INSERT INTO findings ...", ...)   # the consumer's rows
        store.save_positions(conn, batch.positions)

so a crash either keeps both or neither: no line is skipped, and re-reading
after a crash is bounded by the batches delivered but not yet committed.
Later stages add their own tables (findings, incidents, outbox) to the same
database.

Besides the committed ``offset`` each row carries ``delivered``: how far the
source had *handed out* lines.  The source writes it (in its own tiny
transaction) before returning a batch, so after a crash it knows which lines
it is delivering for the second time and counts them.

Thread safety: one store may be shared by threads.  All access goes through
one connection guarded by a re-entrant lock; :meth:`transaction` holds the
lock until commit, so transactions are serialised.  Other processes may open
the same file (WAL readers never block the writer; writers wait up to
``busy_timeout``).

Schema (version 1)::

    meta(key PRIMARY KEY, value)                 -- schema_version
    source_positions(source, key, offset, path, cursor, delivered, head, updated)

``head`` is the longest identity token the source has seen for the key (it
grows with a short file); ``cursor`` is the committed one.

.. versionadded:: 0.1
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sentinel.errors import CheckpointError
from sentinel.records import Position

__all__ = ["SCHEMA_VERSION", "CheckpointStore"]

#: Version of the tables this module owns; a newer database is refused.
SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS source_positions (
    source    TEXT NOT NULL,
    key       TEXT NOT NULL,
    offset    INTEGER NOT NULL,
    path      TEXT NOT NULL DEFAULT '',
    cursor    TEXT NOT NULL DEFAULT '',
    delivered INTEGER NOT NULL DEFAULT 0,
    head      TEXT NOT NULL DEFAULT '',
    updated   REAL NOT NULL DEFAULT 0,
    PRIMARY KEY (source, key)
) WITHOUT ROWID;
"""

_UPSERT = """
INSERT INTO source_positions (source, key, offset, path, cursor, delivered, updated)
VALUES (?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (source, key) DO UPDATE SET
    offset = excluded.offset, path = excluded.path, cursor = excluded.cursor,
    updated = excluded.updated
"""

_REGISTER = """
INSERT INTO source_positions (source, key, offset, path, cursor, delivered, head, updated)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (source, key) DO UPDATE SET
    offset = excluded.offset, path = excluded.path, cursor = excluded.cursor,
    delivered = excluded.delivered, head = excluded.head, updated = excluded.updated
"""

_DELIVERED = """
INSERT INTO source_positions (source, key, offset, path, cursor, delivered, head, updated)
VALUES (?, ?, 0, ?, '', ?, ?, ?)
ON CONFLICT (source, key) DO UPDATE SET
    delivered = max(delivered, excluded.delivered), head = excluded.head
"""


class CheckpointStore:
    """Positions per source and key in a SQLite (WAL) database.

    Args:
        path: Database file; created with its tables when missing.
        busy_timeout: Seconds a writer waits for another process's lock.

    Raises:
        CheckpointError: The database cannot be opened, is not a database, or
            was written by a newer schema version.
    """

    def __init__(self, path: str | Path, busy_timeout: float = 30.0) -> None:
        self.path = Path(path)
        self._lock = threading.RLock()
        try:
            # isolation_level=None: we issue BEGIN/COMMIT ourselves so the
            # consumer's writes and ours share one explicit transaction.
            self._conn = sqlite3.connect(
                self.path, timeout=busy_timeout, isolation_level=None, check_same_thread=False
            )
            self._conn.execute("PRAGMA journal_mode=WAL")
            # NORMAL is durable across process crashes in WAL mode; only an OS
            # crash may lose the last commits, which then are re-read, not skipped.
            self._conn.execute("PRAGMA synchronous=NORMAL")
            self._migrate()
        except sqlite3.Error as exc:
            raise CheckpointError(f"checkpoint store {self.path}: {exc}") from exc

    def _migrate(self) -> None:
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                # Not executescript(): it would commit the open transaction.
                self._conn.execute(
                    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)"
                )
                row = self._conn.execute(
                    "SELECT value FROM meta WHERE key = 'schema_version'"
                ).fetchone()
                found = int(row[0]) if row else 0
                if found > SCHEMA_VERSION:
                    raise CheckpointError(
                        f"checkpoint store {self.path}: schema version {found} is newer "
                        f"than this Sentinel ({SCHEMA_VERSION})"
                    )
                if found < SCHEMA_VERSION:
                    for statement in _SCHEMA.split(";"):
                        if statement.strip():
                            self._conn.execute(statement)
                    self._conn.execute(
                        "INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', ?)",
                        (str(SCHEMA_VERSION),),
                    )
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise

    @property
    def schema_version(self) -> int:
        """The schema version recorded in the database."""
        with self._lock:
            row = self._conn.execute(
                "SELECT value FROM meta WHERE key = 'schema_version'"
            ).fetchone()
        return int(row[0]) if row else 0

    def load(self, source: str) -> dict[str, Position]:
        """Committed positions of ``source``, by key."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT key, offset, path, cursor FROM source_positions WHERE source = ?",
                (source,),
            ).fetchall()
        return {key: Position(source, key, off, path, cur) for key, off, path, cur in rows}

    def delivered(self, source: str) -> dict[str, tuple[int, str]]:
        """``(delivered offset, head token)`` of ``source``, by key (see module doc)."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT key, delivered, head FROM source_positions WHERE source = ?", (source,)
            ).fetchall()
        return {key: (int(done), head) for key, done, head in rows}

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction: commit on normal exit, roll back on exception.

        Yields the store's connection; write your rows with it and call
        :meth:`save_positions` before leaving the block.  Do not call
        ``commit``/``rollback`` on it yourself.

        Raises:
            CheckpointError: SQLite failed to begin or commit.
        """
        with self._lock:
            if self._conn.in_transaction:
                # Re-entrant use from the same thread joins the outer transaction.
                yield self._conn
                return
            try:
                self._conn.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                raise CheckpointError(f"checkpoint store {self.path}: {exc}") from exc
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            try:
                self._conn.execute("COMMIT")
            except sqlite3.Error as exc:
                self._conn.execute("ROLLBACK")
                raise CheckpointError(f"checkpoint store {self.path}: {exc}") from exc

    def save_positions(self, conn: sqlite3.Connection, positions: Iterable[Position]) -> None:
        """Record ``positions`` inside the caller's transaction on ``conn``."""
        now = time.time()
        conn.executemany(
            _UPSERT,
            [(p.source, p.key, p.offset, p.path, p.cursor, p.offset, now) for p in positions],
        )

    def commit_positions(self, positions: Iterable[Position]) -> None:
        """Shorthand: a transaction that only saves ``positions``."""
        with self.transaction() as conn:
            self.save_positions(conn, positions)

    def register(self, positions: Iterable[Position]) -> None:
        """Record where a source *starts* reading files it has just opened.

        Starting points are always safe to commit (nothing before them is
        owed), and recording them at once lets a restart find a file that was
        opened, then rotated away, before any batch from it was committed.
        """
        now = time.time()
        rows = [
            (p.source, p.key, p.offset, p.path, p.cursor, p.offset, p.cursor, now)
            for p in positions
        ]
        if rows:
            with self.transaction() as conn:
                conn.executemany(_REGISTER, rows)

    def note_delivered(self, positions: Iterable[Position]) -> None:
        """Record how far lines were handed out (before they are processed).

        ``cursor`` of each position is stored as the key's ``head`` token; the
        committed ``offset``/``cursor`` are not touched.
        """
        now = time.time()
        rows = [(p.source, p.key, p.path, p.offset, p.cursor, now) for p in positions]
        if rows:
            with self.transaction() as conn:
                conn.executemany(_DELIVERED, rows)

    def close(self) -> None:
        """Close the connection; the store is unusable afterwards."""
        with self._lock:
            self._conn.close()

    def __enter__(self) -> CheckpointStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
