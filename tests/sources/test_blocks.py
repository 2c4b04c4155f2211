"""``FileSource.iter_blocks``: read-to-end in block form, against ``iter_batches``.

The block form must stand for exactly the lines ``iter_batches(follow=False)``
delivers: expanded with ``LineRun.raw_lines``, the same RawLines (every
LineRef field), the same counters and the same committed positions, whatever
the content (CRLF, lines over the cap, a last line without its newline, NUL
bytes, empty files, ``.gz``, multiline records) and however the reads cut it
(small chunks make plain and non-plain chunks alternate within a batch).
"""

from __future__ import annotations

import gzip
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from structlog.testing import capture_logs

from sentinel.clock import ManualClock
from sentinel.records import LineRun, Position, RawLine
from sentinel.sources import BlockBatch, CheckpointStore, FileSource, FileSourceOptions
from sentinel.sources import files as files_module

#: Everything that changes from one reading of a file to the next: the
#: random part of a short file's key.
_TOKEN = "sentinel.sources.files.secrets.token_hex"


def _expand(records: tuple[RawLine | LineRun, ...]) -> list[RawLine]:
    out: list[RawLine] = []
    for record in records:
        out.extend(record.raw_lines() if isinstance(record, LineRun) else [record])
    return out


@contextmanager
def _source(directory: Path, chunk: int, **options: Any) -> Iterator[FileSource]:
    """A read-to-end source over ``directory/*`` reading ``chunk`` bytes at a time."""
    store = CheckpointStore(":memory:")
    opts = FileSourceOptions(
        name="t",
        paths=(str(directory / "*"),),
        start_at="beginning",
        use_inotify=False,
        poll_interval=0.0,
        rescan_interval=0.0,
        rotate_wait=0.0,
        multiline_timeout=0.0,
        **options,
    )
    with (
        capture_logs(),
        mock.patch(_TOKEN, lambda n: "ab" * n),
        mock.patch.object(files_module, "_CHUNK", chunk),
        FileSource(opts, store, ManualClock(1_800_000_000.0)) as src,
    ):
        yield src
    store.close()


class _Reading:
    """What one read-to-end produced: lines, counters, committed positions, batches."""

    def __init__(self, directory: Path, chunk: int, blocks: bool, **options: Any) -> None:
        self.lines: list[RawLine] = []
        self.batches: list[BlockBatch] = []
        committed: list[Position] = []
        with _source(directory, chunk, **options) as src:
            if blocks:
                for batch in src.iter_blocks(max_lines=50):
                    self.batches.append(batch)
                    self.lines += _expand(batch.records)
                    committed += batch.positions
            else:
                for plain in src.iter_batches(follow=False, max_lines=50):
                    self.lines += plain.lines
                    committed += plain.positions
            self.counters = src.counters()
        # The last committed position of each key is what a restart sees.
        self.positions = {pos.key: pos for pos in committed}


def _by_file(lines: list[RawLine]) -> dict[tuple[str, str], list[RawLine]]:
    out: dict[tuple[str, str], list[RawLine]] = {}
    for line in lines:
        out.setdefault((line.ref.path, line.ref.fingerprint), []).append(line)
    return out


def _compare(directory: Path, chunk: int, **options: Any) -> _Reading:
    """Blocks and lines agree; returns the block reading."""
    blocks = _Reading(directory, chunk, True, **options)
    lines = _Reading(directory, chunk, False, **options)
    # Files interleave differently (a batch of runs may go past max_lines),
    # each file's lines are in the same order.
    assert _by_file(blocks.lines) == _by_file(lines.lines)
    assert blocks.counters == lines.counters
    assert blocks.positions == lines.positions
    for batch in blocks.batches:
        assert batch.count == len(_expand(batch.records))
    return blocks


def _numbered(count: int, end: bytes = b"\n") -> bytes:
    return b"".join(b"line %d of the log" % i + end for i in range(count))


CONTENTS = {
    "plain": _numbered(500),
    "crlf": _numbered(500, b"\r\n"),
    "crlf_in_the_middle": _numbered(200) + _numbered(3, b"\r\n") + _numbered(200),
    "over_cap": _numbered(200) + b"x" * 700 + b"\n" + _numbered(200) + b"y" * 5000,
    "no_final_newline": _numbered(300) + b"the last line",
    "nul_bytes": b"\x00\x00" + _numbered(100) + b"a\x00b\n" + _numbered(100),
    "empty": b"",
    "newlines_only": b"\n" * 300,
}
CHUNKS = [7, 100, 4096, 256 * 1024]


