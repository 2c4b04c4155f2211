"""Web server logs: nginx/Apache access logs in their common shapes, and Apache error logs.

Formats (registry name -> class):

- ``combined`` / ``nginx`` / ``apache``: :class:`CombinedParser`
- ``common``: :class:`CommonParser`
- ``vhost_combined``: :class:`VhostCombinedParser` (``%v:%p`` + combined)
- ``combined_timed``: :class:`TimedCombinedParser` (combined +
  ``$request_time $upstream_response_time``)
- ``nginx_json``: :class:`NginxJsonParser` (``log_format ... escape=json '{...}'``)
- ``nginx_log_format``: :class:`LogFormatParser` (any ``log_format`` string)
- ``apache_error``: :class:`ApacheErrorParser` (Apache 2.2 and 2.4 error logs)

Every access-log line that has a client, a time and a status yields an
``http_request`` event even when its request line is not HTTP (``-``, a TLS
handshake sent to port 80, garbage): those are attack signals, so method and
path are ``None``, the raw request is kept in ``extra["request"]`` and the
``bad_request`` note is counted.

The fixed formats are hand-unrolled because they carry most of the traffic
(the budget is ~3 µs per line, see ``bench/parse.py``): one regex ``match``,
one ``groups()``, a cached timestamp, a positional ``Event``.  Each has two
regexes: a fast one with ``"([^"]*)"`` fields, and an escape-aware one
(``\\"`` inside quotes) that is about ten times slower and is only tried when
the line contains a backslash; for lines without one the two are equivalent.

.. versionadded:: 0.1
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections import Counter
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple, cast

from sentinel.parsers import speedups
from sentinel.parsers.base import MAX_FIELD_CHARS, LineParser, Reject
from sentinel.parsers.logformat import (
    PROTOCOL_EXTRA,
    FieldSink,
    LogFormat,
    compile_log_format,
    mask_escapes,
    parse_bytes,
    parse_seconds,
    parse_seconds_list,
    parse_status,
    protocol_extra,
    split_request,
    unescape,
    unmask,
)
from sentinel.parsers.options import ParserOptions
from sentinel.parsers.timestamps import (
    CACHE_SIZE,
    ClfTimeParser,
    CtimeParser,
    IsoTimeParser,
    resolve_zone,
)
from sentinel.records import EMPTY_EXTRA, EMPTY_METRICS, Event, EventKind, LineRef, RawLine

if TYPE_CHECKING:
    from sentinel.parsers._speedups import CombinedFast

__all__ = [
    "ApacheErrorParser",
    "CombinedParser",
    "CommonParser",
    "LogFormatParser",
    "NginxJsonParser",
    "TimedCombinedParser",
    "VhostCombinedParser",
]

_HTTP = EventKind.HTTP_REQUEST
# tuple.__new__ skips NamedTuple's Python-level __new__ (21 arguments): about
# 0.3 µs per line on the hot path.
_new_event = cast(Callable[[type[Event], tuple[Any, ...]], Event], tuple.__new__)

# Building blocks.  Every variable-length field excludes the character that
# ends it, so each group has one possible end and a match is a single pass.
# The quantifiers are possessive (``++``, ``*+``): giving characters back
# could never let the delimiter match, and not trying saves the O(n)
# backtracking walk on a 64 KiB near-miss (6 ms -> 2 ms per line).
# The request is split by the regex itself when it is a plain
# "METHOD target HTTP/x.y" (groups method, path, query, protocol); anything
# else (``-``, TLS bytes, a path with spaces) falls to the second branch
# (group request) and is split, or rejected as a request, in Python.
_HEAD = r"^(\S++) \S++ (\S++) \[([^\]]*+)\] "
_REQUEST = r'"(?:([A-Z]{{1,32}}+) ([^"? ]++)(?:\?([^" ]*+))? (HTTP/[0-9.]{{1,3}}+)|{any})"'
_Q = r'"([^"]*+)"'
_QE = r'"((?:[^"\\]|\\.)*+)"'

_STATUS_CACHE: dict[str, int] = {str(code): code for code in range(100, 1000)}
# Seeded with the usual methods so the fast path interns them with one lookup.
_METHOD_INTERN: dict[str, str] = {
    m: m for m in ("GET", "POST", "HEAD", "PUT", "DELETE", "OPTIONS", "PATCH")
}


class _Regexes(NamedTuple):
    """One fixed format's regexes (see the module docstring)."""

    fast: re.Pattern[str]
    escaped: re.Pattern[str]
    # A user name with spaces (basic auth lets a client send one) would
    # otherwise make the whole line unmatched and hide a brute force: the
    # head is matched alone with a lazy, bounded user field and a strict
    # time, then the rest with ``tail``.  Two matches, so a failing tail
    # never makes the head try again: linear.
    loose_head: re.Pattern[str]
    tail: re.Pattern[str]


