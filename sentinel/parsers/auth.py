"""Program parsers: classify the message of a syslog or journal record.

:class:`ProgramClassifier` takes a program name (``sshd``, ``sudo``, ``su``,
``kernel``, or a loghub-style ``sshd(pam_unix)``) and the message text, and
returns an :class:`Auth` naming the event kind and the typed fields, or
``None`` when the line is ordinary syslog.  Both :mod:`sentinel.parsers.syslog`
and :mod:`sentinel.parsers.journal` hand their messages here, so an sshd
failure yields the same event whichever way it was read.

Speed: dispatch is a dict lookup on the program name, then a dict lookup on
the message's first word, then ``str`` methods.  No regular expression runs on
message text, so the work per line is linear in its length and there is
nothing to backtrack.

Hostile input: sshd writes ``... for USER from IP port N ssh2`` and the user
name is attacker-chosen, so it can contain `` from 6.6.6.6``.  Every
``USER ... IP`` split therefore cuts from the *right*, where sshd's own text
is.  Client IPs are validated with :mod:`ipaddress`; anything else (a host
name in PAM's ``rhost=``) goes to ``extra["rhost"]``.  With ``UseDNS yes``
sshd names the client by host name (``Failed password for root from
host.example port 22 ssh2``): ``Failed``/``Accepted``/``Invalid user`` lines
then keep the name, lower-cased, in ``extra["rhost"]`` (``client_ip`` is
``None``) when it is a plausible DNS name (:func:`normalize_host`).  So do
``Disconnecting``, ``maximum authentication attempts exceeded``, ``Did not
receive identification``, ``Unable to negotiate``, ``Bad protocol version``,
``Timeout before authentication``, ``Connection closed``/``reset``,
``Disconnected from`` and ``Received disconnect`` lines, when sshd's
`` port N`` follows the name.  (The C fast path, ``_speedups.c``, classifies
the last four itself when they name an IP and hands a host-named one here.)

Conventions for the fields (detectors rely on them):

- ``user`` is the account whose credentials were tried: the sshd login name,
  PAM's ``user=``, the sudo invoker (sudo asks for the invoker's password),
  the *target* of ``su`` (su asks for the target's password; the requesting
  user is ``extra["ruser"]``).
- ``extra["service"]`` is ``sshd``, ``sudo``, ``su`` or the PAM service, so a
  detector can tell an SSH brute force from local ``sudo`` failures.
- ``extra["action"]`` names what happened for ``auth_other`` and ``firewall``
  events (``disconnect``, ``no_ident``, ``negotiation_failed`` ...).
- PAM ``authentication failure`` lines are ``auth_failure`` with
  ``extra["auth_method"] == "pam"``.  On hosts where sshd also logs
  ``Failed password`` the same attempt appears twice; detectors that count
  attempts per client should skip ``auth_method == "pam"`` when the source
  also has sshd lines.  On old hosts (loghub Linux) the PAM line is the only
  record of the attempt, which is why it is a failure and not ``auth_other``.
- IPv4-mapped IPv6 addresses (``::ffff:1.2.3.4``) are reported as IPv4 and
  IPv6 addresses in compressed form, so one client is one entity.

.. versionadded:: 0.1
"""

from __future__ import annotations

import functools
import ipaddress
import re
from collections.abc import Callable, Mapping
from typing import Final

from sentinel.parsers.base import MAX_FIELD_CHARS, clean_field
from sentinel.records import EventKind

__all__ = [
    "CLIENT_IP",
    "EXTRA",
    "KIND",
    "PATTERN",
    "PATTERN_NAMES",
    "USER",
    "Auth",
    "ProgramClassifier",
    "normalize_host",
    "normalize_ip",
]

_FAIL = EventKind.AUTH_FAILURE
_OK = EventKind.AUTH_SUCCESS
_OTHER = EventKind.AUTH_OTHER

# Free-text detail kept in extra is cut to this: it is context, not evidence.
_MAX_DETAIL = 200
# Commands are evidence (what ran as root): keep more of them.
_MAX_COMMAND = 1024
# Keys sudo writes between " ; " separators (sudo 1.8 and 1.9 log formats).
_SUDO_KEYS = frozenset(
    {"TTY", "CHROOT", "PWD", "CWD", "RUNCWD", "USER", "GROUP", "TSID", "ENV", "COMMAND"}
)
# PAM and firewall lines are key=value lists; more tokens than this is junk.
_MAX_TOKENS = 48


