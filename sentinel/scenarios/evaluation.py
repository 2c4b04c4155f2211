"""Score what a detector run flagged against a corpus's ground truth.

The quality benchmark and ``sentinel demo`` feed :func:`evaluate` the
entities that findings named (``("client_ip", "203.0.113.9")``, compatible
with :class:`~sentinel.records.EntityKey`), optionally the ones reported as
*succeeded*, and optionally the line numbers cited as evidence, and get:

- recall per attack class: attacking entities found / attacking entities;
- success recall per class: entities of successful campaigns reported as succeeded;
- false positives: benign clients flagged / benign clients (and benign users
  flagged that no campaign targeted);
- per-line recall and false-positive rate per file.

.. versionadded:: 0.1
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from sentinel.scenarios.truth import GroundTruth, client_entity

__all__ = ["ClassResult", "Evaluation", "LineResult", "evaluate"]

Entity = tuple[str, str]


@dataclass(frozen=True, slots=True)
class ClassResult:
    """Recall for one attack class."""

    attack_class: str
    actors: int
    found: int
    missed: tuple[str, ...]
    success_actors: int = 0
    success_found: int = 0

    @property
    def recall(self) -> float:
        """Share of the class's attacking entities that were flagged."""
        return self.found / self.actors if self.actors else 1.0

    @property
    def success_recall(self) -> float:
        """Share of successful campaigns' entities reported as succeeded."""
        return self.success_found / self.success_actors if self.success_actors else 1.0


@dataclass(frozen=True, slots=True)
class LineResult:
    """Per-line detection quality in one file."""

    attack_lines: int
    benign_lines: int
    true_positives: int
    false_positives: int

    @property
    def recall(self) -> float:
        """Share of attack lines cited."""
        return self.true_positives / self.attack_lines if self.attack_lines else 1.0

    @property
    def false_positive_rate(self) -> float:
        """Share of benign lines cited."""
        return self.false_positives / self.benign_lines if self.benign_lines else 0.0


@dataclass(frozen=True, slots=True)
class Evaluation:
    """Everything :func:`evaluate` measured."""

    classes: Mapping[str, ClassResult]
    benign_clients: int
    benign_clients_flagged: tuple[str, ...]
    benign_users_flagged: tuple[str, ...]
    lines: Mapping[str, LineResult] = field(default_factory=dict)

    @property
    def benign_false_positive_rate(self) -> float:
        """Share of benign client addresses flagged."""
        if not self.benign_clients:
            return 0.0
        return len(self.benign_clients_flagged) / self.benign_clients

    def summary(self) -> str:
        """A plain-text table, one class per line, then false positives."""
        rows = [f"{'class':<24} {'found':>9} {'recall':>7} {'success':>8}"]
        for r in self.classes.values():
            success = f"{r.success_found}/{r.success_actors}" if r.success_actors else "-"
            rows.append(
                f"{r.attack_class:<24} {r.found:>4}/{r.actors:<4} {r.recall:>7.1%} {success:>8}"
            )
        rows.append(
            f"benign clients flagged: {len(self.benign_clients_flagged)}/{self.benign_clients}"
            f" ({self.benign_false_positive_rate:.2%})"
        )
        for name, res in self.lines.items():
            rows.append(
                f"{name}: line recall {res.recall:.1%}, line FP rate {res.false_positive_rate:.3%}"
            )
        return "\n".join(rows)


def _lines(truth: GroundTruth, cited: Mapping[str, Iterable[int]]) -> dict[str, LineResult]:
    out = {}
    for name, info in truth.files.items():
        attack = set(info.attack_lines)
        lines = set(cited.get(name, ()))
        out[name] = LineResult(
            attack_lines=len(attack),
            benign_lines=info.lines - len(attack),
            true_positives=len(lines & attack),
            false_positives=len(lines - attack),
        )
    return out


def _as_truth(entity: Entity) -> Entity:
    """A ``client`` entity (IP, else a host name) as the truth names it."""
    kind, value = entity
    return client_entity(value) if kind == "client" else entity


def evaluate(
    truth: GroundTruth,
    flagged: Iterable[Entity],
    *,
    succeeded: Iterable[Entity] = (),
    cited_lines: Mapping[str, Iterable[int]] | None = None,
) -> Evaluation:
    """Compare flagged entities (and cited lines) with the ground truth.

    Args:
        truth: The corpus ground truth.
        flagged: ``(kind, value)`` of every entity any finding named.
        succeeded: Entities whose findings said the attack succeeded.
        cited_lines: File name -> 1-based line numbers cited as evidence.

    Returns:
        Recall per class, false positives, and per-line figures when lines are given.
    """
    # A ``client`` entity (IP, else a host name) is the client IP when it is one.
    hits = {_as_truth(entity) for entity in flagged}
    wins = {_as_truth(entity) for entity in succeeded}
    classes = {}
    for cls, campaigns in truth.by_class().items():
        actors = {e for c in campaigns for e in c.entities}
        winners = {e for c in campaigns if c.succeeded for e in c.entities}
        classes[cls] = ClassResult(
            attack_class=cls,
            actors=len(actors),
            found=len(actors & hits),
            missed=tuple(sorted(value for _, value in actors - hits)),
            success_actors=len(winners),
            success_found=len(winners & wins),
        )
    targeted = {t for c in truth.campaigns for t in c.targets}
    benign_ips = [ip for ip in truth.benign_clients if client_entity(ip) in hits]
    benign_users = [u for u in truth.benign_users if ("user", u) in hits and u not in targeted]
    return Evaluation(
        classes=classes,
        benign_clients=len(truth.benign_clients),
        benign_clients_flagged=tuple(benign_ips),
        benign_users_flagged=tuple(benign_users),
        lines=_lines(truth, cited_lines) if cited_lines is not None else {},
    )
