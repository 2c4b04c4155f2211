"""The replay pipeline: sources → parsers → detection, on event time.

``sentinel replay`` reads files to the end through the file source's
read-to-end mode, parses each with its format, merges the streams of all
files by event time (so an auth log and an access log replayed together
interleave as they happened), runs the detector packs and accumulates a
:class:`~sentinel.summary.ReplaySummary`.  The daemon (a later issue) runs
the same stages in follow mode.

The source hands over blocks: runs of plain lines
(:class:`~sentinel.records.LineRun`) go to the parser's ``parse_block`` in one
call (one C call on the fast paths, no record per line before the event),
the other lines (CR line ends, truncated lines, multiline records, a last
line without its newline) one :class:`~sentinel.records.RawLine` at a time to
``parse``; both give the same events.
"""

from __future__ import annotations

import difflib
import heapq
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import chain, groupby, islice
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, cast

from sentinel.errors import ConfigError
from sentinel.parsers import JsonFieldMap, LineParser, ParserOptions, build_parser
from sentinel.parsers.detect import Detection, detect_format
from sentinel.records import Event, Finding, LineRun, RawLine
from sentinel.reorder import Reorder, reordered
from sentinel.runtime import streaming_gc
from sentinel.settings import Settings, SourceSettings
from sentinel.summary import ReplaySummary

if TYPE_CHECKING:
    from sentinel.detection import Definition
    from sentinel.sources import FileSourceOptions, JournalSourceOptions

__all__ = [
    "ReplayInput",
    "ReplayResult",
    "Replayer",
    "configured_definitions",
    "parser_options",
    "source_options",
]

DETECT_SAMPLE_LINES = 100
#: Events handed to each detector at a time (see ``DetectionEngine.observe_batch``).
DETECT_BATCH_EVENTS = 256

#: ``(path, source_name, max_line_bytes) -> blocks of lines``, in file order: each
#: block a sequence of RawLines and LineRuns (runs of lines).
LineReader = Callable[[Path, str, int], Iterator[Sequence[RawLine | LineRun]]]


def parser_options(settings: Settings, source: SourceSettings) -> ParserOptions:
    """The :class:`ParserOptions` a configured source hands its parser."""
    fields = source.json_fields
    return ParserOptions(
        timezone=source.timezone or settings.sentinel.timezone,
        log_format=source.log_format,
        json_fields=JsonFieldMap(
            time=fields.time,
            time_format=fields.time_format,
            message=fields.message,
            level=fields.level,
            host=fields.host,
            client_ip=fields.client_ip,
            user=fields.user,
            program=fields.program,
            metric_name=fields.metric_name,
            metric_value=fields.metric_value,
            metrics=fields.metrics,
        ),
        host=source.host or settings.sentinel.host,
    )


def source_options(
    settings: Settings, source: SourceSettings
) -> FileSourceOptions | JournalSourceOptions:
    """The options record a configured source hands its source class.

    Raises:
        ValueError: a value the source rejects (the message starts with the field).
    """
    from sentinel.sources import FileSourceOptions, JournalSourceOptions

    limits = settings.limits
    options: FileSourceOptions | JournalSourceOptions
    if source.type == "journal":
        options = JournalSourceOptions(
            name=source.name,
            units=source.units,
            identifiers=source.identifiers,
            directory=source.journal_directory,
            start_at=source.start_at,
            max_line_bytes=limits.max_line_bytes,
            queue_lines=limits.queue_lines,
        )
    else:
        options = FileSourceOptions(
            name=source.name,
            paths=source.paths,
            exclude=source.exclude,
            start_at=source.start_at,
            max_line_bytes=limits.max_line_bytes,
            multiline_start=source.multiline_start,
            multiline_max_lines=source.multiline_max_lines,
        )
    options.validate()
    return options


