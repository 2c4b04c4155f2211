"""systemd journal records as ``journalctl -o json`` prints them.

One JSON object per line.  The fields used:

- ``__REALTIME_TIMESTAMP``: event time, microseconds since the epoch (a
  decimal string);
- ``_HOSTNAME`` -> ``host``; ``SYSLOG_IDENTIFIER`` (else ``_COMM``) ->
  ``program``; ``_PID`` (else ``SYSLOG_PID``) -> ``pid``;
- ``MESSAGE`` -> ``message``.  journalctl prints a string, a list of byte
  values when the message is not valid UTF-8 or holds control characters
  (decoded here with U+FFFD replacement), or ``null`` when the field is larger
  than journalctl's size cap (the event keeps ``message=None`` and the line is
  counted in ``notes["message_unavailable"]``);
- ``PRIORITY`` -> ``extra["level"]`` (syslog severity name);
  ``_SYSTEMD_UNIT`` -> ``extra["unit"]``.

A field logged more than once appears as a list of values; the first is
used.  The message goes to the same
:class:`~sentinel.parsers.auth.ProgramClassifier` as syslog lines, so an sshd
failure read from the journal is the same ``auth_failure`` event as one read
from ``/var/log/auth.log``.

.. versionadded:: 0.1
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import ClassVar

from sentinel.parsers.auth import ProgramClassifier
from sentinel.parsers.base import MAX_FIELD_CHARS, LineParser, Reject, clean_field, to_int
from sentinel.parsers.options import ParserOptions
from sentinel.parsers.syslog import SEVERITIES
from sentinel.parsers.timestamps import epoch_from_number
from sentinel.records import EMPTY_EXTRA, EMPTY_METRICS, Event, EventKind, RawLine

__all__ = ["JournalParser"]

_PATTERN = "journal"
_LEVELS = {str(number): name for number, name in enumerate(SEVERITIES)}


def _first(value: object) -> object:
    """A repeated journal field is a list of values: keep the first."""
    if isinstance(value, list) and value and not isinstance(value[0], int):
        return value[0]
    return value


def _text(value: object) -> str | None:
    """A journal field value as text: string, byte list, or None."""
    value = _first(value)
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        if len(value) > MAX_FIELD_CHARS * 4:
            value = value[: MAX_FIELD_CHARS * 4]
        try:
            return bytes(value).decode("utf-8", "replace")
        except (TypeError, ValueError):
            return None
    return None


class JournalParser(LineParser):
    """Format ``journal``: ``journalctl -o json`` lines to typed events."""

    name: ClassVar[str] = "journal"

    def __init__(self, options: ParserOptions | None = None, source: str = "") -> None:
        super().__init__(options, source)
        self._classifier = ProgramClassifier()

    def pattern_names(self) -> frozenset[str]:
        """The record pattern (program patterns belong to the syslog samples)."""
        return frozenset({_PATTERN})

    def parse_text(self, text: str, raw: RawLine) -> Event:
        """Parse one journal JSON record."""
        if text.lstrip()[:1] not in ("{", "["):
            raise Reject("not_json")
        try:
            record = json.loads(text)
        except (ValueError, RecursionError):
            raise Reject("invalid_json") from None
        if not isinstance(record, dict):
            raise Reject("not_object")
        ts = self._time(record)
        message = _text(record.get("MESSAGE"))
        if message is None:
            self.notes["message_unavailable"] += 1
        else:
            message = message.strip()
        program = clean_field(_text(record.get("SYSLOG_IDENTIFIER")) or _text(record.get("_COMM")))
        if program is not None:
            program = program[:64]
        pid = to_int(_text(record.get("_PID")) or _text(record.get("SYSLOG_PID")))
        host = clean_field(_text(record.get("_HOSTNAME")))
        extra = self._extra(record)
        auth = self._classifier.classify(program, message) if message is not None else None
        kind, user, client_ip = EventKind.SYSLOG, None, None
        out: Mapping[str, str] = extra or EMPTY_EXTRA
        self.matched[_PATTERN] += 1
        if auth is not None:
            kind, user, client_ip, found, pattern = auth
            self.matched[pattern] += 1
            out = {**extra, **found}
        return Event(
            ts,
            kind,
            self.source,
            host[:255] if host else None,
            client_ip,
            user,
            program=program,
            pid=pid,
            message=message[:MAX_FIELD_CHARS] if message else None,
            metrics=EMPTY_METRICS,
            origin=raw.ref,
            extra=out,
        )

    @staticmethod
    def _time(record: Mapping[str, object]) -> float:
        stamp = _text(record.get("__REALTIME_TIMESTAMP"))
        if stamp is None or not stamp.isascii() or not stamp.isdigit() or len(stamp) > 20:
            raise Reject("no_timestamp")
        try:
            return epoch_from_number(int(stamp) / 1e6)
        except ValueError:
            raise Reject("bad_timestamp") from None

    @staticmethod
    def _extra(record: Mapping[str, object]) -> dict[str, str]:
        extra: dict[str, str] = {}
        level = _LEVELS.get(_text(record.get("PRIORITY")) or "")
        if level is not None:
            extra["level"] = level
        unit = _text(record.get("_SYSTEMD_UNIT"))
        if unit:
            extra["unit"] = unit[:200]
        return extra
