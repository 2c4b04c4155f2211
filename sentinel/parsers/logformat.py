"""nginx ``log_format`` strings compiled to linear-time regexes, and HTTP field helpers.

A user pastes the ``log_format`` from their ``nginx.conf``::

    '$remote_addr - $remote_user [$time_local] "$request" $status '
    '$body_bytes_sent "$http_referer" "$http_user_agent" rt=$request_time'

and :func:`compile_log_format` turns it into one anchored regex with a group
per variable.  Each variable captures "anything but the first character of
the literal text after it" (``[^ ]*``, ``[^"]*`` ...), so every group has
exactly one place it can end and a failed match costs one pass over the line:
no nested quantifiers, no backtracking between variables (the quantifiers are
possessive, which says so to the engine: it does not even walk back).  Quoted variables
also get an escape-aware form (``\\"`` inside ``"..."``, as Apache and
``escape=json`` write it); that regex is slower, so it is used only for lines
that contain a backslash, where both forms would otherwise disagree.

:class:`FieldSink` maps known variables (and the JSON keys of
:class:`~sentinel.parsers.access.NginxJsonParser`) to :class:`Event` fields;
unknown variables land in ``Event.extra``.

.. versionadded:: 0.1
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from sentinel.parsers.base import MAX_FIELD_CHARS, Reject, to_int
from sentinel.parsers.timestamps import ClfTimeParser, IsoTimeParser, epoch_from_number
from sentinel.records import EMPTY_EXTRA, EMPTY_METRICS, Event, EventKind, LineRef

__all__ = [
    "MAX_EXTRA_KEYS",
    "PROTOCOL_EXTRA",
    "VARIABLES",
    "FieldSink",
    "LogFormat",
    "compile_log_format",
    "mask_escapes",
    "normalise_log_format",
    "parse_bytes",
    "parse_seconds",
    "parse_seconds_list",
    "parse_status",
    "protocol_extra",
    "split_request",
    "unescape",
    "unmask",
]

# A JSON line or a log_format with thousands of unknown fields must not turn
# into thousands of extra keys per event (Event.extra is small by contract).
MAX_EXTRA_KEYS = 32

_METHODS: dict[str, str] = {
    m: m
    for m in (
        "GET",
        "POST",
        "HEAD",
        "PUT",
        "DELETE",
        "OPTIONS",
        "PATCH",
        "CONNECT",
        "TRACE",
        "PROPFIND",
        "PROPPATCH",
        "MKCOL",
        "COPY",
        "MOVE",
        "LOCK",
        "UNLOCK",
        "SEARCH",
    )
}
_PROTOCOLS = ("HTTP/1.0", "HTTP/1.1", "HTTP/2.0", "HTTP/2", "HTTP/3", "HTTP/3.0", "HTTP/0.9")
# One shared read-only mapping per common protocol: the hot path attaches it to
# every event instead of building a dict per line.
PROTOCOL_EXTRA: dict[str, Mapping[str, str]] = {
    p: MappingProxyType({"protocol": p}) for p in _PROTOCOLS
}
_MAX_METHOD = 32
_TOKEN_PUNCT = frozenset("-_.!#$%&'*+^`|~")


def protocol_extra(protocol: str | None) -> Mapping[str, str]:
    """``Event.extra`` holding just the protocol (shared mappings for common ones)."""
    if protocol is None:
        return EMPTY_EXTRA
    shared = PROTOCOL_EXTRA.get(protocol)
    return shared if shared is not None else {"protocol": protocol}


def _is_token(method: str) -> bool:
    """RFC 9110 token (ASCII letters, digits, ``-_.!#$%&'*+^`|~``), bounded."""
    if not method or len(method) > _MAX_METHOD or not method.isascii():
        return False
    return all(c.isalnum() or c in _TOKEN_PUNCT for c in method)


def split_request(request: str) -> tuple[str, str, str | None, str | None] | None:
    """Split an HTTP request line into ``(method, path, query, protocol)``.

    The query is what follows the first ``?`` (``None`` when there is none or
    it is empty).  A request without a protocol (HTTP/0.9 style ``GET /``) and
    a target containing spaces (``GET /a b HTTP/1.1``, which Apache logs
    unescaped) are accepted.  Returns ``None`` for anything that is not a
    request line: ``-``, TLS handshakes sent to a plain-HTTP port
    (``\\x16\\x03\\x01...``), garbage.
    """
    method, sep, rest = request.partition(" ")
    if not sep:
        return None
    known = _METHODS.get(method)
    if known is None:
        if not _is_token(method):
            return None
        known = method
    target, sep, protocol = rest.rpartition(" ")
    proto: str | None = protocol
    if not sep or not protocol.startswith("HTTP/"):
        target, proto = rest, None
    if not target:
        return None
    path, _, query = target.partition("?")
    if not path:
        return None
    return known, path, query or None, proto


# Placeholders for the two escapes while the fast regex runs: NUL cannot be
# data (decode_line removed every NUL byte) and U+E000 is private use; a line
# that already holds either takes the slow escape-aware regex instead.
_MASKED_BACKSLASH = "\x00"
_MASKED_QUOTE = "\ue000"


def mask_escapes(text: str) -> str | None:
    r"""``text`` with ``\\`` and ``\"`` replaced by one-character placeholders.

    On the masked text the fast regex (``"([^"]*)"`` fields) splits exactly
    where the escape-aware one (``"((?:[^"\\]|\\.)*)"``) splits the original,
    about ten times faster: both consume backslash pairs left to right.
    Returns ``None`` when the text already contains a placeholder character.
    """
    if _MASKED_QUOTE in text or _MASKED_BACKSLASH in text:
        return None
    return text.replace("\\\\", _MASKED_BACKSLASH).replace('\\"', _MASKED_QUOTE)


def unmask(value: str, *, unescape: bool = True) -> str:
    """Undo :func:`mask_escapes` in one field: unescaped, or back to the logged text."""
    if unescape:
        return value.replace(_MASKED_BACKSLASH, "\\").replace(_MASKED_QUOTE, '"')
    return value.replace(_MASKED_BACKSLASH, "\\\\").replace(_MASKED_QUOTE, '\\"')


def unescape(value: str) -> str:
    r"""Undo the ``\"`` and ``\\`` escapes Apache and nginx ``escape=json`` write.

    ``\xHH`` escapes (nginx's default) are left as logged: decoding them would
    put raw control bytes back into a hostile field.
    """
    if "\\" not in value:
        return value
    # NUL is free as a placeholder: decode_line removed every NUL byte.
    return value.replace("\\\\", "\x00").replace('\\"', '"').replace("\x00", "\\")


class FieldSink:
    """Collects one line's variables, then builds the :class:`Event`.

    One sink per line on the generic paths (``log_format``, JSON); the fixed
    formats in :mod:`sentinel.parsers.access` build events directly.
    """

    __slots__ = (
        "body_bytes",
        "bytes_sent",
        "clf",
        "client_ip",
        "duration",
        "extra",
        "forwarded_for",
        "iso",
        "method",
        "metrics",
        "notes",
        "path",
        "query",
        "referrer",
        "request",
        "request_uri",
        "status",
        "ts",
        "uri",
        "user",
        "user_agent",
    )

    def __init__(self, clf: ClfTimeParser, iso: IsoTimeParser, notes: Counter[str]) -> None:
        self.clf = clf
        self.iso = iso
        self.notes = notes
        self.ts: float | None = None
        self.client_ip: str | None = None
        self.forwarded_for: str | None = None
        self.user: str | None = None
        self.request: str | None = None
        self.method: str | None = None
        self.request_uri: str | None = None
        self.uri: str | None = None
        self.path: str | None = None
        self.query: str | None = None
        self.status: int | None = None
        self.body_bytes: int | None = None
        self.bytes_sent: int | None = None
        self.duration: float | None = None
        self.user_agent: str | None = None
        self.referrer: str | None = None
        self.extra: dict[str, str] = {}
        self.metrics: dict[str, float] = {}

    def put(self, name: str, value: str) -> None:
        """Record variable ``name`` (without ``$``); placeholders ``-``/empty are skipped."""
        if not value or value == "-":
            return
        if len(value) > MAX_FIELD_CHARS:
            value = value[:MAX_FIELD_CHARS]
            self.notes["field_truncated"] += 1
        handler = VARIABLES.get(name)
        if handler is None:
            self.put_extra(name, value)
        else:
            handler(self, name, value)

    def put_extra(self, name: str, value: str) -> None:
        """Keep an unmapped field in ``extra`` (at most :data:`MAX_EXTRA_KEYS`)."""
        if len(self.extra) >= MAX_EXTRA_KEYS and name not in self.extra:
            self.notes["extra_capped"] += 1
            return
        self.extra[name] = value

    def build(self, source: str, host: str | None, origin: LineRef) -> Event:
        """The event; raises :class:`Reject` when the line carried no usable time."""
        if self.ts is None:
            raise Reject("no_timestamp")
        method = self.method
        path, query = self.path, self.query
        if self.request is not None:
            parts = split_request(self.request)
            if parts is None:
                self.notes["bad_request"] += 1
                self.put_extra("request", self.request)
            else:
                method, path, req_query, protocol = parts
                query = req_query if req_query is not None else query
                if protocol is not None:
                    self.put_extra("protocol", protocol)
        if path is None and self.request_uri is not None:
            path, _, uri_query = self.request_uri.partition("?")
            query = query if query is not None else (uri_query or None)
        if path is None:
            path = self.uri
        client_ip = self.client_ip
        if self.forwarded_for is not None:
            self.put_extra("x_forwarded_for", self.forwarded_for)
            if client_ip is None:
                # Only when the format has no $remote_addr: the header is client-supplied.
                client_ip = self.forwarded_for.split(",", 1)[0].strip() or None
        size = self.body_bytes if self.body_bytes is not None else self.bytes_sent
        return Event(
            self.ts,
            EventKind.HTTP_REQUEST,
            source,
            host,
            client_ip,
            self.user,
            method,
            path,
            query,
            self.status,
            size,
            self.duration,
            self.user_agent,
            self.referrer,
            None,
            None,
            None,
            None,
            self.metrics or EMPTY_METRICS,
            origin,
            self.extra or EMPTY_EXTRA,
        )


def parse_status(value: str, notes: Counter[str]) -> int | None:
    """HTTP status 100-999; anything else is noted as ``bad_status`` and dropped."""
    number = to_int(value, limit=999)
    if number is None or number < 100:
        notes["bad_status"] += 1
        return None
    return number


def parse_bytes(value: str, notes: Counter[str]) -> int | None:
    """A byte count; ``-`` is 0 (CLF's ``%b``), absurd or negative values are noted."""
    if value == "-":
        return 0
    number = to_int(value)
    if number is None:
        notes["bad_bytes"] += 1
    return number


def parse_seconds(value: str, notes: Counter[str]) -> float | None:
    """A duration in seconds (``0.123``); negative, huge or non-finite values are noted."""
    try:
        seconds = float(value) if len(value) <= 32 else math.nan
    except ValueError:
        seconds = math.nan
    if not 0.0 <= seconds < 1e7:
        notes["bad_duration"] += 1
        return None
    return seconds


def parse_seconds_list(value: str) -> float | None:
    """Sum of an upstream timing list (``0.001, 0.002 : 0.004``); ``None`` if none is a number."""
    total: float | None = None
    for piece in value.replace(":", ",").split(",", 64):
        part = piece.strip()
        if not part or part == "-" or len(part) > 32:
            continue
        try:
            seconds = float(part)
        except ValueError:
            continue
        if 0.0 <= seconds < 1e7:
            total = seconds if total is None else total + seconds
    return total


def _time_local(sink: FieldSink, _name: str, value: str) -> None:
    try:
        sink.ts = sink.clf.parse(value)
    except ValueError:
        raise Reject("bad_timestamp") from None


def _time_iso(sink: FieldSink, _name: str, value: str) -> None:
    try:
        sink.ts = sink.iso.parse(value)
    except ValueError:
        raise Reject("bad_timestamp") from None


def _msec(sink: FieldSink, _name: str, value: str) -> None:
    try:
        number = float(value) if len(value) <= 32 else math.nan
        sink.ts = epoch_from_number(number)
    except (ValueError, OverflowError):
        raise Reject("bad_timestamp") from None


def _set_attr(attr: str) -> Callable[[FieldSink, str, str], None]:
    def handler(sink: FieldSink, _name: str, value: str) -> None:
        setattr(sink, attr, value)

    return handler


def _status(sink: FieldSink, _name: str, value: str) -> None:
    sink.status = parse_status(value, sink.notes)


def _body_bytes(sink: FieldSink, _name: str, value: str) -> None:
    sink.body_bytes = parse_bytes(value, sink.notes)


def _bytes_sent(sink: FieldSink, _name: str, value: str) -> None:
    sink.bytes_sent = parse_bytes(value, sink.notes)


def _duration(sink: FieldSink, _name: str, value: str) -> None:
    sink.duration = parse_seconds(value, sink.notes)


def _metric_list(sink: FieldSink, name: str, value: str) -> None:
    total = parse_seconds_list(value)
    if total is None:
        sink.put_extra(name, value)
    else:
        sink.metrics[name] = total


def _metric(sink: FieldSink, name: str, value: str) -> None:
    number = to_int(value)
    if number is None:
        sink.put_extra(name, value)
    else:
        sink.metrics[name] = float(number)


def _vhost(sink: FieldSink, _name: str, value: str) -> None:
    # The virtual host a request was for; Event.host stays the machine
    # (ParserOptions.host), as ECS host.name means.
    if "vhost" not in sink.extra:
        sink.put_extra("vhost", value)


def _first(attr: str) -> Callable[[FieldSink, str, str], None]:
    """Set ``attr`` unless an earlier variable already did (``$remote_addr`` twice ...)."""

    def handler(sink: FieldSink, _name: str, value: str) -> None:
        if getattr(sink, attr) is None:
            setattr(sink, attr, value)

    return handler


# Variable (nginx name, without ``$``) -> how it lands in the event.
VARIABLES: Mapping[str, Callable[[FieldSink, str, str], None]] = {
    "remote_addr": _first("client_ip"),
    "http_x_forwarded_for": _set_attr("forwarded_for"),
    "remote_user": _first("user"),
    "time_local": _time_local,
    "time_iso8601": _time_iso,
    "msec": _msec,
    "request": _set_attr("request"),
    "request_method": _set_attr("method"),
    "request_uri": _set_attr("request_uri"),
    "uri": _set_attr("uri"),
    "document_uri": _set_attr("uri"),
    "args": _set_attr("query"),
    "query_string": _set_attr("query"),
    "status": _status,
    "body_bytes_sent": _body_bytes,
    "bytes_sent": _bytes_sent,
    "request_time": _duration,
    "upstream_response_time": _metric_list,
    "upstream_connect_time": _metric_list,
    "upstream_header_time": _metric_list,
    "request_length": _metric,
    "http_referer": _set_attr("referrer"),
    "http_user_agent": _set_attr("user_agent"),
    "host": _vhost,
    "http_host": _vhost,
    "server_name": _vhost,
}

_TIME_VARIABLES = frozenset({"time_local", "time_iso8601", "msec"})
_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
_MAX_FORMAT_CHARS = 8192
_ESCAPED_QUOTED = r'((?:[^"\\]|\\.)*+)'
# Upstream timing lists are "0.001, 0.002 : 0.004": the separators contain the
# space that usually ends a field.  The branches start with disjoint
# characters (not space/comma, comma, space), so the loop stays deterministic.
_UPSTREAM_LIST = r"((?:[^ ,]|, | : )*)"


@dataclass(frozen=True, slots=True)
class LogFormat:
    """A compiled ``log_format``.

    Attributes:
        text: the format string after normalisation.
        variables: the variable behind each regex group, in order.
        quoted: per group, whether it sits between double quotes (and may
            hold ``\\"`` escapes).
        fast: regex for lines without a backslash.
        escaped: escape-aware regex for lines with one.
    """

    text: str
    variables: tuple[str, ...]
    quoted: tuple[bool, ...]
    fast: re.Pattern[str]
    escaped: re.Pattern[str]


def normalise_log_format(text: str) -> str:
    """Accept what users paste: the bare string, or the ``log_format`` directive.

    ``log_format main escape=json '$remote_addr ' '"$request"';`` becomes
    ``$remote_addr "$request"``: the directive, name and ``escape=`` are
    dropped, and adjacent quoted pieces are concatenated as nginx does.
    """
    text = text.strip()
    if text.startswith("log_format"):
        words = text.split(None, 2)
        text = words[2] if len(words) == 3 else ""
        if text.startswith("escape="):
            text = text.partition(" ")[2].lstrip()
    text = text.removesuffix(";").rstrip()
    if not text or text[0] not in "'\"":
        return text
    pieces: list[str] = []
    pos = 0
    while pos < len(text):
        quote = text[pos]
        if quote not in "'\"":
            raise ValueError(f"log_format: unexpected {quote!r} at position {pos} between pieces")
        end = text.find(quote, pos + 1)
        if end < 0:
            raise ValueError(f"log_format: unterminated {quote} string at position {pos}")
        pieces.append(text[pos + 1 : end])
        pos = end + 1
        while pos < len(text) and text[pos].isspace():
            pos += 1
    return "".join(pieces)


def _tokenize(text: str) -> list[tuple[bool, str]]:
    """``[(is_variable, text), ...]`` with adjacent literals merged."""
    tokens: list[tuple[bool, str]] = []
    literal: list[str] = []
    pos = 0
    while pos < len(text):
        char = text[pos]
        if char != "$":
            literal.append(char)
            pos += 1
            continue
        if text.startswith("${", pos):
            end = text.find("}", pos)
            if end < 0:
                raise ValueError(f"log_format: unterminated '${{' at position {pos}")
            name = text[pos + 2 : end]
            pos = end + 1
        else:
            end = pos + 1
            while end < len(text) and text[end] in _NAME_CHARS:
                end += 1
            name = text[pos + 1 : end]
            pos = end
        if not name or not all(c in _NAME_CHARS for c in name):
            raise ValueError(
                f"log_format: '$' at position {pos - len(name) - 1} is not followed by a "
                "variable name"
            )
        if literal:
            tokens.append((False, "".join(literal)))
            literal = []
        tokens.append((True, name))
    if literal:
        tokens.append((False, "".join(literal)))
    return tokens


def compile_log_format(text: str) -> LogFormat:
    """Compile an nginx ``log_format`` string (see the module docstring).

    Raises:
        ValueError: empty or oversized format, bad ``$`` syntax, two variables
            with no literal text between them (the line could not be split),
            or no time variable (``$time_local``, ``$time_iso8601``, ``$msec``).
    """
    fmt = normalise_log_format(text)
    if not fmt:
        raise ValueError("log_format is empty")
    if len(fmt) > _MAX_FORMAT_CHARS:
        raise ValueError(f"log_format is longer than {_MAX_FORMAT_CHARS} characters")
    tokens = _tokenize(fmt)
    variables = [name for is_var, name in tokens if is_var]
    if not variables:
        raise ValueError("log_format has no variables ($remote_addr, $time_local ...)")
    if not _TIME_VARIABLES.intersection(variables):
        raise ValueError("log_format has no time variable: add $time_local, $time_iso8601 or $msec")
    fast: list[str] = ["^"]
    escaped: list[str] = ["^"]
    quoted: list[bool] = []
    for index, (is_var, value) in enumerate(tokens):
        if not is_var:
            fast.append(re.escape(value))
            escaped.append(re.escape(value))
            continue
        before = tokens[index - 1][1] if index > 0 else ""
        after: tuple[bool, str] | None = tokens[index + 1] if index + 1 < len(tokens) else None
        if after is not None and after[0]:
            raise ValueError(
                f"log_format: ${value} and ${after[1]} have no text between them, "
                "so a line cannot be split between the two"
            )
        is_quoted = before.endswith('"') and after is not None and after[1].startswith('"')
        quoted.append(is_quoted)
        if after is None:
            group = "(.*)"
        elif is_quoted:
            group = '([^"]*+)'
        elif after[1][0] == " ":
            group = _UPSTREAM_LIST if value.startswith("upstream_") else r"(\S*+)"
        else:
            group = f"([^{re.escape(after[1][0])}]*+)"
        fast.append(group)
        escaped.append(_ESCAPED_QUOTED if is_quoted else group)
    fast.append(r"\Z")
    escaped.append(r"\Z")
    return LogFormat(
        fmt,
        tuple(variables),
        tuple(quoted),
        re.compile("".join(fast)),
        re.compile("".join(escaped)),
    )
