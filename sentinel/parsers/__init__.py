"""Parsers: hostile log bytes in, typed :class:`~sentinel.records.Event` out.

The registry maps a format name to the class implementing it.  Entries are
dotted paths resolved on first use, so ``sentinel --help`` imports no parser.

.. versionadded:: 0.1
"""

from __future__ import annotations

import difflib
import importlib
from collections.abc import Mapping
from typing import Protocol, cast

from sentinel.parsers.base import LineParser
from sentinel.parsers.options import JsonFieldMap, ParserOptions

__all__ = [
    "FORMATS",
    "JsonFieldMap",
    "LineParser",
    "ParserOptions",
    "build_parser",
    "format_names",
    "suggest_format",
]


class ParserFactory(Protocol):
    """A parser class: ``cls(options, source)``."""

    def __call__(self, options: ParserOptions, source: str) -> LineParser: ...


# name -> "module:Class".  Aliases point at the same class.
FORMATS: Mapping[str, str] = {
    # web access logs
    "combined": "sentinel.parsers.access:CombinedParser",
    "nginx": "sentinel.parsers.access:CombinedParser",
    "apache": "sentinel.parsers.access:CombinedParser",
    "common": "sentinel.parsers.access:CommonParser",
    "vhost_combined": "sentinel.parsers.access:VhostCombinedParser",
    "combined_timed": "sentinel.parsers.access:TimedCombinedParser",
    "nginx_json": "sentinel.parsers.access:NginxJsonParser",
    "nginx_log_format": "sentinel.parsers.access:LogFormatParser",
    "apache_error": "sentinel.parsers.access:ApacheErrorParser",
    # system logs
    "syslog": "sentinel.parsers.syslog:SyslogParser",
    "auth": "sentinel.parsers.syslog:SyslogParser",
    "journal": "sentinel.parsers.journal:JournalParser",
    # application logs
    "jsonlines": "sentinel.parsers.jsonlines:JsonLinesParser",
    "text": "sentinel.parsers.templates:TextParser",
}


def format_names() -> list[str]:
    """All format names, sorted."""
    return sorted(FORMATS)


def suggest_format(name: str) -> str | None:
    """The closest known format name to a misspelt one (``ngnix`` -> ``nginx``)."""
    matches = difflib.get_close_matches(name, list(FORMATS), n=1, cutoff=0.6)
    return matches[0] if matches else None


def build_parser(fmt: str, options: ParserOptions | None = None, source: str = "") -> LineParser:
    """Instantiate the parser for ``fmt``.

    Raises:
        KeyError: unknown format (the message suggests the closest name).
        ValueError: the options are invalid for this format (e.g. a bad ``log_format``).
    """
    target = FORMATS.get(fmt)
    if target is None:
        hint = suggest_format(fmt)
        raise KeyError(f"unknown format {fmt!r}" + (f" (did you mean {hint!r}?)" if hint else ""))
    module_name, _, class_name = target.partition(":")
    factory = cast(ParserFactory, getattr(importlib.import_module(module_name), class_name))
    return factory(options or ParserOptions(), source)