_LOOSE_HEAD = (
    r"(\S++) \S++ (.{1,512}?) \[([0-9]{2}/[A-Za-z]{3}/[0-9]{4}"
    r":[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,9}+)? [+-][0-9]{4})\] "
)


def _compile(rest: str, prefix: str = "") -> _Regexes:
    """The regexes of a format ``^{prefix}{head}{rest}``.

    In ``rest``, ``{req}`` is the request and ``{q}`` any other quoted field.
    """
    fast_rest = rest.format(req=_REQUEST.format(any=r"([^\"]*+)"), q=_Q)
    escaped_rest = rest.format(req=_REQUEST.format(any=r"((?:[^\"\\]|\\.)*+)"), q=_QE)
    return _Regexes(
        re.compile("^" + prefix + _HEAD[1:] + fast_rest),
        re.compile("^" + prefix + _HEAD[1:] + escaped_rest),
        re.compile("^" + prefix + _LOOSE_HEAD),
        re.compile("^" + fast_rest),
    )


_COMMON = _compile(r"{req} (\S++) (\S++)\Z")
# Combined tolerates fields appended after the user agent (kept in
# extra["trailing"]): many sites add a few to the stock format.
_COMBINED = _compile(r"{req} (\S++) (\S++) {q} {q}(?: (.*))?\Z")
_VHOST = _compile(r"{req} (\S++) (\S++) {q} {q}\Z", prefix=r"(\S++) ")
# The upstream list may contain spaces ("0.010, 0.002 : 0.004") and is last.
_TIMED = _compile(r"{req} (\S++) (\S++) {q} {q} (\S++)(?: (.*))?\Z")


