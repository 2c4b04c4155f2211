"""Syslog: RFC 3164 (BSD) and RFC 5424 lines, messages classified by program.

Accepted headers (an optional ``<PRI>`` prefix on any of them):

- RFC 3164: ``Dec 10 06:55:46 host prog[pid]: msg``, also without pid,
  with a ``.ffffff`` fraction, with the host missing
  (``Dec 10 06:55:46 sshd[1]: msg``), and loghub's ``prog(pam_unix)[pid]:``
  tags and tags with spaces (``syslogd 1.4.1: restart.``);
- rsyslog's high-precision form, the Debian 12 default:
  ``2026-11-27T06:25:01.123456+00:00 host prog[pid]: msg``;
- RFC 5424: ``<34>1 2003-10-11T22:14:15.003Z host app procid msgid [sd] msg``;
  structured data goes to ``extra["sd.ID.PARAM"]`` (at most
  :data:`MAX_SD_PARAMS`), ``MSGID`` to ``extra["msgid"]``.

RFC 3164 has no year: :class:`~sentinel.parsers.timestamps.SyslogTimeParser`
infers it from ``options.reference_time`` (default: the wall clock when the
first line is read) and then from the previous line, so a file running across
New Year stays in order.  Times without an offset are read in
``options.timezone``.

The message then goes to :class:`~sentinel.parsers.auth.ProgramClassifier`:
sshd, PAM, sudo and su lines become ``auth_*``/``sudo`` events, kernel
firewall lines ``firewall`` events, and everything else ``syslog``.  The
header is cut with ``str`` methods, not a regex: it is faster and has no
backtracking.  With a ``<PRI>``, the severity name is in ``extra["level"]``.

.. versionadded:: 0.1
"""

from __future__ import annotations

import re
import types
from typing import TYPE_CHECKING, ClassVar

from sentinel.parsers import speedups
from sentinel.parsers.auth import (
    _ACCEPTED_PATTERNS,
    _FAILED_PATTERNS,
    ProgramClassifier,
    normalize_ip,
)
from sentinel.parsers.base import MAX_FIELD_CHARS, LineParser, Reject, clean_field, log, to_int
from sentinel.parsers.options import ParserOptions
from sentinel.parsers.timestamps import IsoTimeParser, SyslogTimeParser, resolve_zone
from sentinel.records import EMPTY_EXTRA, EMPTY_METRICS, Event, EventKind, LineRef, RawLine

if TYPE_CHECKING:
    from sentinel.parsers._speedups import SyslogFast

__all__ = ["HEADER_PATTERNS", "MAX_SD_PARAMS", "MAX_TAG_CHARS", "SEVERITIES", "SyslogParser"]

# RFC 3164 caps the tag at 32 characters; real tags (loghub's
# "sshd(pam_unix)[19939]") stay well under this.  A longer "tag" is message text.
MAX_TAG_CHARS = 64
MAX_SD_PARAMS = 16
SEVERITIES = ("emerg", "alert", "crit", "err", "warning", "notice", "info", "debug")
HEADER_PATTERNS: frozenset[str] = frozenset(
    {"rfc3164", "rfc3164.no_host", "rfc3164.iso_time", "rfc5424"}
)

_SYSLOG = EventKind.SYSLOG
# Build events with tuple.__new__ and every field in order: Event(...) goes
# through the NamedTuple's Python-level __new__, a frame that costs about a
# tenth of the per-line budget.  Field order is EVENT_FIELDS (records.py).
_new_event = tuple.__new__

# The two shapes nearly every line has, one regex each.  Anchored, no nested
# quantifiers; the optional "[pid]" is an alternation with the empty string
# rather than a quantified group.  Hosts and programs are bounded.
_TAG = r"([^ \[\]:]{1,255}) ([^ \[\]:]{1,64})(\[[0-9]{1,10}\]|): (.*)"
_BSD = re.compile(r"\A([A-Z][a-z]{2} [ 0-9][0-9] [0-9]{2}:[0-9]{2}:[0-9]{2}) " + _TAG, re.DOTALL)
_ISO = re.compile(
    r"\A([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2})(\.[0-9]{1,9}|)"
    r"(Z|[+-][0-9]{2}:[0-9]{2}) " + _TAG,
    re.DOTALL,
)