def configured_definitions(settings: Settings) -> list[Definition]:
    """The detector definitions a configuration asks for (bundled + extra packs, minus disabled).

    Raises:
        DefinitionError: a pack is invalid (file and line in the message).
        ConfigError: ``detection.disable`` names an unknown detector.
    """
    from sentinel.detection import bundled_detectors_dir, load_packs

    paths = [bundled_detectors_dir()] if settings.detection.bundled_packs else []
    paths.extend(Path(p) for p in settings.detection.packs)
    definitions = load_packs(paths) if paths else []
    known = {d.id for d in definitions}
    for index, detector_id in enumerate(settings.detection.disable):
        if detector_id not in known:
            close = difflib.get_close_matches(detector_id, sorted(known), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ConfigError(
                settings.file,
                f"detection.disable[{index}]",
                f"unknown detector id {detector_id!r}{hint}",
            )
    disabled = set(settings.detection.disable)
    return [d for d in definitions if d.id not in disabled]


@dataclass(frozen=True, slots=True)
class ReplayInput:
    """One file to replay and the format to read it with (``auto`` to detect)."""

    path: Path
    format: str = "auto"
    options: ParserOptions = field(default_factory=ParserOptions)


@dataclass
class ReplayResult:
    """What a replay produced."""

    summary: ReplaySummary
    findings: list[Finding]
    detections: dict[str, Detection]
    source_counters: dict[str, dict[str, int]]


class Replayer:
    """Replays files through parsers and detectors on event time.

    Args:
        read_lines: ``(path, source_name, max_line_bytes) -> blocks of lines``
            (RawLines and LineRuns); the file source's read-to-end mode, a
            batch of lines at a time.
        detectors: stages with ``observe_batch(events)`` and ``flush(ts)``; each
            gets the merged events in time order, in batches.
        on_event: called with every parsed event (``--events`` export).
        max_line_bytes: the line-length cap.
    """

    def __init__(
        self,
        read_lines: LineReader,
        detectors: Sequence[_DetectorLike] = (),
        on_event: Callable[[Event], None] | None = None,
        max_line_bytes: int = 65536,
    ) -> None:
        self._read_lines = read_lines
        self._detectors = detectors
        self._on_event = on_event
        self._max_line_bytes = max_line_bytes

    def run(self, inputs: Sequence[ReplayInput]) -> ReplayResult:
        """Read every input to its end and return the summary and findings."""
        with streaming_gc():
            return self._run(inputs)

    def _run(self, inputs: Sequence[ReplayInput]) -> ReplayResult:
        summary = ReplaySummary()
        detections: dict[str, Detection] = {}
        parsers: list[LineParser] = []
        reorders: list[Reorder] = []
        streams: list[Iterator[list[Event]]] = []
        for index, item in enumerate(inputs):
            name = f"{index}:{item.path.name}"
            fmt = item.format
            if fmt == "auto":
                detection = detect_format(self._head(item.path, name), item.options)
                detections[str(item.path)] = detection
                fmt = detection.format
            summary.formats[str(item.path)] = fmt
            parser = build_parser(fmt, item.options, source=item.path.name)
            parsers.append(parser)
            # Each file back in time order first (Apache's %t is when a request
            # came, its line is written when it ends): the merge below and the
            # detectors' bulk path both need streams in order.
            reorder = Reorder()
            reorders.append(reorder)
            streams.append(reordered(self._blocks(item.path, name, parser, summary), reorder))
        findings: list[Finding] = []
        last_ts = None
        # Detectors take the merged stream in batches: the engine's batch path
        # does in bulk what it can prove equal to observing event by event.
        for batch in _batches(streams):
            last_ts = batch[-1].ts
            # Transposed once, for the summary and the detectors.
            columns = list(zip(*batch, strict=True))
            summary.add_events(batch, columns)
            if self._on_event is not None:
                for event in batch:
                    self._on_event(event)
            for detector in self._detectors:
                findings.extend(detector.observe_batch(batch, columns))
        if last_ts is not None:
            for detector in self._detectors:
                findings.extend(detector.flush(last_ts + 10 * 365 * 86400.0))
        for parser in parsers:
            summary.add_counters(parser.rejected.items(), parser.notes.items())
        for reorder in reorders:
            summary.reordered += reorder.reordered
            summary.late += reorder.late
        return ReplayResult(summary, findings, detections, {})

    def _head(self, path: Path, name: str) -> list[bytes]:
        head: list[bytes] = []
        for block in self._read_lines(path, name, self._max_line_bytes):
            for record in block:
                if isinstance(record, LineRun):
                    head.extend(line[:-1] for line in record.lines[:DETECT_SAMPLE_LINES])
                else:
                    head.append(record.data)
                if len(head) >= DETECT_SAMPLE_LINES:
                    return head[:DETECT_SAMPLE_LINES]
        return head

    def _blocks(
        self, path: Path, name: str, parser: LineParser, summary: ReplaySummary
    ) -> Iterator[list[Event]]:
        """The events of one file, a run (or a stretch of RawLines) at a time.

        Lazily: a run's events go on to the detectors before the next run is
        parsed, so little is held between the stages (it stays in cache).
        """
        parse, parse_block = parser.parse, parser.parse_block
        for block in self._read_lines(path, name, self._max_line_bytes):
            # groupby, not a test per record: a block of RawLines only (a CRLF
            # file) keeps costing one C-level step per line.
            for is_run, records in groupby(block, _is_run):
                if is_run:
                    for (source, file, offset, lineno, key), lines in cast(
                        "Iterator[LineRun]", records
                    ):
                        summary.lines += len(lines)
                        events, _, _ = parse_block(
                            lines, source, file, offset, lineno - 1, fingerprint=key
                        )
                        if events:
                            yield events
                else:
                    raws = cast("list[RawLine]", list(records))
                    summary.lines += len(raws)
                    # map() calls the (C) parser without a Python frame per line.
                    events = [event for event in map(parse, raws) if event is not None]
                    if events:
                        yield events


def _batches(streams: Sequence[Iterator[list[Event]]]) -> Iterator[list[Event]]:
    """Detector batches: one file's events, or several files' merged by event time.

    Every batch but the last holds :data:`DETECT_BATCH_EVENTS` events, however
    the source cut its blocks: what batches see (the summary's pruned top
    lists, for one) does not depend on how the file was read.
    """
    if len(streams) == 1:
        events: Iterator[Event] = chain.from_iterable(streams[0])
    else:
        events = heapq.merge(*map(chain.from_iterable, streams), key=_event_time)
    while batch := list(islice(events, DETECT_BATCH_EVENTS)):
        yield batch


def _event_time(event: Event) -> float:
    return event.ts


def _is_run(record: RawLine | LineRun) -> bool:
    return type(record) is LineRun


class _DetectorLike(Protocol):
    """What the replayer drives: :class:`sentinel.protocols.Detector` plus batches."""

    def observe(self, event: Event) -> Iterable[Finding]: ...

    def observe_batch(
        self, events: Sequence[Event], columns: list[tuple[Any, ...]] | None = None
    ) -> Iterable[Finding]: ...

    def flush(self, now_ts: float) -> Iterable[Finding]: ...
