"""Free-text application logs: a time/level prefix, then template mining.

**Prefix.**  The line's start is matched against the common timestamp shapes,
in this order:

- ISO 8601 (``2026-11-27 06:25:01,123``, ``2026-11-27T06:25:01.5+01:00``), as
  Python logging, log4j and most frameworks write it (pattern ``text.iso``);
- a bracketed time (``[2026-11-27 06:25:01]``, ``[Sun Dec 04 04:47:44 2005]``,
  ``[10/Oct/2000:13:55:36 -0700]``; pattern ``text.bracket``);
- the syslog shape ``Dec 10 06:55:46`` with year inference (``text.syslog``);
- the compact ``yymmdd HHMMSS`` of Hadoop HDFS (``text.compact``).

Then an optional pid, a level (``INFO``, ``[error]``, ``WARN:``), a thread in
brackets and a logger name ending in ``:`` (``dfs.DataNode$PacketResponder:``)
are taken off; the level goes to ``extra["level"]``, the logger to
``program``.  A line with **no** timestamp (a stack-trace line, a wrapped
message) continues the previous record and gets its time; before any timed
line, ``options.reference_time`` is used, and without one the line is rejected
(``no_timestamp``).  Times without an offset are read in ``options.timezone``.

**Templates.**  The rest of the line is fed to drain3's
:class:`~drain3.template_miner.TemplateMiner`, in memory only (no persistence
handler: drain3's own persistence is jsonpickle, which can run code on load).
``template_id`` is the Drain **cluster id** as a decimal string: it stays the
same while the cluster's template generalises (``user alice logged in`` ->
``user <*> logged in``), which a hash of the template text would not.  The
number of clusters is capped (:data:`MAX_CLUSTERS`, least recently used
evicted); ids are never reused.  ``extra["template"]`` holds the template and
``extra["param.N"]`` its first :data:`MAX_PARAMS` parameters, taken by
comparing tokens (no regex runs on the line).  Work per line is bounded by
mining only the first :data:`MAX_TOKENS` tokens.

**Persistence.**  With ``options.templates_path`` set, :class:`TemplateStore`
keeps ``{template_id: template_text}`` as plain JSON.  On start the Drain tree
is rebuilt from those templates with their ids, so ids are stable across
restarts.  The parser saves every :data:`SAVE_EVERY` template changes and on
:meth:`TextParser.save_templates` (call it at shutdown).

.. versionadded:: 0.1
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Mapping
from datetime import tzinfo
from pathlib import Path
from typing import ClassVar

from drain3 import TemplateMiner
from drain3.drain import LogCluster
from drain3.template_miner_config import TemplateMinerConfig

from sentinel.parsers.base import LineParser, Reject, to_int
from sentinel.parsers.options import ParserOptions
from sentinel.parsers.timestamps import (
    ClfTimeParser,
    CtimeParser,
    IsoTimeParser,
    StrptimeParser,
    SyslogTimeParser,
    resolve_zone,
)
from sentinel.records import EMPTY_METRICS, Event, EventKind, RawLine

__all__ = [
    "MAX_CLUSTERS",
    "MAX_PARAMS",
    "MAX_TOKENS",
    "SAVE_EVERY",
    "TemplateStore",
    "TextParser",
]

MAX_CLUSTERS = 5000
MAX_TOKENS = 128
MAX_PARAMS = 8
SAVE_EVERY = 100
_MAX_MESSAGE = 4096
_MAX_TEMPLATE = 512
_MAX_PARAM = 128
_PARAM = "<*>"

# Anchored; optional parts are alternations with the empty string, never
# quantified groups, so there are no nested quantifiers.
_ISO = re.compile(
    r"\A([0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}:[0-9]{2})([.,][0-9]{1,9}|)"
    r"(Z|[+-][0-9]{2}:?[0-9]{2}|) ?"
)
_BRACKET = re.compile(r"\A\[([^\[\]]{8,40})\] ?")
_SYSLOG = re.compile(r"\A([A-Z][a-z]{2} [ 0-9][0-9] [0-9]{2}:[0-9]{2}:[0-9]{2}) ")
_COMPACT = re.compile(r"\A([0-9]{6} [0-9]{6}) ")

_LEVELS = frozenset(
    {
        "TRACE",
        "DEBUG",
        "INFO",
        "NOTICE",
        "WARN",
        "WARNING",
        "ERROR",
        "ERR",
        "CRITICAL",
        "CRIT",
        "FATAL",
        "SEVERE",
        "ALERT",
        "EMERG",
    }
)
_PATTERNS = frozenset({"text.iso", "text.bracket", "text.syslog", "text.compact", "text.no_time"})


class TemplateStore:
    """Mined templates as plain JSON: ``{"version": 1, "counter": N, "templates": {id: text}}``.

    Loading validates the shape and ignores anything else; a corrupt or
    foreign file gives an empty store, never code execution.  Writes are
    atomic (temporary file + rename) and owner-only.
    """

    VERSION = 1

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)

    def load(self) -> tuple[dict[int, str], int]:
        """``(templates by id, id counter)``; empty when the file is missing or bad."""
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError, RecursionError):
            return {}, 0
        if not isinstance(data, dict) or data.get("version") != self.VERSION:
            return {}, 0
        raw = data.get("templates")
        templates: dict[int, str] = {}
        if isinstance(raw, dict):
            for key, text in raw.items():
                number = to_int(key) if isinstance(key, str) else None
                if number is not None and isinstance(text, str) and len(templates) < MAX_CLUSTERS:
                    templates[number] = text[:_MAX_MESSAGE]
        counter = data.get("counter")
        if not isinstance(counter, int) or isinstance(counter, bool) or counter < 0:
            counter = 0
        return templates, max(counter, max(templates, default=0))

    def save(self, templates: Mapping[int, str], counter: int) -> None:
        """Write atomically with mode 0600."""
        payload = {
            "version": self.VERSION,
            "counter": counter,
            "templates": {str(key): text for key, text in sorted(templates.items())},
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".templates-", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(payload, handle, ensure_ascii=False)
            os.chmod(tmp, 0o600)
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def _miner() -> TemplateMiner:
    config = TemplateMinerConfig()  # defaults; never reads drain3.ini from the cwd
    config.drain_max_clusters = MAX_CLUSTERS
    config.parametrize_numeric_tokens = True
    return TemplateMiner(persistence_handler=None, config=config)


class TextParser(LineParser):
    """Format ``text``: timestamp/level prefix plus Drain template ids."""

    name: ClassVar[str] = "text"

    def __init__(self, options: ParserOptions | None = None, source: str = "") -> None:
        super().__init__(options, source)
        zone: tzinfo = resolve_zone(self.options.timezone)
        self._iso = IsoTimeParser(zone)
        self._ctime = CtimeParser(zone)
        self._clf = ClfTimeParser()
        self._syslog = SyslogTimeParser(zone, self.options.reference_time)
        self._compact = StrptimeParser("%y%m%d %H%M%S", zone)
        self._last_ts: float | None = None
        self._miner = _miner()
        self._changes = 0
        path = self.options.templates_path
        self._store = TemplateStore(path) if path else None
        if self._store is not None:
            self._restore(*self._store.load())

    def pattern_names(self) -> frozenset[str]:
        """One name per timestamp shape, plus lines without time."""
        return _PATTERNS

    @property
    def templates(self) -> dict[int, str]:
        """Current templates by cluster id."""
        return {c.cluster_id: c.get_template() for c in self._miner.drain.clusters}

    def save_templates(self) -> None:
        """Persist the templates now (no-op without ``templates_path``)."""
        if self._store is not None:
            self._store.save(self.templates, self._miner.drain.clusters_counter)
            self._changes = 0

    def _restore(self, templates: Mapping[int, str], counter: int) -> None:
        """Rebuild the Drain tree from saved templates, keeping their ids."""
        drain = self._miner.drain
        for cluster_id, text in sorted(templates.items()):
            cluster = LogCluster(text.split()[:MAX_TOKENS], cluster_id)
            drain.id_to_cluster[cluster_id] = cluster
            drain.add_seq_to_prefix_tree(drain.root_node, cluster)
        drain.clusters_counter = max(drain.clusters_counter, counter)

    def parse_text(self, text: str, raw: RawLine) -> Event:
        """Parse one free-text line."""
        ts, rest, pattern = self._prefix(text)
        rest, level, pid, program = _strip_header(rest)
        tokens = rest.split()
        if len(tokens) > MAX_TOKENS:
            tokens = tokens[:MAX_TOKENS]
        message = " ".join(tokens)[:_MAX_MESSAGE]
        result = self._miner.add_log_message(message)
        if result["change_type"] != "none":
            self._changes += 1
            if self._changes >= SAVE_EVERY:
                self.save_templates()
        template: str = result["template_mined"]
        extra: dict[str, str] = {"template": template[:_MAX_TEMPLATE]}
        if level is not None:
            extra["level"] = level
        extra.update(_parameters(template, message.split()))
        self.matched[pattern] += 1
        return Event(
            ts,
            EventKind.APP,
            self.source,
            self.options.host,
            program=program,
            pid=pid,
            message=message or None,
            template_id=str(result["cluster_id"]),
            metrics=EMPTY_METRICS,
            origin=raw.ref,
            extra=extra,
        )

    def _prefix(self, text: str) -> tuple[float, str, str]:
        """``(ts, rest of line, pattern)`` for the line's timestamp prefix."""
        try:
            found = self._find_time(text)
        except (ValueError, OverflowError, OSError):
            raise Reject("bad_timestamp") from None
        if found is not None:
            self._last_ts = found[0]
            return found
        # No time: a continuation of the previous record.
        fallback = self._last_ts if self._last_ts is not None else self.options.reference_time
        if fallback is None:
            raise Reject("no_timestamp")
        return fallback, text, "text.no_time"

    def _find_time(self, text: str) -> tuple[float, str, str] | None:
        match = _ISO.match(text)
        if match is not None:
            second, fraction, offset = match.groups()
            ts = self._iso.parse(second.replace(" ", "T") + offset)
            if fraction:
                ts += float("0." + fraction[1:])
            return ts, text[match.end() :], "text.iso"
        match = _BRACKET.match(text)
        if match is not None:
            bracketed = self._bracket_time(match.group(1))
            if bracketed is not None:
                return bracketed, text[match.end() :], "text.bracket"
        match = _SYSLOG.match(text)
        if match is not None:
            return self._syslog.parse(match.group(1)), text[match.end() :], "text.syslog"
        match = _COMPACT.match(text)
        if match is not None:
            return self._compact.parse(match.group(1)), text[match.end() :], "text.compact"
        return None

    def _bracket_time(self, inner: str) -> float | None:
        """The time inside ``[...]``: ISO, CLF or ctime; None if it is none of them."""
        if inner[:4].isdigit() and inner[4:5] == "-":
            match = _ISO.match(inner)
            if match is None:
                return None
            second, fraction, offset = match.groups()
            ts = self._iso.parse(second.replace(" ", "T") + offset)
            return ts + float("0." + fraction[1:]) if fraction else ts
        if inner[:2].isdigit() and inner[2:3] == "/":
            return self._clf.parse(inner)
        if inner[:3].isalpha() and inner[3:4] == " ":
            try:
                return self._ctime.parse(inner)
            except ValueError:
                return None  # "[word ...]" is as likely to be message text
        return None


