"""The detection engine: every loaded definition, run on each event.

Cost model.  Most lines are clean, so the engine works hardest at *not*
looking: definitions that declare ``prefilter`` tokens run only when one of
their tokens occurs in the event's normalised haystack (``uri`` + user agent
for HTTP, ``msg`` otherwise).  All tokens of an event kind are compiled into
one RE2 ``Set`` that reports every token present in a single linear pass;
results are cached per distinct URI and user agent (bounded caches, cleared
when full), so repeated clean requests cost two dict look-ups.  Definitions
without a prefilter (aggregations on status codes, auth events) run their
compiled predicates on every event of their kinds, except that HTTP rules
pinned to statuses (``all = [{ field = "status", in = [...] }]``) are only
dispatched for those statuses, and high-threshold rules count clients in a
:class:`~sentinel.detection.windows.RateGate` (two plain dicts) until they
get close.  Lower-threshold aggregations keep a key's first events in a
:class:`~sentinel.detection.windows.PendingGroup` (a list) until the key has
enough events to fire, so the one-off 404 of an ordinary client costs an
append.  The response-size baseline samples once warm.

:meth:`DetectionEngine.observe_batch` does the same work for a batch of
events, in bulk where that is provably equal (see :mod:`.batch`).

Findings open when a definition fires for an entity and are re-emitted (same
fingerprint) when their success changes and when they close; see
:mod:`.episodes`.  Pass ``math.inf`` to :meth:`DetectionEngine.flush` at end of
input to close everything.

.. versionadded:: 0.1
"""

from __future__ import annotations

import hashlib
import math
import operator
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import Any

import re2

from sentinel.detection.conditions import Guard
from sentinel.detection.definitions import Definition
from sentinel.detection.episodes import Episode, EvidenceLimits
from sentinel.detection.normalize import CACHE_MAX_CHARS
from sentinel.detection.success import SizeBaseline
from sentinel.detection.view import EventView, field_getter
from sentinel.detection.windows import (
    PRE_EVIDENCE,
    BoundedTable,
    DistinctCounter,
    GroupState,
    PendingGroup,
    RateGate,
)
from sentinel.records import EVENT_FIELDS, Event, EventKind, Finding, LineRef

__all__ = ["GATE_THRESHOLD", "DetectionEngine", "EngineLimits"]

#: Aggregations with a threshold this high count through a :class:`RateGate`
#: first: a group (with evidence) exists only once half the threshold is
#: reached, so the finding's first line is where the burst got serious.
GATE_THRESHOLD = 20
#: Ordered batches between two failed checks that the pending tables are in
#: time order again, at most (see DetectionEngine._recheck_order).
_ORDER_CHECK_MAX = 1024
_last = operator.attrgetter("last")
# Responses learnt in full before the size baseline samples (see _learn_size).
_WARM_SAMPLES = 50_000
#: Once warm, an answer is learnt when its size has these low bits clear (as
#: good as a coin): one in 16.  An EWMA needs no more, and learning is the one
#: per-answer cost on most lines of a busy site.
_WARM_SKIP_MASK = 15
# Entity fields that name the client a login comes from (an IP, else a host name).
_CLIENT_ENTITIES = frozenset({"client_ip", "client"})


@dataclass(frozen=True, slots=True)
class EngineLimits:
    """Bounds on the engine's state.

    Attributes:
        max_entities: per definition, groups tracked before firing and open
            findings (each table; least recently seen evicted and counted).
        entity_ttl: seconds of event time an idle group is kept (raised to
            the definition's window when that is longer).
        max_distinct: distinct values kept per group (users per client ...).
        max_evidence: line references kept per finding.
        max_targets: targets (users, paths, ports) kept per finding.
        max_paths: paths in the response-size baseline.
        cache_size: entries in each prefilter cache (URI, user agent).
        sweep_interval: seconds of event time between closing idle findings.
    """

    max_entities: int = 100_000
    entity_ttl: float = 86_400.0
    max_distinct: int = 1024
    max_evidence: int = 20
    max_targets: int = 100
    max_paths: int = 20_000
    cache_size: int = 50_000
    sweep_interval: float = 60.0


