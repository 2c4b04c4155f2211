"""An open finding ("episode") and its conversion to a :class:`Finding`.

An episode starts when a definition fires for an entity and absorbs that
entity's later matches until it has been quiet for the definition's window
(or, for login and sequence rules, their ``within``).  A finding is emitted
when the episode opens, when its success state changes and when it closes;
all three carry the same :attr:`Finding.fingerprint` (detector, entity,
first time), so a store keeps the latest and a replay is idempotent.

.. versionadded:: 0.1
"""

from __future__ import annotations

from dataclasses import dataclass

from sentinel.detection.definitions import Definition
from sentinel.detection.success import Outcome
from sentinel.detection.windows import DistinctCounter
from sentinel.records import EntityKey, Finding, LineRef

__all__ = ["Episode", "EvidenceLimits"]


@dataclass(frozen=True, slots=True)
class EvidenceLimits:
    """How much an episode keeps: line references and distinct targets."""

    evidence: int = 20
    targets: int = 100


class Episode:
    """Mutable state of one open finding (bounded by :class:`EvidenceLimits`)."""

    __slots__ = (
        "count",
        "distinct",
        "evidence",
        "first",
        "last",
        "outcome",
        "prior",
        "targets",
        "value",
    )

    def __init__(self, value: str, first: float, count: int) -> None:
        self.value = value
        self.first = first
        self.last = first
        self.count = count
        self.evidence: list[LineRef] = []
        self.targets: dict[str, None] = {}  # ordered set
        self.outcome = Outcome()
        self.distinct: DistinctCounter | None = None
        self.prior = 0  # events of the preceding finding (sequence rules)

    def add_evidence(self, ref: LineRef | None, limits: EvidenceLimits) -> None:
        """Keep ``ref`` if there is room (the count still includes it)."""
        if ref is not None and len(self.evidence) < limits.evidence:
            self.evidence.append(ref)

    def add_target(self, target: object, limits: EvidenceLimits) -> None:
        """Remember what the entity went after, up to the cap."""
        if target is not None and len(self.targets) < limits.targets:
            self.targets.setdefault(str(target), None)

    def to_finding(self, definition: Definition, *, closed: bool) -> Finding:
        """Snapshot as an immutable :class:`Finding`."""
        counts = {"events": self.count}
        if self.distinct is not None and definition.aggregate is not None:
            counts[f"distinct_{definition.aggregate.distinct}"] = len(self.distinct.seen)
        if self.outcome.answered:
            counts["error_responses"] = self.outcome.errors
        if self.prior:
            counts["prior_events"] = self.prior
        # Positional, in field order, and the entity key without the
        # NamedTuple constructor's Python frame: a finding is built at every
        # open, success change and close, for every sparse attacker's line.
        return Finding(
            definition.id,
            definition.title,
            tuple.__new__(EntityKey, (definition.entity, self.value)),
            self.first,
            self.last,
            definition.severity,
            definition.techniques,
            counts,
            self.outcome.verdict(definition.success, closed=closed),
            tuple(self.outcome.evidence),
            tuple(self.evidence),
            tuple(self.targets),
            definition.pack,
        )
