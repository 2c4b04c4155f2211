"""Log sources: files (tail, rotation, checkpoints), history, and the journal.

A source turns files or the systemd journal into :class:`~sentinel.records.RawLine`
batches and tells the consumer which :class:`~sentinel.records.Position`\\ s to
commit, in the consumer's own transaction, once a batch is processed.  Read to
the end (replay), the file source also hands out block batches, where runs of
plain lines come as one :class:`~sentinel.records.LineRun`.

.. versionadded:: 0.1
"""

from __future__ import annotations

from sentinel.sources.batch import Batch, BlockBatch
from sentinel.sources.checkpoints import CheckpointStore
from sentinel.sources.files import COUNTERS, FileSource, FileSourceOptions
from sentinel.sources.history import HistoryReader, history_files
from sentinel.sources.journal import JournalSource, JournalSourceOptions

__all__ = [
    "COUNTERS",
    "Batch",
    "BlockBatch",
    "CheckpointStore",
    "FileSource",
    "FileSourceOptions",
    "HistoryReader",
    "JournalSource",
    "JournalSourceOptions",
    "history_files",
]
