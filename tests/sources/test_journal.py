"""The journal source against real journal files.

Journal files are built from export format with ``systemd-journal-remote``
(Debian package ``systemd-journal-remote``) and read with ``journalctl
--file``/``--directory``.  Skipped when either tool is missing.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
from pathlib import Path

import pytest

from sentinel.clock import ManualClock
from sentinel.sources import CheckpointStore, JournalSource, JournalSourceOptions

REMOTE = next(
    (
        p
        for p in ("/lib/systemd/systemd-journal-remote", "/usr/lib/systemd/systemd-journal-remote")
        if Path(p).exists()
    ),
    None,
)
needs_journal = pytest.mark.skipif(
    REMOTE is None or shutil.which("journalctl") is None,
    reason="journalctl and systemd-journal-remote are required",
)


def _export(entries: list[dict[str, str]], first: int = 0) -> bytes:
    out = []
    for i, fields in enumerate(entries, start=first):
        record = {
            "__CURSOR": f"s=0;i={i}",
            "__REALTIME_TIMESTAMP": str(1_795_000_000_000_000 + i),
            "__MONOTONIC_TIMESTAMP": str(i + 1),
            "_BOOT_ID": "0123456789abcdef0123456789abcdef",
            "_HOSTNAME": "web1",
            **fields,
        }
        out.append("".join(f"{k}={v}\n" for k, v in record.items()) + "\n")
    return "".join(out).encode()


def _journal(path: Path, entries: list[dict[str, str]], first: int = 0) -> Path:
    assert REMOTE is not None
    subprocess.run(
        [REMOTE, "-o", str(path), "-"],
        input=_export(entries, first),
        check=True,
        capture_output=True,
        timeout=60,
    )
    return path


def _entries(count: int, first: int = 0) -> list[dict[str, str]]:
    units = ["ssh.service", "nginx.service", "cron.service"]
    idents = ["sshd", "nginx", "CRON"]
    return [
        {"_SYSTEMD_UNIT": units[i % 3], "SYSLOG_IDENTIFIER": idents[i % 3], "MESSAGE": f"m{i}"}
        for i in range(first, first + count)
    ]


def _messages(src: JournalSource, follow: bool = False) -> list[str]:
    return [
        json.loads(line.data)["MESSAGE"]
        for batch in src.iter_batches(follow=follow)
        for line in batch.lines
    ]


class TestJournalSourceOptions:
    def test_bad_unit_name_is_rejected(self) -> None:
        """A unit that could be read as an option is refused, naming the field."""
        with pytest.raises(ValueError, match=r"^units:"):
            JournalSourceOptions(name="j", units=("--all",)).validate()

    def test_matches_are_or_ed(self, store: CheckpointStore) -> None:
        """Units and identifiers are alternatives joined by '+'."""
        options = JournalSourceOptions(
            name="j", units=("ssh", "nginx.service"), identifiers=("sudo",)
        )
        cmd = JournalSource(options, store, ManualClock()).command(follow=True)
        assert cmd[-4:] == [
            "_SYSTEMD_UNIT=ssh.service",
            "_SYSTEMD_UNIT=nginx.service",
            "+",
            "SYSLOG_IDENTIFIER=sudo",
        ]
        assert "--follow" in cmd
        assert "--lines=all" in cmd


@needs_journal
class TestJournalSource:
    def test_reads_a_journal_file(self, tmp_path: Path, store: CheckpointStore) -> None:
        """Every record is read as its JSON line, with the cursor to commit."""
        journal = _journal(tmp_path / "a.journal", _entries(6))
        src = JournalSource(
            JournalSourceOptions(name="j", files=(str(journal),)), store, ManualClock()
        )
        batches = list(src.iter_batches(follow=False))
        src.close()
        lines = [line for b in batches for line in b.lines]
        assert [json.loads(r.data)["MESSAGE"] for r in lines] == [f"m{i}" for i in range(6)]
        assert batches[-1].positions[-1].cursor == json.loads(lines[-1].data)["__CURSOR"]
        assert batches[-1].positions[-1].key == "journal:j"

    def test_filters_units_and_identifiers(self, tmp_path: Path, store: CheckpointStore) -> None:
        """Only records from the given units or identifiers are read."""
        journal = _journal(tmp_path / "a.journal", _entries(9))
        options = JournalSourceOptions(
            name="j", files=(str(journal),), units=("ssh",), identifiers=("CRON",)
        )
        with JournalSource(options, store, ManualClock()) as src:
            assert _messages(src) == ["m0", "m2", "m3", "m5", "m6", "m8"]

    def test_restart_resumes_after_the_committed_cursor(
        self, tmp_path: Path, store: CheckpointStore
    ) -> None:
        """A committed cursor is passed as --after-cursor: nothing is read twice."""
        journal = _journal(tmp_path / "a.journal", _entries(10))
        options = JournalSourceOptions(name="j", files=(str(journal),))
        with JournalSource(options, store, ManualClock()) as src:
            first = next(iter(src.iter_batches(follow=False, max_lines=4)))
            store.commit_positions(first.positions)
        with JournalSource(options, store, ManualClock()) as src:
            assert _messages(src) == [f"m{i}" for i in range(4, 10)]

    def test_follows_a_journal_directory(self, tmp_path: Path, store: CheckpointStore) -> None:
        """In follow mode records already there are read, and stop ends the loop."""
        directory = tmp_path / "journal"
        directory.mkdir()
        _journal(directory / "a.journal", _entries(3))
        stop = threading.Event()
        options = JournalSourceOptions(name="j", directory=str(directory))
        got: list[str] = []
        with JournalSource(options, store, ManualClock()) as src:
            for batch in src.iter_batches(follow=True, stop=stop):
                got += [json.loads(r.data)["MESSAGE"] for r in batch.lines]
                if len(got) >= 3:
                    stop.set()
        assert got == ["m0", "m1", "m2"]

    def test_journalctl_failure_is_reported(self, tmp_path: Path, store: CheckpointStore) -> None:
        """A journal that cannot be read ends the source with a warning, not a crash."""
        options = JournalSourceOptions(name="j", files=(str(tmp_path / "missing.journal"),))
        with JournalSource(options, store, ManualClock()) as src:
            assert _messages(src) == []
            assert src.counters()["warnings"] == 1
