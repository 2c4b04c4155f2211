"""The file source: reading, checkpoints, rotation, truncation, bad input."""

from __future__ import annotations

import gzip
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from structlog.testing import capture_logs

from sentinel.clock import ManualClock
from sentinel.sources import CheckpointStore, FileSource, FileSourceOptions

from .conftest import MakeSource, drain, texts, write


def _numbered(prefix: str, count: int, start: int = 0) -> list[str]:
    return [f"{prefix} {i:06d} {'x' * 20}" for i in range(start, start + count)]


class TestFileSourceOptions:
    def test_defaults_are_valid(self) -> None:
        """Options with only a name and a glob validate."""
        FileSourceOptions(name="web", paths=("/var/log/nginx/*.log",)).validate()

    @pytest.mark.parametrize(
        ("changes", "field"),
        [
            ({"name": ""}, "name"),
            ({"paths": ()}, "paths"),
            ({"paths": ("",)}, "paths"),
            ({"start_at": "middle"}, "start_at"),
            ({"max_line_bytes": 0}, "max_line_bytes"),
            ({"multiline_start": "("}, "multiline_start"),
            ({"multiline_max_lines": 0}, "multiline_max_lines"),
            ({"poll_interval": -1.0}, "poll_interval"),
            ({"rescan_interval": float("nan")}, "rescan_interval"),
            ({"fingerprint_bytes": 1}, "fingerprint_bytes"),
            ({"use_inotify": "yes"}, "use_inotify"),
        ],
    )
    def test_invalid_field_is_named(self, changes: dict[str, object], field: str) -> None:
        """validate() raises ValueError naming the offending field."""
        values: dict[str, object] = {"name": "web", "paths": ("/x/*.log",), **changes}
        options = FileSourceOptions(**values)  # type: ignore[arg-type]
        with pytest.raises(ValueError, match=f"^{field}:"):
            options.validate()


class TestReading:
    def test_reads_lines_with_references(self, make_source: MakeSource, logs: Path) -> None:
        """Lines come with path, offset, line number and fingerprint."""
        write(logs / "a.log", "one", "two")
        batch = make_source().read_batch()
        assert texts(batch.lines) == ["one", "two"]
        second = batch.lines[1].ref
        assert (second.path, second.offset, second.lineno) == (str(logs / "a.log"), 4, 2)
        assert second.fingerprint.startswith("i:")

    def test_partial_line_waits_for_its_newline(self, make_source: MakeSource, logs: Path) -> None:
        """A line without newline is delivered only once completed."""
        src = make_source()
        write(logs / "b.log", "full")
        write(logs / "b.log", "par", end="")
        assert texts(src.read_batch().lines) == ["full"]
        write(logs / "b.log", "tial")
        assert texts(src.read_batch().lines) == ["partial"]

    def test_batch_respects_max_lines(self, make_source: MakeSource, logs: Path) -> None:
        """A batch never holds more than ``max_lines`` lines."""
        write(logs / "a.log", *_numbered("l", 25))
        src = make_source()
        sizes = [len(src.read_batch(10).lines) for _ in range(4)]
        assert sizes == [10, 10, 5, 0]

    def test_reader_does_not_run_ahead(self, make_source: MakeSource, logs: Path) -> None:
        """A slow consumer makes the tailer read slower: one chunk at most is buffered."""
        write(logs / "a.log", *_numbered("l", 200_000))
        src = make_source()
        src.read_batch(1)
        assert src.counters()["bytes_read"] <= 256 * 1024

    def test_long_line_is_capped(self, make_source: MakeSource, logs: Path) -> None:
        """A line over ``max_line_bytes`` is truncated and counted."""
        write(logs / "a.log", "y" * 5000, "short")
        src = make_source(max_line_bytes=100)
        lines = src.read_batch().lines
        assert [(len(r.data), r.truncated) for r in lines] == [(100, True), (5, False)]
        assert src.counters()["bytes_discarded"] == 4900

    def test_multiline_records_are_joined(self, make_source: MakeSource, logs: Path) -> None:
        """Continuation lines join the line matching ``multiline_start``."""
        write(logs / "a.log", "2026 boom", "  at x", "  at y", "2026 ok")
        src = make_source(multiline_start=r"^\d{4} ")
        assert texts(src.read_batch().lines) == ["2026 boom\n  at x\n  at y"]

    def test_held_multiline_record_is_flushed_after_timeout(
        self, make_source: MakeSource, logs: Path, clock: ManualClock
    ) -> None:
        """The last record is emitted once no data arrived for ``multiline_timeout``."""
        write(logs / "a.log", "2026 boom", "  at x")
        src = make_source(multiline_start=r"^\d{4} ", multiline_timeout=2.0)
        assert src.read_batch().lines == ()
        clock.advance(3.0)
        assert texts(src.read_batch().lines) == ["2026 boom\n  at x"]

    def test_held_record_is_not_committed(
        self, make_source: MakeSource, logs: Path, store: CheckpointStore
    ) -> None:
        """The committed position stops before a multi-line record still being assembled."""
        write(logs / "a.log", "2026 a", "2026 b", "  at x")
        batch = make_source(multiline_start=r"^\d{4} ").read_batch()
        assert texts(batch.lines) == ["2026 a"]
        assert batch.positions[-1].offset == len("2026 a\n")

    def test_read_to_end_delivers_the_last_line(self, make_source: MakeSource, logs: Path) -> None:
        """iter_batches(follow=False) ends at EOF and includes an unterminated tail."""
        write(logs / "a.log", *_numbered("a", 2500))
        write(logs / "b.log", "tail", end="")
        src = make_source()
        lines = [line for batch in src.iter_batches(follow=False) for line in batch.lines]
        assert len(lines) == 2501
        assert b"tail" in {r.data for r in lines}

    def test_files_are_read_round_robin(self, make_source: MakeSource, logs: Path) -> None:
        """A busy file does not starve another one."""
        write(logs / "a.log", *_numbered("a", 5000))
        write(logs / "b.log", *_numbered("b", 5000))
        src = make_source()
        first = {r.data[:1] for r in src.read_batch(1000).lines}
        second = {r.data[:1] for r in src.read_batch(1000).lines}
        assert first | second == {b"a", b"b"}