class _AccessParser(LineParser):
    """Shared machinery of the fixed access-log formats.

    Group layout shared by every format's regexes: ``ip, user, stamp,
    method, path, query, protocol, request, status, size`` then the format's
    own fields.
    """

    pattern: ClassVar[str] = "access"
    _regexes: ClassVar[_Regexes]

    def __init__(self, options: ParserOptions | None = None, source: str = "") -> None:
        super().__init__(options, source)
        self._host = self.options.host
        self._time = ClfTimeParser().parse
        self._fast_match = self._regexes.fast.match
        self._escaped_match = self._regexes.escaped.match
        self._escaped_name = self.pattern + "_escaped"
        self._fallback_name = self.pattern + "_escaped_fallback"
        self._loose_name = self.pattern + "_loose_user"

    def pattern_names(self) -> frozenset[str]:
        """The format's pattern, its escape paths and the loose-user path."""
        return frozenset({self.pattern, self._escaped_name, self._fallback_name, self._loose_name})

    def _loose(self, text: str) -> tuple[Any, ...] | None:
        """Groups of a line whose user field contains spaces (see ``_Regexes``)."""
        head = self._regexes.loose_head.match(text)
        if head is None:
            return None
        tail = self._regexes.tail.match(text[head.end() :])
        if tail is None:
            return None
        self.matched[self._loose_name] += 1
        self.notes["user_with_spaces"] += 1
        return head.groups() + tail.groups()

    def _groups(self, text: str) -> tuple[Any, ...] | None:
        """Regex groups for ``text`` (unescaped when the line needed the slow regex)."""
        if "\\" not in text:
            match = self._fast_match(text)
            if match is None:
                return self._loose(text)
            self.matched[self.pattern] += 1
            return match.groups()
        masked = mask_escapes(text)
        if masked is not None:
            match = self._fast_match(masked)
            if match is not None:
                self.matched[self._escaped_name] += 1
                groups = match.groups()
            else:
                loose = self._loose(masked)
                if loose is None:
                    return None
                groups = loose
            return tuple(unmask(g) if g else g for g in groups)
        match = self._escaped_match(text)
        if match is None:
            return None
        self.matched[self._fallback_name] += 1
        return tuple(unescape(g) if g else g for g in match.groups())

    def _event(  # noqa: PLR0917 - hot path: positional arguments are measurably faster
        self,
        origin: LineRef,
        head: tuple[Any, ...],
        status: str,
        size: str,
        referrer: str | None,
        agent: str | None,
        duration: float | None = None,
        metrics: Mapping[str, float] = EMPTY_METRICS,
        extra: Mapping[str, str] | None = None,
    ) -> Event:
        """Build the event from the common fields, checking every odd value.

        ``head`` is ``(ip, user, stamp, method, path, query, protocol, request)``.
        """
        ip, user, stamp, method, path, query, protocol, request = head
        try:
            ts = self._time(stamp)
        except ValueError:
            raise Reject("bad_timestamp") from None
        code = _STATUS_CACHE.get(status)
        if code is None:
            code = parse_status(status, self.notes)
        # isdecimal, not isdigit: "²" is a digit that int() rejects.
        if size.isdecimal() and len(size) < 19:
            nbytes: int | None = int(size)
        else:
            nbytes = parse_bytes(size, self.notes)
        if method is None and request is not None:
            parts = split_request(request)
            if parts is not None:
                method, path, query, protocol = parts
            elif request and request != "-":
                self.notes["bad_request"] += 1
                extra = {**(extra or EMPTY_EXTRA), "request": request[:MAX_FIELD_CHARS]}
            else:
                self.notes["no_request"] += 1
        if method is not None:
            method = _intern_method(method)
        if path is not None and len(path) > MAX_FIELD_CHARS:
            path = path[:MAX_FIELD_CHARS]
            self.notes["field_truncated"] += 1
        if extra is None:
            extra = protocol_extra(protocol)
        elif protocol is not None:
            extra = {**extra, "protocol": protocol}
        if referrer is not None and (referrer == "-" or not referrer):
            referrer = None
        if agent is not None:
            if agent == "-" or not agent:
                agent = None
            elif len(agent) > MAX_FIELD_CHARS:
                agent = agent[:MAX_FIELD_CHARS]
                self.notes["field_truncated"] += 1
        return _new_event(
            Event,
            (
                ts,
                _HTTP,
                self.source,
                self._host,
                None if ip == "-" else ip,
                None if user == "-" else user,
                method,
                path,
                query or None,
                code,
                nbytes,
                duration,
                agent,
                referrer,
                None,
                None,
                None,
                None,
                metrics,
                origin,
                extra,
            ),
        )


def _intern_method(method: str) -> str:
    """One string object per method name (bounded: attackers invent methods)."""
    known = _METHOD_INTERN.get(method)
    if known is None:
        if len(_METHOD_INTERN) >= 256:
            return method
        _METHOD_INTERN[method] = known = method
    return known


class CommonParser(_AccessParser):
    """Common Log Format: ``%h %l %u %t "%r" %>s %b``."""

    name = "common"
    pattern = "common"
    _regexes = _COMMON

    def parse_text(self, text: str, raw: RawLine) -> Event | None:
        """One CLF line."""
        groups = self._groups(text)
        if groups is None:
            return None
        return self._event(raw.ref, groups[:8], groups[8], groups[9], None, None)


