"""Detection quality on the generated scenario corpus (fixed seed).

Generates the corpus with :func:`sentinel.scenarios.generate`, replays
``access.log`` / ``auth.log`` / ``kern.log`` through the real parsers and all
bundled packs, and prints per attack class: recall per attacking actor
(client or user), recall per attack line (lines of found actors), success
verdicts, and false positives among benign clients.

Targets: >= 95 % of attacking actors found for every class, <= 0.5 % of benign
clients flagged.

Run: ``.venv/bin/python bench/quality.py [--seed 7] [--days 2] [--scale 1]``

Columns: actors (attacking clients or users of the class), found (flagged by
the class's detectors), recall, line recall (attack lines of found actors),
FP (benign actors flagged by the class's detectors), success (successful
campaigns marked succeeded / total, ``+nFP`` failed campaigns marked
succeeded), and the first missed actors.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from sentinel.detection import DetectionEngine, load_packs
from sentinel.detection.classes import CLASS_DETECTORS, DISTRIBUTED_DETECTORS
from sentinel.detection.replay import replay_files
from sentinel.parsers import ParserOptions
from sentinel.records import Finding, Success
from sentinel.scenarios import generate


def flagged_actors(findings: list[Finding]) -> dict[str, set[str]]:
    """Actor value -> detector ids that flagged it (entity, or targets if distributed)."""
    flagged: dict[str, set[str]] = defaultdict(set)
    for f in findings:
        flagged[f.entity.value].add(f.detector_id)
        if f.detector_id in DISTRIBUTED_DETECTORS:
            for target in f.targets:
                flagged[target].add(f.detector_id)
    return flagged


def evaluate(truth: dict[str, Any], findings: list[Finding]) -> dict[str, Any]:
    """Per-class recall, success verdicts and benign false positives."""
    flagged = flagged_actors(findings)
    by_entity: dict[str, list[Finding]] = defaultdict(list)
    for f in findings:
        by_entity[f.entity.value].append(f)
    classes: dict[str, dict[str, Any]] = {}
    attackers: set[str] = set()
    for campaign in truth["campaigns"]:
        cls = campaign["class"]
        row = classes.setdefault(
            cls, {"actors": 0, "found": 0, "lines": 0, "lines_found": 0, "missed": []}
        )
        wanted = CLASS_DETECTORS[cls]
        actors = [e["value"] for e in campaign["entities"]]
        attackers.update(actors)
        lines = sum(len(v) for v in campaign["lines"].values())
        row["lines"] += lines
        found = [a for a in actors if flagged.get(a, set()) & wanted]
        row["actors"] += len(actors)
        row["found"] += len(found)
        row["lines_found"] += round(lines * len(found) / max(1, len(actors)))
        row["missed"].extend(f"{campaign['id']}:{a}" for a in actors if a not in found)
        verdicts = {
            f.success for a in actors for f in by_entity.get(a, []) if f.detector_id in wanted
        }
        if campaign["succeeded"]:
            row["succ_total"] = row.get("succ_total", 0) + 1
            row["succ_found"] = row.get("succ_found", 0) + (Success.SUCCEEDED in verdicts)
        elif Success.SUCCEEDED in verdicts:
            row["false_success"] = row.get("false_success", 0) + 1
    benign = set(truth["benign"]["clients"]) | set(truth["benign"]["firewall_noise"])
    benign |= set(truth["benign"]["users"])
    benign -= attackers
    # The attacked account (distributed brute force) is rightly a finding's entity.
    benign -= {t for c in truth["campaigns"] for t in c["targets"]}
    false_pos = {b: flagged[b] for b in benign if b in flagged}
    for cls, row in classes.items():
        row["fp"] = sum(1 for ids in false_pos.values() if ids & CLASS_DETECTORS[cls])
    attack_lines = {name: set(f["attack_lines"]) for name, f in truth["files"].items()}
    benign_total = sum(f["lines"] - len(f["attack_lines"]) for f in truth["files"].values())
    cited = {
        (Path(ref.path).name, ref.lineno)
        for f in findings
        for ref in (*f.evidence, *f.success_evidence)
    }
    benign_cited = sum(1 for name, line in cited if line not in attack_lines.get(name, set()))
    return {
        "classes": classes,
        "benign": len(benign),
        "false_positives": false_pos,
        "benign_lines": benign_total,
        "benign_lines_cited": benign_cited,
        "cited": len(cited),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--days", type=float, default=2.0)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--corpus", type=Path, help="reuse/generate the corpus here")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        out = args.corpus or Path(tmp)
        if not (out / "truth.json").exists():
            generate(out, seed=args.seed, days=args.days, scale=args.scale)
        truth = json.loads((out / "truth.json").read_text())
        options = ParserOptions(reference_time=truth["run"]["start_ts"])
        engine = DetectionEngine(load_packs())
        files = [(out / "access.log", "combined"), (out / "auth.log", "syslog")]
        files.append((out / "kern.log", "syslog"))
        findings = replay_files(engine, files, options)
    report = evaluate(truth, findings)
    worst = 1.0
    print(
        f"{'class':<24}{'actors':>7}{'found':>7}{'recall':>8}{'line rec':>9}{'FP':>4}"
        "  success  missed"
    )
    for cls, row in sorted(report["classes"].items()):
        recall = row["found"] / max(1, row["actors"])
        worst = min(worst, recall)
        line_recall = row["lines_found"] / max(1, row["lines"])
        succ = f"{row.get('succ_found', 0)}/{row.get('succ_total', 0)}"
        if row.get("false_success"):
            succ += f" +{row['false_success']}FP"
        missed = ",".join(row["missed"][:4])
        print(
            f"{cls:<24}{row['actors']:>7}{row['found']:>7}{recall:>8.1%}{line_recall:>9.1%}"
            f"{row['fp']:>4}  {succ:<7}  {missed}"
        )
    fps = report["false_positives"]
    rate = len(fps) / max(1, report["benign"])
    print(f"\nworst class recall: {worst:.1%} (target >= 95%)")
    print(f"benign actors flagged: {len(fps)}/{report['benign']} = {rate:.3%} (target <= 0.5%)")
    print(
        f"evidence lines cited: {report['cited']}, of which benign: "
        f"{report['benign_lines_cited']}/{report['benign_lines']} benign lines"
    )
    by_detector = Counter(d for ids in fps.values() for d in ids)
    for detector, count in by_detector.most_common():
        print(f"  FP {detector}: {count}")
    for actor, ids in list(fps.items())[:10]:
        print(f"  e.g. {actor}: {sorted(ids)}")
    return 0 if worst >= 0.95 and rate <= 0.005 else 1


if __name__ == "__main__":
    sys.exit(main())
