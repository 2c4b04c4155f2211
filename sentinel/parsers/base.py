"""What every parser shares: decoding hostile bytes and counting rejects.

A parser subclasses :class:`LineParser` and implements :meth:`parse_text`.
:meth:`LineParser.parse` is the stage verb: it decodes the line, strips what
no parser should see (NUL bytes), calls ``parse_text`` and turns *any*
exception into a counted rejection, so a parser bug on an attacker's line
costs one line, never the daemon.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import ClassVar

import structlog

from sentinel.parsers.options import ParserOptions
from sentinel.records import Event, LineRef, RawLine

__all__ = [
    "MAX_FIELD_CHARS",
    "LineParser",
    "Reject",
    "clean_field",
    "decode_line",
    "to_int",
]

log = structlog.get_logger("sentinel.parsers")

# Fields longer than this are cut: a 64 KiB user agent is an attack, not data
# worth keeping whole in per-entity state.
MAX_FIELD_CHARS = 8192


class Reject(Exception):  # control flow, not an error condition: no "Error" suffix
    """Raised inside ``parse_text`` to reject a line with a counted reason."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def decode_line(data: bytes) -> tuple[str, bool]:
    """Decode a line as UTF-8; returns ``(text, was_valid_utf8)``.

    Invalid sequences become U+FFFD so the rest of the line still parses.
    NUL bytes are removed: they truncate C strings downstream and carry no
    meaning in text logs.
    """
    if b"\x00" in data:
        data = data.replace(b"\x00", b"")
    try:
        return data.decode("utf-8"), True
    except UnicodeDecodeError:
        return data.decode("utf-8", "replace"), False


def clean_field(value: str | None) -> str | None:
    """Map log placeholders (``-``, empty) to ``None`` and cap the length."""
    if value is None or value in {"-", ""}:
        return None
    if len(value) > MAX_FIELD_CHARS:
        return value[:MAX_FIELD_CHARS]
    return value


def to_int(value: str | None, *, limit: int = 1 << 62) -> int | None:
    """Parse a non-negative decimal integer field; ``-``/absurd values give ``None``."""
    # isdecimal, not isdigit: "²" is a digit that int() rejects.
    if value is None or not value.isdecimal() or len(value) > 19:
        return None
    number = int(value)
    return number if number <= limit else None


class LineParser:
    """Base of the text parsers.

    Subclasses set ``name`` and implement :meth:`parse_text`.  Counters:
    ``rejected[reason]`` for lines that produced no event; ``notes[reason]``
    for lines that parsed but had something odd (invalid UTF-8, a truncated
    line, a clamped field); ``matched[pattern]`` for the pattern that parsed
    each line.
    """

    name: ClassVar[str] = "base"

    def __init__(self, options: ParserOptions | None = None, source: str = "") -> None:
        self.options = options if options is not None else ParserOptions()
        self.source = source
        self.rejected: Counter[str] = Counter()
        self.notes: Counter[str] = Counter()
        # Which named pattern matched, per line; the sample-coverage test
        # checks every name in pattern_names() is hit by some annotated sample.
        self.matched: Counter[str] = Counter()

    def pattern_names(self) -> frozenset[str]:
        """Names of every pattern this parser can match (for sample coverage)."""
        return frozenset()

    def parse(self, raw: RawLine) -> Event | None:
        """Parse one raw line; ``None`` (and a counted reason) when it is not usable."""
        # decode_line inlined: this runs once per line, and the call plus the
        # tuple it returns are a measurable share of the ~3 µs budget.
        data, truncated = raw[1], raw[2]
        if b"\x00" in data:
            data = data.replace(b"\x00", b"")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = data.decode("utf-8", "replace")
            self.notes["invalid_utf8"] += 1
        if truncated:
            self.notes["truncated"] += 1
        if not text or text.isspace():
            self.rejected["empty"] += 1
            return None
        try:
            event = self.parse_text(text, raw)
        except Reject as reject:
            self.rejected[reject.reason] += 1
            return None
        except Exception:  # hostile input must never stop the pipeline
            self.rejected["internal_error"] += 1
            log.debug("parser.line.crashed", parser=self.name, exc_info=True)
            return None
        if event is None:
            self.rejected["unmatched"] += 1
        return event

    def parse_block(
        self,
        lines: Sequence[bytes],
        source: str,
        path: str,
        offset: int = 0,
        lineno: int = 0,
        *,
        fingerprint: str = "",
    ) -> tuple[list[Event], int, int]:
        """Parse consecutive raw lines of one file; returns ``(events, offset, lineno)``.

        ``lines`` are the lines as ``fh.readlines()`` gives them: each loses
        one trailing ``\\n`` and then one ``\\r`` (as the file source strips
        lines, ``sources/lines.py``) and is parsed exactly as :meth:`parse`
        parses ``RawLine(LineRef(source, path, offset_of_line, lineno_of_line,
        fingerprint), stripped)``; the first line is at byte ``offset`` and
        has number ``lineno + 1``.  Lines without an event are dropped (and
        counted, as ``parse`` counts them).  The offset after the last line
        and its number are returned, ready for the next block.  No line cap
        is applied: a caller reading untrusted files bounds the lines it
        reads (``readlines(hint)`` does not).

        The C fast paths (``combined``, ``syslog``, ``auth``) replace this
        with one C call per block, with identical results and counters.
        """
        parse = self.parse
        new = tuple.__new__  # no NamedTuple __new__ frame per line
        events: list[Event] = []
        append = events.append
        for data in lines:
            lineno += 1
            line = data[:-1] if data.endswith(b"\n") else data
            if line.endswith(b"\r"):
                line = line[:-1]
            ref = new(LineRef, (source, path, offset, lineno, fingerprint))
            event = parse(new(RawLine, (ref, line, False)))
            offset += len(data)
            if event is not None:
                append(event)
        return events, offset, lineno

    def parse_text(self, text: str, raw: RawLine) -> Event | None:
        """Parse decoded text; raise :class:`Reject` (or return None) to reject."""
        raise NotImplementedError
