"""JSON lines: application and metric logs read through a configurable field map.

Each line is one JSON object.  :class:`~sentinel.parsers.options.JsonFieldMap`
(``options.json_fields``) says where the time, message, level, host, client
IP, user and program are; paths may be dotted (``http.client.ip``), and a
top-level key that contains the dots literally wins over the nested lookup.

- **Metric lines.** When the ``metric_name`` field is a string and the
  ``metric_value`` field a number
  (``{"ts": ..., "host": "web1", "metric": "cpu", "value": 12.3}``), the event
  is ``kind=metric`` with ``metrics={"cpu": 12.3}``.
- **Numeric fields.** Otherwise the fields named in ``json_fields.metrics``
  become ``Event.metrics``; with that list empty, every numeric top-level
  field not mapped elsewhere does (at most :data:`MAX_METRICS`).  A line with
  metrics and no message is ``kind=metric``, any other line ``kind=app``.
- **Other fields.** The level goes to ``extra["level"]`` (lower case); other
  top-level strings and booleans go to ``extra`` (at most
  :data:`MAX_EXTRA`, short values only).
- **Time.** ``time_format`` ``auto`` reads ISO 8601 strings and epoch numbers
  (s/ms/µs/ns by magnitude, also as numeric strings); ``iso8601``, ``epoch``
  or a ``strftime`` pattern force one reading.  A line *without* a time field
  takes the previous line's time (a continuation of the same record), else
  ``options.reference_time``; with neither it is rejected (``no_timestamp``).

Bounded: lines nesting deeper than :data:`MAX_DEPTH` or holding more than
:data:`MAX_KEYS` keys and array items in total are rejected before any field
is read; the check is skipped when counting brackets and commas already proves
the line small.  ``NaN``/``Infinity`` literals and numbers too large for a
float are not metrics.  Nothing here raises on any input.

.. versionadded:: 0.1
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Mapping
from datetime import tzinfo
from typing import ClassVar

from sentinel.parsers.auth import normalize_ip
from sentinel.parsers.base import MAX_FIELD_CHARS, LineParser, Reject
from sentinel.parsers.options import JsonFieldMap, ParserOptions
from sentinel.parsers.timestamps import (
    IsoTimeParser,
    StrptimeParser,
    epoch_from_number,
    resolve_zone,
)
from sentinel.records import EMPTY_EXTRA, EMPTY_METRICS, Event, EventKind, RawLine

__all__ = ["MAX_DEPTH", "MAX_EXTRA", "MAX_KEYS", "MAX_METRICS", "JsonLinesParser"]

MAX_DEPTH = 16
MAX_KEYS = 512
MAX_METRICS = 32
MAX_EXTRA = 16
_MAX_KEY_CHARS = 64
_MAX_EXTRA_VALUE = 256
_PATTERNS = frozenset({"json.app", "json.metric", "json.metric_fields"})


def _no_constant(_name: str) -> None:
    """``NaN``/``Infinity``/``-Infinity`` literals become null, never a metric."""


def _number(value: object) -> float | None:
    """A finite float from a JSON number (bools are not numbers here)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        number = float(value)
    except OverflowError:
        return None
    return number if math.isfinite(number) else None


def _shape_problem(root: object) -> str | None:
    """``too_deep``/``too_many_keys`` for an oversized document, else None."""
    stack: list[tuple[object, int]] = [(root, 1)]
    total = 0
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            return "too_deep"
        children: Iterable[object]
        if isinstance(node, dict):
            children = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        total += len(node)
        if total > MAX_KEYS:
            return "too_many_keys"
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return None


class _Path:
    """A field path, looked up literally first and then by dotted segments."""

    __slots__ = ("head", "name", "parts")

    def __init__(self, name: str) -> None:
        self.name = name
        self.parts = tuple(name.split("."))
        self.head = self.parts[0]

    def get(self, record: Mapping[str, object]) -> object:
        value = record.get(self.name)
        if value is not None or len(self.parts) == 1:
            return value
        node: object = record
        for part in self.parts:
            if not isinstance(node, dict):
                return None
            node = node.get(part)
        return node


def _text(value: object, limit: int = MAX_FIELD_CHARS) -> str | None:
    """A string field (numbers are accepted for ids like a numeric user)."""
    if isinstance(value, str):
        return value[:limit] if value else None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None