# The everyday combined line, strictly: a plain request line, a 3-digit status,
# a decimal size and fields within the caps.  Lines it does not match (odd
# values, escapes, bad requests, trailing fields) take the general path, which
# handles every case; this one only makes the common case cheap.  Bounded
# possessive repeats measured fastest here (regex alternatives for "-" were not).
_COMBINED_STRICT = re.compile(
    r"^(\S++) \S++ (\S++) \[([^\]]{26,40}+)\] "
    r'"([A-Z]{1,32}+) ([^"? ]{1,8192}+)(?:\?([^" ]{0,8192}+))? (HTTP/[0-9.]{1,3}+)" '
    r'([1-9][0-9][0-9]) ([0-9]{1,18}+) "([^"]{0,8192}+)" "([^"]{0,8192}+)"\Z'
)


class CombinedParser(_AccessParser):
    """nginx/Apache combined: CLF + ``"%{Referer}i" "%{User-Agent}i"``.

    Fields appended after the user agent are kept in ``extra["trailing"]``
    (and noted), so a site's small additions do not lose the line.

    The instance's ``parse`` is a closure built by :meth:`_strict_parse`: a
    fast path for the everyday line (see ``bench/parse.py``) that hands every
    other line to :meth:`LineParser.parse` unchanged.  When the C extension
    is built (see :mod:`sentinel.parsers.speedups`), ``parse`` is its
    ``CombinedFast`` in front of that closure, which stays the reference.
    """

    name = "combined"
    pattern = "combined"
    _regexes = _COMBINED

    def __init__(self, options: ParserOptions | None = None, source: str = "") -> None:
        super().__init__(options, source)
        # Lines taken by the fast path, folded into ``matched`` when it is read:
        # a list-cell increment costs a third of a Counter one.
        self._strict_hits = [0]
        # An instance attribute shadows the method: callers get the closure
        # (or the C fast path in front of it).
        self.parse = self._strict_parse()  # type: ignore[method-assign,assignment]
        self._fast = _combined_fast(self.parse, self.source, self._host)
        if self._fast is not None:
            self.parse = self._fast  # type: ignore[method-assign,assignment]
            self.parse_block = self._fast.parse_block  # type: ignore[method-assign]

    @property
    def matched(self) -> Counter[str]:
        """Per-pattern match counts (see :class:`LineParser`)."""
        hits = self._strict_hits
        if self._fast is not None:
            hits[0] += self._fast.take_hits()
        if hits[0]:
            self._matched["combined"] += hits[0]
            hits[0] = 0
        return self._matched

    @matched.setter
    def matched(self, value: Counter[str]) -> None:
        self._matched = value

    def _strict_parse(self) -> Callable[[RawLine], Event | None]:
        """The fast path as a closure.

        Everything the hot path touches is a closure variable rather than an
        attribute: on the reference machine this is worth ~0.5 µs of a ~3.5 µs
        line.  Lines with NUL bytes, backslashes, invalid UTF-8, truncation or
        anything the strict regex refuses go to the general path, which counts
        and notes them as usual.
        """
        general = super().parse
        strict = _COMBINED_STRICT.match
        clf = self._time
        times: dict[str, float] = {}
        source, host, hits = self.source, self._host, self._strict_hits
        methods, protocols, new, event_type = _METHOD_INTERN, PROTOCOL_EXTRA, _new_event, Event

        def parse(raw: RawLine) -> Event | None:
            """One raw line (see :meth:`LineParser.parse`)."""
            data = raw[1]
            if raw[2] or b"\x00" in data or b"\\" in data:
                return general(raw)
            try:
                match = strict(data.decode("utf-8"))
            except UnicodeDecodeError:
                return general(raw)
            if match is None:
                return general(raw)
            ip, user, stamp, method, path, query, protocol, status, size, referrer, agent = (
                match.groups()
            )
            ts = times.get(stamp)
            if ts is None:
                try:
                    ts = clf(stamp)
                except ValueError:
                    return general(raw)  # counts bad_timestamp
                if len(times) >= CACHE_SIZE:
                    times.clear()
                times[stamp] = ts
            hits[0] += 1
            return new(
                event_type,
                (
                    ts,
                    _HTTP,
                    source,
                    host,
                    None if ip == "-" else ip,
                    None if user == "-" else user,
                    methods.get(method, method),
                    path,
                    query or None,
                    int(status),
                    int(size),
                    None,
                    None if agent == "-" or not agent else agent,
                    None if referrer == "-" or not referrer else referrer,
                    None,
                    None,
                    None,
                    None,
                    EMPTY_METRICS,
                    raw[0],
                    protocols.get(protocol) or protocol_extra(protocol),
                ),
            )

        return parse

    def parse_text(self, text: str, raw: RawLine) -> Event | None:
        """One combined line on the general path."""
        groups = self._groups(text)
        if groups is None:
            return None
        referrer, agent, trailing = groups[10:]
        extra = None
        if trailing is not None:
            self.notes["trailing_fields"] += 1
            extra = {"trailing": trailing[:MAX_FIELD_CHARS]}
        return self._event(raw.ref, groups[:8], groups[8], groups[9], referrer, agent, extra=extra)


