"""History: rotated siblings oldest first, then the live file, no line twice."""

from __future__ import annotations

import gzip
from pathlib import Path

from sentinel.sources import HistoryReader, history_files


def _gz(path: Path, text: str) -> None:
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        fh.write(text)


class TestHistoryFiles:
    def test_numbered_siblings_oldest_first(self, tmp_path: Path) -> None:
        """``.3.gz`` before ``.2.gz`` before ``.1`` before the live file."""
        for name in ("a.log", "a.log.1", "a.log.2.gz", "a.log.3.gz", "a.log.10.gz", "b.log.1"):
            (tmp_path / name).write_text("x\n")
        assert [p.name for p in history_files(tmp_path / "a.log")] == [
            "a.log.10.gz",
            "a.log.3.gz",
            "a.log.2.gz",
            "a.log.1",
            "a.log",
        ]

    def test_dated_siblings_by_date(self, tmp_path: Path) -> None:
        """Dated names sort by their date, compressed or not."""
        for name in ("a.log-20261127", "a.log-20261125.gz", "a.log-20261126.gz", "a.log"):
            (tmp_path / name).write_text("x\n")
        assert [p.name for p in history_files(tmp_path / "a.log")] == [
            "a.log-20261125.gz",
            "a.log-20261126.gz",
            "a.log-20261127",
            "a.log",
        ]

    def test_unrelated_names_are_ignored(self, tmp_path: Path) -> None:
        """Names that are not rotations of the live file are not history."""
        for name in ("a.log.bak", "a.log.old.gz", "a.logger", "a.log.1.tmp"):
            (tmp_path / name).write_text("x\n")
        assert history_files(tmp_path / "a.log") == []


class TestHistoryReader:
    def test_reads_everything_in_order(self, tmp_path: Path) -> None:
        """Compressed and plain siblings, then the live file, line order kept."""
        _gz(tmp_path / "a.log.2.gz", "1\n2\n")
        (tmp_path / "a.log.1").write_text("3\n4")  # no final newline: still a line
        (tmp_path / "a.log").write_text("5\n6\npartial")
        reader = HistoryReader(tmp_path / "a.log", "hist")
        assert [r.data for r in reader] == [b"1", b"2", b"3", b"4", b"5", b"6"]
        assert reader.counters()["files_read"] == 3

    def test_same_file_under_two_names_is_read_once(self, tmp_path: Path) -> None:
        """A rotated file present as ``.1`` and as a half-done ``.1.gz`` is read once."""
        body = "".join(f"line {i} of the rotated file\n" for i in range(40))
        (tmp_path / "a.log.1").write_text(body)
        _gz(tmp_path / "a.log.1.gz", body)
        (tmp_path / "a.log").write_text("live\n")
        reader = HistoryReader(tmp_path / "a.log", "hist")
        lines = [r.data for r in reader]
        assert len(lines) == 41
        assert reader.counters()["files_skipped_duplicate"] == 1

    def test_rotation_during_the_read_repeats_nothing(self, tmp_path: Path) -> None:
        """Files renamed by a rotation in the middle of the read are not read twice."""
        old = "".join(f"old {i} {'x' * 30}\n" for i in range(10))
        live = "".join(f"live {i} {'y' * 30}\n" for i in range(10))
        (tmp_path / "a.log.1").write_text(old)
        (tmp_path / "a.log").write_text(live)
        reader = iter(HistoryReader(tmp_path / "a.log", "hist"))
        seen = [next(reader).data]
        (tmp_path / "a.log.1").rename(tmp_path / "a.log.2")
        (tmp_path / "a.log").rename(tmp_path / "a.log.1")
        (tmp_path / "a.log").write_text("new 0\n")
        seen += [r.data for r in reader]
        assert len(seen) == len(set(seen)) == 21

    def test_corrupt_archive_keeps_the_rest(self, tmp_path: Path) -> None:
        """A damaged ``.gz`` is reported and the other files are still read."""
        (tmp_path / "a.log.2.gz").write_bytes(b"\x1f\x8b\x08garbage")
        (tmp_path / "a.log").write_text("ok\n")
        reader = HistoryReader(tmp_path / "a.log", "hist")
        assert [r.data for r in reader] == [b"ok"]
        assert reader.counters()["files_unreadable"] == 1