class _Runner:
    """One definition's state: groups before firing, episodes after."""

    def __init__(self, definition: Definition, limits: EngineLimits, close_after: float) -> None:
        self.d = definition
        self.limits = limits
        self.evidence_limits = EvidenceLimits(limits.max_evidence, limits.max_targets)
        self.close_after = close_after
        self.match = definition.match
        self.entity: Callable[[EventView], object] = field_getter(definition.entity)
        self.target = field_getter(definition.targets) if definition.targets else None
        agg = definition.aggregate
        self.distinct = field_getter(agg.distinct) if agg and agg.distinct else None
        #: Whether a login is the attack's success only when its value of the
        #: distinct field is one the finding counted: the attacking clients
        #: of a finding about an account.  A finding about a client has the
        #: login's source in its entity already.
        self.login_from_distinct = (
            self.distinct is not None and definition.entity not in _CLIENT_ENTITIES
        )
        ttl = max(limits.entity_ttl, agg.window if agg else 0.0)
        self.groups: BoundedTable[GroupState] = BoundedTable(limits.max_entities, ttl)
        self.episodes: BoundedTable[Episode] = BoundedTable(limits.max_entities, close_after)
        self.gate: RateGate | None = None
        # A distinct count needs every value from the start, unless values must
        # recur anyway (min_per_distinct > 1), in which case they recur after
        # admission too.
        gated = agg is not None and (agg.distinct is None or agg.min_per_distinct > 1)
        if agg is not None and gated and agg.threshold >= GATE_THRESHOLD:
            self.gate = RateGate(agg.window, agg.threshold / 2, limits.max_entities)
        #: Ungated aggregations keep a key's first ``threshold - 1`` events in
        #: a :class:`PendingGroup` (they cannot fire before the threshold),
        #: dropped after ``ttl`` idle like a group.
        self.pending: BoundedTable[PendingGroup] | None = None
        if agg is not None and self.gate is None and agg.threshold >= 2:
            self.pending = BoundedTable(limits.max_entities, ttl)
        #: Whether targets are recorded per event before firing (else they
        #: are the distinct values, or there are none).
        self.pre_targets = (
            self.target is not None and agg is not None and definition.targets != agg.distinct
        )
        self.after: _Runner | None = None  # set for sequence rules
        #: HTTP statuses the batch path must still test to dispatch as
        #: :meth:`DetectionEngine.observe` does (None: all, or the guards
        #: already imply them); a missing status counts as -1.
        self.status_filter: frozenset[object] | None = None
        self.suppressors: list[_Runner] = []  # set from suppressed_by
        #: Whether judging success reads the response-size baseline.
        self.reads_sizes = definition.success is not None and (
            definition.success.rule == "response_large"
        )
        self.suppressed = 0  # events ignored while a suppressing finding was open
        self.matched = 0
        self.opened = 0

    def observe(self, view: EventView, sizes: SizeBaseline, out: list[Finding]) -> bool:
        """Run the definition on one event; returns whether it matched."""
        if not self.match(view):
            success = self.d.success
            if success is not None and success.match is not None and success.match(view):
                self.login(view, out)
            return False
        value = self.entity(view)
        if value is None:
            return False
        key = value if type(value) is str and len(value) <= _KEY_MAX_CHARS else _key(value)
        if self.suppressors and self._silenced(key):
            return True
        event = view.event
        gate = self.gate
        if gate is not None and key not in self.episodes.data and key not in self.groups.data:
            # The common case for floods and storms: a client far from the
            # threshold.  One dict update, no per-client objects.
            seed = gate.add(key, event.ts)
            if not seed:
                self.matched += 1
                return True
            gate.forget(key)
            return self._admit(key, view, seed - 1, sizes, out)
        prior: Episode | None = None
        if self.after is not None:
            prior = self._prior(key, event.ts)
            if prior is None:
                return False
        self.matched += 1
        episode = self.episodes.get(key)
        if episode is not None and event.ts - episode.last > self.close_after:
            # Idle past its window but not swept yet: close it, start afresh.
            self.episodes.pop(key)
            out.append(episode.to_finding(self.d, closed=True))
            episode = None
        if episode is None:
            episode = self._fire(key, view)
            if episode is not None:
                self._open(key, episode, view, prior, sizes, out)
            return True
        episode.count += 1
        episode.last = max(episode.last, event.ts)
        episode.add_evidence(event.origin, self.evidence_limits)
        self._track(episode, view)
        changed = prior is not None and episode.outcome.mark_succeeded(event.origin)
        if self._judge(episode, view, sizes) or changed:
            out.append(episode.to_finding(self.d, closed=False))
        return True

    def _silenced(self, key: str) -> bool:
        """Whether a suppressing definition has an open finding for ``key``.

        While it has, this definition ignores the entity's events and forgets
        what it had counted for it: otherwise the count would carry the
        suppressed burst past the suppressor's finding and open a second
        finding for the same guessing (a fast and then a slow brute force).
        """
        if not self._suppressor_open(key):
            return False
        self.suppressed += 1
        self.groups.pop(key)
        if self.pending is not None:
            self.pending.pop(key)
        if self.gate is not None:
            self.gate.forget(key)
        return True

    def _suppressor_open(self, key: str) -> bool:
        return any(other.episodes.peek(key) is not None for other in self.suppressors)

    def _track(self, episode: Episode, view: EventView) -> None:
        """Distinct values and targets of an open episode."""
        agg = self.d.aggregate
        seen = None
        if episode.distinct is not None and self.distinct is not None:
            seen = self.distinct(view)
            if seen is not None:
                episode.distinct.add(_key(seen), view.event.ts)
        if self.target is None:
            return
        if agg is not None and agg.distinct == self.d.targets:
            # Targets are the distinct values: list those frequent enough.
            if seen is not None and episode.distinct is not None:
                key = _key(seen)
                if episode.distinct.count(key) >= agg.min_per_distinct:
                    episode.add_target(key, self.evidence_limits)
            return
        episode.add_target(self.target(view), self.evidence_limits)

    def _prior(self, key: str, ts: float) -> Episode | None:
        assert self.after is not None
        assert self.d.sequence is not None
        prior = self.after.episodes.peek(key)
        if prior is None or ts < prior.first or ts - prior.last > self.d.sequence.within:
            return None
        return prior

    def _judge(self, episode: Episode, view: EventView, sizes: SizeBaseline) -> bool:
        rule = self.d.success
        if (
            rule is None
            or rule.rule == "login_after"
            or view.event.kind is not EventKind.HTTP_REQUEST
        ):
            return False
        return episode.outcome.observe(view.event, rule, view.path_norm, sizes)

    def _admit(
        self, key: str, view: EventView, seed: float, sizes: SizeBaseline, out: list[Finding]
    ) -> bool:
        """A gated key reached half the threshold: give it a group (seeded) and go on."""
        self.matched += 1
        episode = self._fire(key, view, seed)
        if episode is not None:
            self._open(key, episode, view, None, sizes, out)
        return True

    def _open(  # noqa: PLR0917 - private helper, called from two places
        self,
        key: str,
        episode: Episode,
        view: EventView,
        prior: Episode | None,
        sizes: SizeBaseline,
        out: list[Finding],
    ) -> None:
        """Register a new episode and emit its opening finding."""
        if self.suppressors and self._suppressor_open(key):
            self.suppressed += 1
            return
        if prior is not None:
            episode.prior = prior.count
            episode.evidence[:0] = prior.evidence[:5]
            episode.outcome.mark_succeeded(view.event.origin)
        self.opened += 1
        evicted = self.episodes.put(key, episode)
        if evicted is not None:
            out.append(evicted.to_finding(self.d, closed=True))
        self._judge(episode, view, sizes)
        out.append(episode.to_finding(self.d, closed=False))

    def _fire(self, key: str, view: EventView, seed: float = 0.0) -> Episode | None:
        """Count the event in its group; an :class:`Episode` when the group fires."""
        event = view.event
        agg = self.d.aggregate
        if agg is None:
            episode = Episode(key, event.ts, 1)
            episode.add_evidence(event.origin, self.evidence_limits)
            if self.target is not None:
                episode.add_target(self.target(view), self.evidence_limits)
            return episode
        group = self.groups.get(key)
        if group is None:
            pending = self._pending(key, event.ts) if self.pending is not None else None
            if pending is not None and len(pending.events) + 1 < agg.threshold:
                pending.add(
                    event.ts, event.origin, self._distinct_key(view), self._pre_target(view)
                )
                return None
            group = self._new_group(key, event.ts, seed, pending)
        target = self._pre_target(view) if len(group.refs) < PRE_EVIDENCE else None
        estimate = self._count(group, event.ts, event.origin, self._distinct_key(view), target)
        if estimate < agg.threshold or not self._distinct_ok(group, event.ts):
            return None
        self.groups.pop(key)
        episode = Episode(key, group.first, max(1, math.floor(estimate)))
        episode.last = event.ts
        episode.distinct = group.distinct
        for ref in group.refs:
            episode.add_evidence(ref, self.evidence_limits)
        if event.origin not in group.refs:
            episode.add_evidence(event.origin, self.evidence_limits)
        if group.distinct is not None and self.d.targets == agg.distinct:
            for value, (_, count) in group.distinct.seen.items():
                if count >= agg.min_per_distinct:
                    episode.add_target(value, self.evidence_limits)
        elif group.targets:
            for value in group.targets:
                episode.add_target(value, self.evidence_limits)
        if self.target is not None and self.d.targets != agg.distinct:
            episode.add_target(self.target(view), self.evidence_limits)
        return episode

    def _pending(self, key: str, ts: float) -> PendingGroup:
        """``key``'s pending group (created if none; one idle past the TTL starts afresh)."""
        table = self.pending
        assert table is not None
        pending = table.get(key)
        if pending is not None and pending.last < ts - table.ttl:
            # What a sweep at ``ts`` would have dropped: the same, whenever sweeps run.
            table.pop(key)
            table.evicted_ttl += 1
            pending = None
        if pending is None:
            pending = PendingGroup(ts)
            table.put(key, pending)
        return pending

    def _new_group(
        self, key: str, ts: float, seed: float, pending: PendingGroup | None
    ) -> GroupState:
        """A group for ``key`` (seeded by a gate, or replaying its pending events)."""
        agg = self.d.aggregate
        assert agg is not None
        counter = None
        if self.distinct is not None:
            # Room for bystanders too, so they cannot push the real
            # participants out before the threshold is reached.
            cap = max(agg.min_distinct * 8, 256)
            counter = DistinctCounter(agg.window, min(cap, self.limits.max_distinct))
        first = pending.events[0][0] if pending is not None and pending.events else ts
        group = GroupState(agg.window, first, counter)
        group.cur = math.floor(seed)
        if pending is not None:
            assert self.pending is not None
            self.pending.pop(key)
            for when, ref, distinct, target in pending.events:
                # Below the threshold by construction: counting cannot fire.
                self._count(
                    group, when, ref, distinct, target if len(group.refs) < PRE_EVIDENCE else None
                )
        self.groups.put(key, group)
        return group

    @staticmethod
    def _count(
        group: GroupState, ts: float, ref: LineRef | None, distinct: str | None, target: object
    ) -> float:
        """Count one event in ``group``; the windowed estimate."""
        if target is not None:
            # Only the first few events' targets: enough to show how it began.
            group.add_target(target)
        estimate = group.add_event(ts, ref)
        if distinct is not None and group.distinct is not None:
            group.distinct.add(distinct, ts)
        return estimate

    def _distinct_key(self, view: EventView) -> str | None:
        seen = self.distinct(view) if self.distinct is not None else None
        return None if seen is None else _key(seen)

    def _pre_target(self, view: EventView) -> object:
        return self.target(view) if self.pre_targets and self.target is not None else None

    def _distinct_ok(self, group: GroupState, ts: float) -> bool:
        agg = self.d.aggregate
        if agg is None or group.distinct is None:
            return True
        if group.distinct.distinct(ts, agg.min_per_distinct) < agg.min_distinct:
            return False
        return (
            agg.max_per_distinct is None or group.distinct.mean_per_value() <= agg.max_per_distinct
        )

    def login(self, view: EventView, out: list[Finding]) -> None:
        """An accepted login: success evidence for this entity's open brute force."""
        value = self.entity(view)
        if value is None:
            return
        episode = self.episodes.peek(_key(value))
        event = view.event
        if episode is None or event.ts < episode.first:
            return
        assert self.d.success is not None
        if event.ts - episode.last > self.d.success.within:
            return
        attackers = episode.distinct
        if (
            self.login_from_distinct
            and attackers is not None
            and self._distinct_key(view) not in attackers.seen
        ):
            return  # the user logged in from somewhere that was not attacking
        if episode.outcome.mark_succeeded(event.origin):
            out.append(episode.to_finding(self.d, closed=False))

    def pending_in_time_order(self) -> bool:
        """Whether the pending table's recency order is its time order (or it has none)."""
        if not self.pending:
            return True
        lasts = list(map(_last, self.pending.data.values()))
        return all(map(operator.le, lasts, islice(lasts, 1, None)))

    def sweep(self, now: float, out: list[Finding]) -> None:
        """Close idle findings and drop idle groups."""
        # Most tables of most definitions are empty: test before building an iterator.
        if self.episodes:
            for _, episode in self.episodes.expire(now, self.close_after):
                out.append(episode.to_finding(self.d, closed=True))
        if self.groups:
            for _ in self.groups.expire(now):
                pass
        if self.pending:
            for _ in self.pending.expire(now):
                pass

    def counters(self, into: dict[str, int]) -> None:
        prefix = self.d.id
        into[f"{prefix}.matched"] = self.matched
        into[f"{prefix}.findings_opened"] = self.opened
        pending = self.pending
        into[f"{prefix}.groups_evicted_cap"] = self.groups.evicted_cap + (
            pending.evicted_cap if pending is not None else 0
        )
        into[f"{prefix}.groups_evicted_ttl"] = self.groups.evicted_ttl + (
            pending.evicted_ttl if pending is not None else 0
        )
        into[f"{prefix}.findings_evicted_cap"] = self.episodes.evicted_cap
        if self.gate is not None:
            into[f"{prefix}.gate_overflow"] = self.gate.overflow
        if self.suppressors:
            into[f"{prefix}.suppressed"] = self.suppressed


