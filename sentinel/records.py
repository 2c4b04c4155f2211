"""Records that pass between stages.

Every record is immutable.  The per-line records (:class:`LineRef`,
:class:`RawLine`, :class:`LineRun`, :class:`Event`) are ``typing.NamedTuple``\\ s
rather than frozen dataclasses: the hot path builds one or two of them per log line and a
frozen dataclass ``__init__`` costs about 4 µs for an ``Event`` against about
0.6 µs for a tuple (measured on the CI machine), which alone would eat the
parse budget.  Lower-rate records (findings, incidents, notifications) are
frozen, slotted dataclasses.

Field-name constants (``F_CLIENT_IP`` ...) are the names detector definitions,
feature extractors and exports use; keep them here so a typo is a NameError.

.. versionadded:: 0.1
"""

from __future__ import annotations

import enum
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any, NamedTuple

__all__ = [
    "ECS_FIELD_NAMES",
    "EMPTY_EXTRA",
    "EMPTY_METRICS",
    "EVENT_FIELDS",
    "EntityKey",
    "Event",
    "EventKind",
    "Finding",
    "Incident",
    "IncidentState",
    "LineRef",
    "LineRun",
    "Notification",
    "Position",
    "RawLine",
    "Score",
    "Severity",
    "Success",
    "event_client",
    "event_to_ecs",
]


class EventKind(enum.StrEnum):
    """What an :class:`Event` describes."""

    HTTP_REQUEST = "http_request"
    AUTH_FAILURE = "auth_failure"
    AUTH_SUCCESS = "auth_success"
    AUTH_OTHER = "auth_other"
    SUDO = "sudo"
    FIREWALL = "firewall"
    SYSLOG = "syslog"
    METRIC = "metric"
    APP = "app"


class LineRef(NamedTuple):
    """Where a line came from: enough for a report to cite it.

    ``offset`` is the byte offset of the line's first byte in the file whose
    identity is ``fingerprint``; ``lineno`` counts from 1 within what this
    reader has seen of that file (0 when unknown, e.g. journal records).
    ``path`` is the name the file was read under (a file renamed away by
    rotation keeps its old name here).
    """

    source: str
    path: str
    offset: int
    lineno: int = 0
    fingerprint: str = ""

    def cite(self) -> str:
        """``path:lineno`` (or ``path@offset``), for reports and evidence."""
        if self.lineno:
            return f"{self.path}:{self.lineno}"
        return f"{self.path}@{self.offset}"


class RawLine(NamedTuple):
    """One line as a source read it: bytes without the trailing newline.

    ``truncated`` is true when the line was longer than the line-length cap
    and the rest was discarded (and counted) by the source.
    """

    ref: LineRef
    data: bytes
    truncated: bool = False


class LineRun(NamedTuple):
    """Consecutive lines of one file that a source read in the plain way.

    The block form of :class:`RawLine`\\ s (a file source's read-to-end
    blocks, :meth:`~sentinel.sources.FileSource.iter_blocks`): one record for
    a run of lines that were not truncated and had no ``\\r``, so nothing
    per line but its bytes needs keeping.  ``lines`` are as ``readlines()``
    gives them, each with its ``\\n``: what a parser's ``parse_block`` takes
    whole.  ``ref`` is the first line's; line ``i`` has number
    ``ref.lineno + i`` and starts after the bytes of the lines before it.
    :meth:`raw_lines` gives the very ``RawLine``\\ s the run stands for.
    """

    ref: LineRef
    lines: tuple[bytes, ...]

    def raw_lines(self) -> list[RawLine]:
        """The lines of the run as :class:`RawLine` records."""
        source, path, offset, lineno, key = self.ref
        out: list[RawLine] = []
        for number, line in enumerate(self.lines, start=lineno):
            out.append(RawLine(LineRef(source, path, offset, number, key), line[:-1], False))
            offset += len(line)
        return out


EMPTY_METRICS: Mapping[str, float] = MappingProxyType({})
EMPTY_EXTRA: Mapping[str, str] = MappingProxyType({})