class TestCompressed:
    def test_matched_archive_is_read_to_its_end(self, make_source: MakeSource, logs: Path) -> None:
        """A ``.gz`` named by the glob (replay of an old log) is read once, whole."""
        with gzip.open(logs / "old.log.gz", "wt", encoding="utf-8") as fh:
            fh.write("".join(f"{t}\n" for t in _numbered("gz", 50)))
        src = make_source("old.log.gz")
        assert texts(drain(src).lines) == _numbered("gz", 50)
        assert texts(drain(src).lines) == []

    def test_compressed_copy_of_a_read_file_is_skipped(
        self, make_source: MakeSource, logs: Path
    ) -> None:
        """With ``app.log*`` the ``.gz`` of a file already read is not read again."""
        write(logs / "app.log", *_numbered("l", 20))
        src = make_source("app.log*")
        assert len(drain(src).lines) == 20
        (logs / "app.log").rename(logs / "app.log.1")
        with (logs / "app.log.1").open("rb") as fin, gzip.open(logs / "app.log.1.gz", "wb") as fo:
            shutil.copyfileobj(fin, fo)
        (logs / "app.log.1").unlink()
        write(logs / "app.log", "new")
        assert texts(drain(src).lines) == ["new"]


class TestCheckpoints:
    def test_restart_resumes_after_the_commit(
        self, make_source: MakeSource, logs: Path, store: CheckpointStore
    ) -> None:
        """Committed lines are not delivered again after a restart."""
        write(logs / "a.log", *_numbered("l", 10))
        src = make_source()
        store.commit_positions(src.read_batch(4).positions)
        src.close()
        again = make_source().read_batch()
        assert texts(again.lines) == _numbered("l", 6, start=4)
        assert again.lines[0].ref.lineno == 5

    def test_uncommitted_lines_are_reread_and_counted(
        self, make_source: MakeSource, logs: Path, store: CheckpointStore
    ) -> None:
        """Lines delivered but not committed come again, and are counted as re-read."""
        write(logs / "a.log", *_numbered("l", 10))
        src = make_source()
        store.commit_positions(src.read_batch(4).positions)
        src.read_batch(3)  # delivered, never committed: the process "crashes"
        src.close()
        again = make_source()
        assert len(again.read_batch().lines) == 6
        counters = again.counters()
        assert counters["lines_reread_after_crash"] == 3
        assert counters["bytes_reread_after_crash"] == 3 * len(_numbered("l", 1)[0] + "\n")

    def test_short_file_keeps_its_place_after_growing(
        self, make_source: MakeSource, logs: Path, store: CheckpointStore
    ) -> None:
        """A file checkpointed while shorter than the fingerprint is found after it grew."""
        write(logs / "a.log", "tiny")
        src = make_source()
        store.commit_positions(src.read_batch().positions)
        write(logs / "a.log", *_numbered("l", 20))
        batch = src.read_batch(5)
        assert batch.lines[0].ref.fingerprint.startswith("c:")
        store.commit_positions(batch.positions)
        src.close()
        again = make_source().read_batch()
        assert texts(again.lines) == _numbered("l", 15, start=5)

    def test_content_replaced_while_down_is_read_from_start(
        self, make_source: MakeSource, logs: Path, store: CheckpointStore
    ) -> None:
        """Same inode, different content (inode reuse, rewrite): the old offset is not used."""
        write(logs / "a.log", *_numbered("old", 10))
        src = make_source()
        store.commit_positions(src.read_batch().positions)
        src.close()
        (logs / "a.log").write_text("".join(f"{t}\n" for t in _numbered("new", 12)))
        assert texts(make_source().read_batch().lines) == _numbered("new", 12)

    def test_start_at_end_skips_the_backlog(self, make_source: MakeSource, logs: Path) -> None:
        """``end`` starts present files at their end; later lines are read."""
        write(logs / "a.log", *_numbered("old", 5))
        src = make_source(start_at="end")
        assert src.read_batch().lines == ()
        write(logs / "a.log", "new")
        assert texts(src.read_batch().lines) == ["new"]

    def test_start_at_beginning_ignores_checkpoints(
        self, make_source: MakeSource, logs: Path, store: CheckpointStore
    ) -> None:
        """``beginning`` re-reads files from byte 0."""
        write(logs / "a.log", *_numbered("l", 5))
        src = make_source()
        store.commit_positions(src.read_batch().positions)
        src.close()
        assert len(make_source(start_at="beginning").read_batch().lines) == 5

    def test_rotated_while_down_is_finished_from_checkpoint(
        self, make_source: MakeSource, logs: Path, store: CheckpointStore
    ) -> None:
        """A file rotated and compressed while stopped is found by fingerprint and finished."""
        write(logs / "app.log", *_numbered("old", 10))
        src = make_source("app.log")
        store.commit_positions(src.read_batch(4).positions)
        src.close()
        write(logs / "app.log", *_numbered("old", 3, start=10))
        with (logs / "app.log").open("rb") as fin, gzip.open(logs / "app.log.1.gz", "wb") as fo:
            shutil.copyfileobj(fin, fo)
        (logs / "app.log").unlink()
        write(logs / "app.log", "fresh")
        again = make_source("app.log")
        lines = texts(drain(again).lines)
        assert lines == [*_numbered("old", 9, start=4), "fresh"]
        assert again.counters()["files_recovered"] == 1


