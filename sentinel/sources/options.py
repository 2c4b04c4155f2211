"""Configuration of the file source (validated without I/O).

Settings loading builds ``FileSourceOptions(**values)`` from the TOML table of
a source and calls :meth:`FileSourceOptions.validate`; the field docstrings
below are the reference documentation of each key.

.. versionadded:: 0.1
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Literal

__all__ = ["FileSourceOptions", "StartAt"]

StartAt = Literal["checkpoint", "beginning", "end"]


@dataclass(frozen=True, slots=True)
class FileSourceOptions:
    """Configuration of one file source.  :meth:`validate` does no I/O."""

    name: str
    """Source name; checkpoints and counters are kept per name."""
    paths: tuple[str, ...]
    """Glob patterns of the files to read (``*``, ``?``, ``[...]``; symlinks followed)."""
    exclude: tuple[str, ...] = ()
    """Glob patterns (fnmatch on the full path) of matched files to ignore."""
    start_at: StartAt = "checkpoint"
    """Where to start: see the module documentation."""
    max_line_bytes: int = 65536
    """Longer lines are cut to this many bytes (``truncated=True``); the rest is counted."""
    multiline_start: str | None = None
    """Regex (Python ``re``) matching the first line of a record; other lines join it."""
    multiline_max_lines: int = 500
    """A record this long is emitted; the next line starts a new record."""
    multiline_timeout: float = 2.0
    """Seconds without new data after which a held multi-line record is emitted."""
    poll_interval: float = 1.0
    """Seconds between polls when no inotify event arrives."""
    rescan_interval: float = 5.0
    """Seconds between glob rescans (inotify events trigger earlier ones)."""
    rotate_wait: float = 5.0
    """Seconds a rotated or deleted file is kept open after its last growth."""
    fingerprint_bytes: int = 256
    """How many leading bytes identify a file."""
    use_inotify: bool = True
    """Wake on inotify events (watchdog); polling is the fallback either way."""

    def validate(self) -> None:
        """Check every field.

        Raises:
            ValueError: Naming the first invalid field.
        """
        if not self.name or not self.name.strip():
            raise ValueError("name: must not be empty")
        if not self.paths:
            raise ValueError("paths: at least one glob pattern is required")
        for field, patterns in (("paths", self.paths), ("exclude", self.exclude)):
            # Settings may hand over any sequence; a bare string would glob per character.
            given: object = patterns
            if not isinstance(given, tuple | list) or not all(
                isinstance(p, str) and p for p in given
            ):
                raise ValueError(f"{field}: must be a list of non-empty strings")
        if self.start_at not in ("checkpoint", "beginning", "end"):
            raise ValueError(
                f"start_at: {self.start_at!r} is not one of 'checkpoint', 'beginning', 'end'"
            )
        _positive_int("max_line_bytes", self.max_line_bytes, 16, 1 << 26)
        _positive_int("multiline_max_lines", self.multiline_max_lines, 1, 100_000)
        _positive_int("fingerprint_bytes", self.fingerprint_bytes, 16, 1 << 20)
        for field in ("multiline_timeout", "poll_interval", "rescan_interval", "rotate_wait"):
            value = getattr(self, field)
            if (
                isinstance(value, bool)
                or not isinstance(value, int | float)
                or not (math.isfinite(value) and value >= 0)
            ):
                raise ValueError(f"{field}: must be a finite number >= 0, got {value!r}")
        if self.multiline_start is not None:
            try:
                re.compile(self.multiline_start.encode())
            except (re.error, UnicodeEncodeError) as exc:
                raise ValueError(f"multiline_start: invalid regex: {exc}") from None
        if not isinstance(self.use_inotify, bool):
            raise ValueError("use_inotify: must be true or false")


def _positive_int(field: str, value: object, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValueError(f"{field}: must be an integer from {low} to {high}, got {value!r}")
