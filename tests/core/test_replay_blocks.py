"""Replay through the file source's block form equals replay through RawLines.

``read_to_end`` hands the replayer runs of plain lines
(:class:`~sentinel.records.LineRun`, parsed with ``parse_block``) and RawLines
for the rest; ``read_to_end(blocks=False)`` is the daemon's form, a RawLine per
line parsed with ``parse``.  Every test replays the same files both ways, with
every bundled detector pack, and requires the same events (every field, the
LineRef of each included), the same summary (parser counters included), the
same findings and the same format detection.
"""

from __future__ import annotations

import dataclasses
import gzip
import os
import random
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from functools import cache, partial
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from structlog.testing import capture_logs

from sentinel.detection import DetectionEngine
from sentinel.parsers import speedups
from sentinel.pipeline import Replayer, ReplayInput, ReplayResult, configured_definitions
from sentinel.records import Event, LineRun, RawLine
from sentinel.replaycmd import bundled_samples, read_to_end
from sentinel.settings import Settings
from sentinel.sources import files as files_module
from sentinel.summary import BoundedCounter, ReplaySummary

SAMPLES = bundled_samples()
#: The random part of a short file's checkpoint key differs from one read to
#: the next; pinned so that two replays give the same LineRef.fingerprint.
_TOKEN = "sentinel.sources.files.secrets.token_hex"


@cache
def _definitions() -> list[Any]:
    return configured_definitions(Settings())


@contextmanager
def _pinned(chunk: int | None = None, python_only: bool = False) -> Iterator[None]:
    """Deterministic keys; reads of ``chunk`` bytes; parsers on the Python path.

    Logs are captured: an earlier test may have left structlog writing to a
    stream that is closed now (warnings such as a binary file's would fail).
    """
    with ExitStack() as stack:
        stack.enter_context(capture_logs())
        stack.enter_context(mock.patch(_TOKEN, lambda n: "ab" * n))
        if chunk is not None:
            stack.enter_context(mock.patch.object(files_module, "_CHUNK", chunk))
        if python_only:
            stack.enter_context(mock.patch.dict(os.environ, {speedups.DISABLE_ENV: "1"}))
        yield


def _replay(
    paths: Sequence[Path], *, blocks: bool, fmt: str = "auto", cap: int = 65536
) -> tuple[ReplayResult, list[Event]]:
    events: list[Event] = []
    reader = partial(read_to_end, blocks=blocks)
    replayer = Replayer(reader, [DetectionEngine(_definitions())], events.append, cap)
    return replayer.run([ReplayInput(path, fmt) for path in paths]), events


def _summary_state(summary: ReplaySummary) -> dict[str, Any]:
    state = {}
    for field in dataclasses.fields(summary):
        value = getattr(summary, field.name)
        state[field.name] = vars(value) if isinstance(value, BoundedCounter) else value
    return state


def _assert_same(
    paths: Sequence[Path],
    *,
    fmt: str = "auto",
    cap: int = 65536,
    chunk: int | None = None,
    python_only: bool = False,
) -> ReplayResult:
    """Both forms give the same replay; returns the block form's result."""
    with _pinned(chunk, python_only):
        got, got_events = _replay(paths, blocks=True, fmt=fmt, cap=cap)
        want, want_events = _replay(paths, blocks=False, fmt=fmt, cap=cap)
    assert len(got_events) == len(want_events)
    for got_event, want_event in zip(got_events, want_events, strict=True):
        assert got_event == want_event
        assert got_event.origin is not None
        assert type(got_event.origin) is type(want_event.origin)
    assert _summary_state(got.summary) == _summary_state(want.summary)
    assert got.findings == want.findings
    assert got.detections == want.detections
    return got


def _crlf(data: bytes) -> bytes:
    return data.replace(b"\n", b"\r\n")


def _sample_lines(limit: int = 3000) -> list[bytes]:
    """Lines of every bundled sample (decompressed)."""
    lines: list[bytes] = []
    for path in SAMPLES:
        data = path.read_bytes()
        if path.suffix == ".gz":
            data = gzip.decompress(data)
        lines += data.splitlines()[:limit]
    return lines


@pytest.mark.parametrize("python_only", [False, True], ids=["c", "python"])
def test_bundled_samples(python_only: bool) -> None:
    """The bundled samples (``.gz`` included), merged by time, replay the same."""
    assert len(SAMPLES) >= 3
    result = _assert_same(SAMPLES, python_only=python_only)
    assert result.findings
    assert result.summary.parsed > 50_000


def test_each_sample_alone_in_small_chunks() -> None:
    """Each sample on its own (no merge), read 4 KiB at a time, replays the same."""
    for path in SAMPLES:
        _assert_same([path], chunk=4096)


