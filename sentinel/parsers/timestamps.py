"""Timestamp parsing for log formats, with per-second caches on the hot path.

Every function returns UTC epoch seconds as ``float`` or raises
:class:`ValueError`.  Formats without an offset are read in a configurable
time zone (``zoneinfo`` name, default UTC).

Log lines arrive in bursts that share a second, so each parser caches the
conversion of the *second* part of its timestamp string and only adds the
fraction; a cache is a plain dict cleared when it reaches
:data:`CACHE_SIZE`, which bounds memory whatever the input.
"""

from __future__ import annotations

import calendar
from datetime import UTC, datetime, tzinfo
from typing import TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = [
    "CACHE_SIZE",
    "MONTHS",
    "ClfTimeParser",
    "CtimeParser",
    "IsoTimeParser",
    "StrptimeParser",
    "SyslogTimeParser",
    "epoch_from_number",
    "resolve_zone",
]

CACHE_SIZE = 4096
MONTHS = {
    name: index
    for index, name in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
        start=1,
    )
}
_DAY = 86400.0
# Oldest and newest event times accepted: absurd years are attacker input.
MIN_TS = calendar.timegm((1990, 1, 1, 0, 0, 0))
MAX_TS = calendar.timegm((2200, 1, 1, 0, 0, 0))


K = TypeVar("K")


def _remember(cache: dict[K, float], key: K, value: float) -> float:
    """Store ``value`` in a per-parser cache bounded by :data:`CACHE_SIZE`; return it.

    A full cache is emptied rather than evicted entry by entry: timestamps
    move forward, so old seconds are never asked for again.
    """
    if len(cache) >= CACHE_SIZE:
        cache.clear()
    cache[key] = value
    return value


def resolve_zone(name: str | None) -> tzinfo:
    """``"Europe/Paris"`` -> tzinfo; ``None``/``"UTC"`` -> UTC; ValueError if unknown."""
    if name is None or name.upper() in ("UTC", "Z", "GMT"):
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {name!r}") from exc


def _check_range(ts: float) -> float:
    if not MIN_TS <= ts < MAX_TS:
        raise ValueError("timestamp out of range")
    return ts


def _check_clock(day: int, hour: int, minute: int, second: int) -> None:
    """Reject fields ``calendar.timegm`` would silently roll over (``32/Oct``, ``25:00``)."""
    if not (1 <= day <= 31 and hour < 24 and minute < 60 and second <= 60):
        raise ValueError("field out of range")


def _local_to_epoch(  # noqa: PLR0917 - mirrors the datetime constructor
    y: int, mo: int, d: int, h: int, mi: int, s: int, zone: tzinfo
) -> float:
    if zone is UTC:
        return float(calendar.timegm((y, mo, d, h, mi, s)))
    return datetime(y, mo, d, h, mi, s, tzinfo=zone).timestamp()


def epoch_from_number(value: float) -> float:
    """Epoch seconds from seconds, milliseconds, microseconds or nanoseconds by magnitude."""
    magnitude = abs(value)
    if magnitude >= 1e17:
        value /= 1e9
    elif magnitude >= 1e14:
        value /= 1e6
    elif magnitude >= 1e11:
        value /= 1e3
    return _check_range(float(value))