class SyslogParser(LineParser):
    """Formats ``syslog`` and ``auth``: RFC 3164/5424 lines to typed events.

    When the C extension is built (see :mod:`sentinel.parsers.speedups`), the
    instance's ``parse`` is its ``SyslogFast``: it handles printable-ASCII
    ``Mmm dd HH:MM:SS host prog[pid]: msg`` lines within a minute already
    seen, classifies the common sshd messages itself, and hands everything
    else to :meth:`parse` below, the reference.  Both share the time state
    (``_last_stamp`` ...) and counters through the instance.
    """

    name: ClassVar[str] = "syslog"

    def __init__(self, options: ParserOptions | None = None, source: str = "") -> None:
        super().__init__(options, source)
        zone = resolve_zone(self.options.timezone)
        self._syslog_time = SyslogTimeParser(zone, self.options.reference_time)
        self._iso_time = IsoTimeParser(zone)
        self._classifier = ProgramClassifier()
        self._programs = self._classifier.programs
        self._classify_unlisted = self._classifier.classify_unlisted
        self._default_host = self.options.host
        self._last_stamp = ""
        self._last_ts = 0.0
        self._last_minute = ""
        self._minute_base = 0.0
        fast = self._fast_path()
        if fast is not None:
            self.parse = fast  # type: ignore[method-assign,assignment]
            self.parse_block = fast.parse_block  # type: ignore[method-assign]

    def _fast_path(self) -> SyslogFast | None:
        """The C fast path in front of :meth:`parse` (``None`` when not built or disabled)."""
        if speedups.load() is None:
            return None
        from sentinel.parsers._speedups import SyslogFast

        programs = self._programs
        return SyslogFast(
            fallback=types.MethodType(SyslogParser.parse, self),
            state=self.__dict__,
            programs=programs,
            # The handlers it may classify itself (the ones ProgramClassifier
            # registered for sshd); any other handler is called as is.
            sshd_handlers=(programs["sshd"], programs["sshd-session"]),
            classify_unlisted=self._classify_unlisted,
            normalize_ip=normalize_ip,
            on_error=self._count_error,
            event_type=Event,
            rawline_type=RawLine,
            lineref_type=LineRef,
            kinds=(_SYSLOG, EventKind.AUTH_FAILURE, EventKind.AUTH_SUCCESS, EventKind.AUTH_OTHER),
            source=self.source,
            metrics=EMPTY_METRICS,
            empty_extra=EMPTY_EXTRA,
            failed_patterns=_FAILED_PATTERNS,
            accepted_patterns=_ACCEPTED_PATTERNS,
        )

    def _count_error(self, exc: Exception) -> None:
        """Count an exception the C fast path met on a line, as :meth:`parse` does."""
        if isinstance(exc, Reject):
            self.rejected[exc.reason] += 1
        else:
            self.rejected["internal_error"] += 1
            log.debug("parser.line.crashed", parser=self.name, exc_info=exc)

    def pattern_names(self) -> frozenset[str]:
        """Header formats plus every program pattern."""
        return HEADER_PATTERNS | self._classifier.pattern_names()

    def parse(self, raw: RawLine) -> Event | None:
        """Parse one raw line; never raises, rejections are counted.

        Same contract as :meth:`LineParser.parse`.  Valid UTF-8 in the common
        ``Mmm dd HH:MM:SS host prog[pid]: msg`` shape is handled inline here
        (one anchored regex, no further Python frames before classification):
        this path is most of the parse budget.  Everything else goes through
        :meth:`parse_text`.
        """
        data = raw.data
        if raw.truncated or b"\x00" in data:
            return super().parse(raw)
        try:
            text = data.decode()
        except UnicodeDecodeError:
            return super().parse(raw)
        try:
            match = _BSD.match(text)
            if match is None:
                return self.parse_text(text, raw)
            stamp, host, program, pid, message = match.groups()
            # Lines arrive in bursts within a second, and in order within a
            # minute: reuse the previous line's second, or its minute plus this
            # line's seconds (no DST change or New Year falls inside a minute).
            if stamp == self._last_stamp:
                ts = self._last_ts
            elif stamp[:13] == self._last_minute:
                ts = self._minute_base + int(stamp[13:])
                self._last_stamp, self._last_ts = stamp, ts
            else:
                ts = self._time(self._syslog_time, stamp)
                self._last_stamp, self._last_ts = stamp, ts
                self._last_minute, self._minute_base = stamp[:13], ts - int(stamp[13:])
            message = message.strip()
            handler = self._programs.get(program)
            if handler is not None:
                auth = handler(message)
            elif program[-1] == ")" or message[:9] == "pam_unix(":
                auth = self._classify_unlisted(program, message)
            else:
                auth = None
            if auth is None:
                self.matched["rfc3164"] += 1
                return _new_event(Event, (
                    ts, _SYSLOG, self.source, host, None, None, None, None, None, None, None,
                    None, None, None, program, int(pid[1:-1]) if pid else None,
                    message[:MAX_FIELD_CHARS] or None, None, EMPTY_METRICS, raw.ref, EMPTY_EXTRA,
                ))  # fmt: skip
            kind, user, client_ip, found, pattern = auth
            self.matched[pattern] += 1
            return _new_event(Event, (
                ts, kind, self.source, host, client_ip, user, None, None, None, None, None,
                None, None, None, program, int(pid[1:-1]) if pid else None,
                message[:MAX_FIELD_CHARS] or None, None, EMPTY_METRICS, raw.ref, found,
            ))  # fmt: skip
        except Reject as reject:
            self.rejected[reject.reason] += 1
        except Exception:  # hostile input must never stop the pipeline
            self.rejected["internal_error"] += 1
            log.debug("parser.line.crashed", parser=self.name, exc_info=True)
        return None

    def parse_text(self, text: str, raw: RawLine) -> Event:
        """Parse one decoded syslog line (the general path; see :meth:`parse`)."""
        match = _BSD.match(text)
        if match is not None:
            stamp, host, program, pid, message = match.groups()
            ts = self._time(self._syslog_time, stamp)
            pid_value = int(pid[1:-1]) if pid else None
            return self._event(ts, host, program, pid_value, message, raw, None, "rfc3164")
        match = _ISO.match(text)
        if match is not None:
            second, fraction, offset, host, program, pid, message = match.groups()
            ts = self._time(self._iso_time, second + offset)
            if fraction:
                ts += float(fraction)
            pid_value = int(pid[1:-1]) if pid else None
            return self._event(ts, host, program, pid_value, message, raw, None, "rfc3164.iso_time")
        return self._parse_other(text, raw)

    def _parse_other(self, text: str, raw: RawLine) -> Event:
        """The general path: optional ``<PRI>``, RFC 5424, missing host, odd tags."""
        self._last_stamp = self._last_minute = ""  # the year inference may move below
        text = text.rstrip()
        if not text:
            raise Reject("empty")
        extra: dict[str, str] | None = None
        if text[:1] == "<":
            close = text.find(">", 1, 5)
            pri = to_int(text[1:close]) if close > 0 else None
            if pri is None or pri > 191:
                raise Reject("bad_pri")
            extra = {"level": SEVERITIES[pri & 7]}
            text = text[close + 1 :]
            if text.startswith("1 "):
                return self._rfc5424(text[2:], extra, raw)
        if text[:1].isdigit():
            end = text.find(" ", 0, 48)
            if end < 0:
                raise Reject("no_timestamp")
            ts = self._time(self._iso_time, text[:end])
            pattern = "rfc3164.iso_time"
        else:
            if text[3:4] == " " and text[5:6] == " " and text[4:5].isdigit():
                # Some writers do not pad the day ("Jul 1 ..." for "Jul  1 ...").
                text = f"{text[:4]} {text[4:]}"
            if len(text) < 17 or text[3] != " " or text[6] != " ":
                raise Reject("no_timestamp")
            end = 15
            if text[15] == ".":
                end = text.find(" ", 16, 26)
                if end < 0:
                    raise Reject("bad_timestamp")
            elif text[15] != " ":
                raise Reject("no_timestamp")
            ts = self._time(self._syslog_time, text[:end])
            pattern = "rfc3164"
        return self._after_time(text, end + 1, ts, pattern, extra, raw)

    @staticmethod
    def _time(parser: SyslogTimeParser | IsoTimeParser, text: str) -> float:
        try:
            return parser.parse(text)
        except (ValueError, OverflowError, OSError):
            raise Reject("bad_timestamp") from None

    def _after_time(  # noqa: PLR0917 - private hot-path helper
        self,
        text: str,
        pos: int,
        ts: float,
        pattern: str,
        extra: dict[str, str] | None,
        raw: RawLine,
    ) -> Event:
        """Host, tag and message of an RFC 3164 line, ``pos`` just after the time."""
        if text[pos : pos + 1] == " ":
            pos = len(text) - len(text[pos:].lstrip(" "))
        space = text.find(" ", pos)
        if space < 0:
            raise Reject("no_message")
        token = text[pos:space]
        host: str | None
        if token.endswith(":") or "[" in token:
            # "Dec 10 06:55:46 sshd[1]: msg": the host was left out.
            host = self._default_host
            if pattern == "rfc3164":
                pattern = "rfc3164.no_host"
        else:
            host = clean_field(token)
            pos = space + 1
        rest = text[pos:]
        colon = rest.find(": ", 0, MAX_TAG_CHARS + 2)
        if colon >= 0:
            tag, message = rest[:colon], rest[colon + 2 :].lstrip(" ")
        elif rest.endswith(":") and len(rest) <= MAX_TAG_CHARS + 1:
            tag, message = rest[:-1], ""
        else:
            tag, message = "", rest
        program, pid = _split_tag(tag)
        return self._event(ts, host, program, pid, message, raw, extra, pattern)

    def _event(  # noqa: PLR0917 - private hot-path helper; keywords cost time
        self,
        ts: float,
        host: str | None,
        program: str | None,
        pid: int | None,
        message: str,
        raw: RawLine,
        extra: dict[str, str] | None,
        pattern: str,
    ) -> Event:
        # Classify the whole message (the work is linear in its length), then
        # cap what the event keeps.
        message = message.strip()
        handler = self._programs.get(program) if program is not None else None
        if handler is not None:
            auth = handler(message)
        elif program is not None and (program[-1] == ")" or message[:9] == "pam_unix("):
            auth = self._classify_unlisted(program, message)
        else:
            auth = None
        if auth is None:
            self.matched[pattern] += 1
            return _new_event(Event, (
                ts, _SYSLOG, self.source, host, None, None, None, None, None, None, None,
                None, None, None, program, pid, message[:MAX_FIELD_CHARS] or None, None,
                EMPTY_METRICS, raw.ref, extra or EMPTY_EXTRA,
            ))  # fmt: skip
        kind, user, client_ip, found, auth_pattern = auth
        self.matched[auth_pattern] += 1
        return _new_event(Event, (
            ts, kind, self.source, host, client_ip, user, None, None, None, None, None,
            None, None, None, program, pid, message[:MAX_FIELD_CHARS] or None, None,
            EMPTY_METRICS, raw.ref, {**extra, **found} if extra else found,
        ))  # fmt: skip

    def _rfc5424(self, text: str, extra: dict[str, str], raw: RawLine) -> Event:
        """``TIMESTAMP HOST APP PROCID MSGID SD MSG`` (after ``<PRI>1 ``)."""
        parts = text.split(" ", 5)
        if len(parts) < 6:
            if len(parts) != 5:
                raise Reject("bad_rfc5424")
            parts.append("-")
        stamp, host, app, procid, msgid, rest = parts
        if stamp == "-":
            raise Reject("no_timestamp")
        ts = self._time(self._iso_time, stamp)
        if msgid != "-":
            extra["msgid"] = msgid[:32]
        if rest.startswith("-"):
            message = rest[2:]
        elif rest.startswith("["):
            end = _parse_sd(rest, extra)
            if end < 0:
                raise Reject("bad_structured_data")
            message = rest[end + 1 :]
        else:
            raise Reject("bad_structured_data")
        message = message.removeprefix("\ufeff")  # RFC 5424 marks UTF-8 messages with a BOM
        return self._event(
            ts,
            clean_field(host) if host != "-" else self._default_host,
            clean_field(app),
            to_int(procid),
            message,
            raw,
            extra,
            "rfc5424",
        )


