"""The unit a source hands to its consumer.

.. versionadded:: 0.1
"""

from __future__ import annotations

from dataclasses import dataclass

from sentinel.records import Position, RawLine

__all__ = ["Batch"]


@dataclass(frozen=True, slots=True)
class Batch:
    """Lines read together and the positions to commit once they are processed.

    Commit ``positions`` with
    :meth:`~sentinel.sources.checkpoints.CheckpointStore.save_positions` in
    the same transaction as whatever the lines produced.  A batch may carry
    positions and no lines (a file finished or was forgotten): commit those
    too.  Batches must be committed in the order they were read.
    """

    lines: tuple[RawLine, ...] = ()
    positions: tuple[Position, ...] = ()

    def __len__(self) -> int:
        return len(self.lines)

    def __bool__(self) -> bool:
        return bool(self.lines or self.positions)