class _Prefilter:
    """One RE2 set over every prefilter token searched in one haystack field."""

    def __init__(self, tokens: Mapping[str, set[int]], cache_size: int) -> None:
        self.owners = [frozenset(owners) for owners in tokens.values()]
        self.set = re2.Set.SearchSet()
        for token in tokens:
            self.set.Add(re.escape(token))
        self.set.Compile()
        self.cache: dict[object, frozenset[int]] = {}
        self.cache_size = cache_size

    def scan(
        self, key: object, view: EventView, text: Callable[[EventView], str]
    ) -> frozenset[int]:
        """Indices of runners owning a token found in ``text(view)``, cached by ``key``.

        ``key`` is the raw field value: a repeated clean request then costs one
        dict look-up, without normalising it again.
        """
        found = self.cache.get(key)
        if found is not None:
            return found
        matches = self.set.Match(text(view))
        if not matches:
            found = _NONE
        elif len(matches) == 1:
            found = self.owners[matches[0]]
        else:
            found = frozenset().union(*(self.owners[m] for m in matches))
        if _cacheable(key):
            if len(self.cache) >= self.cache_size:
                self.cache.clear()  # bounded; a clear is cheaper than LRU bookkeeping here
            self.cache[key] = found
        return found


_NONE: frozenset[int] = frozenset()
_STATUS = EVENT_FIELDS.index("status")


