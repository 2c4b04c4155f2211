"""Realistic log traffic with injected attacks and ground truth.

:func:`generate` writes nginx ``access.log``, sshd/sudo ``auth.log`` and UFW
``kern.log`` files covering days of benign traffic (diurnal and weekly
rhythm, real-looking agents and paths, heavy but legitimate clients, typos)
interleaved with attack campaigns of every class in :data:`CLASSES`, plus a
``truth.json`` (:class:`GroundTruth`) naming every campaign's clients,
targets, time range, success evidence and attack lines.  ``sentinel demo``
and the quality benchmark use it; ``python -m sentinel.scenarios OUT_DIR``
runs it from a shell.  :func:`evaluate` scores a detector run's findings
against the ground truth (recall per class, benign false positives, per-line
figures).

.. versionadded:: 0.1
"""

from sentinel.scenarios.cli import main
from sentinel.scenarios.evaluation import ClassResult, Evaluation, LineResult, evaluate
from sentinel.scenarios.generator import DEFAULT_START, generate, plan_campaigns
from sentinel.scenarios.plan import CLASSES
from sentinel.scenarios.truth import CampaignTruth, Evidence, FileTruth, GroundTruth

__all__ = [
    "CLASSES",
    "DEFAULT_START",
    "CampaignTruth",
    "ClassResult",
    "Evaluation",
    "Evidence",
    "FileTruth",
    "GroundTruth",
    "LineResult",
    "evaluate",
    "generate",
    "main",
    "plan_campaigns",
]
