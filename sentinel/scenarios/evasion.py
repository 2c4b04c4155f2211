"""Encodings attackers use to slip payloads past naive filters.

Each function takes a decoded payload and returns text ready to put in a URL
query or path.  :func:`evade` applies a random mix.

.. versionadded:: 0.1
"""

from __future__ import annotations

import random
from collections.abc import Callable
from urllib.parse import quote, quote_plus

__all__ = [
    "EVASIONS",
    "double_encode",
    "evade",
    "html_entities",
    "mixed_case",
    "overlong_utf8",
    "pct",
    "plus_spaces",
    "sql_comments",
    "tab_newline",
    "unicode_u",
]


def pct(payload: str) -> str:
    """Plain percent-encoding (what a browser or curl sends)."""
    return quote(payload, safe="/:=&,()*!'")


def double_encode(payload: str) -> str:
    """Percent-encode twice: ``'`` becomes ``%2527``."""
    return quote(quote(payload, safe=""), safe="")


def plus_spaces(payload: str) -> str:
    """Form encoding with ``+`` for spaces."""
    return quote_plus(payload, safe="/:=,()*!'")


def mixed_case(payload: str, rng: random.Random) -> str:
    """Random upper/lower case letters (``UnIoN SeLeCt``), then encoded."""
    return pct("".join(c.upper() if rng.random() < 0.5 else c.lower() for c in payload))


def sql_comments(payload: str) -> str:
    """SQL inline comments instead of spaces (``UNION/**/SELECT``)."""
    return pct(payload.replace(" ", "/**/"))


def tab_newline(payload: str, rng: random.Random) -> str:
    """Tabs, newlines or vertical tabs instead of spaces."""
    return "".join(
        rng.choice(("%09", "%0a", "%0d%0a", "%0b")) if c == " " else pct(c) for c in payload
    )


def html_entities(payload: str) -> str:
    """Angle brackets, quotes and parentheses as numeric HTML entities, encoded."""
    table = {"<": "&#x3C;", ">": "&#x3E;", '"': "&#34;", "'": "&#39;", "(": "&#40;", ")": "&#41;"}
    return quote("".join(table.get(c, c) for c in payload), safe="")


def overlong_utf8(payload: str) -> str:
    """Overlong UTF-8 for dots and slashes (``%c0%ae%c0%ae%c0%af``)."""
    return "".join({".": "%c0%ae", "/": "%c0%af"}.get(c, pct(c)) for c in payload)


def unicode_u(payload: str) -> str:
    """IIS-style ``%uXXXX`` escapes for dots and slashes."""
    return "".join({".": "%u002e", "/": "%u2215"}.get(c, pct(c)) for c in payload)


EVASIONS: tuple[str, ...] = (
    "double",
    "plus",
    "case",
    "comments",
    "tabs",
    "entities",
    "overlong",
    "unicode",
)


def evade(payload: str, rng: random.Random, kinds: tuple[str, ...] = EVASIONS) -> str:
    """Encode a payload with one randomly chosen evasion out of ``kinds``.

    Args:
        payload: Decoded payload.
        rng: Random source.
        kinds: Names from :data:`EVASIONS` to choose from.

    Returns:
        The encoded payload.
    """
    table: dict[str, Callable[[str], str]] = {
        "double": double_encode,
        "plus": plus_spaces,
        "case": lambda p: mixed_case(p, rng),
        "comments": sql_comments,
        "tabs": lambda p: tab_newline(p, rng),
        "entities": html_entities,
        "overlong": overlong_utf8,
        "unicode": unicode_u,
    }
    return table[rng.choice(kinds)](payload)
