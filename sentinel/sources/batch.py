"""The units a source hands to its consumer.

.. versionadded:: 0.1
"""

from __future__ import annotations

from dataclasses import dataclass

from sentinel.records import LineRun, Position, RawLine

__all__ = ["Batch", "BlockBatch"]


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


@dataclass(frozen=True, slots=True)
class BlockBatch:
    """A :class:`Batch` in block form (``FileSource.iter_blocks``).

    ``records`` are the batch's lines in order, a :class:`RawLine` each or a
    :class:`LineRun` for a run of them; ``count`` is how many lines they
    hold.  ``positions`` are committed as a :class:`Batch`'s are.
    """

    records: tuple[RawLine | LineRun, ...] = ()
    positions: tuple[Position, ...] = ()
    count: int = 0

    def __len__(self) -> int:
        return self.count

    def __bool__(self) -> bool:
        return bool(self.records or self.positions)