# What a program parser made of a message: (kind, user, client_ip, extra,
# pattern), ``pattern`` being the name counted in ``LineParser.matched``.  A
# plain tuple, not a NamedTuple: a NamedTuple's ``__new__`` is a Python-level
# call and costs more than the rest of an sshd classification.
Auth = tuple[EventKind, str | None, str | None, Mapping[str, str], str]
# Indexes into an Auth tuple (Final, so type checkers know each element's type).
KIND: Final = 0
USER: Final = 1
CLIENT_IP: Final = 2
EXTRA: Final = 3
PATTERN: Final = 4


@functools.lru_cache(maxsize=8192)
def normalize_ip(text: str) -> str | None:
    """Canonical text of an IP address, or ``None`` if ``text`` is not one.

    Bounded LRU cache: attackers arrive in bursts from few addresses, and
    ``ipaddress`` costs about a microsecond per call.
    """
    if not text or len(text) > 45:
        return None
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return str(address.ipv4_mapped)
    return str(address)


# A DNS name: at most 253 characters, labels of 1-63 letters, digits, '-' or
# '_' (seen in the wild), no label starting or ending with '-'.
_MAX_HOST = 253
_LABEL_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-_")


@functools.lru_cache(maxsize=8192)
def normalize_host(text: str) -> str | None:
    """Lower-case host name, or ``None`` if ``text`` is not a plausible one.

    The name sshd logs with ``UseDNS yes`` comes from the client's reverse DNS,
    which the attacker controls, and it arrives in a line that also carries
    the attacker's user name: only ASCII DNS syntax is accepted, bounded in
    length, and the last label must not be all digits (no top-level domain
    is), so nothing that looks like a mangled IP address becomes a name.
    sshd itself refuses PTR records that parse as an address.

    .. versionadded:: 0.2
    """
    if not text or len(text) > _MAX_HOST + 1 or not text.isascii():
        return None
    name = text.lower()
    if name.endswith("."):
        name = name[:-1]  # the fully qualified form names the same host
    if not name or len(name) > _MAX_HOST:
        return None
    labels = name.split(".")
    for label in labels:
        if (
            not 0 < len(label) <= 63
            or label[0] == "-"
            or label[-1] == "-"
            or not _LABEL_CHARS.issuperset(label)
        ):
            return None
    return None if labels[-1].isdigit() else name


def _detail(text: str) -> str:
    return text[:_MAX_DETAIL]


def _strip_preauth(text: str) -> tuple[str, bool]:
    if text.endswith(" [preauth]"):
        return text[:-10], True
    return text, False


def _user_and_flag(head: str) -> tuple[str | None, bool]:
    """``invalid user X`` / ``authenticating user X`` / ``user X`` / ``X``."""
    if head.startswith("invalid user "):
        return clean_field(head[13:]), True
    if head.startswith("authenticating user "):
        return clean_field(head[20:]), False
    if head.startswith("user "):
        return clean_field(head[5:]), False
    return clean_field(head), False


def _user_address_port(text: str) -> tuple[str | None, bool, str, str | None]:
    """Split ``[invalid user X ]ADDRESS [port N]`` from the right: (user, invalid, addr, port)."""
    words = text.rsplit(" ", 3)
    if len(words) >= 3 and words[-2] == "port":
        address, port, head = words[-3], words[-1], words[0] if len(words) == 4 else ""
    else:
        head, _, address = text.rpartition(" ")
        port = None
    user, invalid = _user_and_flag(head) if head else (None, False)
    return user, invalid, address, port if port and port.isdigit() else None


def _address_port_tail(tail: str) -> tuple[str, str | None]:
    """``ADDRESS port N ssh2...`` or ``ADDRESS`` -> (address, port)."""
    parts = tail.split(" ", 3)
    port = parts[2] if len(parts) >= 3 and parts[1] == "port" else None
    if port is not None and not port.isdigit():
        port = None
    return parts[0].rstrip(":"), port


def _client(address: str, port: str | None) -> tuple[str | None, str | None]:
    """``(ip, host)`` of the client sshd logged as ``ADDRESS port N``.

    An IP, or (``UseDNS yes``) a plausible host name, lower-cased
    (:func:`normalize_host`), when sshd's `` port N`` follows it: the
    callers have cut ``ADDRESS port N`` from the right of sshd's own text.
    """
    ip = normalize_ip(address)
    if ip is not None or port is None or not port.isascii() or len(port) > 5:
        return ip, None
    return None, normalize_host(address)


