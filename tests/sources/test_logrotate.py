"""Real logrotate rotating while a writer appends 100,000 numbered lines.

Skipped when ``logrotate`` is not installed (Debian package ``logrotate``).
"""

from __future__ import annotations

import gzip
import os
import shutil
import subprocess
import sys
import textwrap
import threading
import time
from collections import Counter
from pathlib import Path

import pytest

from sentinel.clock import SystemClock
from sentinel.sources import CheckpointStore, FileSource, FileSourceOptions

LINES = 100_000
LOGROTATE = shutil.which("logrotate") or (
    "/usr/sbin/logrotate" if os.path.exists("/usr/sbin/logrotate") else None
)

# Appends numbered lines with O_APPEND; in "reopen" mode it reopens the path
# when the inode behind it changed (what a daemon does on SIGHUP/USR1).
_WRITER = textwrap.dedent(
    """
    import os, sys, time
    path, total, reopen = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "reopen"
    flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT
    fd = os.open(path, flags, 0o644)
    for i in range(total):
        if reopen and i % 10 == 0:
            try:
                if os.stat(path).st_ino != os.fstat(fd).st_ino:
                    os.close(fd)
                    fd = os.open(path, flags, 0o644)
            except FileNotFoundError:
                pass
        os.write(fd, b"n=%07d %s\\n" % (i, b"x" * 40))
        if i % 100 == 0:
            time.sleep(0.004)
    os.close(fd)
    """
)


def _config(live: Path, mode: str) -> str:
    if mode == "create":
        # delaycompress: the writer reopens lazily (every 10 lines); lines it
        # writes to a file already compressed and deleted would exist nowhere.
        options = "create 0644\n    compress\n    delaycompress"
    else:
        options = "copytruncate\n    compress\n    delaycompress"
    return f"{live} {{\n    rotate 1000\n    missingok\n    {options}\n}}\n"


def _on_disk(logs: Path) -> set[int]:
    found: set[int] = set()
    for path in logs.iterdir():
        opener = gzip.open if path.name.endswith(".gz") else open
        with opener(path, "rb") as fh:
            for line in fh:
                if line.startswith(b"n="):
                    found.add(int(line[2:9]))
    return found


def _wait_for_reopen(live: Path, writer: subprocess.Popen[bytes]) -> None:
    """Wait until the writer writes to the new file (or has finished).

    With ``delaycompress`` a rotated file is compressed and deleted at the
    *next* rotation; a writer descheduled past that point (a loaded CI
    machine) would write its next lines into a deleted file, where no reader
    can find them.  Real daemons reopen on a postrotate signal; pacing the
    rotations keeps the test about the tailer, not about a lazy writer.
    """
    give_up = time.monotonic() + 30
    while writer.poll() is None and time.monotonic() < give_up:
        try:
            if live.stat().st_size > 0:
                return
        except FileNotFoundError:
            pass
        time.sleep(0.005)


def _summary(numbers: set[int]) -> str:
    """A short description of a set of line numbers (pytest would print all of them)."""
    ordered = sorted(numbers)
    return f"{len(ordered)} lines, first {ordered[:5]}, last {ordered[-5:]}"


def _run(tmp_path: Path, mode: str) -> tuple[Counter[int], set[int], dict[str, int], int]:
    assert LOGROTATE is not None
    logs = tmp_path / "logs"
    logs.mkdir()
    live = logs / "app.log"
    conf = tmp_path / "logrotate.conf"
    conf.write_text(_config(live, mode))
    conf.chmod(0o644)
    state = tmp_path / "logrotate.state"
    live.touch()
    store = CheckpointStore(tmp_path / "sentinel.db")
    options = FileSourceOptions(
        name="lr", paths=(str(live),), poll_interval=0.05, rescan_interval=0.2, rotate_wait=2.0
    )
    source = FileSource(options, store, SystemClock())
    delivered: Counter[int] = Counter()
    stop = threading.Event()

    def consume() -> None:
        for batch in source.iter_batches(follow=True, stop=stop):
            for line in batch.lines:
                delivered[int(line.data[2:9])] += 1
            store.commit_positions(batch.positions)

    reader = threading.Thread(target=consume)
    reader.start()
    reopen = "reopen" if mode == "create" else "keep"
    writer = subprocess.Popen([sys.executable, "-c", _WRITER, str(live), str(LINES), reopen])
    rotations = 0
    try:
        while writer.poll() is None:
            subprocess.run(
                [LOGROTATE, "-f", "-s", str(state), str(conf)],
                check=True,
                capture_output=True,
                timeout=60,
            )
            rotations += 1
            time.sleep(0.05)
            if mode == "create":
                _wait_for_reopen(live, writer)
        assert writer.returncode == 0
        # No rotation runs any more: what is on disk now is final.  Wait until
        # the tailer delivered all of it (a loaded machine can stall it for
        # seconds), then for it to go quiet, so that a late duplicate shows.
        # The deadline is a guard against hanging, not a timing check.
        on_disk = _on_disk(logs)
        last, quiet_since, deadline = -1, time.monotonic(), time.monotonic() + 120
        while time.monotonic() < deadline:
            total = sum(delivered.values())
            if total != last:
                last, quiet_since = total, time.monotonic()
            elif time.monotonic() - quiet_since > 4.0 and on_disk.issubset(delivered):
                break
            time.sleep(0.1)
    finally:
        if writer.poll() is None:
            writer.kill()
            writer.wait()
        stop.set()
        reader.join(timeout=60)
        source.close()
        counters = source.counters()
        store.close()
    return delivered, _on_disk(logs), counters, rotations


@pytest.mark.slow
@pytest.mark.skipif(LOGROTATE is None, reason="logrotate is not installed")
class TestLogrotate:
    def test_create_mode_loses_nothing(self, tmp_path: Path) -> None:
        """Rename rotation (gzip one rotation later): every line delivered exactly once."""
        delivered, on_disk, counters, rotations = _run(tmp_path, "create")
        written = set(range(LINES))
        assert not written - on_disk, (
            f"the writer's lines missing on disk: {_summary(written - on_disk)}"
        )
        assert rotations >= 3
        assert counters["rotations"] >= 3
        missing = written - set(delivered)
        assert not missing, f"not delivered: {_summary(missing)}; counters {counters}"
        dups = {n for n, c in delivered.items() if c > 1}
        assert not dups, f"delivered twice: {_summary(dups)}"

    def test_copytruncate_mode_misses_only_the_race(self, tmp_path: Path) -> None:
        """copytruncate: every line still on disk is delivered once; misses are the race.

        Lines written between logrotate's copy and its truncate exist in no
        file; no reader can deliver them.  The test checks that whatever is
        missing is exactly such a line, and that truncations were seen.
        """
        delivered, on_disk, counters, rotations = _run(tmp_path, "copytruncate")
        assert rotations >= 3
        assert counters["truncations"] >= 3
        undelivered = on_disk - set(delivered)
        assert not undelivered, f"on disk, not delivered: {_summary(undelivered)}; {counters}"
        dups = {n for n, c in delivered.items() if c > 1}
        assert not dups, f"delivered twice: {_summary(dups)}"
        missing = set(range(LINES)) - set(delivered)
        print(
            f"copytruncate: {rotations} rotations, {len(missing)} lines lost by the race, "
            f"{counters['bytes_possibly_lost']} bytes counted as possibly lost"
        )
