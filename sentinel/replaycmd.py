"""``sentinel replay``: wiring and the printed summary.

Everything printed that came from a log line goes through
:func:`~sentinel.textsafe.for_terminal`: paths, users and user agents are
attacker-controlled and must not carry escape sequences to the terminal.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from sentinel.errors import ConfigError
from sentinel.parsers import ParserOptions
from sentinel.pipeline import Replayer, ReplayInput, ReplayResult
from sentinel.privacy import redact_query
from sentinel.records import Event, Finding, LineRun, RawLine, event_to_ecs
from sentinel.reorder import DEFAULT_SLACK
from sentinel.settings import PrivacySettings, Settings, load_settings
from sentinel.textsafe import for_terminal

__all__ = ["bundled_samples", "print_summary", "read_to_end", "run_replay"]


def bundled_samples() -> list[Path]:
    """The sample logs shipped in the package (used when no FILE is given)."""
    folder = Path(__file__).parent / "data" / "samples"
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.suffix in (".log", ".gz"))


def run_replay(args: argparse.Namespace, out: TextIO) -> int:
    """Run ``sentinel replay`` with parsed arguments."""
    from sentinel.parsers import FORMATS, suggest_format
    from sentinel.parsers.timestamps import resolve_zone

    if args.format != "auto" and args.format not in FORMATS:
        hint = suggest_format(args.format)
        raise ConfigError(
            "--format",
            "",
            f"unknown format {args.format!r}" + (f" (did you mean {hint!r}?)" if hint else ""),
        )
    try:
        resolve_zone(args.timezone)
    except ValueError as exc:
        raise ConfigError("--timezone", "", str(exc)) from None
    settings = load_settings(args.config) if args.config else Settings()
    files: list[Path] = list(args.files)
    if not files:
        files = bundled_samples()
        if not files:
            raise ConfigError("replay", "", "no FILE given and no bundled samples installed")
        print(f"No FILE given: replaying the bundled samples in {files[0].parent}", file=out)
    for path in files:
        if not path.is_file():
            raise ConfigError(str(path), "", "no such file")
    options = ParserOptions(timezone=args.timezone, log_format=args.log_format)
    inputs = [ReplayInput(path, args.format, options) for path in files]
    detectors = [] if args.no_detect else _detectors(settings)
    events_out = args.events.open("w", encoding="utf-8") if args.events else None
    try:
        on_event = _event_writer(events_out, settings.privacy) if events_out else None
        replayer = Replayer(
            read_to_end, detectors, on_event, max_line_bytes=settings.limits.max_line_bytes
        )
        started = time.perf_counter()
        result = replayer.run(inputs)
        elapsed = time.perf_counter() - started
    finally:
        if events_out is not None:
            events_out.close()
    if detectors:
        from sentinel.detection import latest_findings

        result.findings = latest_findings(result.findings)
    if args.findings:
        _write_findings(args.findings, result.findings)
    print_summary(result, out, top=args.top, elapsed=elapsed)
    return 0


def read_to_end(
    path: Path, source: str, max_line_bytes: int, *, blocks: bool = True
) -> Iterator[Sequence[RawLine | LineRun]]:
    """Read one file (plain or compressed) to its end through the file source, in blocks.

    Replay uses the same source as the daemon, in read-to-end mode
    (``FileSource.iter_blocks``: runs of plain lines come as one
    :class:`~sentinel.records.LineRun`), with a throw-away in-memory
    checkpoint store: a replay never moves the daemon's checkpoints.
    ``blocks=False`` reads a RawLine per line (``iter_batches``), the
    daemon's form: the same lines, for comparison.
    """
    import glob

    from sentinel.clock import SystemClock
    from sentinel.sources import CheckpointStore, FileSource, FileSourceOptions

    options = FileSourceOptions(
        name=source,
        paths=(glob.escape(str(path)),),
        start_at="beginning",
        max_line_bytes=max_line_bytes,
        use_inotify=False,
        # Read-to-end: nothing will grow or rotate, so never wait for it.
        poll_interval=0.0,
        rotate_wait=0.0,
        multiline_timeout=0.0,
    )
    store = CheckpointStore(":memory:")
    try:
        with FileSource(options, store, SystemClock()) as files:
            if blocks:
                for block_batch in files.iter_blocks(max_lines=4096):
                    if block_batch.records:
                        yield block_batch.records
            else:
                for batch in files.iter_batches(follow=False, max_lines=4096):
                    if batch.lines:
                        yield batch.lines
    finally:
        store.close()


def _detectors(settings: Settings) -> list[Any]:
    from sentinel.detection import DetectionEngine, EngineLimits
    from sentinel.pipeline import configured_definitions

    limits = EngineLimits(
        max_entities=settings.limits.max_entities, entity_ttl=settings.limits.entity_ttl
    )
    return [DetectionEngine(configured_definitions(settings), limits)]


def _event_writer(stream: TextIO, privacy: PrivacySettings) -> Callable[[Event], None]:
    params = privacy.redact_params

    def write(event: Event) -> None:
        if event.query:
            event = event._replace(query=redact_query(event.query, params))
        stream.write(json.dumps(event_to_ecs(event), ensure_ascii=False) + "\n")

    return write


def _write_findings(path: Path, findings: list[Finding]) -> None:
    from sentinel.detection import finding_to_json

    with path.open("w", encoding="utf-8") as stream:
        for finding in findings:
            stream.write(json.dumps(finding_to_json(finding), ensure_ascii=False) + "\n")


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _counts(pairs: list[tuple[str, int]]) -> str:
    return ", ".join(f"{for_terminal(k, 60)} {v:,}" for k, v in pairs) or "none"


def print_summary(result: ReplayResult, out: TextIO, *, top: int = 5, elapsed: float = 0.0) -> None:
    """Print the human summary of a replay."""
    summary = result.summary
    rate = f" ({summary.lines / elapsed:,.0f} lines/s)" if elapsed > 0 else ""
    print(f"Replayed {len(summary.formats)} file(s) in {elapsed:.2f} s{rate}", file=out)
    for path, fmt in summary.formats.items():
        detection = result.detections.get(path)
        how = f" (auto: {detection.share:.0%} of the first lines)" if detection else ""
        print(f"  {for_terminal(path, 120)}: format {fmt}{how}", file=out)
    rejected = sum(summary.rejected.values())
    print(
        f"Lines: {summary.lines:,}  parsed: {summary.parsed:,} ({summary.parse_share:.2%})"
        f"  rejected: {rejected:,}",
        file=out,
    )
    if rejected:
        print(f"  rejected by reason: {_counts(summary.rejected.most_common())}", file=out)
    if summary.notes:
        print(f"  notes: {_counts(summary.notes.most_common())}", file=out)
    if summary.reordered:
        print(
            f"Out of time order: {summary.reordered:,} events put back in order"
            f" ({summary.late:,} later than {DEFAULT_SLACK:.0f} s, observed late)",
            file=out,
        )
    if summary.parsed:
        hours = (summary.last_ts - summary.first_ts) / 3600
        print(
            f"Time range: {_iso(summary.first_ts)} -> {_iso(summary.last_ts)} ({hours:,.1f} h)",
            file=out,
        )
    print(f"Events by kind: {_counts(summary.kinds.most_common())}", file=out)
    for label, counter in (
        ("clients", summary.clients),
        ("users", summary.users),
        ("paths", summary.paths),
    ):
        print(f"Top {label}: {_counts(counter.top(top))}", file=out)
    _print_findings(result.findings, out)


def _print_findings(findings: list[Finding], out: TextIO) -> None:
    by_entity: dict[str, list[Finding]] = defaultdict(list)
    for finding in findings:
        by_entity[str(finding.entity)].append(finding)
    print(f"Findings: {len(findings):,} for {len(by_entity):,} entities", file=out)
    ordered = sorted(by_entity.items(), key=lambda item: -max(f.severity for f in item[1]))
    for entity, group in ordered:
        outcome = _outcome(group)
        print(f"  {for_terminal(entity, 80)}  {len(group)} finding(s){outcome}", file=out)
        for finding in sorted(group, key=lambda f: f.first_ts):
            counts = " ".join(f"{k}={v:,}" for k, v in finding.counts.items())
            targets = ", ".join(for_terminal(t, 40) for t in finding.targets[:5])
            extra = f" targets: {targets}" if targets else ""
            cite = (
                f" e.g. {for_terminal(finding.evidence[0].cite(), 80)}" if finding.evidence else ""
            )
            print(
                f"    [{finding.severity.name.lower()}] {finding.detector_id}: "
                f"{for_terminal(finding.title, 80)}  {_iso(finding.first_ts)} -> "
                f"{_iso(finding.last_ts)}  {counts}  {finding.success.value}{extra}{cite}",
                file=out,
            )


def _outcome(group: list[Finding]) -> str:
    if any(f.success.value == "succeeded" for f in group):
        return "  ** SUCCEEDED **"
    return ""