def _with(
    extra: dict[str, str], port: str | None, preauth: bool, host: str | None = None
) -> dict[str, str]:
    if port is not None:
        extra["port"] = port
    if preauth:
        extra["preauth"] = "true"
    if host is not None:
        extra["rhost"] = host
    return extra


def _pam_fields(text: str) -> dict[str, str]:
    """``logname= uid=0 ... rhost=1.2.3.4  user=root`` -> key/value dict (bounded)."""
    fields: dict[str, str] = {}
    for token in text.split(None, _MAX_TOKENS)[:_MAX_TOKENS]:
        key, eq, value = token.partition("=")
        if eq and value:
            fields[key] = value
    return fields


def _pam_session_user(text: str) -> str | None:
    """``alice(uid=1000) by (uid=0)`` -> ``alice``."""
    user = text.rsplit(" by ", 1)[0]
    paren = user.find("(")
    return clean_field(user[:paren] if paren >= 0 else user)


def _slug(text: str) -> str:
    return "_".join(text.lower().split())[:64]


Handler = Callable[[str], Auth | None]


class ProgramClassifier:
    """Classify messages by program: sshd, PAM, sudo, su and kernel firewall lines.

    Stateless apart from the dispatch tables, so one instance can serve any
    number of parsers.
    """

    def __init__(self) -> None:
        self._programs: dict[str, Handler] = {
            "sshd": self.sshd,
            "sshd-session": self.sshd,  # OpenSSH >= 9.8 logs from the per-session binary
            "sudo": self.sudo,
            "su": self.su,
            "su-l": self.su,
            "kernel": self.kernel,
        }
        self._sshd_words: dict[str, Handler] = {
            "Failed": self._sshd_attempt,
            "Accepted": self._sshd_attempt,
            "Invalid": self._sshd_invalid,
            "input_userauth_request:": self._sshd_input_userauth,
            "Connection": self._sshd_connection,
            "Received": self._sshd_received,
            "Disconnected": self._sshd_disconnected,
            "Disconnecting": self._sshd_disconnecting,
            "Disconnecting:": self._sshd_disconnecting,
            "Did": self._sshd_no_ident,
            "Unable": self._sshd_negotiation,
            "Bad": self._sshd_bad_protocol,
            "reverse": self._sshd_reverse_mapping,
            "error:": self._sshd_error,
            "PAM": self._pam_more,
            "Timeout": self._sshd_timeout,
            "message": self._repeated,
        }

    @property
    def programs(self) -> Mapping[str, Handler]:
        """Program name -> classifier, for callers that dispatch inline on the hot path."""
        return self._programs

    def classify(self, program: str | None, message: str) -> Auth | None:
        """Classify ``message`` logged by ``program``; ``None``: plain syslog."""
        if program is None:
            return None
        handler = self._programs.get(program)
        if handler is not None:
            return handler(message)
        return self.classify_unlisted(program, message)

    def classify_unlisted(self, program: str, message: str) -> Auth | None:
        """PAM lines from programs without a handler of their own (``login``, ``cron``...)."""
        if program.endswith("(pam_unix)"):
            # loghub/RHEL 4 style: the PAM module is in the tag, the message
            # is PAM's text without the "pam_unix(svc:type): " prefix.
            return self.pam(program[:-10], message)
        if message.startswith("pam_unix("):
            return self._pam_prefixed(message)
        return None

    # -- sshd ---------------------------------------------------------------

    def sshd(self, message: str) -> Auth:
        """Classify an sshd message; unclassified ones are ``auth_other``."""
        space = message.find(" ")
        handler = self._sshd_words.get(message[:space] if space > 0 else message)
        result = handler(message) if handler is not None else None
        if result is None and message.startswith("pam_unix("):
            result = self._pam_prefixed(message)
        if result is None:
            return (_OTHER, None, None, {"service": "sshd"}, "sshd.other")
        return result

    @staticmethod
    def _sshd_attempt(message: str) -> Auth | None:
        # "Failed password for [invalid user ]X from IP port N ssh2[: KEY]"
        match = _ATTEMPT.match(message)
        if match is None:
            return None
        found = _split_from(message, match.end())
        if found is None:
            return None
        verb, method, invalid = match.groups()
        user, ip, host, port = found
        if "/" in method:
            method = method.partition("/")[0]  # "keyboard-interactive/pam"
        extra = {
            "service": "sshd",
            "auth_method": method,
            "invalid_user": "true" if invalid else "false",
        }
        if port:
            extra["port"] = port
        if host is not None:
            extra["rhost"] = host
        if verb == "Failed":
            pattern = _FAILED_PATTERNS.get(method, "sshd.failed_other")
            return (_FAIL, user[:MAX_FIELD_CHARS] or None, ip, extra, pattern)
        pattern = _ACCEPTED_PATTERNS.get(method, "sshd.accepted_other")
        return (_OK, user[:MAX_FIELD_CHARS] or None, ip, extra, pattern)

    @staticmethod
    def _sshd_invalid(message: str) -> Auth | None:
        # "Invalid user X from IP[ port N]": nothing follows the address, so
        # a host name may end the line without a port (sshd before 7.5).
        if not message.startswith("Invalid user "):
            return None
        found = _split_from(message, 13, bare_host=True)
        if found is None:
            return None
        user, ip, host, port = found
        extra = {"service": "sshd", "invalid_user": "true"}
        if port:
            extra["port"] = port
        if host is not None:
            extra["rhost"] = host
        return (_FAIL, user[:MAX_FIELD_CHARS] or None, ip, extra, "sshd.invalid_user")

    @staticmethod
    def _sshd_input_userauth(message: str) -> Auth | None:
        text, preauth = _strip_preauth(message)
        if not text.startswith("input_userauth_request: invalid user "):
            return None
        extra = _with(
            {"service": "sshd", "action": "invalid_user", "invalid_user": "true"}, None, preauth
        )
        return (_OTHER, clean_field(text[37:]), None, extra, "sshd.input_userauth")

    @staticmethod
    def _sshd_connection(message: str) -> Auth | None:
        # "Connection closed|reset by [authenticating|invalid user X ]IP port N [preauth]"
        text, preauth = _strip_preauth(message)
        if text.startswith("Connection closed by "):
            action, rest = "closed", text[21:]
        elif text.startswith("Connection reset by "):
            action, rest = "reset", text[20:]
        else:
            return None
        if rest == "peer":
            return None
        user, invalid, address, port = _user_address_port(rest)
        ip, host = _client(address, port)
        extra = _with({"service": "sshd", "action": action}, port, preauth, host)
        if invalid:
            extra["invalid_user"] = "true"
        return (_OTHER, user, ip, extra, f"sshd.connection_{action}")

    @staticmethod
    def _sshd_received(message: str) -> Auth | None:
        # "Received disconnect from IP port N:11: Bye Bye [preauth]" (or "IP: 11: ...")
        text, preauth = _strip_preauth(message)
        if not text.startswith("Received disconnect from "):
            return None
        # The address may be IPv6, so the first ':' is not the end of it:
        # "ADDR: 11: ..." (old sshd) ends it with ": ", "ADDR port N:11: ..."
        # has its ':' after the port.
        rest = text[25:]
        space = rest.find(" ")
        if space > 0 and rest[space - 1] == ":":
            where, reason = rest[: space - 1], rest[space + 1 :]
        elif space >= 0 and (colon := rest.find(":", space)) >= 0:
            where, reason = rest[:colon], rest[colon + 1 :]
        else:
            where, reason = rest, ""
        parts = where.split(" ")
        port = parts[2] if len(parts) == 3 and parts[1] == "port" and parts[2].isdigit() else None
        ip, host = _client(parts[0], port)
        extra = _with({"service": "sshd", "action": "disconnect"}, port, preauth, host)
        extra["reason"] = _detail(reason.strip())
        return (_OTHER, None, ip, extra, "sshd.received_disconnect")

    def _sshd_error(self, message: str) -> Auth | None:
        text = message[7:]
        if text.startswith("Received disconnect from "):
            return self._sshd_received(text)
        if text.startswith("maximum authentication attempts exceeded for "):
            # "... for [invalid user ]X from IP port N ssh2 [preauth]"
            body, preauth = _strip_preauth(text[45:])
            head, sep, tail = body.rpartition(" from ")
            if not sep:
                return None
            user, invalid = _user_and_flag(head)
            address, port = _address_port_tail(tail)
            ip, host = _client(address, port)
            extra = _with({"service": "sshd", "action": "max_auth_attempts"}, port, preauth, host)
            extra["invalid_user"] = "true" if invalid else "false"
            return (_OTHER, user, ip, extra, "sshd.max_auth_attempts")
        return None

    @staticmethod
    def _sshd_disconnected(message: str) -> Auth | None:
        # "Disconnected from [authenticating|invalid ]user X IP port N [preauth]"
        text, preauth = _strip_preauth(message)
        if not text.startswith("Disconnected from "):
            return None
        user, invalid, address, port = _user_address_port(text[18:])
        ip, host = _client(address, port)
        extra = _with({"service": "sshd", "action": "disconnect"}, port, preauth, host)
        if invalid:
            extra["invalid_user"] = "true"
        return (_OTHER, user, ip, extra, "sshd.disconnected")

    @staticmethod
    def _sshd_disconnecting(message: str) -> Auth | None:
        # New: "Disconnecting invalid user X IP port N: Too many authentication failures"
        # Old: "Disconnecting: Too many authentication failures for root"
        text, preauth = _strip_preauth(message)
        if text.startswith("Disconnecting: "):
            reason = text[15:]
            head, sep, user_text = reason.rpartition(" for ")
            user = clean_field(user_text) if sep else None
            ip, host, port, invalid = None, None, None, False
            reason = head if sep else reason
        elif text.startswith("Disconnecting "):
            where, sep, reason = text[14:].rpartition(": ")
            if not sep:
                return None
            user, invalid, address, port = _user_address_port(where)
            ip, host = _client(address, port)
        else:
            return None
        action = (
            "max_auth_attempts" if reason.startswith("Too many authentication") else "disconnect"
        )
        extra = _with(
            {"service": "sshd", "action": action, "reason": _detail(reason)}, port, preauth, host
        )
        if invalid:
            extra["invalid_user"] = "true"
        return (_OTHER, user, ip, extra, "sshd.disconnecting")

    @staticmethod
    def _sshd_no_ident(message: str) -> Auth | None:
        if not message.startswith("Did not receive identification string from "):
            return None
        address, port = _address_port_tail(message[43:])
        ip, host = _client(address, port)
        extra = _with({"service": "sshd", "action": "no_ident"}, port, False, host)
        return (_OTHER, None, ip, extra, "sshd.no_ident")

    @staticmethod
    def _sshd_negotiation(message: str) -> Auth | None:
        # "Unable to negotiate with IP port N: no matching key exchange method found. ..."
        if not message.startswith("Unable to negotiate with "):
            return None
        where, _, reason = message[25:].partition(": ")
        address, port = _address_port_tail(where)
        ip, host = _client(address, port)
        extra = _with({"service": "sshd", "action": "negotiation_failed"}, port, False, host)
        extra["reason"] = _detail(_strip_preauth(reason)[0])
        return (_OTHER, None, ip, extra, "sshd.negotiation_failed")

    @staticmethod
    def _sshd_bad_protocol(message: str) -> Auth | None:
        # "Bad protocol version identification 'GET / HTTP/1.1' from IP port N"
        if not message.startswith("Bad protocol version identification "):
            return None
        _, sep, tail = message.rpartition(" from ")
        if not sep:
            return None
        address, port = _address_port_tail(tail)
        ip, host = _client(address, port)
        extra = _with({"service": "sshd", "action": "bad_protocol"}, port, False, host)
        return (_OTHER, None, ip, extra, "sshd.bad_protocol")

    @staticmethod
    def _sshd_reverse_mapping(message: str) -> Auth | None:
        # "reverse mapping checking getaddrinfo for HOST [IP] failed - POSSIBLE BREAK-IN ATTEMPT!"
        if not message.startswith("reverse mapping checking getaddrinfo for "):
            return None
        rest = message[41:]
        close = rest.rfind("] failed")
        open_ = rest.rfind(" [", 0, close) if close > 0 else -1
        if open_ < 0:
            return None
        extra = {
            "service": "sshd",
            "action": "reverse_mapping_failed",
            "rhost": _detail(rest[:open_]),
        }
        ip = normalize_ip(rest[open_ + 2 : close])
        return (_OTHER, None, ip, extra, "sshd.reverse_mapping")

    @staticmethod
    def _sshd_timeout(message: str) -> Auth | None:
        # "Timeout before authentication for IP port N"
        if not message.startswith("Timeout before authentication for "):
            return None
        address, port = _address_port_tail(message[34:])
        ip, host = _client(address, port)
        extra = _with({"service": "sshd", "action": "timeout"}, port, False, host)
        return (_OTHER, None, ip, extra, "sshd.timeout")

    def _repeated(self, message: str) -> Auth | None:
        # rsyslog: "message repeated 5 times: [ Failed password for root from IP port N ssh2]"
        if not message.startswith("message repeated ") or not message.endswith("]"):
            return None
        count, sep, inner = message[17:].partition(" times: [ ")
        if not sep or not count.isdigit() or inner.startswith("message repeated "):
            return None
        kind, user, ip, inner_extra, pattern = self.sshd(inner[:-1])
        return (kind, user, ip, {**inner_extra, "repeated": count}, pattern)

    # -- PAM ----------------------------------------------------------------

    def _pam_prefixed(self, message: str) -> Auth | None:
        # "pam_unix(sshd:auth): authentication failure; ..." -> service "sshd"
        close = message.find("): ", 9, 80)
        if close < 0:
            return None
        service = message[9:close].partition(":")[0]
        return self.pam(service, message[close + 3 :])

    def pam(self, service: str, text: str) -> Auth | None:
        """Classify a PAM message (without its ``pam_unix(svc:type):`` prefix)."""
        if text.startswith("authentication failure; "):
            fields = _pam_fields(text[24:])
            extra = self._pam_extra(service, fields)
            extra["auth_method"] = "pam"
            return (
                _FAIL,
                clean_field(fields.get("user")),
                self._pam_ip(fields, extra),
                extra,
                "pam.auth_failure",
            )
        if text.startswith("check pass; user unknown"):
            extra = {"service": service, "action": "user_unknown", "invalid_user": "true"}
            return (_OTHER, None, None, extra, "pam.user_unknown")
        if text.startswith("session opened for user "):
            extra = {"service": service, "action": "session_opened"}
            return (_OTHER, _pam_session_user(text[24:]), None, extra, "pam.session")
        if text.startswith("session closed for user "):
            extra = {"service": service, "action": "session_closed"}
            return (_OTHER, _pam_session_user(text[24:]), None, extra, "pam.session")
        return None

    def _pam_more(self, message: str) -> Auth | None:
        # "PAM 2 more authentication failures; logname= ... rhost=IP  user=root":
        # a summary of failures sshd already logged one by one.
        if not message.startswith("PAM "):
            return None
        count, sep, rest = message[4:].partition(" more authentication failure")
        if not sep or not count.isdigit():
            return None
        fields = _pam_fields(rest.partition("; ")[2])
        extra = self._pam_extra("sshd", fields)
        extra["action"] = "pam_more_failures"
        extra["count"] = count
        return (
            _OTHER,
            clean_field(fields.get("user")),
            self._pam_ip(fields, extra),
            extra,
            "pam.more_failures",
        )

    @staticmethod
    def _pam_extra(service: str, fields: Mapping[str, str]) -> dict[str, str]:
        extra = {"service": service}
        for key in ("ruser", "tty", "logname"):
            value = fields.get(key)
            if value:
                extra[key] = _detail(value)
        return extra

    @staticmethod
    def _pam_ip(fields: Mapping[str, str], extra: dict[str, str]) -> str | None:
        rhost = fields.get("rhost")
        if not rhost:
            return None
        ip = normalize_ip(rhost)
        if ip is None:
            extra["rhost"] = _detail(rhost)
        return ip

    # -- sudo and su ----------------------------------------------------------

    def sudo(self, message: str) -> Auth | None:
        """``alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/id``."""
        if message.startswith("pam_unix("):
            return self._pam_prefixed(message)
        user_text, sep, rest = message.partition(" : ")
        if not sep:
            return None
        fields: dict[str, str] = {}
        problems: list[str] = []
        items = rest.split(" ; ")
        ambiguous = False
        for index, item in enumerate(items):
            key, eq, value = item.partition("=")
            if eq and key.isupper() and key.isalpha():
                if key == "COMMAND":
                    # The command is last and may itself contain " ; ".
                    tail = items[index + 1 :]
                    fields[key] = " ; ".join([value, *tail])
                    ambiguous |= any(_is_sudo_key(part) for part in tail)
                    break
                ambiguous |= key in fields
                fields[key] = value
            elif not fields:
                problems.append(item.strip())
        extra = {"service": "sudo"}
        if ambiguous:
            # The working directory and the command's arguments are the user's
            # own text: a directory named "x ; USER=root ; COMMAND=/bin/true"
            # shifts every field after it.  sudo does not escape them, so the
            # split cannot be trusted; say so instead of guessing.
            extra["fields_ambiguous"] = "true"
        for key, name in (("TTY", "tty"), ("PWD", "pwd"), ("USER", "target_user")):
            found = fields.get(key)
            if found is not None:
                extra[name] = _detail(found)
        command = fields.get("COMMAND")
        if command is not None:
            extra["command"] = command[:_MAX_COMMAND]
        user = clean_field(user_text.strip())
        if not problems:
            if "command" not in extra:
                return None
            return (EventKind.SUDO, user, None, extra, "sudo.command")
        problem = problems[0]
        count, _, what = problem.partition(" ")
        if count.isdigit() and what.startswith("incorrect password attempt"):
            extra["action"] = "incorrect_password"
            extra["count"] = count
            return (_FAIL, user, None, extra, "sudo.incorrect_password")
        extra["action"] = _slug(problem)
        return (_FAIL, user, None, extra, "sudo.denied")

    def su(self, message: str) -> Auth | None:
        """``Successful su for root by alice``, ``FAILED su for root by bob``, ``(to root) bob``.

        ``user`` is the target account (su checks its password), ``extra["ruser"]``
        the requesting user.
        """
        if message.startswith("pam_unix("):
            return self._pam_prefixed(message)
        kind = _OK
        text = message
        if text.startswith("FAILED SU "):
            kind, text = _FAIL, text[10:]
        if text.startswith("(to "):
            # Debian: "(to root) alice on pts/0"
            target, sep, rest = text[4:].partition(") ")
            if not sep:
                return None
            ruser, _, tty = rest.rpartition(" on ")
            extra = {"service": "su", "ruser": _detail(ruser or rest)}
            if tty:
                extra["tty"] = _detail(tty)
            return (kind, clean_field(target), None, extra, "su.to")
        if message.startswith("Successful su for "):
            kind, text = _OK, message[18:]
        elif message.startswith("FAILED su for "):
            kind, text = _FAIL, message[14:]
        else:
            return None
        target, sep, ruser = text.rpartition(" by ")
        if not sep:
            return None
        extra = {"service": "su", "ruser": _detail(ruser)}
        return (kind, clean_field(target), None, extra, "su.result")

    # -- kernel firewall ------------------------------------------------------

    @staticmethod
    def kernel(message: str) -> Auth | None:
        """iptables/nftables/UFW log lines: ``[UFW BLOCK] IN=eth0 ... SRC=... DST=... DPT=23``."""
        start = message.find("IN=")
        if start < 0 or " SRC=" not in message:
            return None
        fields = _pam_fields(message[start:])
        src = fields.get("SRC")
        if src is None:
            return None
        prefix = message[:start].strip()
        if (
            prefix.startswith("[")
            and (close := prefix.find("]")) > 0
            and prefix[1:close].strip().replace(".", "").isdigit()
        ):
            prefix = prefix[close + 1 :].strip()  # the kernel's uptime stamp
        extra = {"action": _firewall_action(prefix)}
        if prefix:
            extra["prefix"] = _detail(prefix)
        for key, name in _FIREWALL_FIELDS:
            value = fields.get(key)
            if value is not None:
                extra[name] = _detail(value)
        dst = extra.get("dst")
        if dst is not None:
            extra["dst"] = normalize_ip(dst) or dst
        return (EventKind.FIREWALL, None, normalize_ip(src), extra, "kernel.firewall")

    def pattern_names(self) -> frozenset[str]:
        """Every pattern name :meth:`classify` can report."""
        return PATTERN_NAMES


