"""The SQLite checkpoint store."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from sentinel.errors import CheckpointError
from sentinel.records import Position
from sentinel.sources import CheckpointStore
from sentinel.sources.checkpoints import SCHEMA_VERSION


def _pos(key: str, offset: int) -> Position:
    return Position("src", key, offset, "/x.log", "3:abc:1")


class TestCheckpointStore:
    def test_database_is_in_wal_mode(self, store: CheckpointStore) -> None:
        """The store uses write-ahead logging."""
        conn = sqlite3.connect(store.path)
        try:
            assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        finally:
            conn.close()

    def test_schema_version_is_recorded(self, store: CheckpointStore) -> None:
        """The meta table holds the schema version."""
        assert store.schema_version == SCHEMA_VERSION

    def test_newer_schema_is_refused(self, tmp_path: Path) -> None:
        """A database written by a newer schema is not touched."""
        CheckpointStore(tmp_path / "db").close()
        conn = sqlite3.connect(tmp_path / "db")
        conn.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
        conn.commit()
        conn.close()
        with pytest.raises(CheckpointError, match="newer"):
            CheckpointStore(tmp_path / "db")

    def test_not_a_database_is_a_checkpoint_error(self, tmp_path: Path) -> None:
        """A corrupt file raises CheckpointError, not a bare sqlite3 error."""
        (tmp_path / "db").write_bytes(b"not sqlite at all" * 100)
        with pytest.raises(CheckpointError):
            CheckpointStore(tmp_path / "db")

    def test_positions_round_trip(self, store: CheckpointStore) -> None:
        """Committed positions are loaded back per source and key."""
        store.commit_positions([_pos("a", 10), _pos("b", 20)])
        store.commit_positions([_pos("a", 15)])
        loaded = store.load("src")
        assert {k: p.offset for k, p in loaded.items()} == {"a": 15, "b": 20}
        assert loaded["a"] == _pos("a", 15)
        assert store.load("other") == {}

    def test_positions_commit_with_the_consumer_rows(self, store: CheckpointStore) -> None:
        """The consumer's rows and the positions are committed together."""
        with store.transaction() as conn:
            conn.execute("CREATE TABLE out (v TEXT)")
        with store.transaction() as conn:
            conn.execute("INSERT INTO out VALUES ('x')")
            store.save_positions(conn, [_pos("a", 5)])
        reader = sqlite3.connect(store.path)
        try:
            assert reader.execute("SELECT count(*) FROM out").fetchone()[0] == 1
        finally:
            reader.close()
        assert store.load("src")["a"].offset == 5

    def test_failed_transaction_keeps_neither(self, store: CheckpointStore) -> None:
        """An exception inside the transaction rolls back rows and positions."""
        with store.transaction() as conn:
            conn.execute("CREATE TABLE out (v TEXT)")

        def fail() -> None:
            with store.transaction() as conn:
                conn.execute("INSERT INTO out VALUES ('x')")
                store.save_positions(conn, [_pos("a", 5)])
                raise RuntimeError("consumer failed")

        with pytest.raises(RuntimeError):
            fail()
        with store.transaction() as conn:
            assert conn.execute("SELECT count(*) FROM out").fetchone()[0] == 0
        assert store.load("src") == {}

    def test_delivered_mark_is_kept_apart_from_the_commit(self, store: CheckpointStore) -> None:
        """Noting delivery does not move the committed offset, and never goes back."""
        store.register([_pos("a", 0)])
        store.note_delivered([_pos("a", 50)])
        store.note_delivered([_pos("a", 30)])
        assert store.load("src")["a"].offset == 0
        assert store.delivered("src")["a"][0] == 50

    def test_store_is_shared_by_threads(self, store: CheckpointStore) -> None:
        """Transactions from several threads are serialised, none is lost."""
        import threading

        def work(n: int) -> None:
            for i in range(20):
                store.commit_positions([_pos(f"k{n}", i)])

        threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert {p.offset for p in store.load("src").values()} == {19}