def _status_filter(runner: _Runner, statuses: frozenset[int] | None) -> frozenset[object] | None:
    """``statuses`` unless ``runner``'s guards already imply them (see ``status_filter``)."""

    def pins(guards: Sequence[Guard]) -> bool:
        return statuses is not None and any(
            g.index == _STATUS and g.inside and {v for v in g.values if type(v) is int} <= statuses
            for g in guards
        )

    success = runner.d.success
    if statuses is None or (
        pins(runner.d.guards) and (success is None or success.match is None or pins(success.guards))
    ):
        return None
    return statuses | {None} if -1 in statuses else frozenset(statuses)


#: Entity keys longer than this (a path used as entity) are shortened to a
#: prefix plus a digest, so per-entity tables stay bounded in bytes.
_KEY_MAX_CHARS = 256


def _key(value: object) -> str:
    """The table key for an entity value (long values shortened deterministically)."""
    key = value if isinstance(value, str) else str(value)
    if len(key) <= _KEY_MAX_CHARS:
        return key
    digest = hashlib.blake2b(key.encode("utf-8", "replace"), digest_size=8).hexdigest()
    return f"{key[:200]}...#{digest}"


def _cacheable(key: object) -> bool:
    """Only short keys are cached, so the caches' bytes are bounded too."""
    if isinstance(key, tuple):
        return sum(len(part) for part in key if part) <= CACHE_MAX_CHARS * 2
    return isinstance(key, str) and len(key) <= CACHE_MAX_CHARS * 2