class JsonLinesParser(LineParser):
    """Format ``jsonlines``: one JSON object per line, fields per ``options.json_fields``."""

    name: ClassVar[str] = "jsonlines"

    def __init__(self, options: ParserOptions | None = None, source: str = "") -> None:
        super().__init__(options, source)
        fields: JsonFieldMap = self.options.json_fields
        zone = resolve_zone(self.options.timezone)
        self._decoder = json.JSONDecoder(parse_constant=_no_constant)
        self._time_path = _Path(fields.time)
        self._time_of = self._time_reader(fields.time_format, zone)
        self._message = _Path(fields.message)
        self._level = _Path(fields.level)
        self._host = _Path(fields.host)
        self._client_ip = _Path(fields.client_ip)
        self._user = _Path(fields.user)
        self._program = _Path(fields.program)
        self._metric_name = _Path(fields.metric_name)
        self._metric_value = _Path(fields.metric_value)
        self._metric_paths = tuple(_Path(name) for name in fields.metrics)
        self._mapped = frozenset(
            path.head
            for path in (
                self._time_path,
                self._message,
                self._level,
                self._host,
                self._client_ip,
                self._user,
                self._program,
                self._metric_name,
                self._metric_value,
            )
        )
        self._last_ts: float | None = None

    def pattern_names(self) -> frozenset[str]:
        """Application lines, metric lines, and lines with numeric fields."""
        return _PATTERNS

    @staticmethod
    def _time_reader(fmt: str, zone: tzinfo) -> Callable[[object], float]:
        """A function reading the time field per ``time_format`` (ValueError on failure)."""
        iso = IsoTimeParser(zone)

        def from_epoch(value: object) -> float:
            if isinstance(value, str):
                value = float(value) if len(value) <= 32 else math.nan
            number = _number(value)
            if number is None:
                raise ValueError("not an epoch number")
            return epoch_from_number(number)

        def from_iso(value: object) -> float:
            if not isinstance(value, str):
                raise ValueError("not an ISO 8601 string")
            return iso.parse(value)

        if fmt == "epoch":
            return from_epoch
        if fmt == "iso8601":
            return from_iso
        if fmt == "auto":

            def auto(value: object) -> float:
                if isinstance(value, str):
                    try:
                        return from_epoch(value)  # "1700000000.5"
                    except ValueError:
                        return from_iso(value)
                return from_epoch(value)

            return auto
        if "%" not in fmt:
            raise ValueError(f"time_format {fmt!r}: use auto, iso8601, epoch or a strftime pattern")
        strptime = StrptimeParser(fmt, zone)

        def from_pattern(value: object) -> float:
            if not isinstance(value, str):
                raise ValueError("not a string")
            return strptime.parse(value)

        return from_pattern

    def parse_text(self, text: str, raw: RawLine) -> Event:
        """Parse one JSON line."""
        body = text.strip()
        if not body.startswith("{"):
            raise Reject("not_json")
        try:
            record = self._decoder.decode(body)
        except (ValueError, RecursionError):
            raise Reject("invalid_json") from None
        if not isinstance(record, dict):
            raise Reject("not_object")
        brackets = body.count("{") + body.count("[")
        if brackets > MAX_DEPTH or body.count(",") + brackets > MAX_KEYS:
            problem = _shape_problem(record)
            if problem is not None:
                raise Reject(problem)
        ts = self._time(record)
        metrics, pattern = self._metrics(record)
        message = _text(self._message.get(record))
        kind = (
            EventKind.METRIC
            if pattern == "json.metric" or (metrics and message is None)
            else EventKind.APP
        )
        self.matched[pattern] += 1
        ip_text = _text(self._client_ip.get(record), 64)
        client_ip = normalize_ip(ip_text) if ip_text else None
        extra = self._extra(record)
        if ip_text and client_ip is None:
            extra["client_ip_raw"] = ip_text
        return Event(
            ts,
            kind,
            self.source,
            _text(self._host.get(record), 255) or self.options.host,
            client_ip,
            _text(self._user.get(record), 256),
            program=_text(self._program.get(record), 128),
            message=message,
            metrics=metrics or EMPTY_METRICS,
            origin=raw.ref,
            extra=extra or EMPTY_EXTRA,
        )

    def _time(self, record: Mapping[str, object]) -> float:
        value = self._time_path.get(record)
        if value is None:
            # A record without time continues the previous one (or the
            # configured reference): a line's position is all we know.
            fallback = self._last_ts if self._last_ts is not None else self.options.reference_time
            if fallback is None:
                raise Reject("no_timestamp")
            return fallback
        try:
            ts = self._time_of(value)
        except (ValueError, OverflowError, OSError):
            raise Reject("bad_timestamp") from None
        self._last_ts = ts
        return ts

    def _metrics(self, record: Mapping[str, object]) -> tuple[dict[str, float], str]:
        name = self._metric_name.get(record)
        value = _number(self._metric_value.get(record))
        if isinstance(name, str) and name and value is not None:
            return {name[:_MAX_KEY_CHARS]: value}, "json.metric"
        metrics: dict[str, float] = {}
        if self._metric_paths:
            for path in self._metric_paths:
                number = _number(path.get(record))
                if number is not None:
                    metrics[path.name] = number
        else:
            for key, raw_value in record.items():
                if key in self._mapped or len(key) > _MAX_KEY_CHARS:
                    continue
                number = _number(raw_value)
                if number is not None:
                    metrics[key] = number
                    if len(metrics) >= MAX_METRICS:
                        break
        return metrics, "json.metric_fields" if metrics else "json.app"

    def _extra(self, record: Mapping[str, object]) -> dict[str, str]:
        extra: dict[str, str] = {}
        level = self._level.get(record)
        level_text = _text(level, 32)
        if level_text is not None:
            extra["level"] = level_text.lower()
        for key, value in record.items():
            if len(extra) >= MAX_EXTRA:
                break
            if key in self._mapped or len(key) > _MAX_KEY_CHARS:
                continue
            if isinstance(value, str):
                if len(value) <= _MAX_EXTRA_VALUE:
                    extra[key] = value
            elif isinstance(value, bool):
                extra[key] = "true" if value else "false"
        return extra