def _split_tag(tag: str) -> tuple[str | None, int | None]:
    """``sshd[123]`` -> ("sshd", 123); ``syslogd 1.4.1`` -> ("syslogd 1.4.1", None)."""
    if tag.endswith("]"):
        open_ = tag.rfind("[")
        if open_ > 0:
            return clean_field(tag[:open_].strip()), to_int(tag[open_ + 1 : -1])
    return clean_field(tag.strip()), None


def _parse_sd(text: str, extra: dict[str, str]) -> int:
    """Parse RFC 5424 structured data at the start of ``text`` into ``extra``.

    Returns the index just past the last element, or -1 when malformed.  Every
    step is a ``find`` forward from the last position, so the work is linear
    in the length of the line.
    """
    pos, size, kept = 0, len(text), 0
    while pos < size and text[pos] == "[":
        # SD-IDs and PARAM-NAMEs are at most 32 characters (RFC 5424 6.3), which
        # also bounds each search window.
        stop = _find_any(text, " ]", pos + 1, pos + 34)
        if stop < 0:
            return -1
        sd_id = text[pos + 1 : stop]
        pos = stop
        while text[pos] == " ":
            eq = text.find('="', pos + 1, pos + 36)
            if eq < 0:
                return -1
            name = text[pos + 1 : eq]
            close = _closing_quote(text, eq + 2)
            if close < 0:
                return -1
            if kept < MAX_SD_PARAMS:
                value = text[eq + 2 : close].replace('\\"', '"').replace("\\]", "]")
                extra[f"sd.{sd_id[:32]}.{name[:32]}"] = value.replace("\\\\", "\\")[:200]
                kept += 1
            pos = close + 1
            if pos >= size:
                return -1
        if text[pos] != "]":
            return -1
        pos += 1
    return pos


def _find_any(text: str, chars: str, start: int, stop: int) -> int:
    found = [i for i in (text.find(c, start, stop) for c in chars) if i >= 0]
    return min(found) if found else -1


def _closing_quote(text: str, start: int) -> int:
    """Index of the first ``"`` at or after ``start`` not escaped by a backslash."""
    pos = start
    while True:
        quote = text.find('"', pos)
        if quote < 0:
            return -1
        slashes = 0
        back = quote - 1
        while back >= start and text[back] == "\\":
            slashes += 1
            back -= 1
        if slashes % 2 == 0:
            return quote
        pos = quote + 1
