"""The batch path of :meth:`DetectionEngine.observe_batch`.

A batch must come out exactly as if its events had been fed to
:meth:`~sentinel.detection.engine.DetectionEngine.observe` one by one: the
same findings in the same order, the same counters.  So the batch path only
skips work it can prove has no effect, and sends everything else through the
engine's per-event step, in event order:

* **Columns.**  The event fields the decisions need are pulled out once per
  batch, and dispatch, guards and cache look-ups run as C-level
  ``map``/``compress`` over them instead of one Python call per event.
* **Guards.**  An event failing a definition's match guards (and its success
  match's guards) does not match it, and a non-matching event without a
  success match changes nothing, so the definition skips it.
* **Rate gates.**  For a gated definition whose guards are its whole match,
  the batch is cut into segments that lie inside one gate bucket.  A key that
  has no group or open finding at a segment's start, and whose count cannot
  reach ``admit`` within the segment (its bucket counts plus all its events in
  the segment, the previous bucket weighted at the segment's first event),
  would only be counted: its events are added in one ``Counter.update``.
  Other keys' events take the per-event path.  A segment in which the gate's
  cap could be reached, or whose bucket depends on which event comes first
  (after a gap of two windows), goes per event entirely.
* **Caches.**  Prefilter caches are looked up for the whole batch (a miss is
  scanned), so clean events need no view at all.
* **Order.**  Sweeps run at the same events as per event; size learning of
  events without per-event work is done between the per-event stops, so
  every baseline read sees the same samples.

.. versionadded:: 0.2
"""

from __future__ import annotations

import operator
from bisect import bisect_left
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from itertools import compress, islice, repeat
from typing import Any

from sentinel.detection.conditions import Guard
from sentinel.detection.engine import (
    _KEY_MAX_CHARS,
    _NONE,
    _WARM_SAMPLES,
    _WARM_SKIP_MASK,
    DetectionEngine,
    _agent,
    _key,
    _message,
    _Prefilter,
    _referrer,
    _Runner,
    _uri,
)
from sentinel.detection.normalize import CACHE_MAX_CHARS, normalize_path
from sentinel.detection.view import EventView
from sentinel.detection.windows import PendingGroup
from sentinel.records import EVENT_FIELDS, Event, EventKind, Finding

__all__ = ["Batch"]

_TS, _KIND, _PATH, _QUERY, _STATUS, _BYTES, _ORIGIN = (
    EVENT_FIELDS.index(name)
    for name in ("ts", "kind", "path", "query", "status", "bytes", "origin")
)
_AGENT, _REFERRER, _MESSAGE = (
    EVENT_FIELDS.index(name) for name in ("user_agent", "referrer", "message")
)
_OK_STATUSES = frozenset(range(200, 300))
#: Prefilter haystacks: the column holding each cache key, the text scanned on a miss.
_HAYSTACKS: dict[str, tuple[int, Callable[[EventView], str]]] = {
    "ua": (_AGENT, _agent),
    "ref": (_REFERRER, _referrer),
}


def _table_key(value: object) -> str:
    """The entity key :meth:`_Runner.observe` uses for ``value``."""
    return value if type(value) is str and len(value) <= _KEY_MAX_CHARS else _key(value)


class _Plan:
    """One always-run definition's share of a batch.

    ``indices`` are the events it must look at.  With ``keys`` (a gated
    definition counted in bulk) they are exactly the events it counts, and
    ``keys`` their entity keys.
    """

    __slots__ = ("indices", "keys", "runner")

    def __init__(self, runner: _Runner, indices: Sequence[int], keys: Sequence[str] | None) -> None:
        self.runner = runner
        self.indices = indices
        self.keys = keys


