"""Field conditions compiled once into plain predicates.

A condition is a TOML table naming a ``field`` and exactly one operator::

    { field = "uri", regex = "union\\s+select" }
    { field = "status", in = [401, 403] }
    { field = "path_norm", prefix = ["/wp-login.php", "/xmlrpc.php"] }
    { field = "client_ip", cidr = ["10.0.0.0/8"] }
    { field = "bytes", gt = 100000 }

or a group ``{ all = [...] }``, ``{ any = [...] }``, ``{ none = [...] }``
(Sigma semantics; groups nest).  A ``match`` table may hold all three lists,
and all present must hold.  A condition on a field the event lacks is false.

Regexes are compiled with RE2, never with the backtracking stdlib engine:
definitions are data a user may write, and matching runs on attacker text,
so the engine must guarantee linear time whatever the pattern.  RE2 costs
about twice ``re`` per call, which the engine's prefilter pays for by calling
it only on the rare requests that contain a suspicious token.  Patterns RE2
cannot run (backreferences, lookaround) are rejected at load.

String operators compare as written: the derived views (``uri``, ``ua``,
``msg`` ...) are already lower-case, raw fields are not, so write lower-case
literals for views and use ``(?i)`` in regexes on raw fields.

.. versionadded:: 0.1
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import re2

from sentinel.detection.view import EventView, field_getter, is_known_field
from sentinel.records import EVENT_FIELDS

__all__ = [
    "OPERATORS",
    "ConditionError",
    "Guard",
    "Predicate",
    "compile_match",
    "literal_tokens",
    "match_guards",
]

Predicate = Callable[[EventView], bool]

OPERATORS = frozenset(
    {"equals", "contains", "regex", "cidr", "in", "prefix", "suffix", "gt", "gte", "lt", "lte"}
    | {"exists"}
)
_GROUPS = ("all", "any", "none")


class ConditionError(ValueError):
    """A condition is malformed; ``path`` says where inside ``match``."""

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.problem = problem


def _as_list(value: Any, path: str, kind: type | tuple[type, ...]) -> list[Any]:
    values = value if isinstance(value, list) else [value]
    if not values:
        raise ConditionError(path, "empty list")
    for item in values:
        if not isinstance(item, kind) or isinstance(item, bool):
            raise ConditionError(path, f"expected {_kind_name(kind)}, got {item!r}")
    return values


def _kind_name(kind: type | tuple[type, ...]) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return " or ".join(k.__name__ for k in kinds)


_RE2_OPTIONS = re2.Options()
# A rejected pattern is reported as a DefinitionError; RE2's own stderr
# logging would print it a second time, unformatted.
_RE2_OPTIONS.log_errors = False
# Conditions only ask whether a pattern occurs: parentheses need not capture,
# and RE2 finds a match about twice as fast when it reports no groups.
_RE2_OPTIONS.never_capture = True


def _compile_regex(pattern: str, path: str) -> Callable[[str], bool]:
    try:
        compiled = re2.compile(pattern, _RE2_OPTIONS)
    except Exception as exc:  # re2.error and TypeError both mean "not a valid RE2 pattern"
        raise ConditionError(path, f"invalid regex {pattern!r}: {exc}") from None
    return _searcher(compiled)


def _searcher(compiled: Any) -> Callable[[str], bool]:
    """Whether ``compiled`` matches anywhere in a text: one call into RE2.

    ``re2``'s public ``search`` maps byte offsets back to characters and
    builds a match object in Python, about 13 µs a call against 2 µs for
    asking the underlying ``RE2`` object directly (same engine, same
    linear-time guarantee), which matters because an attack-looking request
    is tested against dozens of patterns.  If a release of the binding stops
    exposing it, the public path is used.
    """
    regexp = getattr(compiled, "_regexp", None)
    anchor = getattr(getattr(re2, "_Anchor", None), "UNANCHORED", None)
    if regexp is None or anchor is None or not hasattr(regexp, "Match"):
        search = compiled.search
        return lambda text: search(text) is not None
    match = regexp.Match
    # Verdicts of short texts, cleared when full: the same user agent (one
    # per scanner run) and the same probe paths come back thousands of times,
    # and a dict look-up is a fraction of a call into RE2.
    verdicts: dict[str, bool] = {}

    def found(text: str) -> bool:
        verdict = verdicts.get(text)
        if verdict is not None:
            return verdict
        data = text.encode("utf-8", "surrogatepass")
        verdict = bool(match(anchor, data, 0, len(data))[0] != _NO_SPAN)
        if len(text) <= VERDICT_MAX_CHARS:
            if len(verdicts) >= VERDICT_CACHE_SIZE:
                verdicts.clear()
            verdicts[text] = verdict
        return verdict

    return found


_NO_SPAN = (-1, -1)
#: Texts up to this long have their verdict cached, per pattern ...
VERDICT_MAX_CHARS = 256
#: ... up to this many (about 150 KB per pattern at most).
VERDICT_CACHE_SIZE = 512


def _alternation(patterns: Sequence[str]) -> Callable[[str], bool] | None:
    """One search for "any of ``patterns``" (each already valid), or ``None``.

    Wrapping each pattern in a non-capturing group keeps its flags and
    anchors to itself; ``\\Q`` (quote to the end) would swallow the
    closing parenthesis, so such patterns are not merged.
    """
    if len(patterns) < 2 or any("\\Q" in p for p in patterns):
        return None
    try:
        compiled = re2.compile("|".join(f"(?:{p})" for p in patterns), _RE2_OPTIONS)
    except Exception:  # too big for RE2's budget: search them one by one
        return None
    return _searcher(compiled)


def _string_op(op: str, value: Any, path: str) -> Callable[[object], bool]:
    values = [str(v) for v in _as_list(value, path, (str, int))]
    if op == "equals":
        wanted = frozenset(values)
        ints = frozenset(int(v) for v in values if v.lstrip("-").isdigit())
        return lambda x: (x in ints) if isinstance(x, int) else (x in wanted)
    if op == "contains":
        return lambda x: isinstance(x, str) and any(v in x for v in values)
    if op == "prefix":
        prefixes = tuple(values)
        return lambda x: isinstance(x, str) and x.startswith(prefixes)
    if op == "suffix":
        suffixes = tuple(values)
        return lambda x: isinstance(x, str) and x.endswith(suffixes)
    searches = [_compile_regex(v, path) for v in values]
    merged = _alternation(values)
    if merged is not None:
        searches = [merged]
    if len(searches) == 1:
        search = searches[0]
        return lambda x: isinstance(x, str) and search(x)
    return lambda x: isinstance(x, str) and any(s(x) for s in searches)


def _cidr_op(value: Any, path: str) -> Callable[[object], bool]:
    try:
        networks = [ipaddress.ip_network(v, strict=False) for v in _as_list(value, path, str)]
    except ValueError as exc:
        raise ConditionError(path, str(exc)) from None

    def check(x: object) -> bool:
        if not isinstance(x, str):
            return False
        try:
            address = ipaddress.ip_address(x)
        except ValueError:
            return False
        return any(address in net for net in networks)

    return check


def _numeric_op(op: str, value: Any, path: str) -> Callable[[object], bool]:
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise ConditionError(path, f"{op} needs a number, got {value!r}")
    bound = float(value)
    compare: dict[str, Callable[[float], bool]] = {
        "gt": lambda x: x > bound,
        "gte": lambda x: x >= bound,
        "lt": lambda x: x < bound,
        "lte": lambda x: x <= bound,
    }
    test = compare[op]
    return lambda x: isinstance(x, int | float) and not isinstance(x, bool) and test(x)


def _in_op(value: Any, path: str) -> Callable[[object], bool]:
    values = _as_list(value, path, (str, int))
    wanted = frozenset(values)
    return lambda x: x in wanted


def _operator(op: str, value: Any, path: str) -> Callable[[object], bool]:
    if op in ("equals", "contains", "prefix", "suffix", "regex"):
        return _string_op(op, value, path)
    if op == "cidr":
        return _cidr_op(value, path)
    if op == "in":
        return _in_op(value, path)
    if op == "exists":
        if not isinstance(value, bool):
            raise ConditionError(path, "exists needs true or false")
        return lambda x: (x is not None) is value
    return _numeric_op(op, value, path)


def _compile_leaf(table: Mapping[str, Any], path: str) -> Predicate:
    name = table["field"]
    if not isinstance(name, str) or not is_known_field(name):
        raise ConditionError(path, f"unknown field {name!r}")
    ops = [k for k in table if k != "field"]
    unknown = [k for k in ops if k not in OPERATORS]
    if unknown:
        raise ConditionError(path, f"unknown operator {unknown[0]!r}")
    if len(ops) != 1:
        raise ConditionError(path, "a condition needs exactly one operator")
    test = _operator(ops[0], table[ops[0]], f"{path}.{ops[0]}")
    fast = _fast_leaf(name, ops[0], table[ops[0]])
    if fast is not None:
        return fast
    get = field_getter(name)
    if ops[0] == "exists":
        return lambda v: test(get(v))

    def leaf(view: EventView) -> bool:
        value = get(view)
        return value is not None and test(value)

    return leaf


def _membership(op: str, value: Any) -> frozenset[object] | None:
    """The set an ``in``/``equals`` condition accepts (ints also as their text)."""
    if op not in ("in", "equals"):
        return None
    values = value if isinstance(value, list) else [value]
    wanted: set[object] = set(values)
    if op == "equals":
        wanted |= {str(v) for v in values}
        wanted |= {int(v) for v in values if isinstance(v, str) and v.lstrip("-").isdigit()}
    return frozenset(wanted)


def _fast_leaf(name: str, op: str, value: Any) -> Predicate | None:
    """A fused predicate for the hot cases: membership and existence on plain fields.

    Aggregation rules test every event of their kind on fields such as
    ``status`` or ``extra.service``; one closure instead of getter + test
    halves their per-event cost.  The validated general path still runs for
    everything else (and has already validated ``value``).
    """
    wanted = _membership(op, value)
    if name.startswith("extra."):
        key = name[len("extra.") :]
        if wanted is not None:
            return lambda v: v.event.extra.get(key) in wanted
        if op == "exists":
            return (
                (lambda v: key in v.event.extra) if value else (lambda v: key not in v.event.extra)
            )
        return None
    if name not in EVENT_FIELDS or name == "kind":
        return None
    index = EVENT_FIELDS.index(name)
    if wanted is not None:
        return lambda v: v.event[index] in wanted
    if op == "exists":
        if value:
            return lambda v: v.event[index] is not None
        return lambda v: v.event[index] is None
    return None


def _all(parts: list[Predicate]) -> Predicate:
    if len(parts) == 1:
        return parts[0]
    if len(parts) == 2:
        first, second = parts
        return lambda v: first(v) and second(v)
    if len(parts) == 3:
        a, b, c = parts
        return lambda v: a(v) and b(v) and c(v)
    return lambda v: all(p(v) for p in parts)


def _any(parts: list[Predicate]) -> Predicate:
    if len(parts) == 1:
        return parts[0]
    if len(parts) == 2:
        first, second = parts
        return lambda v: first(v) or second(v)
    return lambda v: any(p(v) for p in parts)


def _compile_list(items: Any, path: str) -> list[Predicate]:
    if not isinstance(items, list) or not items:
        raise ConditionError(path, "expected a non-empty list of conditions")
    return [_compile_node(item, f"{path}[{i}]") for i, item in enumerate(items)]


def _compile_node(node: Any, path: str) -> Predicate:
    if not isinstance(node, dict):
        raise ConditionError(path, "a condition must be a table")
    if "field" in node:
        return _compile_leaf(node, path)
    return compile_match(node, path)


def compile_match(table: Mapping[str, Any], path: str = "match") -> Predicate:
    """Compile a ``match`` table (``all``/``any``/``none`` lists) into a predicate.

    Raises:
        ConditionError: unknown key, field or operator, bad value or regex.
    """
    unknown = [k for k in table if k not in _GROUPS]
    if unknown:
        raise ConditionError(path, f"unknown key {unknown[0]!r} (use all, any, none or field)")
    if not table:
        raise ConditionError(path, "empty match")
    parts: list[Predicate] = []
    if "all" in table:
        parts.append(_all(_compile_list(table["all"], f"{path}.all")))
    if "any" in table:
        parts.append(_any(_either(table["any"], f"{path}.any")))
    if "none" in table:
        excluded = _any(_either(table["none"], f"{path}.none"))
        parts.append(lambda v: not excluded(v))
    return _all(parts)


def _either(items: Any, path: str) -> list[Predicate]:
    """The predicates of an ``any``/``none`` list, with its regex leaves merged per field.

    Every item is compiled (and so validated, with its own path) first; then
    the ``regex`` leaves on one field become a single alternation, so a clean
    request costs one RE2 pass per field instead of one per pattern.
    """
    predicates = _compile_list(items, path)
    by_field: dict[str, list[str]] = {}
    merged: set[int] = set()
    for index, node in enumerate(items):
        if not (isinstance(node, dict) and set(node) == {"field", "regex"}):
            continue
        patterns = node["regex"] if isinstance(node["regex"], list) else [node["regex"]]
        by_field.setdefault(node["field"], []).extend(str(p) for p in patterns)
        merged.add(index)
    searches = {name: _alternation(patterns) for name, patterns in by_field.items()}
    kept = [
        p
        for index, p in enumerate(predicates)
        if index not in merged or searches[items[index]["field"]] is None
    ]
    kept.extend(_regex_leaf(name, s) for name, s in searches.items() if s is not None)
    return kept


def _regex_leaf(name: str, search: Callable[[str], bool]) -> Predicate:
    get = field_getter(name)

    def leaf(view: EventView) -> bool:
        value = get(view)
        return isinstance(value, str) and search(value)

    return leaf


@dataclass(frozen=True, slots=True)
class Guard:
    """A membership test on one plain event field that a match implies.

    An event passes when ``(event[index] in values) is inside``.  Guards let
    the engine's batch path rule out whole columns of events with C-speed
    set look-ups before building any per-event view.
    """

    index: int
    values: frozenset[object]
    inside: bool


def _leaf_guard(node: Mapping[str, Any], *, negated: bool) -> Guard | None:
    """The guard equivalent to a fused leaf (see :func:`_fast_leaf`), if any."""
    name = node.get("field")
    ops = [k for k in node if k != "field"]
    if not isinstance(name, str) or name not in EVENT_FIELDS or name == "kind" or len(ops) != 1:
        return None
    op, value = ops[0], node[ops[0]]
    if _fast_leaf(name, op, value) is None:
        return None  # the general path decides; no exact guard
    wanted = _membership(op, value)
    if wanted is None:  # "exists": the value is (not) None
        wanted, inside = frozenset({None}), not value
    else:
        inside = True
    return Guard(EVENT_FIELDS.index(name), wanted, inside != negated)


def match_guards(table: Mapping[str, Any]) -> tuple[tuple[Guard, ...], bool]:
    """Guards every event matching ``table`` passes, and whether they are the whole match.

    Only top-level ``all`` and ``none`` leaves on plain fields become guards
    (``none`` ones negated); anything else makes the guards necessary but not
    sufficient.  ``table`` must already have compiled (:func:`compile_match`).
    """
    guards: list[Guard] = []
    exact = "any" not in table
    for group, negated in (("all", False), ("none", True)):
        for node in table.get(group, []):
            guard = _leaf_guard(node, negated=negated) if isinstance(node, dict) else None
            if guard is None:
                exact = False
            else:
                guards.append(guard)
    return tuple(guards), exact


def literal_tokens(values: Sequence[Any]) -> list[str]:
    """Validate a ``prefilter`` list: non-empty lower-case literals."""
    tokens: list[str] = []
    for value in values:
        if not isinstance(value, str) or not value or value != value.lower():
            raise ConditionError(
                "prefilter", f"tokens must be non-empty lower-case strings: {value!r}"
            )
        tokens.append(value)
    return tokens
