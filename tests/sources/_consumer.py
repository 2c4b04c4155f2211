"""A consumer process for the kill -9 test (run as a script, not collected).

Reads batches of 100 lines and, per batch, inserts one output row per line
and commits the batch positions in the same transaction.  With a pause batch
number it stops *inside* that batch's transaction, after half of the rows,
prints ``PAUSED`` and waits to be killed.  At the end it prints its counters
as JSON.

Usage: python _consumer.py DB GLOB [PAUSE_AT_BATCH]
"""

from __future__ import annotations

import json
import sys
import time

import structlog

from sentinel.clock import SystemClock
from sentinel.sources import CheckpointStore, FileSource, FileSourceOptions


def main(argv: list[str]) -> int:
    # Logs to stderr: stdout is the protocol with the test.
    structlog.configure(logger_factory=structlog.PrintLoggerFactory(sys.stderr))
    db, pattern = argv[1], argv[2]
    pause_at = int(argv[3]) if len(argv) > 3 else -1
    store = CheckpointStore(db)
    with store.transaction() as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS out (line TEXT NOT NULL)")
    options = FileSourceOptions(name="crash", paths=(pattern,), use_inotify=False)
    src = FileSource(options, store, SystemClock())
    for number, batch in enumerate(src.iter_batches(follow=False, max_lines=100)):
        rows = [(line.data.decode(),) for line in batch.lines]
        with store.transaction() as conn:
            half = len(rows) // 2
            conn.executemany("INSERT INTO out VALUES (?)", rows[:half])
            if number == pause_at:
                print("PAUSED", flush=True)
                time.sleep(600)
            conn.executemany("INSERT INTO out VALUES (?)", rows[half:])
            store.save_positions(conn, batch.positions)
    print(json.dumps(src.counters()), flush=True)
    src.close()
    store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
