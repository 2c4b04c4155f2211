"""inotify hints for the tailer, through watchdog.

Events are *hints*: they wake the tailer early, they never decide anything.
The tailer's periodic rescan of the globs and its ``fstat`` of open files are
the truth, so a lost, coalesced or overflowed inotify queue costs latency,
never lines.  When inotify is unavailable (not Linux, no watches left,
``fs.inotify.max_user_watches`` exhausted) the tailer polls.

.. versionadded:: 0.1
"""

from __future__ import annotations

import glob
import os
from collections.abc import Callable, Iterable
from pathlib import Path

import structlog
from watchdog.events import (
    EVENT_TYPE_CLOSED,
    EVENT_TYPE_CREATED,
    EVENT_TYPE_DELETED,
    EVENT_TYPE_MODIFIED,
    EVENT_TYPE_MOVED,
    FileSystemEvent,
    FileSystemEventHandler,
)

__all__ = ["Watcher", "watch_roots"]

_log = structlog.get_logger("sentinel.sources")

# IN_OPEN / IN_CLOSE_NOWRITE are caused by our own reads: waking on them
# would make the tailer wake itself.
_CONTENT = frozenset({EVENT_TYPE_MODIFIED, EVENT_TYPE_CLOSED})
_STRUCTURE = frozenset({EVENT_TYPE_CREATED, EVENT_TYPE_DELETED, EVENT_TYPE_MOVED})


def watch_roots(patterns: Iterable[str]) -> dict[str, bool]:
    """Directories to watch for ``patterns``, each with its ``recursive`` flag.

    The watched directory is the longest wildcard-free directory prefix of
    the pattern; when it does not exist yet its nearest existing ancestor is
    watched recursively, so its creation is seen.
    """
    roots: dict[str, bool] = {}
    for pattern in patterns:
        parent = os.path.dirname(os.path.abspath(pattern))
        fixed = parent
        while glob.has_magic(fixed):
            fixed = os.path.dirname(fixed)
        recursive = fixed != parent
        path = Path(fixed)
        while not path.is_dir() and path != path.parent:
            path = path.parent
            recursive = True
        key = str(path)
        roots[key] = roots.get(key, False) or recursive
    return roots


class _Handler(FileSystemEventHandler):
    def __init__(self, notify: Callable[[bool], None]) -> None:
        self._notify = notify

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type in _CONTENT:
            self._notify(event.is_directory)
        elif event.event_type in _STRUCTURE:
            self._notify(True)


class Watcher:
    """Calls ``notify(structural)`` on filesystem activity under the patterns.

    ``structural`` is true for creations, deletions and renames (the tailer
    should rescan its globs) and false for content changes.  ``notify`` runs
    on watchdog's thread: it must only set flags.
    """

    def __init__(self, patterns: Iterable[str], notify: Callable[[bool], None]) -> None:
        self._patterns = tuple(patterns)
        self._handler = _Handler(notify)
        self._observer: object | None = None
        self._roots: dict[str, bool] = {}

    @property
    def active(self) -> bool:
        """True while inotify is delivering events."""
        return self._observer is not None

    def start(self) -> bool:
        """Start watching; False (and a warning) when inotify is unavailable."""
        return self.refresh()

    def refresh(self) -> bool:
        """Re-derive the watched directories (a missing one may now exist)."""
        roots = watch_roots(self._patterns)
        if self._observer is not None and roots == self._roots:
            return True
        self.stop()
        try:
            from watchdog.observers.inotify import InotifyObserver

            observer = InotifyObserver()
            for path, recursive in roots.items():
                observer.schedule(self._handler, path, recursive=recursive)
            observer.start()
        except (OSError, ImportError) as exc:
            _log.warning("source.watch.unavailable", error=str(exc), fallback="polling")
            return False
        self._observer = observer
        self._roots = roots
        return True

    def stop(self) -> None:
        """Stop the observer thread, if any."""
        observer = self._observer
        self._observer = None
        if observer is not None:
            observer.stop()  # type: ignore[attr-defined]
            observer.join()  # type: ignore[attr-defined]