def _strip_header(rest: str) -> tuple[str, str | None, int | None, str | None]:
    """Take an optional pid, level, ``[thread]`` and ``logger:`` off the message."""
    pid: int | None = None
    level: str | None = None
    program: str | None = None
    head, _, tail = rest.partition(" ")
    if head.isdecimal() and len(head) <= 10:
        candidate, _, after = tail.lstrip().partition(" ")
        if _level(candidate) is not None:
            pid, head, tail = int(head), candidate, after
    found = _level(head)
    if found is not None:
        level = found
        rest = tail.lstrip()
        if rest.startswith("- "):
            rest = rest[2:]
    if level is not None and rest.startswith("["):
        # A thread name after the level (Hadoop "[main]"): it varies per
        # thread and would split templates.  Text with spaces
        # ("[client 1.2.3.4]") is part of the message and stays.
        close = rest.find("] ", 1, 96)
        if close > 0 and " " not in rest[1:close]:
            rest = rest[close + 2 :].lstrip()
            if rest.startswith("- "):
                rest = rest[2:]
    head, sep, tail = rest.partition(" ")
    if sep and head.endswith(":") and len(head) <= 96 and ("." in head or "$" in head):
        program, rest = head[:-1], tail
    return rest, level, pid, program


def _level(token: str) -> str | None:
    """``INFO``/``[error]``/``WARN:`` -> ``info``/``error``/``warn``; else None."""
    word = token.strip("[]:").upper()
    return word.lower() if word in _LEVELS else None


def _parameters(template: str, tokens: list[str]) -> dict[str, str]:
    """``param.N`` for message tokens where the template has ``<*>``."""
    template_tokens = template.split()
    if len(template_tokens) != len(tokens):
        return {}
    out: dict[str, str] = {}
    for want, got in zip(template_tokens, tokens, strict=True):
        if want == _PARAM:
            out[f"param.{len(out)}"] = got[:_MAX_PARAM]
            if len(out) >= MAX_PARAMS:
                break
    return out