_METHOD_PATTERN: Mapping[str, str] = {
    "password": "password",
    "publickey": "publickey",
    "keyboard-interactive": "keyboard_interactive",
    "none": "none",
}
_FAILED_PATTERNS = {m: f"sshd.failed_{p}" for m, p in _METHOD_PATTERN.items()}
_ACCEPTED_PATTERNS = {m: f"sshd.accepted_{p}" for m, p in _METHOD_PATTERN.items() if m != "none"}

# "Failed password for [invalid user ]": the head of an attempt line.
_ATTEMPT = re.compile(r"\A(Failed|Accepted) ([^ ]{1,64}) for (invalid user |)")
# " from ADDRESS[ port N]" followed by a space or the end: sshd's tail.  The
# address is an IP or, with UseDNS, a host name (checked after the match).
_FROM_TAIL = re.compile(r"\A from ([0-9A-Za-z:._-]{1,254})(?: port ([0-9]{1,5})|)(?: |\Z)")
# What was taken for an address before host names were: kept as "no client".
_ADDRESS_CHARS = frozenset("0123456789ABCDEFabcdef:.")
_FROM_WINDOW = 6 + 254 + 6 + 5 + 1
# How many " from " occurrences (from the right) are tried before giving up.
_FROM_TRIES = 4


