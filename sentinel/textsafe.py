"""Escaping attacker-controlled text for the medium it is shown in.

Every field of a log line is attacker-controlled.  A terminal must not
receive control characters (ANSI escapes can rewrite the screen or the
title, or hide lines), so :func:`for_terminal` shows them as ``\\xNN``.
"""

from __future__ import annotations

import re

__all__ = ["for_terminal"]

# C0 controls, DEL, C1 controls, and the Unicode bidi overrides that can
# reorder what a reader sees ("Trojan Source").
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def for_terminal(text: str, limit: int = 200) -> str:
    """``text`` cut to ``limit`` characters with control characters escaped."""
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return _UNSAFE.sub(_escape, text)
