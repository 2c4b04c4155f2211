"""Shared helpers for the detection tests: build lines, parse, run the engine."""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from sentinel.detection import DetectionEngine, EngineLimits, latest_findings, load_packs
from sentinel.detection.definitions import Definition
from sentinel.parsers import ParserOptions, build_parser
from sentinel.records import Event, Finding, LineRef, RawLine

T0 = datetime(2026, 11, 20, 10, 0, tzinfo=UTC).timestamp()
REFERENCE = T0 - 86400


def clf_time(ts: float) -> str:
    """``20/Nov/2026:10:00:00 +0000`` for an epoch time."""
    return datetime.fromtimestamp(ts, tz=UTC).strftime("%d/%b/%Y:%H:%M:%S +0000")


def syslog_time(ts: float) -> str:
    """``Nov 20 10:00:00`` for an epoch time."""
    return datetime.fromtimestamp(ts, tz=UTC).strftime("%b %d %H:%M:%S")


def access_line(
    target: str,
    *,
    ip: str = "203.0.113.50",
    status: int = 200,
    size: int = 1000,
    ts: float = T0,
    method: str = "GET",
    agent: str = "Mozilla/5.0 (X11; Linux x86_64)",
) -> str:
    """An nginx combined log line."""
    request = f"{method} {target} HTTP/1.1"
    return f'{ip} - - [{clf_time(ts)}] "{request}" {status} {size} "-" "{agent}"'


def ssh_fail(user: str, ip: str, ts: float = T0) -> str:
    """An sshd failed-password line."""
    return f"{syslog_time(ts)} web1 sshd[100]: Failed password for {user} from {ip} port 5000 ssh2"


def ssh_ok(user: str, ip: str, ts: float = T0) -> str:
    """An sshd accepted-password line."""
    return (
        f"{syslog_time(ts)} web1 sshd[101]: Accepted password for {user} from {ip} port 5001 ssh2"
    )


def parse(fmt: str, lines: Iterable[str], path: str = "test.log") -> list[Event]:
    """Parse lines with the real parser; every line must parse."""
    parser = build_parser(fmt, ParserOptions(reference_time=REFERENCE), source="test")
    events = []
    for number, line in enumerate(lines, start=1):
        event = parser.parse(RawLine(LineRef("test", path, number * 100, number), line.encode()))
        assert event is not None, f"unparsed: {line}"
        events.append(event)
    return events


@functools.cache
def pack_definitions() -> tuple[Definition, ...]:
    """The bundled definitions (validated, examples not re-run)."""
    return tuple(load_packs(check_examples=False))


def definitions(*ids: str) -> list[Definition]:
    """Bundled definitions by id."""
    by_id = {d.id: d for d in pack_definitions()}
    return [by_id[i] for i in ids]


def run(
    defs: Sequence[Definition], events: Iterable[Event], limits: EngineLimits | None = None
) -> list[Finding]:
    """Observe every event, flush everything; the latest finding per fingerprint."""
    engine = DetectionEngine(defs, limits)
    found: list[Finding] = []
    for event in events:
        found.extend(engine.observe(event))
    found.extend(engine.flush(math.inf))
    return latest_findings(found)


def detect_http(detector: str, targets: Iterable[str], **kwargs: object) -> list[Finding]:
    """Findings of one bundled detector on GET requests for ``targets``."""
    lines = [access_line(t, **kwargs) for t in targets]  # type: ignore[arg-type]
    return run(definitions(detector), parse("combined", lines))
