"""A per-event view that computes derived fields once, on first use.

Conditions read fields through an :class:`EventView`: raw :class:`Event`
fields, ``extra.KEY`` entries and the derived, normalised views below.  A
derived field is computed at most once per event and only if some condition
asks for it, so clean traffic that no detector inspects closely never pays
for normalisation.

Derived fields (all lower-case):

``uri``        normalised path, then ``?`` and normalised query when present
``path_norm``  normalised path
``query_norm`` normalised query
``ua``         user agent, lower-cased
``ref``        referrer, lower-cased
``msg``        message, lower-cased
``dst_port``   destination port of a firewall event (``extra``, else ``DPT=``)
``status_class`` ``"2xx"`` ... ``"5xx"``
``client``     the client IP, else the host name sshd or PAM logged
               (``extra.rhost``, lower-cased): sshd with ``UseDNS yes`` names
               attackers by host

.. versionadded:: 0.1
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from sentinel.detection.normalize import normalize_path, normalize_query
from sentinel.records import EVENT_FIELDS, Event, event_client

__all__ = ["DERIVED_FIELDS", "EventView", "field_getter", "is_known_field"]

_DPT = re.compile(r"\bDPT=(\d{1,5})\b")


class EventView:
    """Lazily computed normalised views of one event."""

    __slots__ = ("_path", "_query", "_uri", "event")

    def __init__(self, event: Event) -> None:
        self.event = event
        self._path: str | None = None
        self._query: str | None = None
        self._uri: str | None = None

    @property
    def path_norm(self) -> str:
        """Normalised path ('' when the event has none)."""
        if self._path is None:
            self._path = normalize_path(self.event.path) if self.event.path else ""
        return self._path

    @property
    def query_norm(self) -> str:
        """Normalised query string ('' when the event has none)."""
        if self._query is None:
            self._query = normalize_query(self.event.query) if self.event.query else ""
        return self._query

    @property
    def uri(self) -> str:
        """Normalised path plus query, as one string to search."""
        if self._uri is None:
            query = self.query_norm
            self._uri = f"{self.path_norm}?{query}" if query else self.path_norm
        return self._uri

    def seed(self, path_norm: str, query_norm: str, uri: str) -> None:
        """Install views computed elsewhere (the engine's per-URI cache)."""
        self._path, self._query, self._uri = path_norm, query_norm, uri


def _ua(view: EventView) -> str:
    return (view.event.user_agent or "").lower()


def _ref(view: EventView) -> str:
    return (view.event.referrer or "").lower()


def _msg(view: EventView) -> str:
    return (view.event.message or "").lower()


def _dst_port(view: EventView) -> int | None:
    extra = view.event.extra
    for key in ("dst_port", "dpt", "DPT"):
        value = extra.get(key)
        if value is not None and value.isdigit():
            return int(value)
    match = _DPT.search(view.event.message or "")
    return int(match.group(1)) if match else None


def _client(view: EventView) -> str | None:
    return event_client(view.event)


def _status_class(view: EventView) -> str:
    status = view.event.status
    return f"{status // 100}xx" if status is not None else ""


DERIVED_FIELDS: Mapping[str, Callable[[EventView], object]] = {
    "uri": lambda v: v.uri,
    "path_norm": lambda v: v.path_norm,
    "query_norm": lambda v: v.query_norm,
    "ua": _ua,
    "ref": _ref,
    "msg": _msg,
    "dst_port": _dst_port,
    "status_class": _status_class,
    "client": _client,
}

_NOT_MATCHABLE = frozenset({"metrics", "origin", "extra", "ts"})


def is_known_field(name: str) -> bool:
    """Whether a definition may name ``name`` in a condition, group-by or entity."""
    if name.startswith("extra.") and len(name) > len("extra."):
        return True
    return name in DERIVED_FIELDS or (name in EVENT_FIELDS and name not in _NOT_MATCHABLE)


def field_getter(name: str) -> Callable[[EventView], object]:
    """A function reading ``name`` from a view (``KeyError`` if unknown)."""
    if not is_known_field(name):
        raise KeyError(name)
    derived = DERIVED_FIELDS.get(name)
    if derived is not None:
        return derived
    if name.startswith("extra."):
        key = name[len("extra.") :]
        return lambda v: v.event.extra.get(key)
    index = EVENT_FIELDS.index(name)
    if name == "kind":
        return lambda v: v.event.kind.value
    return lambda v: v.event[index]
