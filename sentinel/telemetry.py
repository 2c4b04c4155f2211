"""Sentinel's own logging: structlog configured once.

* JSON lines when stdout is not a terminal (journald, files), readable
  console output on a terminal.
* Event names come from :data:`EVENTS` (``<namespace>.<noun>.<verb>``);
  :func:`configure` installs a processor that redacts secrets before
  rendering, whatever the call site passed.
* Level policy: nothing per log line above DEBUG; WARNING = unexpected but
  nothing lost; ERROR = data lost or an operator is needed.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Mapping, MutableMapping
from typing import Any, TextIO

import structlog

__all__ = ["EVENTS", "REDACTED", "configure", "redact_secrets"]

REDACTED = "[REDACTED]"

#: The catalogue of event names Sentinel logs, with what each means.
EVENTS: Mapping[str, str] = {
    "config.loaded": "The configuration file passed validation.",
    "config.invalid": "The configuration file failed validation; the message names key and fix.",
    "replay.started": "A replay began reading its inputs.",
    "replay.finished": "A replay read every input to the end.",
    "replay.format.detected": "--format auto chose a parser from the first lines.",
    "parser.line.crashed": "A parser raised on a line; the line was counted and skipped (debug).",
    "parser.line.unmatched": "A line matched no pattern (debug; counted).",
    "source.file.opened": "A file source opened a file.",
    "source.file.rotated": "A file was rotated by rename; the old one is read to its end.",
    "source.file.identified": "A file that was short when opened now has a checksum key (debug).",
    "source.file.truncated": "A file shrank (copytruncate); reading restarts at 0.",
    "source.file.unreadable": "A file matched a glob but cannot be read; retried.",
    "source.file.catch_up_unsettled": (
        "Rotated siblings kept changing during the missed-generation walk; it gave up."
    ),
    "source.glob.empty": "A glob matches nothing yet; files that appear later are picked up.",
    "source.journal.failed": "journalctl exited; the journal source restarts it.",
    "checkpoint.committed": "Positions were committed with their batch (debug).",
    "detection.pack.loaded": "A detector pack was loaded and its examples passed.",
    "detection.entity.evicted": "Per-entity state reached its cap; the oldest entity was dropped.",
    "detection.finding.emitted": "A detector produced a finding.",
}

# Keys whose values are secrets wherever they appear in an event dict.
_SECRET_KEYS = re.compile(
    r"(?i)(pass(word|wd)?|secret|token|(api|private|hmac|signing|pseudonymize)[_-]?key"
    r"|authorization|cookie|url)$"
)
# Credentials embedded in URLs (https://user:pass@host) and bearer tokens in text.
_URL_CREDENTIALS = re.compile(r"(?i)\b([a-z][a-z0-9+.-]{0,20}://)[^/\s:@]{1,256}:[^/\s@]{1,256}@")
_BEARER = re.compile(r"(?i)\b(bearer|token|apikey|api_key|password)([=: ]{1,3})[^\s&\"']{1,512}")


def _redact_text(text: str) -> str:
    text = _URL_CREDENTIALS.sub(r"\1" + REDACTED + "@", text)
    return _BEARER.sub(r"\1\2" + REDACTED, text)


def redact_secrets(
    _logger: object, _method: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """structlog processor: hide secret-named keys and credentials inside strings."""
    for key, value in list(event_dict.items()):
        if key == "event":
            continue
        if _SECRET_KEYS.search(key) and value is not None:
            event_dict[key] = REDACTED
        elif isinstance(value, str):
            event_dict[key] = _redact_text(value)
    return event_dict


_LEVELS = {"debug": logging.DEBUG, "info": logging.INFO, "warning": logging.WARNING}
_LEVELS["error"] = logging.ERROR


def configure(level: str = "info", fmt: str = "auto", stream: TextIO | None = None) -> None:
    """Configure structlog for the process.  Safe to call again (tests, reload)."""
    out = stream if stream is not None else sys.stderr
    json_output = fmt == "json" or (fmt == "auto" and not out.isatty())
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if json_output
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            redact_secrets,
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(_LEVELS.get(level, logging.INFO)),
        logger_factory=structlog.PrintLoggerFactory(file=out),
        cache_logger_on_first_use=False,
    )