def _split_from(
    text: str, start: int, *, bare_host: bool = False
) -> tuple[str, str | None, str | None, str | None] | None:
    """``(user, ip, host, port)`` of ``USER from ADDRESS[ port N]...`` in ``text[start:]``.

    The user name is attacker-chosen and may contain `` from 6.6.6.6 port 1``,
    so the *last* `` from ADDRESS`` is sshd's: search from the right with
    ``str.rfind`` (C speed) and check each candidate's short tail with an
    anchored regex, instead of a greedy ``(.*) from`` that backtracks over
    the whole line one character at a time.

    ``ADDRESS`` is an IP (``ip`` set), or a host name (``host`` set,
    lower-cased) followed by `` port N``, or ending the line when
    ``bare_host``: sshd's tail has that port, while text after an address
    (a certificate ID in ``ssh2: ...``) may say `` from nowhere``.  A tail
    that looks like an address but is none gives neither, as it always did.
    """
    end = len(text)
    for _ in range(_FROM_TRIES):
        at = text.rfind(" from ", start, end)
        if at < 0:
            return None
        tail = _FROM_TAIL.match(text[at : at + _FROM_WINDOW])
        if tail is not None:
            address, port = tail.group(1), tail.group(2)
            ip = normalize_ip(address)
            if ip is not None:
                return text[start:at], ip, None, port
            if port is not None or (bare_host and at + tail.end() == len(text)):
                host = normalize_host(address)
                if host is not None:
                    return text[start:at], None, host, port
            if 2 <= len(address) <= 45 and _ADDRESS_CHARS.issuperset(address):
                return text[start:at], None, None, port
        end = at
    return None


