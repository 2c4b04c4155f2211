"""Fixtures for the source tests: a store, a manual clock, a source factory."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from sentinel.clock import ManualClock
from sentinel.records import Position, RawLine
from sentinel.sources import Batch, CheckpointStore, FileSource, FileSourceOptions

MakeSource = Callable[..., FileSource]


@pytest.fixture
def store(tmp_path: Path) -> Iterator[CheckpointStore]:
    """A checkpoint store outside the watched directory."""
    (tmp_path / "state").mkdir()
    st = CheckpointStore(tmp_path / "state" / "sentinel.db")
    yield st
    st.close()


@pytest.fixture
def clock() -> ManualClock:
    """A clock the test moves by hand."""
    return ManualClock(1_800_000_000.0)


@pytest.fixture
def logs(tmp_path: Path) -> Path:
    """The directory the sources read."""
    path = tmp_path / "logs"
    path.mkdir()
    return path


@pytest.fixture
def make_source(store: CheckpointStore, clock: ManualClock, logs: Path) -> Iterator[MakeSource]:
    """Build polling sources over ``logs`` (``*.log`` by default); closed at teardown."""
    made: list[FileSource] = []

    def make(*patterns: str, **options: Any) -> FileSource:
        options.setdefault("use_inotify", False)
        options.setdefault("rescan_interval", 0.0)
        paths = tuple(str(logs / p) for p in (patterns or ("*.log",)))
        src = FileSource(FileSourceOptions(name="test", paths=paths, **options), store, clock)
        made.append(src)
        return src

    yield make
    for src in made:
        src.close()


def texts(lines: tuple[RawLine, ...] | list[RawLine]) -> list[str]:
    """The decoded data of ``lines``."""
    return [line.data.decode() for line in lines]


def drain(src: FileSource, store: CheckpointStore | None = None, max_lines: int = 1000) -> Batch:
    """Read until nothing is available; commit each batch when ``store`` is given."""
    lines: list[RawLine] = []
    positions: list[Position] = []
    while True:
        batch = src.read_batch(max_lines)
        if store is not None and batch.positions:
            store.commit_positions(batch.positions)
        lines.extend(batch.lines)
        positions.extend(batch.positions)
        if not batch.lines:
            return Batch(tuple(lines), tuple(positions))


def write(path: Path, *lines: str, end: str = "\n") -> None:
    """Append ``lines`` (each followed by ``end``) to ``path``."""
    with path.open("a", encoding="utf-8") as fh:
        fh.write("".join(line + end for line in lines))
