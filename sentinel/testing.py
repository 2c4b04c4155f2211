"""Helpers for tests of Sentinel and of user detector packs.

Shipped in the package (as structlog ships ``structlog.testing``) so that a
user's own tests of their packs can build lines and events the same way
Sentinel's tests do.
"""

from __future__ import annotations

from collections.abc import Iterable

from sentinel.parsers import ParserOptions, build_parser
from sentinel.records import Event, LineRef, RawLine

__all__ = ["parse_lines", "raw_line", "raw_lines"]


def raw_line(text: str | bytes, *, lineno: int = 1, path: str = "test.log") -> RawLine:
    """A :class:`RawLine` as a file source would produce it for ``text``."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    return RawLine(LineRef("test", path, 0, lineno), data)


def raw_lines(texts: Iterable[str | bytes], *, path: str = "test.log") -> list[RawLine]:
    """Numbered raw lines with running byte offsets."""
    out: list[RawLine] = []
    offset = 0
    for lineno, text in enumerate(texts, start=1):
        data = text.encode("utf-8") if isinstance(text, str) else text
        out.append(RawLine(LineRef("test", path, offset, lineno), data))
        offset += len(data) + 1
    return out


def parse_lines(
    fmt: str, texts: Iterable[str | bytes], options: ParserOptions | None = None
) -> list[Event]:
    """Parse ``texts`` with format ``fmt``; rejected lines are left out."""
    parser = build_parser(fmt, options, source="test")
    return [e for e in map(parser.parse, raw_lines(texts)) if e is not None]