def _combined_fast(
    fallback: Callable[[RawLine], Event | None], source: str, host: str | None
) -> CombinedFast | None:
    """The C fast path in front of ``fallback`` (``None`` when not built or disabled)."""
    if speedups.load() is None:
        return None
    from sentinel.parsers._speedups import CombinedFast

    return CombinedFast(
        fallback,
        Event,
        RawLine,
        LineRef,
        _HTTP,
        source,
        host,
        EMPTY_METRICS,
        PROTOCOL_EXTRA,
        _METHOD_INTERN,
    )


class VhostCombinedParser(_AccessParser):
    """Apache ``vhost_combined``: ``%v:%p %h %l %u %t "%r" %>s %O "%{Referer}i" "%{User-Agent}i"``.

    The virtual host and port go to ``extra["vhost"]``/``extra["port"]``;
    ``Event.host`` stays the machine (``ParserOptions.host``).
    """

    name = "vhost_combined"
    pattern = "vhost_combined"
    _regexes = _VHOST

    def parse_text(self, text: str, raw: RawLine) -> Event | None:
        """One vhost_combined line."""
        groups = self._groups(text)
        if groups is None:
            return None
        vhost_port = groups[0]
        vhost, sep, port = vhost_port.rpartition(":")
        extra = {"vhost": vhost[:255], "port": port[:16]} if sep else {"vhost": vhost_port[:255]}
        return self._event(
            raw.ref, groups[1:9], groups[9], groups[10], groups[11], groups[12], extra=extra
        )


class TimedCombinedParser(_AccessParser):
    """Combined + `` $request_time $upstream_response_time`` (nginx).

    ``request_time`` becomes ``Event.duration``; the upstream time (``-``, one
    value or a list such as ``0.010, 0.002 : 0.004`` after retries and
    internal redirects) becomes ``metrics["upstream_response_time"]``, the sum.
    """

    name = "combined_timed"
    pattern = "combined_timed"
    _regexes = _TIMED

    def parse_text(self, text: str, raw: RawLine) -> Event | None:
        """One timed combined line."""
        groups = self._groups(text)
        if groups is None:
            return None
        referrer, agent, request_time, upstream = groups[10:]
        duration = None if request_time == "-" else parse_seconds(request_time, self.notes)
        metrics: Mapping[str, float] = EMPTY_METRICS
        if upstream is not None and upstream != "-":
            total = parse_seconds_list(upstream)
            if total is not None:
                metrics = {"upstream_response_time": total}
        return self._event(
            raw.ref,
            groups[:8],
            groups[8],
            groups[9],
            referrer,
            agent,
            duration=duration,
            metrics=metrics,
        )


