# Type stub of the C extension built from _speedups.c (see speedups.py).
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sentinel.records import Event, LineRef, RawLine

MAX_FIELD_CHARS: int

class _FastBase:
    """What both fast paths share (the C struct ``FastBase``); not a runtime class."""

    def __call__(self, raw: RawLine, /) -> Event | None: ...
    def parse_block(
        self,
        lines: Sequence[bytes],
        source: str,
        path: str,
        offset: int = 0,
        lineno: int = 0,
        *,
        fingerprint: str = "",
    ) -> tuple[list[Event], int, int]: ...
    @property
    def hits(self) -> int: ...
    def take_hits(self) -> int: ...

class CombinedFast(_FastBase):
    def __init__(
        self,
        fallback: Callable[[RawLine], Event | None],
        event_type: type[Event],
        rawline_type: type[RawLine],
        lineref_type: type[LineRef],
        kind: Any,
        source: str,
        host: str | None,
        metrics: Mapping[str, float],
        protocols: dict[str, Mapping[str, str]],
        methods: dict[str, str],
    ) -> None: ...

class SyslogFast(_FastBase):
    def __init__(
        self,
        fallback: Callable[[RawLine], Event | None],
        state: dict[str, Any],
        programs: Mapping[str, Callable[[str], Any]],
        sshd_handlers: tuple[Callable[[str], Any], ...],
        classify_unlisted: Callable[[str, str], Any],
        normalize_ip: Callable[[str], str | None],
        on_error: Callable[[Exception], None],
        event_type: type[Event],
        rawline_type: type[RawLine],
        lineref_type: type[LineRef],
        kinds: tuple[Any, Any, Any, Any],
        source: str,
        metrics: Mapping[str, float],
        empty_extra: Mapping[str, str],
        failed_patterns: dict[str, str],
        accepted_patterns: dict[str, str],
    ) -> None: ...