def test_crlf_files(tmp_path: Path) -> None:
    """CRLF copies of the samples (read line by line) replay the same."""
    paths = []
    for index, line_group in enumerate((_sample_lines()[:4000], _sample_lines()[4000:])):
        path = tmp_path / f"crlf{index}.log"
        path.write_bytes(_crlf(b"".join(line + b"\n" for line in line_group)))
        paths.append(path)
    _assert_same(paths)


def test_lines_over_the_cap() -> None:
    """With a cap below many line lengths, truncated lines replay the same."""
    result = _assert_same(SAMPLES, cap=150)
    assert result.summary.notes["truncated"] > 0


def test_mixed_file_in_small_chunks(tmp_path: Path) -> None:
    """Plain, CRLF and over-cap stretches and a last line without newline, one file."""
    lines = _sample_lines(1500)
    data = (
        b"".join(line + b"\n" for line in lines[:1000])
        + _crlf(b"".join(line + b"\n" for line in lines[1000:1100]))
        + b"x" * 3000
        + b"\n"
        + b"".join(line + b"\n" for line in lines[1100:])
        + lines[0]
    )
    path = tmp_path / "mixed.log"
    path.write_bytes(data)
    for chunk in (1000, 64 * 1024):
        _assert_same([path], cap=2048, chunk=chunk)
    gz = tmp_path / "mixed.log.gz"
    gz.write_bytes(gzip.compress(data))
    _assert_same([gz], cap=2048, chunk=1000)


def test_final_line_without_newline(tmp_path: Path) -> None:
    """An unterminated last line is replayed (as a RawLine) the same."""
    path = tmp_path / "access.log"
    path.write_bytes(b"\n".join(_sample_lines(500)[:500]))
    result = _assert_same([path], fmt="combined")
    assert result.summary.lines == 500


def test_empty_file(tmp_path: Path) -> None:
    """An empty file, alone and next to a sample, replays the same."""
    empty = tmp_path / "empty.log"
    empty.write_bytes(b"")
    assert _assert_same([empty]).summary.lines == 0
    _assert_same([empty, SAMPLES[-1]])


def test_pruned_top_lists(tmp_path: Path) -> None:
    """More clients than the summary keeps: its pruned top lists are the same too."""
    rng = random.Random(4)
    stamp = "[20/Nov/2026:00:00:00 +0000]"
    lines = []
    for _ in range(80_000):
        client = rng.randrange(60_000) if rng.random() < 0.7 else rng.randrange(500)
        ip = f"10.{client // 65536}.{client // 256 % 256}.{client % 256}"
        lines.append(f'{ip} - - {stamp} "GET / HTTP/1.1" 200 5 "-" "curl/8"\n')
    path = tmp_path / "access.log"
    path.write_text("".join(lines))
    result = _assert_same([path], fmt="combined")
    assert result.summary.clients.pruned > 0


def test_format_detection_sees_the_same_head(tmp_path: Path) -> None:
    """Auto-detection samples the first 100 lines, however records and runs cut them."""
    access = [line for line in _sample_lines() if line[:1].isdigit()][:99]
    auth = [line for line in _sample_lines() if line.startswith(b"Nov")]
    path = tmp_path / "switch.log"
    # A line longer than a read (a truncated RawLine), then a run of 99 access
    # lines and auth lines: the 101st line must not reach the detection.
    path.write_bytes(b"x" * 300_000 + b"\n" + b"".join(line + b"\n" for line in access + auth))
    result = _assert_same([path])
    assert result.detections[str(path)].share == 0.99


def test_replay_reads_runs() -> None:
    """The replay's reader hands over runs: the block path is the one taken."""
    records: list[RawLine | LineRun] = []
    for block in read_to_end(SAMPLES[-1], "s", 65536):
        records += block
    assert records
    assert all(isinstance(record, LineRun) for record in records[:-1])


_endings = st.sampled_from([b"\n", b"\n", b"\n", b"\r\n", b"\r", b""])
_odd = st.sampled_from([b"", b"  ", b"\x00", b"\xff\xfe", "é".encode(), b"z" * 300])


@settings(
    max_examples=25,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    files=st.lists(
        st.lists(
            st.tuples(
                st.one_of(st.integers(0, 20_000), _odd),
                _endings,
            ),
            max_size=60,
        ),
        min_size=1,
        max_size=2,
    ),
    cap=st.sampled_from([64, 65536]),
    chunk=st.sampled_from([64, 4096]),
)
def test_generated_files(
    files: list[list[tuple[int | bytes, bytes]]], cap: int, chunk: int
) -> None:
    """Sample lines and odd bytes with any line ends, any cap and chunking, agree."""
    pool = _pool()
    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        for index, parts in enumerate(files):
            data = b"".join(
                (pool[line % len(pool)] if isinstance(line, int) else line) + end
                for line, end in parts
            )
            path = Path(tmp) / f"f{index}.log"
            path.write_bytes(data)
            paths.append(path)
        _assert_same(paths, cap=cap, chunk=chunk)


@cache
def _pool() -> list[bytes]:
    return _sample_lines()
