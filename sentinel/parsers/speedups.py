"""The optional C fast paths (``sentinel.parsers._speedups``) and their off switch.

Two parsers carry most of the traffic and have a C fast path: ``combined``
access logs and RFC 3164 syslog with sshd classification (formats ``syslog``
and ``auth``).  Each fast path is installed as the parser's ``parse`` and
hands every line it does not handle (anything but printable ASCII in the
everyday shape) to the Python implementation, which stays the reference:
``tests/parsers/test_speedups.py`` checks that both give identical events and
counters on random and hostile input.  Each fast path also provides the
parser's ``parse_block`` (see :meth:`~sentinel.parsers.base.LineParser.parse_block`):
a block of raw lines in one C call, with the same results as ``parse``.

The extension is optional at install time (a failed compile still installs
sentinel, on the Python path).  ``SENTINEL_NO_SPEEDUPS=1`` forces the Python
path, for debugging and for the differential test; it is read when a parser
is built.  In a source tree, a binary older than ``_speedups.c`` is not used:
rebuild it with ``.venv/bin/pip install -e .`` after editing the C.

.. versionadded:: 0.1
"""

from __future__ import annotations

import os
from pathlib import Path
from types import ModuleType

__all__ = ["DISABLE_ENV", "EXPECT_ENV", "disabled_by_env", "load"]

DISABLE_ENV = "SENTINEL_NO_SPEEDUPS"
# Set by .ci/run: there, a missing extension is a failed build, not a fallback.
EXPECT_ENV = "SENTINEL_EXPECT_SPEEDUPS"


def disabled_by_env() -> bool:
    """Whether ``SENTINEL_NO_SPEEDUPS`` asks for the pure-Python path."""
    return os.environ.get(DISABLE_ENV, "") not in ("", "0")


def load() -> ModuleType | None:
    """The compiled module, or ``None`` (disabled, or not built on this install)."""
    if disabled_by_env():
        return None
    try:
        from sentinel.parsers import _speedups
    except ImportError:
        return None
    return None if _stale(Path(_speedups.__file__)) else _speedups


def _stale(binary: Path) -> bool:
    """Whether ``_speedups.c`` sits next to ``binary`` and is newer (an edit not rebuilt)."""
    source = binary.with_name("_speedups.c")
    try:
        return source.stat().st_mtime > binary.stat().st_mtime
    except OSError:  # no source next to it: an installed wheel
        return False
