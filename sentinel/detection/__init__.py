"""Attack detection: detector definitions as data, run by one engine.

Typical use (what ``sentinel replay`` does)::

    definitions = load_packs()                       # bundled packs, self-tested
    engine = DetectionEngine(definitions, EngineLimits(max_entities=50_000))
    for event in events:
        for finding in engine.observe(event):
            ...
    findings = engine.flush(math.inf)                # end of input: close all

``engine.observe_batch(events)`` takes a few hundred events (in time order)
at once and returns exactly what observing them one by one would, at a
fraction of the cost; replays use it.

A finding may be emitted several times as it evolves (opened, success
changed, closed); the later one supersedes the earlier with the same
``fingerprint`` (:func:`latest_findings`).

.. versionadded:: 0.1
"""

from __future__ import annotations

from sentinel.detection.definitions import Definition, load_definitions
from sentinel.detection.engine import DetectionEngine, EngineLimits
from sentinel.detection.export import finding_to_json
from sentinel.detection.packs import bundled_detectors_dir, load_packs
from sentinel.detection.replay import replay_files
from sentinel.detection.rules import latest_findings, rules_list_main, rules_test_main

__all__ = [
    "Definition",
    "DetectionEngine",
    "EngineLimits",
    "bundled_detectors_dir",
    "finding_to_json",
    "latest_findings",
    "load_definitions",
    "load_packs",
    "replay_files",
    "rules_list_main",
    "rules_test_main",
]