class LogFormatParser(LineParser):
    """Any nginx ``log_format`` (``ParserOptions.log_format``), compiled at construction.

    See :mod:`sentinel.parsers.logformat` for the compilation and the
    variables that map to event fields; other variables go to ``extra``.

    Raises:
        ValueError: no ``log_format`` given, or it is invalid (the message says why).
    """

    name = "nginx_log_format"

    def __init__(self, options: ParserOptions | None = None, source: str = "") -> None:
        super().__init__(options, source)
        if not self.options.log_format:
            raise ValueError("format nginx_log_format needs the log_format option")
        self.log_format: LogFormat = compile_log_format(self.options.log_format)
        self._host = self.options.host
        self._clf = ClfTimeParser()
        self._iso = IsoTimeParser(resolve_zone(self.options.timezone))
        self._named = tuple(enumerate(self.log_format.variables))
        self._has_quoted = any(self.log_format.quoted)

    def pattern_names(self) -> frozenset[str]:
        """The compiled format, and its escape-aware paths when it has quoted fields."""
        if self._has_quoted:
            return frozenset({"log_format", "log_format_escaped", "log_format_escaped_fallback"})
        return frozenset({"log_format"})

    def parse_text(self, text: str, raw: RawLine) -> Event | None:
        """One line of the configured format."""
        pattern = "log_format"
        masked = None
        if "\\" in text and self._has_quoted:
            masked = mask_escapes(text)
            pattern = "log_format_escaped" if masked is not None else "log_format_escaped_fallback"
        if masked is not None:
            match = self.log_format.fast.match(masked)
        elif pattern == "log_format":
            match = self.log_format.fast.match(text)
        else:
            match = self.log_format.escaped.match(text)
        if match is None:
            return None
        groups = match.groups()
        quoted = self.log_format.quoted
        sink = FieldSink(self._clf, self._iso, self.notes)
        for index, name in self._named:
            value = groups[index]
            if masked is not None:
                value = unmask(value, unescape=quoted[index])
            elif pattern != "log_format" and quoted[index]:
                value = unescape(value)
            sink.put(name, value)
        event = sink.build(self.source, self._host, raw.ref)
        self.matched[pattern] += 1
        return event


# JSON key -> the nginx variable it carries.  Keys not listed are kept as-is
# (a key that *is* a variable name maps through VARIABLES; others go to extra).
_JSON_ALIASES: Mapping[str, str] = {
    "@timestamp": "time_iso8601",
    "timestamp": "time_iso8601",
    "time": "time_iso8601",
    "client_ip": "remote_addr",
    "client": "remote_addr",
    "ip": "remote_addr",
    "method": "request_method",
    "user_agent": "http_user_agent",
    "referer": "http_referer",
    "referrer": "http_referer",
    "user": "remote_user",
    "duration": "request_time",
    "x_forwarded_for": "http_x_forwarded_for",
}


class NginxJsonParser(LineParser):
    """nginx JSON access logs (``log_format name escape=json '{...}'``).

    Accepts the usual key names: ``time_iso8601``/``time_local``/``@timestamp``/
    ``msec``, ``remote_addr``/``client_ip``, ``request`` or
    ``request_method`` + ``request_uri`` (or ``uri`` + ``args``), ``status``,
    ``body_bytes_sent``/``bytes_sent``, ``request_time``, ``http_user_agent``,
    ``http_referer``, ``remote_user``, ``host``/``server_name``.  Values may be
    strings (as nginx writes them) or numbers.  Other scalar keys go to
    ``extra``; nested objects are skipped and noted.
    """

    name = "nginx_json"

    def __init__(self, options: ParserOptions | None = None, source: str = "") -> None:
        super().__init__(options, source)
        self._host = self.options.host
        self._clf = ClfTimeParser()
        self._iso = IsoTimeParser(resolve_zone(self.options.timezone))

    def pattern_names(self) -> frozenset[str]:
        """One pattern: a JSON object."""
        return frozenset({"nginx_json"})

    def parse_text(self, text: str, raw: RawLine) -> Event | None:
        """One JSON object per line."""
        text = text.strip()
        if not text.startswith("{"):
            raise Reject("not_json")
        try:
            record = json.loads(text)
        except (ValueError, RecursionError):
            raise Reject("bad_json") from None
        if not isinstance(record, dict):
            raise Reject("not_json")
        sink = FieldSink(self._clf, self._iso, self.notes)
        for key, value in record.items():
            if isinstance(value, str):
                string = value
            elif isinstance(value, bool) or value is None:
                continue
            elif isinstance(value, int | float):
                string = repr(value) if isinstance(value, float) else str(value)
            else:
                self.notes["nested_field"] += 1
                continue
            name = _JSON_ALIASES.get(key, key)
            if name == "time_iso8601":
                name = _time_variable(string)
            sink.put(name[:64], string)
        event = sink.build(self.source, self._host, raw.ref)
        self.matched["nginx_json"] += 1
        return event