class Event(NamedTuple):
    """A parsed log line: event time (UTC epoch seconds) plus typed fields.

    Fields a format does not carry are ``None``.  ``metrics`` holds numeric
    measurements (metric logs, numeric JSON fields).  ``origin`` points back
    to the line.  Use :func:`event_to_ecs` for a JSON export with Elastic
    Common Schema names.
    """

    ts: float
    kind: EventKind
    source: str = ""
    host: str | None = None
    client_ip: str | None = None
    user: str | None = None
    method: str | None = None
    path: str | None = None
    query: str | None = None
    status: int | None = None
    bytes: int | None = None
    duration: float | None = None
    user_agent: str | None = None
    referrer: str | None = None
    program: str | None = None
    pid: int | None = None
    message: str | None = None
    template_id: str | None = None
    metrics: Mapping[str, float] = EMPTY_METRICS
    origin: LineRef | None = None
    # Parser-specific detail that has no typed field (e.g. sshd auth method,
    # firewall ports, log level).  Small and flat by contract.
    extra: Mapping[str, str] = EMPTY_EXTRA

    @property
    def time(self) -> datetime:
        """Event time as an aware UTC datetime."""
        return datetime.fromtimestamp(self.ts, tz=UTC)


EVENT_FIELDS: tuple[str, ...] = Event._fields

# Field -> ECS name.  Fields mapped to None are handled specially by event_to_ecs.
ECS_FIELD_NAMES: Mapping[str, str] = {
    "host": "host.name",
    "client_ip": "source.ip",
    "user": "user.name",
    "method": "http.request.method",
    "path": "url.path",
    "query": "url.query",
    "status": "http.response.status_code",
    "bytes": "http.response.body.bytes",
    "user_agent": "user_agent.original",
    "referrer": "http.request.referrer",
    "program": "process.name",
    "pid": "process.pid",
    "message": "message",
    "template_id": "event.template_id",
    "source": "event.dataset",
}


def event_client(event: Event) -> str | None:
    """The client an event names: its address, else the host name the log gave.

    With ``UseDNS yes`` sshd names clients by host name; the auth parser
    keeps it in ``extra["rhost"]``.  Detectors' derived ``client`` field and
    the replay summary's top clients are both this value.
    """
    if event.client_ip:
        return event.client_ip
    host = event.extra.get("rhost")
    return host.lower() if host else None


def event_to_ecs(event: Event) -> dict[str, Any]:
    """Flat dict with Elastic Common Schema keys, ready for ``json.dumps``.

    ``event.duration`` is in nanoseconds as ECS specifies; ``@timestamp`` is
    RFC 3339 UTC with microseconds.
    """
    out: dict[str, Any] = {
        "@timestamp": event.time.isoformat(timespec="microseconds").replace("+00:00", "Z"),
        "event.kind": "event",
        "event.category": _ECS_CATEGORY[event.kind],
        "event.action": event.kind.value,
    }
    for name, ecs in ECS_FIELD_NAMES.items():
        value = getattr(event, name)
        if value is not None:
            out[ecs] = value
    if event.duration is not None and math.isfinite(event.duration):
        out["event.duration"] = round(event.duration * 1e9)
    if event.kind in (EventKind.AUTH_FAILURE, EventKind.AUTH_SUCCESS):
        out["event.outcome"] = "failure" if event.kind is EventKind.AUTH_FAILURE else "success"
    for metric, value in event.metrics.items():
        out[f"sentinel.metrics.{metric}"] = value
    for key, value in event.extra.items():
        out[f"sentinel.{key}"] = value
    if event.origin is not None:
        out["log.file.path"] = event.origin.path
        out["log.offset"] = event.origin.offset
        if event.origin.lineno:
            out["log.file.line"] = event.origin.lineno
    return out