@pytest.mark.parametrize("chunk", CHUNKS)
@pytest.mark.parametrize("name", sorted(CONTENTS))
def test_blocks_stand_for_the_lines(tmp_path: Path, name: str, chunk: int) -> None:
    """Each kind of content, read in any chunk size, gives the same lines and state."""
    (tmp_path / "app.log").write_bytes(CONTENTS[name])
    _compare(tmp_path, chunk, max_line_bytes=512)


@pytest.mark.parametrize("chunk", CHUNKS)
def test_gzip_files_agree(tmp_path: Path, chunk: int) -> None:
    """A ``.gz`` file (read through a stream) gives the same lines and state."""
    (tmp_path / "app.log.1.gz").write_bytes(gzip.compress(CONTENTS["over_cap"] + _numbered(20_000)))
    reading = _compare(tmp_path, chunk, max_line_bytes=512)
    assert any(isinstance(r, LineRun) for b in reading.batches for r in b.records)


@pytest.mark.parametrize("chunk", CHUNKS)
def test_several_files_agree(tmp_path: Path, chunk: int) -> None:
    """Files read round-robin in one source give the same lines and positions."""
    for name, content in CONTENTS.items():
        (tmp_path / f"{name}.log").write_bytes(content)
    _compare(tmp_path, chunk, max_line_bytes=512)


def test_multiline_records_stay_lines(tmp_path: Path) -> None:
    """With a multiline joiner nothing is a run, and the records are the same."""
    (tmp_path / "app.log").write_bytes(b"".join(b"2026 start %d\n  more\n" % i for i in range(99)))
    reading = _compare(tmp_path, 4096, multiline_start=r"^\d{4} ")
    assert not any(isinstance(r, LineRun) for b in reading.batches for r in b.records)
    assert len(reading.lines) == 99


def test_plain_lines_come_as_runs(tmp_path: Path) -> None:
    """A plain file is all runs: no RawLine per line on the common path."""
    (tmp_path / "app.log").write_bytes(_numbered(5000))
    reading = _compare(tmp_path, 256 * 1024)
    records = [r for b in reading.batches for r in b.records]
    assert records
    assert all(isinstance(r, LineRun) for r in records)
    assert sum(b.count for b in reading.batches) == 5000


def test_a_file_found_while_reading_comes_as_runs(tmp_path: Path) -> None:
    """A file the source opens after ``iter_blocks`` started is read in runs too."""
    (tmp_path / "a.log").write_bytes(_numbered(500))
    with _source(tmp_path, 4096) as src:
        batches = src.iter_blocks(max_lines=50)
        next(batches)
        (tmp_path / "b.log").write_bytes(_numbered(500).replace(b"line", b"entry"))
        late = [r for batch in batches for r in batch.records if r.ref.path.endswith("b.log")]
    assert late
    assert all(isinstance(r, LineRun) for r in late)


def test_a_run_is_never_cut(tmp_path: Path) -> None:
    """A batch ends after whole runs: past ``max_lines`` by less than one chunk."""
    (tmp_path / "app.log").write_bytes(_numbered(5000))
    reading = _compare(tmp_path, 4096)
    per_chunk = 4096 // len(b"line 1000 of the log\n") + 1
    assert all(50 <= b.count < 50 + per_chunk for b in reading.batches[:-1])


def test_read_batch_after_iter_blocks_raises(tmp_path: Path) -> None:
    """A source reading blocks does not hand out RawLine batches as well."""
    (tmp_path / "app.log").write_bytes(_numbered(10))
    with _source(tmp_path, 4096) as src:
        next(src.iter_blocks())
        with pytest.raises(RuntimeError, match="iter_blocks"):
            src.read_batch()


_piece = st.sampled_from(
    [b"GET / 200", b"a", b"\n", b"\n", b"\n", b"\r\n", b"\r", b"\x00", b"z" * 70, b"\xff"]
)


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(
    files=st.lists(st.lists(_piece, max_size=80).map(b"".join), min_size=1, max_size=3),
    chunk=st.sampled_from([5, 64, 1000]),
    cap=st.sampled_from([16, 100, 65536]),
)
def test_any_bytes_agree(files: list[bytes], chunk: int, cap: int) -> None:
    """Generated files of any bytes, chunk size and cap: blocks stand for the lines."""
    with tempfile.TemporaryDirectory() as tmp:
        for index, content in enumerate(files):
            (Path(tmp) / f"f{index}.log").write_bytes(content)
        _compare(Path(tmp), chunk, max_line_bytes=cap)
