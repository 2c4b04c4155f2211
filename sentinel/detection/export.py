"""Findings as JSON-ready dicts (for ``sentinel replay --jsonl`` and reports).

.. versionadded:: 0.1
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sentinel.records import Finding, LineRef

__all__ = ["finding_to_json"]


def _time(ts: float) -> str:
    return (
        datetime.fromtimestamp(ts, tz=UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    )


def _ref(ref: LineRef) -> dict[str, Any]:
    return {"path": ref.path, "line": ref.lineno, "offset": ref.offset, "cite": ref.cite()}


def finding_to_json(finding: Finding) -> dict[str, Any]:
    """A flat, stable dict: ids, entity, RFC 3339 times, counts, success, evidence."""
    return {
        "fingerprint": finding.fingerprint,
        "detector_id": finding.detector_id,
        "title": finding.title,
        "entity": {"kind": finding.entity.kind, "value": finding.entity.value},
        "first_ts": _time(finding.first_ts),
        "last_ts": _time(finding.last_ts),
        "severity": finding.severity.name.lower(),
        "techniques": list(finding.techniques),
        "counts": dict(finding.counts),
        "success": finding.success.value,
        "success_evidence": [_ref(r) for r in finding.success_evidence],
        "evidence": [_ref(r) for r in finding.evidence],
        "targets": list(finding.targets),
        "pack": finding.source,
    }