# [time] [module:level] [pid N:tid M] [client ip:port] message.  Each optional
# bracket block is bounded and excludes "]", so there is one way to match.
_APACHE_ERROR = re.compile(
    r"^\[([^\]]{1,64})\] "
    r"\[(?:([^\]:]{0,64}):)?([A-Za-z0-9]{1,16})\]"
    r"(?: \[pid (\d{1,10})(?::tid (\d{1,24}))?\])?"
    r"(?: \[client ([^\]]{1,128})\])?"
    r" ?(.*)\Z"
)


class ApacheErrorParser(LineParser):
    """Apache error log, 2.2 and 2.4 styles, as ``app`` events.

    ``[Sun Dec 04 04:47:44 2005] [notice] message`` and ``[Wed Oct 11
    14:32:52.123456 2000] [core:error] [pid 1234:tid 5678] [client
    1.2.3.4:5678] AH00124: message``.  The level (and module, and ``AH``
    error code when present) go to ``extra``; the client address (without
    its port) to ``client_ip``.  Times carry no offset: they are read in
    ``ParserOptions.timezone``.
    """

    name = "apache_error"

    def __init__(self, options: ParserOptions | None = None, source: str = "") -> None:
        super().__init__(options, source)
        self._host = self.options.host
        self._time = CtimeParser(resolve_zone(self.options.timezone))

    def pattern_names(self) -> frozenset[str]:
        """Apache 2.2 (level only) and 2.4 (module:level, pid) lines."""
        return frozenset({"apache_2_2", "apache_2_4"})

    def parse_text(self, text: str, raw: RawLine) -> Event | None:
        """One error-log line."""
        match = _APACHE_ERROR.match(text)
        if match is None:
            return None
        stamp, module, level, pid, tid, client, message = match.groups()
        try:
            ts = self._time.parse(stamp)
        except ValueError:
            raise Reject("bad_timestamp") from None
        extra: dict[str, str] = {"level": level.lower()}
        if module:
            extra["module"] = module
        if tid:
            extra["tid"] = tid
        if len(message) > MAX_FIELD_CHARS:
            message = message[:MAX_FIELD_CHARS]
            self.notes["field_truncated"] += 1
        if message.startswith("AH") and message[2:7].isdigit() and message[7:8] == ":":
            extra["code"] = message[:7]
        client_ip = None
        if client is not None:
            client_ip = _client_address(client, has_port=module is not None or bool(pid))
            if client_ip is None:
                self.notes["bad_client"] += 1
                extra["client"] = client
        self.matched["apache_2_4" if module is not None or pid else "apache_2_2"] += 1
        return Event(
            ts,
            EventKind.APP,
            self.source,
            self._host,
            client_ip,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            "apache",
            int(pid) if pid else None,
            message,
            None,
            EMPTY_METRICS,
            raw.ref,
            extra,
        )


def _time_variable(value: str) -> str:
    """Which time variable a generic time key holds: ISO 8601, CLF or epoch seconds."""
    if value[:1].isdigit() and value[2:3] == "/":
        return "time_local"  # "@timestamp" holding a CLF time
    if value.replace(".", "", 1).isdigit():
        return "msec"
    return "time_iso8601"


def _client_address(text: str, *, has_port: bool) -> str | None:
    """``1.2.3.4`` (2.2) or ``1.2.3.4:5678`` / ``2001:db8::1:5678`` (2.4) -> the IP.

    Apache 2.4 always appends ``:port``, even to an IPv6 address without
    brackets (so ``2001:db8::1:5678`` is address ``2001:db8::1``); 2.2 never does.
    """
    candidate = text.strip()
    if has_port:
        candidate = candidate.rpartition(":")[0]
    candidate = candidate.removeprefix("[").removesuffix("]")
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return None
