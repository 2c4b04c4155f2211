"""Sentinel's exception hierarchy.

Every error Sentinel raises on purpose derives from :class:`SentinelError`
and also from the builtin it refines, so callers may catch either::

    SentinelError
    ├── ConfigError (ValueError)          permanent: fix the file, exit 2
    ├── DefinitionError (ValueError)      permanent: a detector definition is invalid
    ├── ParseError (ValueError)           permanent for that line: counted and skipped
    ├── SourceError (OSError)
    │   ├── SourceUnavailable             transient: file missing/unreadable, retried
    │   └── CheckpointError               permanent: the state store is unusable
    └── ArtifactError (RuntimeError)      permanent: a model artifact is untrusted or unreadable

``transient`` tells a supervisor whether retrying can help.  Messages are built
from ids and positions, never from secrets.
"""

from __future__ import annotations

__all__ = [
    "ArtifactError",
    "CheckpointError",
    "ConfigError",
    "DefinitionError",
    "ParseError",
    "SentinelError",
    "SourceError",
    "SourceUnavailable",
]


class SentinelError(Exception):
    """Base of every error Sentinel raises on purpose."""

    transient: bool = False


class ConfigError(SentinelError, ValueError):
    """The configuration is invalid.

    ``str()`` is the complete, user-facing message, e.g.
    ``sentinel.toml: sources[1].format: unknown format 'ngnix' (did you mean 'nginx'?)``.
    """

    def __init__(self, file: str, key: str, problem: str) -> None:
        self.file = file
        self.key = key
        self.problem = problem
        where = f"{file}: {key}" if key else file
        super().__init__(f"{where}: {problem}")


class DefinitionError(SentinelError, ValueError):
    """A detector definition is invalid; names the file and line."""

    def __init__(self, file: str, line: int, detector_id: str, problem: str) -> None:
        self.file = file
        self.line = line
        self.detector_id = detector_id
        self.problem = problem
        ident = f" [{detector_id}]" if detector_id else ""
        super().__init__(f"{file}:{line}:{ident} {problem}")


class ParseError(SentinelError, ValueError):
    """A line could not be parsed. ``reason`` is a short counter key."""

    def __init__(self, reason: str, detail: str = "") -> None:
        self.reason = reason
        super().__init__(f"{reason}: {detail}" if detail else reason)


class SourceError(SentinelError, OSError):
    """A log source failed."""


class SourceUnavailable(SourceError):
    """A source is missing or unreadable right now; it is retried."""

    transient = True


class CheckpointError(SourceError):
    """The checkpoint store cannot be opened or written."""


class ArtifactError(SentinelError, RuntimeError):
    """A model artifact is untrusted, corrupt or newer than this code."""
