"""The timeline every generator writes into, and the log line formats.

Generators add lines out of time order (one client or campaign at a time);
:class:`Timeline` keeps them per file with their event time and a sequence
number, and :meth:`Timeline.sorted_lines` puts each file in chronological
order with ties broken by insertion order, so output is deterministic.

Line formats follow what the real programs write: nginx ``combined`` (with
nginx's ``\\xHH`` escaping of quotes, backslashes and control bytes),
RFC 3164 syslog as rsyslog writes ``/var/log/auth.log`` on Debian, and the
kernel's UFW lines with their ``[uptime]`` prefix.

.. versionadded:: 0.1
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import NamedTuple

__all__ = [
    "ACCESS_LOG",
    "AUTH_LOG",
    "FILES",
    "KERN_LOG",
    "Entry",
    "Timeline",
    "access_line",
    "nginx_escape",
    "syslog_stamp",
]

ACCESS_LOG = "access.log"
AUTH_LOG = "auth.log"
KERN_LOG = "kern.log"
FILES: tuple[str, ...] = (ACCESS_LOG, AUTH_LOG, KERN_LOG)

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_SAFE = frozenset(chr(c) for c in range(0x20, 0x7F)) - {'"', "\\"}


class Entry(NamedTuple):
    """One generated line with its event time and ground-truth label.

    ``tag`` is the campaign id ("" for benign traffic); ``evidence`` marks a
    line that shows the campaign succeeded.
    """

    ts: float
    seq: int
    text: str
    tag: str
    evidence: bool


def nginx_escape(value: str) -> str:
    """Escape a variable the way nginx ``log_format`` (escape=default) does.

    Args:
        value: The raw string the client sent.

    Returns:
        The string with ``"``, ``\\`` and bytes outside printable ASCII as ``\\xHH``.
    """
    if all(ch in _SAFE for ch in value):
        return value
    out: list[str] = []
    for ch in value:
        if ch in _SAFE:
            out.append(ch)
        else:
            out.extend(f"\\x{b:02X}" for b in ch.encode("utf-8"))
    return "".join(out)


def _nginx_stamp(ts: float) -> str:
    t = time.gmtime(ts)
    day = f"{t.tm_mday:02d}/{_MONTHS[t.tm_mon - 1]}/{t.tm_year}"
    return f"{day}:{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d} +0000"


def syslog_stamp(ts: float) -> str:
    """RFC 3164 timestamp (``Nov  7 06:25:01``) of an epoch time, in UTC.

    Args:
        ts: Epoch seconds.

    Returns:
        The 15-character syslog timestamp.
    """
    t = time.gmtime(ts)
    return f"{_MONTHS[t.tm_mon - 1]} {t.tm_mday:2d} {t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d}"


def access_line(  # noqa: PLR0917 -- arguments follow the log_format field order
    ts: float,
    ip: str,
    request: str,
    status: int,
    size: int,
    referer: str,
    agent: str,
    user: str = "-",
) -> str:
    """Format one nginx ``combined`` line.

    Args:
        ts: Epoch seconds.
        ip: ``$remote_addr``.
        request: ``$request``, e.g. ``GET / HTTP/1.1`` (escaped here).
        status: ``$status``.
        size: ``$body_bytes_sent``.
        referer: ``$http_referer`` ("-" when absent).
        agent: ``$http_user_agent`` ("-" when absent).
        user: ``$remote_user``.

    Returns:
        The line without a trailing newline.
    """
    return (
        f'{ip} - {user} [{_nginx_stamp(ts)}] "{nginx_escape(request)}" {status} {size} '
        f'"{nginx_escape(referer)}" "{nginx_escape(agent)}"'
    )


class Timeline:
    """Per-file collection of generated lines, sorted on the way out.

    Lines outside ``[start, end)`` are dropped, so generators need not clip.

    Args:
        host: Host name written in syslog lines.
        start: First instant kept (epoch seconds).
        end: First instant no longer kept (epoch seconds).
        boot_ts: Epoch seconds of the kernel boot (for ``[uptime]`` stamps).
    """

    def __init__(self, host: str, start: float, end: float, boot_ts: float) -> None:
        self.host = host
        self.start = start
        self.end = end
        self.boot_ts = boot_ts
        self._seq = 0
        self._entries: dict[str, list[Entry]] = {name: [] for name in FILES}

    def _add(self, name: str, ts: float, text: str, tag: str, evidence: bool) -> None:
        if not self.start <= ts < self.end:
            return
        self._seq += 1
        self._entries[name].append(Entry(ts, self._seq, text, tag, evidence))

    def web(  # noqa: PLR0917 -- arguments follow the log_format field order
        self,
        ts: float,
        ip: str,
        request: str,
        status: int,
        size: int,
        referer: str,
        agent: str,
        *,
        tag: str = "",
        evidence: bool = False,
    ) -> None:
        """Add an access.log line (see :func:`access_line` for the arguments)."""
        self._add(
            ACCESS_LOG,
            ts,
            access_line(ts, ip, request, status, size, referer, agent),
            tag,
            evidence,
        )

    def auth(
        self,
        ts: float,
        program: str,
        pid: int | None,
        message: str,
        *,
        tag: str = "",
        evidence: bool = False,
    ) -> None:
        """Add an auth.log line: ``Nov 27 06:25:01 web1 sshd[1234]: message``.

        Args:
            ts: Epoch seconds.
            program: Syslog tag, e.g. ``sshd``.
            pid: Process id, or None for programs that log without one (sudo).
            message: The message text.
            tag: Campaign id, "" for benign.
            evidence: True if the line proves the campaign succeeded.
        """
        ident = program if pid is None else f"{program}[{pid}]"
        self._add(AUTH_LOG, ts, f"{syslog_stamp(ts)} {self.host} {ident}: {message}", tag, evidence)

    def kern(self, ts: float, message: str, *, tag: str = "") -> None:
        """Add a kern.log line with the kernel's ``[uptime]`` prefix.

        Args:
            ts: Epoch seconds.
            message: Text after the uptime stamp, e.g. ``[UFW BLOCK] IN=eth0 ...``.
            tag: Campaign id, "" for benign.
        """
        uptime = ts - self.boot_ts
        line = f"{syslog_stamp(ts)} {self.host} kernel: [{uptime:12.6f}] {message}"
        self._add(KERN_LOG, ts, line, tag, False)

    def sorted_lines(self, name: str) -> Iterator[Entry]:
        """Entries of one file in chronological order (ties by insertion order).

        Args:
            name: One of :data:`FILES`.

        Returns:
            An iterator over the sorted entries.
        """
        return iter(sorted(self._entries[name]))