class Batch:
    """Observes one batch of events (in time order) on a :class:`DetectionEngine`."""

    def __init__(
        self,
        engine: DetectionEngine,
        events: Sequence[Event],
        columns: list[tuple[Any, ...]] | None = None,
    ) -> None:
        self.engine = engine
        self.events = events
        self.n = len(events)
        # The whole batch transposed at once: one pass that touches each event
        # once is about twice as fast as one map(itemgetter) pass per field,
        # though it also copies the fields nobody reads.
        if columns is None:
            columns = list(zip(*events, strict=True))
        elif len(columns[_TS]) != self.n:
            raise ValueError("columns are not the transposed events")
        self.columns: list[tuple[Any, ...]] = columns
        self.times = self.columns[_TS]
        kinds = self.columns[_KIND]
        #: The one kind of every event, or None for a mixed batch.
        self.kind: EventKind | None = kinds[0] if kinds.count(kinds[0]) == self.n else None
        #: Views made while planning (prefilter misses), reused per event.
        self.views: dict[int, EventView] = {}
        self.candidates: list[frozenset[int] | None] = [None] * self.n
        self.stops: set[int] = set()  # events with per-event work whatever the state
        self.learnable: list[int] = []
        self.learned_upto = 0
        self.unlearnt: set[int] = set()  # learnable, but a signature matched

    def in_time_order(self) -> bool:
        """Whether event times never decrease (NaN counts as out of order)."""
        times = self.times
        return all(map(operator.le, times, islice(times, 1, None)))

    def run(self) -> list[Finding]:
        """Observe the batch; the findings in per-event order."""
        engine = self.engine
        engine._events += self.n
        if self.times[0] >= engine._latest:
            engine._latest = self.times[-1]
            if not engine._ordered:
                engine._recheck_order()
        else:
            engine._ordered = False
        self._plan_candidates()
        self._plan_logins()
        self._plan_learning()
        if self.kind is not None:
            runners = engine._always.get(self.kind, [])
        else:
            present = set(self.columns[_KIND])
            runners = [r for r in engine._runners if not r.d.prefilter and present & r.d.kinds]
        plans = [plan for plan in map(self._plan, runners) if plan is not None]
        sweeps = self._sweep_points()
        static = sorted(self.stops)
        kinds = self.columns[_KIND]
        out: list[Finding] = []
        start = 0
        while start < self.n:
            end = min((self._segment_end(p, start) for p in plans if p.keys), default=self.n)
            work = self._work(plans, start, end)
            stops = set(work)
            stops.update(islice(static, bisect_left(static, start), bisect_left(static, end)))
            swept = set(sweeps[bisect_left(sweeps, start) : bisect_left(sweeps, end)])
            for stop in sorted(stops | swept):
                if stop in swept:
                    engine._sweep(self.times[stop], out)
                if stop not in stops:
                    continue
                always: Sequence[_Runner] = work.get(stop) or ()
                candidates = self.candidates[stop]
                if (
                    candidates
                    and not candidates.isdisjoint(engine._candidate_size_readers[kinds[stop]])
                ) or (always and not engine._size_readers.isdisjoint(always)):
                    self._learn_until(stop)  # judging success reads the baseline
                view = self.views.pop(stop, None) or EventView(self.events[stop])
                if engine._run(view, always, candidates, out):
                    self.unlearnt.add(stop)
            start = end
        self._learn_until(self.n)
        return out

    # -- planning that does not depend on the engine's state -----------------

    def _kind_indices(self, kind: EventKind) -> range | list[int]:
        if self.kind is not None:
            return range(self.n) if self.kind is kind else []
        return [i for i, k in enumerate(self.columns[_KIND]) if k is kind]

    def _plan_candidates(self) -> None:
        """Prefilter candidates per event, from the caches (misses scanned)."""
        for kind, prefilters in self.engine._prefilters.items():
            indices = self._kind_indices(kind)
            if not indices:
                continue
            found: list[frozenset[int]] = []
            for name, prefilter in prefilters.items():
                hits = self._scan(name, prefilter, indices)
                if not found:
                    found = hits
                elif any(hits):
                    for at in compress(range(len(hits)), hits):
                        found[at] = found[at] | hits[at]
            hit = list(compress(indices, found))
            self.engine._skipped += len(found) - len(hit)
            if isinstance(indices, range):
                self.candidates[:] = found
            else:
                for i, got in zip(indices, found, strict=True):
                    self.candidates[i] = got
            self.stops.update(hit)

    def _column(self, index: int, indices: Sequence[int]) -> Sequence[Any]:
        column = self.columns[index]
        if isinstance(indices, range) and indices == range(self.n):
            return column
        return list(map(column.__getitem__, indices))

    def _scan(
        self, name: str, prefilter: _Prefilter, indices: range | list[int]
    ) -> list[frozenset[int]]:
        """One haystack's cached hits for ``indices``, as :meth:`DetectionEngine._candidates`."""
        key_of: Callable[[int], object]
        text: Callable[[EventView], str]
        cache = prefilter.cache
        if name == "uri":
            paths, queries = self._column(_PATH, indices), self._column(_QUERY, indices)
            # zip() reuses its tuple when the look-up lets go of it: no tuple per event.
            try:
                # The common case, every key cached, without a pass to look for misses.
                return list(map(cache.__getitem__, zip(paths, queries, strict=True)))
            except KeyError:
                hits: list[Any] = list(map(cache.get, zip(paths, queries, strict=True)))
            key_of, text = lambda at: (paths[at], queries[at]), _uri
        else:
            column, text = _HAYSTACKS.get(name, (_MESSAGE, _message))
            keys = self._column(column, indices)
            try:
                return list(map(cache.__getitem__, keys))
            except KeyError:
                hits = list(map(cache.get, keys))
            key_of = keys.__getitem__
        optional = name in _HAYSTACKS  # an absent user agent or referrer is skipped
        for position, got in enumerate(hits):
            if got is not None:
                continue
            key = key_of(position)
            if optional and not key:
                hits[position] = _NONE
                continue
            index = indices[position]
            view = self.views.get(index)
            if view is None:
                view = self.views[index] = EventView(self.events[index])
            hits[position] = prefilter.scan(key, view, text)
        return hits

    def _plan_logins(self) -> None:
        if self.engine._logins:
            self.stops.update(self._kind_indices(EventKind.AUTH_SUCCESS))

    def _plan_learning(self) -> None:
        """HTTP 2xx answers with a size: learnt unless a signature matched."""
        if not self.engine._learns_sizes:
            return
        http = self._kind_indices(EventKind.HTTP_REQUEST)
        ok: Iterable[bool] = map(_OK_STATUSES.__contains__, self._column(_STATUS, http))
        sizes = self._column(_BYTES, http)
        if self.engine._learned >= _WARM_SAMPLES:
            # Warm: only answers whose size has clear low bits are learnt (see
            # DetectionEngine._learn_answers); drop the others here, in C.
            try:
                clear = list(map(operator.not_, map(operator.and_, sizes, repeat(_WARM_SKIP_MASK))))
            except TypeError:  # a missing size (None & 15): the general path below
                pass
            else:
                self.learnable = list(compress(http, map(operator.and_, ok, clear)))
                return
        if None in sizes:
            ok = map(operator.and_, ok, map(operator.is_not, sizes, repeat(None)))
        self.learnable = list(compress(http, ok))

    def _sweep_points(self) -> list[int]:
        """Events at which :meth:`DetectionEngine.observe` would sweep."""
        engine, times = self.engine, self.times
        points: list[int] = []
        due = engine._next_sweep
        at = bisect_left(times, due)
        while at < self.n:
            points.append(at)
            due = times[at] + engine.limits.sweep_interval
            at = bisect_left(times, due, at + 1)
        engine._next_sweep = due
        return points

    def _plan(self, runner: _Runner) -> _Plan | None:
        """The events ``runner`` must look at (``None``: none, or it is prefiltered)."""
        d = runner.d
        events = self._dispatched(runner)
        if not events:
            return None
        success = d.success.match if d.success is not None else None
        # A suppressed definition's events depend on other definitions' state
        # at each event (see _Runner.observe): no bulk counting for it.
        bulk = d.guards_exact and success is None and not runner.suppressors
        if runner.gate is not None and bulk:
            return self._keyed(runner, self._select(d.guards, events))
        indices = self._select(d.guards, events)
        if runner.pending is not None and bulk:
            return _Plan(runner, self._pend_in_bulk(runner, indices), None)
        if success is not None and indices is not events:
            assert d.success is not None
            also = self._select(d.success.guards, events)
            indices = events if also is events else sorted({*indices, *also})
        return _Plan(runner, indices, None)

    def _dispatched(self, runner: _Runner) -> Sequence[int]:
        """The events :meth:`DetectionEngine.observe` would run ``runner`` on."""
        d = runner.d
        http = EventKind.HTTP_REQUEST
        if self.kind is not None:
            if self.kind not in d.kinds:
                return []
            events: Sequence[int] = range(self.n)
        else:
            events = [i for i, k in enumerate(self.columns[_KIND]) if k in d.kinds]
        statuses = runner.status_filter
        if statuses is None or self.kind not in (http, None):
            return events
        if self.kind is http or d.kinds == {http}:
            return self._select((Guard(_STATUS, statuses, inside=True),), events)
        kinds, codes = self.columns[_KIND], self.columns[_STATUS]
        return [i for i in events if kinds[i] is not http or codes[i] in statuses]

    def _select(self, guards: Sequence[Guard], events: Sequence[int]) -> Sequence[int]:
        """The ``events`` that pass every guard (``events`` itself when all do)."""
        # Memberships first: they tend to be the selective ones.
        for guard in sorted(guards, key=lambda g: not g.inside):
            if not events:
                break
            column = self._column(guard.index, events)
            values = guard.values
            if not guard.inside and len(values) <= 4 and not any(map(column.__contains__, values)):
                continue  # nothing to exclude: spare the per-event pass
            hits = map(values.__contains__, column)
            events = list(compress(events, hits if guard.inside else map(operator.not_, hits)))
        return events

    def _keyed(self, runner: _Runner, indices: Sequence[int]) -> _Plan:
        """A gated plan: the events counted and their keys, or per event if keys need a view."""
        name = runner.d.entity
        if name == "path_norm":
            values: Sequence[Any] = self._path_norms(self._column(_PATH, indices))
        elif name in EVENT_FIELDS and name != "kind":
            values = self._column(EVENT_FIELDS.index(name), indices)
        else:
            return _Plan(runner, indices, None)
        types = set(map(type, values))
        if type(None) in types:  # no entity: observe() returns before counting
            pairs = [(i, v) for i, v in zip(indices, values, strict=True) if v is not None]
            indices, values = [i for i, _ in pairs], [v for _, v in pairs]
            types.discard(type(None))
        if types <= {str} and max(map(len, values), default=0) <= _KEY_MAX_CHARS:
            return _Plan(runner, indices, values)  # already their own keys
        return _Plan(runner, indices, list(map(_table_key, values)))

    def _values(self, name: str, indices: Sequence[int]) -> Sequence[Any] | None:
        """The values of field ``name`` for ``indices``, if readable without a view."""
        if name == "path_norm":
            return self._path_norms(self._column(_PATH, indices))
        if name in EVENT_FIELDS and name != "kind":
            return self._column(EVENT_FIELDS.index(name), indices)
        return None

    def _pend_in_bulk(self, runner: _Runner, indices: Sequence[int]) -> Sequence[int]:
        """Add events to pending groups up to the first that needs ``runner`` itself.

        An event of a key with no group and no open finding, whose pending
        group stays below the threshold, is only appended to that pending
        group (see :meth:`_Runner._fire`); so are all events before the first
        that is not like that (a held key, an admission, a full table), which
        are the ones added here, in order.  Sweeps run later in the batch, but
        they cannot tell: a pending group touched here is live at every sweep
        point of the batch, and one a sweep would have dropped first was
        dropped here on access, counted the same.  That argument needs event
        times that never went back (the table's recency order is then its
        time order), so the bulk path stops once they have, until every
        pending table is in time order again (a late event's entries touched
        again or expired, see ``DetectionEngine._recheck_order``).  Returns
        the events left for the per-event path.
        """
        d, pending = runner.d, runner.pending
        assert pending is not None
        agg = d.aggregate
        assert agg is not None
        if (
            not indices
            or not self.engine._ordered
            or runner.after is not None
            or runner.pre_targets
        ):
            return indices
        keys = self._values(d.entity, indices)
        distinct: Sequence[Any] | None = [None] * len(indices)
        if agg.distinct is not None:
            distinct = self._values(agg.distinct, indices)
        if keys is None or distinct is None:
            return indices
        times, origins = self.times, self.columns[_ORIGIN]
        groups, episodes = runner.groups.data, runner.episodes.data
        # The table's own dict: what BoundedTable.get/put do, inlined (a new
        # key is appended at the end, which is where put moves it; no
        # eviction happens below the cap).
        table = pending._items
        touch = table.move_to_end
        ttl, threshold, cap = pending.ttl, agg.threshold, pending.cap
        taken = 0
        for index, value, seen in zip(indices, keys, distinct, strict=True):
            if value is None:
                taken += 1  # no entity: observe() returns before counting
                continue
            key = value if type(value) is str and len(value) <= _KEY_MAX_CHARS else _key(value)
            if key in groups or key in episodes:
                break
            ts = times[index]
            entry = table.get(key)
            if entry is None:
                if len(table) >= cap:
                    break  # an eviction: leave it to the per-event path
                entry = table[key] = PendingGroup(ts)
            elif entry.last < ts - ttl or len(entry.events) + 1 >= threshold:
                break  # dropped as idle, or admitted: the per-event path does either
            else:
                touch(key)
            if seen is None or (type(seen) is str and len(seen) <= _KEY_MAX_CHARS):
                entry.events.append((ts, origins[index], seen, None))
            else:
                entry.events.append((ts, origins[index], _key(seen), None))
            entry.last = ts  # times never went back (checked above)
            taken += 1
        runner.matched += taken - sum(1 for v in keys[:taken] if v is None)
        return indices[taken:]

    def _path_norms(self, paths: Sequence[Any]) -> list[str]:
        """``EventView.path_norm`` of each path, through the engine's bounded cache."""
        cache = self.engine._path_norms
        try:
            # The common case, every path cached, without a pass to look for misses.
            return list(map(cache.__getitem__, paths))
        except KeyError:
            found: list[Any] = list(map(cache.get, paths))
        for position, (path, got) in enumerate(zip(paths, found, strict=True)):
            if got is not None:
                continue
            if not path:
                found[position] = ""
                continue
            found[position] = normal = normalize_path(path)
            if len(path) <= CACHE_MAX_CHARS:
                if len(cache) >= self.engine.limits.cache_size:
                    cache.clear()
                cache[path] = normal
        return found

    # -- planning against the state at a segment's start ---------------------

    def _segment_end(self, plan: _Plan, start: int) -> int:
        """The first event past ``start``'s gate bucket (see :meth:`_gate_segment`)."""
        if not plan.indices or plan.indices[-1] < start:
            return self.n
        gate = plan.runner.gate
        assert gate is not None
        first, window = self.times[start], gate.window
        elapsed = first - gate.start
        if elapsed < window:
            limit = gate.start + window
        elif elapsed < 2 * window:
            limit = gate.start + 2 * window
        else:
            limit = first + window
        return bisect_left(self.times, limit, start + 1)

    def _work(self, plans: list[_Plan], start: int, end: int) -> dict[int, list[_Runner]]:
        """Per-event always-run definitions of events ``start:end``, in dispatch order."""
        work: dict[int, list[_Runner]] = {}
        for plan in plans:
            low = bisect_left(plan.indices, start)
            high = bisect_left(plan.indices, end)
            if low == high:
                continue
            if plan.keys is None:
                single: Iterable[int] = plan.indices[low:high]
            else:
                single = self._gate_segment(plan, start, low, high)
            for index in single:
                work.setdefault(index, []).append(plan.runner)
        return work

    def _gate_segment(self, plan: _Plan, start: int, low: int, high: int) -> Sequence[int]:
        """Count what provably stays below ``admit`` in bulk; the rest per event."""
        runner, gate = plan.runner, plan.runner.gate
        assert gate is not None
        assert plan.keys is not None
        indices, keys = plan.indices[low:high], plan.keys[low:high]
        elapsed = self.times[start] - gate.start
        if elapsed >= 2 * gate.window:
            return indices  # the bucket starts at whichever event is counted first
        rotating = elapsed >= gate.window
        cur: Counter[str] = Counter() if rotating else gate.cur
        prev = gate.cur if rotating else gate.prev
        high, prev_high = (0, gate.high) if rotating else (gate.high, gate.prev_high)
        bucket = gate.start + gate.window if rotating else gate.start
        # The segment's own counts are only needed near the cap or near
        # ``admit``; elsewhere its length bounds every key's count in it.
        counts: Counter[str] | None = None
        if len(cur) + len(keys) > gate.cap:
            counts = Counter(keys)
            if len(cur) + len(counts.keys() - cur.keys()) > gate.cap:
                return indices  # refusals at the cap depend on the order of arrival
        held: set[str] = set()
        tables = [t for t in (runner.groups.data, runner.episodes.data) if t]
        if tables:
            present = counts.keys() if counts is not None else set(keys)
            for table in tables:
                held |= present & table.keys()
        first = self.times[indices[0]]
        overlap = 1.0 - max(0.0, first - bucket) / gate.window
        most = len(keys) if counts is None else max(counts.values())
        if not most + high + prev_high * overlap < gate.admit:
            # The cheap bounds are not enough: exact counts and maxima, then per key.
            if counts is None:
                counts = Counter(keys)
            most = max(counts.values())
            high = max(cur.values(), default=0)
            prev_high = max(prev.values(), default=0)
            if not most + high + prev_high * overlap < gate.admit:
                held |= self._near_admit(counts, cur, prev, overlap, gate.admit)
            if not rotating:
                gate.high, gate.prev_high = high, prev_high
        bulk = [k for k in keys if k not in held] if held else keys
        if bulk:
            if rotating:
                gate.rotate(first)
                gate.prev_high = prev_high
            counted = gate.cur
            counted.update(bulk)
            # A bound on every count in the bucket: untouched keys are within
            # the old one, the segment's keys are looked up.
            gate.high = max(high, *map(counted.__getitem__, bulk))
            runner.matched += len(bulk)
        return [i for i, k in zip(indices, keys, strict=True) if k in held] if held else []

    @staticmethod
    def _near_admit(
        counts: Counter[str], cur: Counter[str], prev: Counter[str], overlap: float, admit: float
    ) -> set[str]:
        """Keys whose estimate could reach ``admit`` in the segment (as ``RateGate.add`` has it)."""
        near = set()
        for key, count in counts.items():
            previous = prev.get(key)
            if cur.get(key, 0) + count + (previous * overlap if previous else 0) >= admit:
                near.add(key)
        return near

    def _learn_until(self, stop: int) -> None:
        """Learn the sizes of events before ``stop``, in order, as ``observe`` would."""
        learnable = self.learnable
        at = self.learned_upto
        if at >= len(learnable) or learnable[at] >= stop:
            return
        upto = bisect_left(learnable, stop, at)
        chosen = learnable[at:upto]
        if self.unlearnt:
            chosen = [i for i in chosen if i not in self.unlearnt]
        paths, sizes = self.columns[_PATH], self.columns[_BYTES]
        answers = zip(map(paths.__getitem__, chosen), map(sizes.__getitem__, chosen), strict=True)
        self.engine._learn_answers(answers)
        self.learned_upto = upto
