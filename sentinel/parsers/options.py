"""Parser options: what a source's configuration tells its parser.

Validated without I/O by :meth:`ParserOptions.validate`; the settings loader
turns TOML tables into this record and reports errors with the key path.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["JsonFieldMap", "ParserOptions"]


@dataclass(frozen=True, slots=True)
class JsonFieldMap:
    """Where a JSON-lines format keeps each field (dotted paths allowed: ``http.status``).

    ``time_format`` is ``"auto"`` (ISO 8601 or epoch number), ``"iso8601"``,
    ``"epoch"`` (s/ms/us/ns by magnitude) or a ``strftime`` pattern.
    Numeric fields named in ``metrics`` (or, when ``metrics`` is empty, every
    numeric top-level field not mapped elsewhere) become ``Event.metrics``.
    A metric log line ``{"ts":…, "metric": "cpu", "value": 12.3}`` is read
    through ``metric_name``/``metric_value``.
    """

    time: str = "time"
    time_format: str = "auto"
    message: str = "message"
    level: str = "level"
    host: str = "host"
    client_ip: str = "client_ip"
    user: str = "user"
    program: str = "logger"
    metric_name: str = "metric"
    metric_value: str = "value"
    metrics: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ParserOptions:
    """Options every parser factory receives; each format reads what it needs.

    Attributes:
        timezone: zone for timestamps that carry no offset (syslog, naive ISO).
        log_format: an nginx ``log_format`` string, for format ``nginx_log_format``.
        json_fields: field map for ``jsonlines``.
        templates_path: where ``text`` persists mined templates (plain JSON).
        reference_time: epoch seconds used for syslog year inference of the
            first line (``None``: the wall clock when the parser is built).
        host: host name for formats that carry none (access logs).
    """

    timezone: str = "UTC"
    log_format: str | None = None
    json_fields: JsonFieldMap = field(default_factory=JsonFieldMap)
    templates_path: str | None = None
    reference_time: float | None = None
    host: str | None = None