class ClfTimeParser:
    """Common Log Format time: ``10/Oct/2000:13:55:36 -0700`` (optionally ``.123``).

    Two caches: whole strings (a hit costs one dict lookup) and, for misses,
    the epoch of the day and offset, so a new second costs a few slices
    instead of a ``calendar.timegm`` call; millisecond stamps miss the first
    cache on nearly every line.
    """

    def __init__(self) -> None:
        self._cache: dict[str, float] = {}
        self._days: dict[str, float] = {}

    def parse(self, text: str) -> float:
        """Epoch seconds of a CLF timestamp (without the brackets)."""
        cached = self._cache.get(text)
        if cached is not None:
            return cached
        ts = self._convert(text)
        return _remember(self._cache, text, ts)

    def _convert(self, text: str) -> float:
        # dd/Mon/yyyy:HH:MM:SS[.fff] +hhmm
        if (
            not 26 <= len(text) <= 40
            or text[2] != "/"
            or text[6] != "/"
            or text[11] != ":"
            or text[14] != ":"
            or text[17] != ":"
        ):
            raise ValueError("not a CLF timestamp")
        stamp, _, offset = text.rpartition(" ")
        fraction = 0.0
        if len(stamp) > 20:
            if stamp[20] != "." or not stamp[21:].isdigit() or not stamp.isascii():
                raise ValueError("bad fraction")
            fraction = float("0" + stamp[20:])
        clock = stamp[12:14] + stamp[15:17] + stamp[18:20]
        if not (clock.isdigit() and clock.isascii()):
            raise ValueError("bad digits")
        hour, minute, second = int(clock[0:2]), int(clock[2:4]), int(clock[4:6])
        if hour > 23 or minute > 59 or second > 60:
            raise ValueError("field out of range")
        day_key = stamp[:11] + offset
        day = self._days.get(day_key)
        if day is None:
            day = self._day(stamp[:11], offset)
            if len(self._days) >= CACHE_SIZE:
                self._days.clear()
            self._days[day_key] = day
        return _check_range(day + (hour * 3600 + minute * 60 + second) + fraction)

    @staticmethod
    def _day(date: str, offset: str) -> float:
        """Epoch of 00:00:00 on ``dd/Mon/yyyy`` at UTC ``offset``."""
        month = MONTHS.get(date[3:6])
        if month is None:
            raise ValueError("bad month")
        digits = date[0:2] + date[7:11]
        if not (digits.isdigit() and digits.isascii()):
            raise ValueError("bad digits")
        day, year = int(digits[0:2]), int(digits[2:6])
        _check_clock(day, 0, 0, 0)
        return float(calendar.timegm((year, month, day, 0, 0, 0))) - _parse_offset(offset)


class CtimeParser:
    """``ctime``-style time as Apache error logs write it, read in ``zone``.

    ``Sun Dec 04 04:47:44 2005`` (Apache 2.2) or ``Wed Oct 11 14:32:52.123456
    2000`` (Apache 2.4, microseconds); the day of the week is not checked
    (it is redundant) and a space-padded day (``Dec  4``) is accepted.
    """

    def __init__(self, zone: tzinfo = UTC) -> None:
        self.zone = zone
        self._cache: dict[str, float] = {}

    def parse(self, text: str) -> float:
        """Epoch seconds; the per-second cache keys on everything but the fraction."""
        fraction = 0.0
        dot = text.find(".", 16)
        key = text
        if dot >= 0:
            end = text.find(" ", dot)
            digits = text[dot + 1 : end] if end >= 0 else ""
            if not digits.isdigit() or len(digits) > 9:
                raise ValueError("bad fraction")
            fraction = float("0." + digits)
            key = text[:dot] + text[end:]
        base = self._cache.get(key)
        if base is None:
            base = _remember(self._cache, key, self._convert(key))
        return base + fraction

    def _convert(self, text: str) -> float:
        parts = text.split()
        if len(parts) != 5 or len(text) > 40:
            raise ValueError("not a ctime timestamp")
        _weekday, month_name, day, clock, year = parts
        month = MONTHS.get(month_name)
        fields = clock.split(":")
        numbers = (day, year, *fields)
        if month is None or len(fields) != 3 or not all(n.isdigit() for n in numbers):
            raise ValueError("not a ctime timestamp")
        hour, minute, second = (int(f) for f in fields)
        _check_clock(int(day), hour, minute, second)
        moment = (int(year), month, int(day), hour, minute, second)
        try:
            return _check_range(_local_to_epoch(*moment, self.zone))
        except (OverflowError, ValueError) as exc:  # day 31 of June, hour 25 ...
            raise ValueError("impossible date") from exc


def _parse_offset(offset: str) -> float:
    """``+0200``/``-07:00``/``Z`` -> seconds east of UTC."""
    if offset in ("Z", "z", "UTC", "GMT"):
        return 0.0
    digits = offset[1:].replace(":", "")
    if offset[:1] not in ("+", "-") or len(digits) != 4 or not digits.isdigit():
        raise ValueError("bad UTC offset")
    hours, minutes = int(digits[:2]), int(digits[2:])
    if hours > 23 or minutes > 59:  # real offsets span -12:00..+14:00
        raise ValueError("bad UTC offset")
    seconds = hours * 3600 + minutes * 60
    return float(seconds if offset[0] == "+" else -seconds)


class IsoTimeParser:
    """ISO 8601 / RFC 3339 / RFC 5424 timestamps, naive ones read in ``zone``."""

    def __init__(self, zone: tzinfo = UTC) -> None:
        self.zone = zone
        self._cache: dict[str, float] = {}

    def parse(self, text: str) -> float:
        """Epoch seconds; the per-second cache keys on everything but the fraction."""
        if len(text) > 64:
            raise ValueError("timestamp too long")
        head, fraction, tail = _split_fraction(text)
        key = head + tail
        base = self._cache.get(key)
        if base is None:
            base = _remember(self._cache, key, self._convert(key))
        return base + fraction

    def _convert(self, text: str) -> float:
        if text.endswith(("z", "Z")):
            text = text[:-1] + "+00:00"
        moment = datetime.fromisoformat(text)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=self.zone)
        return _check_range(moment.timestamp())