class TestRotation:
    def test_rename_rotation_finishes_the_old_file_first(
        self, make_source: MakeSource, logs: Path
    ) -> None:
        """Lines left in a renamed file come before the new file's lines."""
        write(logs / "app.log", *_numbered("old", 3))
        src = make_source("app.log")
        assert len(src.read_batch(1).lines) == 1
        write(logs / "app.log", "old last")
        (logs / "app.log").rename(logs / "app.log.1")
        write(logs / "app.log", "new first")
        lines = texts(drain(src).lines)
        assert lines == [*_numbered("old", 2, start=1), "old last", "new first"]
        assert src.counters()["rotations"] == 1

    def test_rotated_file_compressed_at_once_is_still_drained(
        self, make_source: MakeSource, logs: Path
    ) -> None:
        """The open descriptor keeps a renamed-then-gzipped-and-deleted file readable."""
        write(logs / "app.log", *_numbered("old", 5))
        src = make_source("app.log")
        src.read_batch(2)
        (logs / "app.log").rename(logs / "app.log.1")
        with (logs / "app.log.1").open("rb") as fin, gzip.open(logs / "app.log.1.gz", "wb") as fo:
            shutil.copyfileobj(fin, fo)
        (logs / "app.log.1").unlink()
        assert texts(drain(src).lines) == _numbered("old", 3, start=2)

    def test_rotated_file_is_closed_after_rotate_wait(
        self, make_source: MakeSource, logs: Path, clock: ManualClock
    ) -> None:
        """A rotated file at EOF stays open ``rotate_wait`` seconds, then is closed."""
        write(logs / "app.log", "a")
        src = make_source("app.log", rotate_wait=5.0)
        drain(src)
        (logs / "app.log").rename(logs / "app.log.1")
        drain(src)
        write(logs / "app.log.1", "late write by the old writer")
        assert texts(src.read_batch().lines) == ["late write by the old writer"]
        assert len(src.open_files) == 1
        clock.advance(6.0)
        batch = src.read_batch()
        assert src.open_files == []
        assert [p.cursor.endswith(":final") for p in batch.positions] == [True]

    def test_generation_rotated_unseen_is_caught_up(
        self, make_source: MakeSource, logs: Path
    ) -> None:
        """A file created and rotated away between two scans is still read, once."""
        write(logs / "app.log", *_numbered("gen1", 3))
        src = make_source("app.log")
        assert len(drain(src).lines) == 3
        (logs / "app.log").rename(logs / "app.log.1")
        write(logs / "app.log", *_numbered("gen2", 3))
        (logs / "app.log.1").rename(logs / "app.log.2")
        (logs / "app.log").rename(logs / "app.log.1")
        write(logs / "app.log", *_numbered("gen3", 2))
        with capture_logs() as seen:
            lines = texts(drain(src).lines)
        assert lines == [*_numbered("gen2", 3), *_numbered("gen3", 2)]
        assert src.counters()["files_caught_up"] == 1
        assert any(e["event"] == "source.file.caught_up" for e in seen)

    def test_rotation_between_listing_and_open_is_caught_up(
        self, make_source: MakeSource, logs: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """The file a rescan listed is rotated away just before it is opened.

        Seen under load with real logrotate: the rescan lists gen2 at the live
        path, logrotate runs, and the open gets gen3; gen2 (never opened) sits
        at ``app.log.1``.  The race is placed exactly there by running the
        rotation inside the source's own ``open`` of the live path.
        """
        live, src = _tailing_first_generation(make_source, logs)
        live.rename(logs / "app.log.1")
        write(live, *_numbered("gen2", 3))
        real_open = os.open
        raced: list[str] = []

        def open_after_a_rotation(path: str, flags: int, mode: int = 0o777) -> int:
            if str(path) == str(live) and not raced:
                raced.append(str(path))
                (logs / "app.log.1").rename(logs / "app.log.2")
                live.rename(logs / "app.log.1")
                write(live, *_numbered("gen3", 2))
            return real_open(path, flags, mode)

        monkeypatch.setattr(os, "open", open_after_a_rotation)
        lines = texts(drain(src).lines)
        monkeypatch.undo()
        assert raced
        assert lines == [*_numbered("gen2", 3), *_numbered("gen3", 2)]
        assert src.counters()["files_caught_up"] == 1

    def test_missed_generation_renamed_before_its_adoption_is_read_once(
        self, make_source: MakeSource, logs: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """logrotate runs again between the catch-up's look at a sibling and its open.

        Seen under load with real logrotate (create, compress, delaycompress):
        a source lagging two rotations behind finds gen2 unread at
        ``app.log.1``; by the time it opens that name, gen2 was compressed to
        ``app.log.2.gz`` and gen3 renamed to ``app.log.1``.  Opening by name
        read gen3 under gen2's identity: gen2 was lost.
        """
        _, src = _tailing_first_generation(make_source, logs)
        _logrotate(logs, _numbered("gen2", 3))
        _logrotate(logs, _numbered("gen3", 3))
        raced = _on_first_open(
            monkeypatch, {logs / "app.log.1": lambda: _logrotate(logs, _numbered("gen4", 2))}
        )
        lines = texts(drain(src).lines)
        monkeypatch.undo()
        assert raced == [logs / "app.log.1"]
        assert lines == [*_numbered("gen2", 3), *_numbered("gen3", 3), *_numbered("gen4", 2)]
        assert src.counters()["files_caught_up"] == 2

    def test_missed_generation_gone_from_its_name_is_found_again(
        self, make_source: MakeSource, logs: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """The catch-up's open of a sibling fails: logrotate is moving it.

        The rescan lists gen2 at the live path and opens gen3 (a rotation in
        between); gen2 is found unread at ``app.log.1``, but logrotate runs
        once more before it is opened: it compresses ``app.log.1`` into
        ``app.log.1.gz``, removes ``app.log.1`` and shifts the archives.  gen2
        was given up ("unreadable"); it is looked for again, at its new name.
        """
        live, src = _tailing_first_generation(make_source, logs)
        _logrotate(logs, _numbered("gen2", 3))
        raced = _on_first_open(
            monkeypatch,
            {
                live: lambda: _logrotate(logs, _numbered("gen3", 3)),
                logs / "app.log.1": lambda: _start_logrotate(logs),
            },
        )
        lines = texts(drain(src).lines)
        monkeypatch.undo()
        assert raced == [live, logs / "app.log.1"]
        _finish_logrotate(logs, _numbered("gen4", 2))
        lines += texts(drain(src).lines)
        assert lines == [*_numbered("gen2", 3), *_numbered("gen3", 3), *_numbered("gen4", 2)]
        assert src.counters()["files_caught_up"] == 1

    def test_archive_still_being_written_is_not_adopted(
        self, make_source: MakeSource, logs: Path
    ) -> None:
        """``app.log.1.gz`` beside ``app.log.1`` is being compressed: the plain one is read."""
        _, src = _tailing_first_generation(make_source, logs)
        _logrotate(logs, _numbered("gen2", 300))
        _logrotate(logs, _numbered("gen3", 2))
        # gzip has written the first part of gen2's archive, not the end of the stream.
        whole = gzip.compress((logs / "app.log.1").read_bytes())
        (logs / "app.log.1.gz").write_bytes(whole[: len(whole) // 2])
        lines = texts(drain(src).lines)
        assert lines == [*_numbered("gen2", 300), *_numbered("gen3", 2)]
        assert src.counters()["files_caught_up"] == 1

    def test_old_siblings_are_not_caught_up(self, make_source: MakeSource, logs: Path) -> None:
        """Rotated files older than the first one read are history, not missed lines."""
        write(logs / "app.log.2", *_numbered("ancient", 3))
        write(logs / "app.log", *_numbered("live", 3))
        src = make_source("app.log")
        drain(src)
        (logs / "app.log.2").rename(logs / "app.log.3")
        (logs / "app.log").rename(logs / "app.log.1")
        write(logs / "app.log", "next")
        assert texts(drain(src).lines) == ["next"]

    def test_copytruncate_reads_new_content_from_zero(
        self, make_source: MakeSource, logs: Path
    ) -> None:
        """After a truncation in place the new content is read from its start."""
        write(logs / "app.log", *_numbered("old", 4))
        src = make_source("app.log")
        drain(src)
        shutil.copyfile(logs / "app.log", logs / "app.log.1")
        os.truncate(logs / "app.log", 0)
        write(logs / "app.log", "new")
        assert texts(drain(src).lines) == ["new"]
        assert src.counters()["truncations"] == 1
        assert src.counters()["bytes_possibly_lost"] == 0

    def test_copytruncate_recovers_unread_lines_from_the_copy(
        self, make_source: MakeSource, logs: Path
    ) -> None:
        """Lines not yet read when the file was truncated are read from the rotated copy."""
        write(logs / "app.log", *_numbered("old", 10))
        src = make_source("app.log")
        src.read_batch(3)
        shutil.copyfile(logs / "app.log", logs / "app.log.1")
        os.truncate(logs / "app.log", 0)
        write(logs / "app.log", *_numbered("new", 50))  # longer than what was read
        lines = texts(drain(src).lines)
        assert lines == [*_numbered("old", 7, start=3), *_numbered("new", 50)]
        assert src.counters()["copies_recovered"] == 1

    def test_copytruncate_without_copy_counts_the_loss(
        self, make_source: MakeSource, logs: Path
    ) -> None:
        """When no copy can be found the unread bytes are counted as possibly lost."""
        old = _numbered("old", 20_000)  # more than one read chunk
        write(logs / "app.log", *old)
        src = make_source("app.log")
        src.read_batch(3)
        size = (logs / "app.log").stat().st_size
        os.truncate(logs / "app.log", 0)
        write(logs / "app.log", "new")
        with capture_logs() as logs_seen:
            lines = texts(drain(src).lines)
        counters = src.counters()
        assert counters["truncations"] == 1
        unread = size - counters["bytes_read"] + len("new\n")
        assert counters["bytes_possibly_lost"] == unread > 0
        assert lines[-1] == "new"
        assert lines[:-1] == old[3 : len(lines) + 2]
        assert any(e["event"] == "source.file.copytruncate_loss" for e in logs_seen)

    def test_deleted_file_is_drained(self, make_source: MakeSource, logs: Path) -> None:
        """Lines written before a deletion are still delivered."""
        write(logs / "a.log", *_numbered("l", 5))
        src = make_source()
        src.read_batch(2)
        (logs / "a.log").unlink()
        assert len(drain(src).lines) == 3

    def test_recreated_file_is_read_from_start(self, make_source: MakeSource, logs: Path) -> None:
        """A file deleted and created again is a new file, read from its beginning."""
        write(logs / "a.log", *_numbered("first", 3))
        src = make_source()
        drain(src)
        (logs / "a.log").unlink()
        write(logs / "a.log", *_numbered("second", 2))
        assert texts(drain(src).lines) == _numbered("second", 2)

    def test_symlink_retarget_switches_files(self, make_source: MakeSource, logs: Path) -> None:
        """A symlinked path is read through; retargeting it is a rotation."""
        write(logs / "one.txt", "from one")
        (logs / "current.log").symlink_to(logs / "one.txt")
        src = make_source("current.log")
        assert texts(src.read_batch().lines) == ["from one"]
        write(logs / "two.txt", "from two")
        (logs / "tmp.lnk").symlink_to(logs / "two.txt")
        (logs / "tmp.lnk").replace(logs / "current.log")
        write(logs / "one.txt", "one more")
        assert texts(drain(src).lines) == ["one more", "from two"]

    def test_file_appearing_later_is_read(self, make_source: MakeSource, logs: Path) -> None:
        """A file matching the glob after start is picked up from its beginning."""
        src = make_source()
        assert src.read_batch().lines == ()
        write(logs / "late.log", "hello")
        assert texts(src.read_batch().lines) == ["hello"]


class TestBadInput:
    def test_glob_without_match_warns_then_works(self, make_source: MakeSource, logs: Path) -> None:
        """A glob that matches nothing yet is reported once; the file is read when it appears."""
        with capture_logs() as seen:
            src = make_source("missing/*.log")
            src.read_batch()
            src.read_batch()
        assert [e["event"] for e in seen].count("source.glob.no_match") == 1
        (logs / "missing").mkdir()
        write(logs / "missing" / "x.log", "now")
        assert texts(src.read_batch().lines) == ["now"]

    def test_directory_where_a_file_was_expected(self, make_source: MakeSource, logs: Path) -> None:
        """A directory matching the glob is reported; other files keep working."""
        (logs / "odd.log").mkdir()
        write(logs / "good.log", "fine")
        with capture_logs() as seen:
            src = make_source()
            assert texts(src.read_batch().lines) == ["fine"]
        assert any(
            e["event"] == "source.file.not_regular" and e["kind"] == "directory" for e in seen
        )

    def test_fifo_is_not_opened(self, make_source: MakeSource, logs: Path) -> None:
        """A FIFO matching the glob is reported and never blocks the tailer."""
        os.mkfifo(logs / "pipe.log")
        write(logs / "good.log", "fine")
        with capture_logs() as seen:
            assert texts(make_source().read_batch().lines) == ["fine"]
        assert any(e["event"] == "source.file.not_regular" for e in seen)

    def test_binary_file_is_reported_and_still_read(
        self, make_source: MakeSource, logs: Path
    ) -> None:
        """A binary file is reported but not skipped (NULs are attacker-controlled)."""
        (logs / "core.log").write_bytes(b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * 4)
        write(logs / "good.log", "fine")
        with capture_logs() as seen:
            src = make_source(max_line_bytes=64)
            lines = drain(src).lines
        assert "fine" in texts(lines)
        assert any(r.ref.path.endswith("core.log") for r in lines)
        assert all(len(r.data) <= 64 for r in lines)
        assert [e["event"] for e in seen].count("source.file.binary") == 1
        assert src.counters()["files_binary"] == 1

    def test_leading_nul_hole_is_not_binary(self, make_source: MakeSource, logs: Path) -> None:
        """A NUL hole left by a non-append writer after copytruncate is still read."""
        (logs / "a.log").write_bytes(b"\0" * 100 + b"after the hole\n")
        assert texts(make_source().read_batch().lines) == ["\0" * 100 + "after the hole"]

    def test_unreadable_file_is_reported(self, tmp_path: Path) -> None:
        """A file the daemon may not read is reported; readable files keep working.

        Root reads everything, so under root the check runs in a child process
        without the capabilities that bypass file modes.
        """
        base = Path(tempfile.mkdtemp(prefix="sentinel-perm-"))
        try:
            base.chmod(0o755)
            (base / "secret.log").write_text("hidden\n")
            (base / "secret.log").chmod(0o000)
            (base / "open.log").write_text("visible\n")
            (base / "open.log").chmod(0o644)
            result = _run_unprivileged(base)
        finally:
            shutil.rmtree(base, ignore_errors=True)
        if result is None:
            pytest.skip("root without util-linux setpriv: cannot drop the read override")
        assert "LINES ['visible']" in result
        assert "source.file.unreadable" in result


_PERMISSION_CHILD = textwrap.dedent(
    """
    import sys, structlog
    from structlog.testing import capture_logs
    from sentinel.clock import SystemClock
    from sentinel.sources import CheckpointStore, FileSource, FileSourceOptions
    base = sys.argv[1]
    with capture_logs() as seen:
        store = CheckpointStore(base + "/state/db")
        src = FileSource(
            FileSourceOptions(name="p", paths=(base + "/*.log",), use_inotify=False),
            store, SystemClock(),
        )
        lines = [r.data.decode() for r in src.read_batch().lines]
        src.close(); store.close()
    print("LINES", lines)
    print("EVENTS", [e["event"] for e in seen])
    """
)


def _run_unprivileged(base: Path) -> str | None:
    """Run the permission check without root's read override; None if impossible.

    Under root the child keeps uid 0 but loses ``CAP_DAC_OVERRIDE`` and
    ``CAP_DAC_READ_SEARCH`` (util-linux ``setpriv``), so file modes apply to it.
    """
    (base / "state").mkdir()
    cmd = [sys.executable, "-c", _PERMISSION_CHILD, str(base)]
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            return None
        drop = "-dac_override,-dac_read_search"
        cmd = [setpriv, f"--inh-caps={drop}", f"--bounding-set={drop}", "--", *cmd]
    repo = str(Path(__file__).resolve().parents[2])
    env = {**os.environ, "PYTHONPATH": repo}
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


class TestFollow:
    def test_inotify_wakes_the_follower(self, store: CheckpointStore, logs: Path) -> None:
        """In follow mode an appended line is delivered and stop ends the loop."""
        from sentinel.clock import SystemClock
        from sentinel.sources import FileSource

        options = FileSourceOptions(
            name="f", paths=(str(logs / "*.log"),), poll_interval=30.0, rescan_interval=30.0
        )
        write(logs / "a.log", "before")
        stop = threading.Event()
        got: list[str] = []
        with FileSource(options, store, SystemClock()) as src:
            batches = src.iter_batches(follow=True, stop=stop)
            got += texts(next(batches).lines)

            def append() -> None:
                write(logs / "a.log", "after")

            timer = threading.Timer(0.2, append)
            timer.start()
            # poll_interval is 30 s: only an inotify wake-up delivers this quickly,
            # but the test only checks *what* arrives, never how fast.
            got += texts(next(batches).lines)
            timer.join()
            stop.set()
            src.wait(0)
            assert list(batches) == []
        assert got == ["before", "after"]

    def test_polling_follows_without_inotify(self, store: CheckpointStore, logs: Path) -> None:
        """With inotify off, the follower polls and still delivers appended lines."""
        from sentinel.clock import SystemClock
        from sentinel.sources import FileSource

        options = FileSourceOptions(
            name="p", paths=(str(logs / "*.log"),), use_inotify=False, poll_interval=0.02
        )
        write(logs / "a.log", "one")
        stop = threading.Event()
        with FileSource(options, store, SystemClock()) as src:
            batches = src.iter_batches(follow=True, stop=stop)
            first = texts(next(batches).lines)
            write(logs / "a.log", "two")
            second = texts(next(batches).lines)
            stop.set()
        assert first + second == ["one", "two"]

    def test_inotify_failure_falls_back_to_polling(
        self, store: CheckpointStore, logs: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """When inotify cannot start (no watches left) a warning is logged and polling works."""
        import watchdog.observers.inotify as inotify

        from sentinel.clock import SystemClock
        from sentinel.sources import FileSource

        def broken(*args: object, **kwargs: object) -> None:
            raise OSError(28, "inotify watch limit reached")

        monkeypatch.setattr(inotify, "InotifyObserver", broken)
        options = FileSourceOptions(name="p", paths=(str(logs / "*.log"),), poll_interval=0.02)
        write(logs / "a.log", "one")
        with capture_logs() as seen, FileSource(options, store, SystemClock()) as src:
            lines = texts(next(src.iter_batches(follow=True)).lines)
        assert lines == ["one"]
        assert any(e["event"] == "source.watch.unavailable" for e in seen)
        assert src.counters()["warnings"] >= 1


def _tailing_first_generation(make_source: MakeSource, logs: Path) -> tuple[Path, FileSource]:
    """``app.log`` with three ``gen1`` lines, and a source that has read them."""
    live = logs / "app.log"
    write(live, *_numbered("gen1", 3))
    src = make_source("app.log")
    assert len(drain(src).lines) == 3
    return live, src


def _logrotate(logs: Path, new_lines: list[str] | None, name: str = "app.log") -> None:
    """One rotation as logrotate 3.21 does it with create, compress, delaycompress.

    ``new_lines`` are written to the re-created live file (the writer's next lines).
    """
    _start_logrotate(logs, name)
    _finish_logrotate(logs, new_lines, name)


def _start_logrotate(logs: Path, name: str = "app.log") -> None:
    """Compress ``.1`` in place, remove it, shift the archives (``.1.gz`` -> ``.2.gz``)."""
    first = logs / f"{name}.1"
    if first.exists():
        with first.open("rb") as fin, gzip.open(logs / f"{name}.1.gz", "wb") as fout:
            shutil.copyfileobj(fin, fout)
        first.unlink()
    numbers = sorted(
        (int(p.name[len(name) + 1 : -3]) for p in logs.glob(f"{name}.*.gz")), reverse=True
    )
    for number in numbers:
        (logs / f"{name}.{number}.gz").rename(logs / f"{name}.{number + 1}.gz")


def _finish_logrotate(logs: Path, new_lines: list[str] | None, name: str = "app.log") -> None:
    """Rename the live file to ``.1`` and create it anew."""
    live = logs / name
    live.rename(logs / f"{name}.1")
    live.touch()
    if new_lines:
        write(live, *new_lines)


def _on_first_open(
    monkeypatch: pytest.MonkeyPatch, actions: dict[Path, Callable[[], None]]
) -> list[Path]:
    """The first ``os.open`` of each path in ``actions`` runs its action first.

    Returns:
        The paths whose action ran, in order (filled in as they run).
    """
    real_open = os.open
    raced: list[Path] = []

    def open_after(path: str, flags: int, mode: int = 0o777) -> int:
        target = Path(path)
        if target in actions and target not in raced:
            raced.append(target)
            actions[target]()
        return real_open(path, flags, mode)

    monkeypatch.setattr(os, "open", open_after)
    return raced