_FIREWALL_FIELDS = (
    ("DST", "dst"),
    ("DPT", "dpt"),
    ("SPT", "spt"),
    ("PROTO", "proto"),
    ("IN", "in"),
    ("OUT", "out"),
)

_FIREWALL_ACTIONS = ("block", "drop", "reject", "deny", "allow", "accept", "audit", "limit")


def _firewall_action(prefix: str) -> str:
    """``[UFW BLOCK]`` -> ``block``; ``IPTABLES-DROP:`` -> ``drop``; otherwise ``log``."""
    lowered = prefix.lower()
    for action in _FIREWALL_ACTIONS:
        if action in lowered:
            return action
    return "log"


PATTERN_NAMES: frozenset[str] = frozenset(
    {
        *_FAILED_PATTERNS.values(),
        *_ACCEPTED_PATTERNS.values(),
        "sshd.failed_other",
        "sshd.accepted_other",
        "sshd.invalid_user",
        "sshd.input_userauth",
        "sshd.connection_closed",
        "sshd.connection_reset",
        "sshd.received_disconnect",
        "sshd.max_auth_attempts",
        "sshd.disconnected",
        "sshd.disconnecting",
        "sshd.no_ident",
        "sshd.negotiation_failed",
        "sshd.bad_protocol",
        "sshd.reverse_mapping",
        "sshd.timeout",
        "sshd.other",
        "pam.auth_failure",
        "pam.user_unknown",
        "pam.session",
        "pam.more_failures",
        "sudo.command",
        "sudo.incorrect_password",
        "sudo.denied",
        "su.to",
        "su.result",
        "kernel.firewall",
    }
)


def _is_sudo_key(item: str) -> bool:
    """Whether ``item`` (between " ; " separators) starts like one of sudo's own fields."""
    key, eq, _ = item.partition("=")
    return bool(eq) and key in _SUDO_KEYS