def _uri(view: EventView) -> str:
    return view.uri


def _agent(view: EventView) -> str:
    return (view.event.user_agent or "").lower()


def _referrer(view: EventView) -> str:
    return (view.event.referrer or "").lower()


def _message(view: EventView) -> str:
    return (view.event.message or "").lower()


def _build_prefilters(runners: Sequence[_Runner], cache_size: int) -> dict[str, _Prefilter]:
    tokens: dict[str, dict[str, set[int]]] = {}
    for index, runner in enumerate(runners):
        for name in runner.d.prefilter_on:
            for token in runner.d.prefilter:
                tokens.setdefault(name, {}).setdefault(token, set()).add(index)
    return {name: _Prefilter(table, cache_size) for name, table in tokens.items()}


class DetectionEngine:
    """Runs definitions over events; a :class:`~sentinel.protocols.Detector`."""

    id = "detection"

    def __init__(self, definitions: Iterable[Definition], limits: EngineLimits | None = None):
        self.limits = limits or EngineLimits()
        self.definitions = list(definitions)
        ids = {d.id: d for d in self.definitions}
        waits = Counter[str]()
        for d in self.definitions:
            if d.sequence is not None:
                waits[d.sequence.after] = max(waits[d.sequence.after], int(d.sequence.within))
        self._runners = [
            _Runner(d, self.limits, self._close_after(d, waits[d.id])) for d in self.definitions
        ]
        by_id = {r.d.id: r for r in self._runners}
        for runner in self._runners:
            if runner.d.sequence is not None:
                after = runner.d.sequence.after
                if after not in ids:
                    raise ValueError(f"{runner.d.id}: sequence.after names unknown {after!r}")
                runner.after = by_id[after]
            runner.suppressors = [by_id[i] for i in runner.d.suppressed_by if i in by_id]
        self._always: dict[EventKind, list[_Runner]] = {}
        # HTTP runners that need no particular status, plus per-status extras.
        self._any_status: list[_Runner] = []
        self._by_status: dict[int, list[_Runner]] = {}
        self._filtered: dict[EventKind, list[_Runner]] = {}
        self._prefilters: dict[EventKind, dict[str, _Prefilter]] = {}
        self._logins = [
            r
            for r in self._runners
            if r.d.success and r.d.success.rule == "login_after" and r.d.success.match is None
        ]
        self._build_dispatch()
        self.sizes = SizeBaseline(self.limits.max_paths)
        self._learned = 0
        self._learns_sizes = any(
            d.success is not None and d.success.rule == "response_large" for d in self.definitions
        )
        self._next_sweep = -math.inf
        #: Normalised path per raw path, for batches keyed by ``path_norm``
        #: (bounded like the prefilter caches).
        self._path_norms: dict[str, str] = {}
        #: Runners whose success judging reads the size baseline (the batch
        #: path brings the baseline up to date before they run).
        self._size_readers = frozenset(r for r in self._runners if r.reads_sizes)
        #: Per kind, the prefilter candidate indices whose definitions read it.
        self._candidate_size_readers = {
            kind: frozenset(i for i, r in enumerate(runners) if r.reads_sizes)
            for kind, runners in self._filtered.items()
        }
        self._events = 0
        self._skipped = 0
        #: Times the bulk pending path was allowed again after late events.
        self.order_restored = 0
        #: The latest event time seen, and whether every pending table's
        #: recency order is its time order, as it is while event times never
        #: go back: the batch path buffers pending groups in bulk only then
        #: (see :meth:`.batch.Batch._pend_in_bulk`).
        self._latest = -math.inf
        self._ordered = True
        #: After times went back, ordered batches until the tables are checked
        #: again (doubling up to _ORDER_CHECK_MAX while they are not in order).
        self._order_check_in = 0
        self._order_check_every = 1

    def _recheck_order(self) -> None:
        """Once a late event's entries have aged out, let the bulk path run again.

        A late event leaves its pending entries at the recent end of their
        tables with an older time.  The tables are in time order again once
        those entries are touched by newer events or expire, which the sweeps
        do; checking costs a pass over every pending table, so the checks
        back off while they fail.
        """
        if self._order_check_in > 0:
            self._order_check_in -= 1
            return
        if all(runner.pending_in_time_order() for runner in self._runners):
            self._ordered = True
            self._order_check_every = 1
            self.order_restored += 1
            return
        self._order_check_every = min(2 * self._order_check_every, _ORDER_CHECK_MAX)
        self._order_check_in = self._order_check_every

    @staticmethod
    def _close_after(d: Definition, dependents_within: int) -> float:
        wait = d.window
        if d.success is not None and d.success.rule == "login_after":
            wait = max(wait, d.success.within)
        if d.aggregate is not None:
            wait = max(wait, d.aggregate.window)
        return max(wait, float(dependents_within))

    def _build_dispatch(self) -> None:
        for kind in EventKind:
            mine = [r for r in self._runners if kind in r.d.kinds]
            self._always[kind] = [r for r in mine if not r.d.prefilter]
            if kind is EventKind.HTTP_REQUEST:
                self._index_statuses(self._always[kind])
            filtered = [r for r in mine if r.d.prefilter]
            self._filtered[kind] = filtered
            if filtered:
                self._prefilters[kind] = _build_prefilters(filtered, self.limits.cache_size)

    def _index_statuses(self, runners: list[_Runner]) -> None:
        def wanted(runner: _Runner) -> frozenset[int] | None:
            success, statuses = runner.d.success, runner.d.statuses
            if success is None or success.match is None or statuses is None:
                return statuses
            # A success rule with its own match looks at its statuses too.
            return None if success.statuses is None else statuses | success.statuses

        for runner in runners:
            runner.status_filter = _status_filter(runner, wanted(runner))
        self._any_status = [r for r in runners if wanted(r) is None]
        for status in {s for r in runners for s in wanted(r) or ()}:
            self._by_status[status] = [r for r in runners if status in (wanted(r) or {status})]

    def observe(self, event: Event) -> list[Finding]:
        """Run every applicable definition on ``event`` (event-time order expected)."""
        self._events += 1
        out: list[Finding] = []
        if event.ts >= self._latest:
            self._latest = event.ts
        else:  # also NaN
            self._ordered = False
        if event.ts >= self._next_sweep:
            self._next_sweep = event.ts + self.limits.sweep_interval
            self._sweep(event.ts, out)
        kind = event.kind
        view = EventView(event)
        if kind is EventKind.HTTP_REQUEST:
            status = event.status if event.status is not None else -1
            always = self._by_status.get(status, self._any_status)
        else:
            always = self._always.get(kind, [])
        candidates = None
        prefilter = self._prefilters.get(kind)
        if prefilter is not None:
            candidates = self._candidates(prefilter, view)
            if not candidates:
                self._skipped += 1
        matched = self._run(view, always, candidates, out)
        if kind is EventKind.HTTP_REQUEST and self._learns_sizes:
            self._learn_size(view, matched)
        return out

    def observe_batch(
        self, events: Sequence[Event], columns: list[tuple[Any, ...]] | None = None
    ) -> list[Finding]:
        """Observe ``events`` (in event-time order) as :meth:`observe` would, one by one.

        The findings (and their order) and the counters are the same as from
        feeding the events to :meth:`observe`; the work is done in bulk where
        that is provably equivalent (see :mod:`.batch`).  A batch out of time
        order is observed event by event.

        Args:
            events: the batch.
            columns: ``list(zip(*events))``, when the caller has transposed
                the batch already (the replayer shares it with its summary).

        .. versionadded:: 0.2
        """
        # Imported here: the batch planner is built on this module's runners.
        from sentinel.detection.batch import Batch

        batch = Batch(self, events, columns) if len(events) > 1 else None
        if batch is not None and batch.in_time_order():
            return batch.run()
        out: list[Finding] = []
        for event in events:
            out.extend(self.observe(event))
        return out

    def _run(
        self,
        view: EventView,
        always: Sequence[_Runner],
        candidates: frozenset[int] | None,
        out: list[Finding],
    ) -> bool:
        """One event's definitions and logins; whether a prefiltered definition matched.

        Size learning is the caller's (it must follow the same event order).
        """
        sizes = self.sizes
        for runner in always:
            runner.observe(view, sizes, out)
        event = view.event
        matched = False
        if candidates:
            filtered = self._filtered[event.kind]
            for index in sorted(candidates):
                matched |= filtered[index].observe(view, sizes, out)
        if event.kind is EventKind.AUTH_SUCCESS:
            for runner in self._logins:
                runner.login(view, out)
        return matched

    @staticmethod
    def _candidates(prefilters: Mapping[str, _Prefilter], view: EventView) -> frozenset[int]:
        event = view.event
        found = _NONE
        for name, prefilter in prefilters.items():
            # Cache hits inline (the common case); scan() on a miss.
            if name == "uri":
                key: object = (event.path, event.query)
                hits = prefilter.cache.get(key)
                if hits is None:
                    hits = prefilter.scan(key, view, _uri)
            elif name == "ua":
                if not event.user_agent:
                    continue
                hits = prefilter.cache.get(event.user_agent)
                if hits is None:
                    hits = prefilter.scan(event.user_agent, view, _agent)
            elif name == "ref":
                if not event.referrer:
                    continue
                hits = prefilter.cache.get(event.referrer)
                if hits is None:
                    hits = prefilter.scan(event.referrer, view, _referrer)
            else:
                hits = prefilter.scan(event.message, view, _message)
            if hits:
                found = found | hits if found else hits
        return found

    def _learn_size(self, view: EventView, matched: bool) -> None:
        event = view.event
        status = event.status
        size = event.bytes
        if matched or status is None or not 200 <= status < 300 or size is None:
            return
        self._learn_answers(((event.path, size),))

    def _learn_answers(self, answers: Iterable[tuple[str | None, int]]) -> None:
        """Fold benign 2xx answers ``(path, size)`` into the size baseline, in order."""
        learn = self.sizes.learn
        learned = self._learned
        for path, size in answers:
            if learned >= _WARM_SAMPLES and size & _WARM_SKIP_MASK:
                continue
            learned += 1
            # Benign paths are plain: lower-casing equals normalising them, at
            # a fraction of the cost; encoded paths are not worth learning.
            if path is None or "%" in path or "\\" in path:
                continue
            learn(path.lower(), size)
        self._learned = learned

    def _sweep(self, now: float, out: list[Finding]) -> None:
        for runner in self._runners:
            runner.sweep(now, out)

    def flush(self, now_ts: float) -> list[Finding]:
        """Close findings idle at event time ``now_ts`` (``math.inf``: close all)."""
        out: list[Finding] = []
        self._sweep(now_ts, out)
        return out

    def counters(self) -> Mapping[str, int]:
        """Events seen, prefilter skips, and per-definition match/eviction counts."""
        into: dict[str, int] = {
            "events": self._events,
            "prefilter_skipped": self._skipped,
            "size_baseline_evicted": self.sizes.evicted,
        }
        for runner in self._runners:
            runner.counters(into)
        return into