def _split_fraction(text: str) -> tuple[str, float, str]:
    """``2026-01-02T03:04:05.678+01:00`` -> (``...05``, 0.678, ``+01:00``)."""
    dot = text.find(".", 10)
    if dot < 0:
        dot = text.find(",", 10)  # log4j/Python logging use a comma
    if dot < 0:
        return text, 0.0, ""
    end = dot + 1
    while end < len(text) and text[end].isdigit():
        end += 1
    digits = text[dot + 1 : end]
    if not digits:
        return text, 0.0, ""
    return text[:dot], float("0." + digits[:9]), text[end:]


class SyslogTimeParser:
    """RFC 3164 ``Mmm dd HH:MM:SS`` with year inference, read in ``zone``.

    The year is not in the line.  The first line is placed in the year that
    puts it at most one day after ``reference`` (the wall clock when the file
    is read); after that each line is placed nearest to the previous event
    time, so a file that runs across New Year moves to the next year instead
    of jumping back eleven months.
    """

    def __init__(self, zone: tzinfo = UTC, reference: float | None = None) -> None:
        self.zone = zone
        self._reference = reference
        self._last: float | None = None
        self._year = 0
        self._cache: dict[tuple[int, str], float] = {}

    def parse(self, text: str) -> float:
        """Epoch seconds of ``"Dec 10 06:55:46"`` (a ``.ffffff`` fraction is allowed)."""
        head, fraction, _ = _split_fraction_plain(text)
        if self._last is None:
            ref = self._reference
            if ref is None:
                ref = datetime.now(UTC).timestamp()
            year = datetime.fromtimestamp(ref, UTC).year
            ts = self._at(year, head)
            if ts > ref + _DAY:
                year -= 1
                ts = self._at(year, head)
        else:
            # The year of the previous line, kept rather than recomputed from
            # its timestamp: datetime.fromtimestamp per line is a hot-path cost.
            year = self._year
            ts = self._at(year, head)
            if ts < self._last - 180 * _DAY:
                year += 1
                ts = self._at(year, head)
            elif ts > self._last + 180 * _DAY:
                year -= 1
                ts = self._at(year, head)
        self._last = ts
        self._year = year
        return ts + fraction

    def _at(self, year: int, head: str) -> float:
        key = (year, head)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        month = MONTHS.get(head[0:3])
        day_text = head[4:6].strip()
        clock = head[7:15]
        if (
            month is None
            or head[3] != " "
            or not day_text.isdigit()
            or len(clock) != 8
            or clock[2] != ":"
            or clock[5] != ":"
            or not (clock[0:2] + clock[3:5] + clock[6:8]).isdigit()
        ):
            raise ValueError("not an RFC 3164 timestamp")
        hour, minute, second = (int(p) for p in clock.split(":"))
        day = int(day_text)
        _check_clock(day, hour, minute, second)
        if month == 2 and day == 29 and not calendar.isleap(year):
            year -= 1  # Feb 29 only exists in leap years: the nearest earlier one
        ts = _check_range(_local_to_epoch(year, month, day, hour, minute, second, self.zone))
        return _remember(self._cache, key, ts)


def _split_fraction_plain(text: str) -> tuple[str, float, str]:
    if len(text) > 15 and text[15] == ".":
        digits = text[16:].split(" ", 1)[0]
        if digits.isdigit():
            return text[:15], float("0." + digits[:9]), ""
    return text[:15], 0.0, ""


class StrptimeParser:
    """A user-given ``strftime`` format (``%Y-%m-%d %H:%M:%S``), cached per string.

    A format without ``%z`` is read in ``zone``.
    """

    def __init__(self, fmt: str, zone: tzinfo = UTC) -> None:
        self.fmt = fmt
        self.zone = zone
        self._cache: dict[str, float] = {}

    def parse(self, text: str) -> float:
        """Epoch seconds of ``text`` read with the configured format."""
        cached = self._cache.get(text)
        if cached is not None:
            return cached
        if len(text) > 64:
            raise ValueError("timestamp too long")
        moment = datetime.strptime(text, self.fmt)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=self.zone)
        ts = _check_range(moment.timestamp())
        return _remember(self._cache, text, ts)
