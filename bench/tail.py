"""Tailer benchmark: read-to-end throughput and append -> delivery latency.

Prints:

- lines/s from a pre-written file to the consumer in read-to-end mode, with
  and without a checkpoint commit per batch (target >= 500,000 lines/s);
- append -> delivery latency p50/p99 in follow mode woken by inotify
  (target p99 <= 100 ms) and with polling only.

Usage::

    .venv/bin/python bench/tail.py [--lines 2000000] [--latency-lines 2000]
"""

from __future__ import annotations

import argparse
import logging
import statistics
import tempfile
import threading
import time
from pathlib import Path

import structlog

from sentinel.clock import SystemClock
from sentinel.sources import CheckpointStore, FileSource, FileSourceOptions


def _write_file(path: Path, count: int) -> int:
    line = b'203.0.113.9 - - [27/Nov/2026:21:00:00 +0000] "GET /index.html HTTP/1.1" 200 512 "-"\n'
    block = line * 10_000
    with path.open("wb") as fh:
        for _ in range(count // 10_000):
            fh.write(block)
        fh.write(line * (count % 10_000))
    return len(line) * count


def throughput(workdir: Path, count: int, commit: bool) -> float:
    """Lines per second delivered in read-to-end mode."""
    logs = workdir / f"tp-{commit}"
    logs.mkdir()
    _write_file(logs / "access.log", count)
    store = CheckpointStore(workdir / f"tp-{commit}.db")
    options = FileSourceOptions(name="bench", paths=(str(logs / "*.log"),), use_inotify=False)
    source = FileSource(options, store, SystemClock())
    seen = 0
    start = time.perf_counter()
    for batch in source.iter_batches(follow=False, max_lines=1000):
        seen += len(batch.lines)
        if commit:
            store.commit_positions(batch.positions)
    elapsed = time.perf_counter() - start
    source.close()
    store.close()
    assert seen == count, (seen, count)
    return count / elapsed


def latency(workdir: Path, count: int, inotify: bool, poll: float) -> tuple[float, float]:
    """p50 and p99 append -> delivery latency in milliseconds."""
    logs = workdir / f"lat-{inotify}-{poll}"
    logs.mkdir()
    live = logs / "app.log"
    live.touch()
    store = CheckpointStore(workdir / f"lat-{inotify}-{poll}.db")
    options = FileSourceOptions(
        name="bench",
        paths=(str(live),),
        use_inotify=inotify,
        poll_interval=poll,
        rescan_interval=5.0,
    )
    source = FileSource(options, store, SystemClock())
    stop = threading.Event()
    delays: list[float] = []

    def consume() -> None:
        for batch in source.iter_batches(follow=True, stop=stop):
            now = time.perf_counter_ns()
            delays.extend((now - int(line.data)) / 1e6 for line in batch.lines)
            store.commit_positions(batch.positions)
            if len(delays) >= count:
                stop.set()

    reader = threading.Thread(target=consume)
    reader.start()
    time.sleep(0.2)  # let the watcher start
    with live.open("ab", buffering=0) as fh:
        for _ in range(count):
            fh.write(b"%d\n" % time.perf_counter_ns())
            time.sleep(0.002)
    reader.join(timeout=60)
    stop.set()
    source.close()
    store.close()
    cuts = statistics.quantiles(delays, n=100)
    return cuts[49], cuts[98]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lines", type=int, default=2_000_000)
    parser.add_argument("--latency-lines", type=int, default=2000)
    args = parser.parse_args()
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    with tempfile.TemporaryDirectory(prefix="sentinel-bench-") as tmp:
        workdir = Path(tmp)
        for commit in (False, True):
            rate = throughput(workdir, args.lines, commit)
            label = "with a commit per 1000-line batch" if commit else "no commit"
            print(f"read-to-end ({label}): {rate:,.0f} lines/s over {args.lines:,} lines")
        for inotify, poll in ((True, 1.0), (False, 0.1), (False, 1.0)):
            n = args.latency_lines if poll < 1.0 or inotify else args.latency_lines // 4
            p50, p99 = latency(workdir, n, inotify, poll)
            mode = "inotify" if inotify else f"polling every {poll:g} s"
            print(f"append->delivery latency ({mode}): p50 {p50:.2f} ms, p99 {p99:.2f} ms, n={n}")


if __name__ == "__main__":
    main()