_ECS_CATEGORY: Mapping[EventKind, str] = {
    EventKind.HTTP_REQUEST: "web",
    EventKind.AUTH_FAILURE: "authentication",
    EventKind.AUTH_SUCCESS: "authentication",
    EventKind.AUTH_OTHER: "authentication",
    EventKind.SUDO: "iam",
    EventKind.FIREWALL: "network",
    EventKind.SYSLOG: "host",
    EventKind.METRIC: "host",
    EventKind.APP: "process",
}


class Position(NamedTuple):
    """A checkpoint: how far a source has been consumed.

    For files ``key`` is the file fingerprint, ``offset`` the byte offset
    after the last consumed line and ``cursor`` ``LEN:HASH:LINENO`` (a check
    on the file's first bytes and the line count), suffixed ``:final`` once
    the file was read to its end or ``:retired`` for a superseded row; for
    the journal ``key`` is ``journal:NAME`` and ``cursor`` the journal cursor.
    """

    source: str
    key: str
    offset: int
    path: str = ""
    cursor: str = ""


class Severity(enum.IntEnum):
    """Finding and incident severity, ordered."""

    INFO = 10
    LOW = 20
    MEDIUM = 30
    HIGH = 40
    CRITICAL = 50

    @classmethod
    def parse(cls, name: str) -> Severity:
        """``'high'`` -> ``Severity.HIGH``; ValueError naming the choices otherwise."""
        try:
            return cls[name.upper()]
        except KeyError:
            choices = ", ".join(s.name.lower() for s in cls)
            raise ValueError(f"unknown severity {name!r} (choose one of {choices})") from None


class Success(enum.StrEnum):
    """Whether an attack achieved something, as far as the logs show."""

    SUCCEEDED = "succeeded"
    FAILED = "failed"
    UNKNOWN = "unknown"


class EntityKey(NamedTuple):
    """Who or what a finding is about: ``("client_ip", "203.0.113.9")``."""

    kind: str
    value: str

    def __str__(self) -> str:
        return f"{self.kind}={self.value}"


@dataclass(frozen=True, slots=True)
class Finding:
    """Something a detector found, with the evidence behind it.

    ``fingerprint`` is stable across replays (detector + entity + window start)
    so storing it twice is idempotent.  ``evidence`` holds at most a bounded
    number of line references; ``counts`` holds the numbers the report quotes
    (e.g. ``{"failures": 212, "distinct_users": 37}``).
    """

    detector_id: str
    title: str
    entity: EntityKey
    first_ts: float
    last_ts: float
    severity: Severity
    techniques: tuple[str, ...] = ()
    counts: Mapping[str, int] = field(default_factory=dict)
    success: Success = Success.UNKNOWN
    success_evidence: tuple[LineRef, ...] = ()
    evidence: tuple[LineRef, ...] = ()
    targets: tuple[str, ...] = ()  # users, paths or ports the entity went after
    source: str = ""

    @property
    def fingerprint(self) -> str:
        """Stable identity used to dedup findings across replays and restarts."""
        return f"{self.detector_id}|{self.entity.kind}={self.entity.value}|{self.first_ts:.3f}"


@dataclass(frozen=True, slots=True)
class Score:
    """A model's anomaly score for one entity window (higher = more anomalous)."""

    detector_id: str
    entity: EntityKey
    window_end: float
    value: float
    threshold: float

    @property
    def is_anomalous(self) -> bool:
        return self.value >= self.threshold


class IncidentState(enum.StrEnum):
    """Incident lifecycle."""

    OPEN = "open"
    RESOLVED = "resolved"
    FALSE_POSITIVE = "false_positive"


@dataclass(frozen=True, slots=True)
class Incident:
    """A group of correlated findings (built by the incidents stage)."""

    incident_id: str
    group_key: str
    state: IncidentState
    severity: Severity
    opened_ts: float
    updated_ts: float
    finding_fingerprints: tuple[str, ...] = ()
    success: Success = Success.UNKNOWN


@dataclass(frozen=True, slots=True)
class Notification:
    """An outbox row: sent at least once, deduplicated by ``idempotency_key``."""

    idempotency_key: str
    receiver: str
    incident_id: str
    payload: Mapping[str, Any] = field(default_factory=dict)
    attempts: int = 0
