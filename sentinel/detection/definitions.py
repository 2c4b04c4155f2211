"""Detector definitions: the schema, the TOML loader and its validation.

Packs are TOML files (stdlib :mod:`tomllib`: plain data, no code runs on
load) holding ``[[detector]]`` tables; ``detectors/README.md`` documents every
key.  Validation happens here without running anything: unknown keys, fields,
kinds, operators, bad regexes, technique ids and durations all raise
:class:`~sentinel.errors.DefinitionError` with the file and the line of the
offending definition.  Examples are run separately (:mod:`.rules`), because
that needs the parsers and the engine.

``tomllib`` reports positions only for syntax errors, so the line of a
semantic error is found by scanning the text for the definition's
``[[detector]]`` header and the key it is about (:class:`_LineIndex`).

.. versionadded:: 0.1
"""

from __future__ import annotations

import functools
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sentinel.detection.conditions import (
    ConditionError,
    Guard,
    Predicate,
    compile_match,
    literal_tokens,
    match_guards,
)
from sentinel.detection.view import is_known_field
from sentinel.errors import DefinitionError
from sentinel.records import EventKind, Severity, Success

__all__ = [
    "PREFILTER_FIELDS",
    "SUCCESS_RULES",
    "Aggregate",
    "Definition",
    "Example",
    "SequenceRule",
    "load_definitions",
    "parse_duration",
]

#: Haystacks a prefilter can search: HTTP ``uri``, ``ua`` and ``ref``
#: (referrer), or ``msg``.
PREFILTER_FIELDS = frozenset({"uri", "ua", "ref", "msg"})
SUCCESS_RULES = frozenset({"served_2xx", "response_large", "login_after"})
_TECHNIQUE = re.compile(r"T\d{4}(?:\.\d{3})?")
_ID = re.compile(r"[a-z0-9][a-z0-9_.-]{0,63}")
_DURATION = re.compile(r"(\d{1,6})(s|m|h|d)")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_DETECTOR_KEYS = frozenset(
    {"id", "title", "description", "severity", "techniques", "kinds", "entity", "targets"}
    | {"match", "prefilter", "prefilter_on", "window", "aggregate", "sequence", "success"}
    | {"suppressed_by"}
    | {"examples"}
)
_AGGREGATE_KEYS = frozenset(
    {"group_by", "window", "threshold", "distinct", "min_distinct", "max_per_distinct"}
    | {"min_per_distinct"}
)
_SEQUENCE_KEYS = frozenset({"after", "within", "join"})
_SUCCESS_KEYS = frozenset({"rule", "within", "factor", "min_bytes", "match"})
_EXAMPLE_KEYS = frozenset({"format", "lines", "repeat", "then", "expect", "success", "options"})


def parse_duration(text: object) -> float:
    """``"90s"``, ``"10m"``, ``"6h"``, ``"1d"`` -> seconds (ValueError otherwise)."""
    match = _DURATION.fullmatch(text) if isinstance(text, str) else None
    if match is None or int(match.group(1)) == 0:
        raise ValueError(f"bad duration {text!r} (use e.g. '30s', '10m', '6h', '1d')")
    return float(int(match.group(1)) * _UNITS[match.group(2)])


@dataclass(frozen=True, slots=True)
class Aggregate:
    """Fire when a group reaches a count (and distinct count) within a window.

    Counting uses a two-bucket sliding estimate (see :mod:`.windows`).
    ``max_per_distinct`` bounds the mean events per distinct value (password
    spraying: many users, few tries each); ``min_per_distinct`` counts (and
    lists as targets) only values seen at least that often in the window, so
    a bystander who hit a flooded URL once is not taken for a bot.
    """

    group_by: str
    window: float
    threshold: int = 1
    distinct: str | None = None
    min_distinct: int = 0
    max_per_distinct: float | None = None
    min_per_distinct: int = 1


@dataclass(frozen=True, slots=True)
class SequenceRule:
    """ "A then B within T": B events (this detector's match) after a finding of ``after``.

    ``join`` names the B event's field whose value must equal the A finding's
    entity value or be one of its targets.
    """

    after: str
    within: float
    join: str


@dataclass(frozen=True, slots=True)
class SuccessRule:
    """How a finding decides ``succeeded``/``failed`` (see :mod:`.success`)."""

    rule: str
    within: float = 3600.0
    factor: float = 1.2
    min_bytes: int = 1024
    #: For ``login_after``: what a successful login looks like among the
    #: detector's own kinds (e.g. a POST to /login answered 302).  Without it,
    #: an ``auth_success`` event is the login.
    match: Predicate | None = None
    #: Statuses ``match`` requires, when it pins them (for dispatch).
    statuses: frozenset[int] | None = None
    #: Field tests ``match`` implies (see :func:`.conditions.match_guards`).
    guards: tuple[Guard, ...] = ()


@dataclass(frozen=True, slots=True)
class Example:
    """Lines (in a parser format) that must or must not trigger the detector."""

    format: str
    lines: tuple[str, ...]
    expect_match: bool
    repeat: int = 1
    then: tuple[str, ...] = ()
    success: Success | None = None
    options: Mapping[str, Any] = field(default_factory=dict)
    line: int = 0


@dataclass(frozen=True, slots=True)
class Definition:
    """One validated detector definition."""

    id: str
    title: str
    description: str
    severity: Severity
    techniques: tuple[str, ...]
    kinds: frozenset[EventKind]
    entity: str
    match: Predicate
    examples: tuple[Example, ...]
    file: str
    line: int
    targets: str | None = None
    prefilter: tuple[str, ...] = ()
    prefilter_on: tuple[str, ...] = ()
    window: float = 600.0
    aggregate: Aggregate | None = None
    sequence: SequenceRule | None = None
    success: SuccessRule | None = None
    #: Statuses the match requires (from a top-level ``all`` condition on
    #: ``status``), so the engine can skip the definition for other answers.
    statuses: frozenset[int] | None = None
    #: Definitions whose open finding on the same entity makes this one
    #: redundant (a slow brute-force rule says nothing new during a fast one).
    suppressed_by: tuple[str, ...] = ()
    #: Field tests every matching event passes (see :func:`.conditions.match_guards`),
    #: and whether passing them is the whole match.
    guards: tuple[Guard, ...] = ()
    guards_exact: bool = False

    @property
    def pack(self) -> str:
        """The pack name: the file's stem (``web-attacks``)."""
        return _stem(self.file)


@functools.lru_cache(maxsize=256)
def _stem(file: str) -> str:
    # Every finding names its pack; parsing the path each time was a fifth of
    # the cost of an attack line.
    return Path(file).stem


def _required_statuses(match: Mapping[str, Any]) -> frozenset[int] | None:
    """Statuses a match table requires, when a top-level ``all`` pins them."""
    for condition in match.get("all", []):
        if not isinstance(condition, dict) or condition.get("field") != "status":
            continue
        for op in ("in", "equals"):
            values = condition.get(op)
            values = values if isinstance(values, list) else [values]
            if values and all(isinstance(v, int) and not isinstance(v, bool) for v in values):
                return frozenset(values)
    return None


class _LineIndex:
    """Where each ``[[detector]]`` and its keys start in a pack's text."""

    _HEADER = re.compile(r"\s*\[\[\s*detector\s*\]\]")
    _SUB = re.compile(r"\s*\[{1,2}\s*detector\.([A-Za-z_]+)")
    _KEY = re.compile(r"\s*([A-Za-z_]+)\s*=")

    def __init__(self, text: str) -> None:
        self.headers: list[int] = []
        self.keys: list[dict[str, int]] = []
        self.examples: list[list[int]] = []
        for number, line in enumerate(text.splitlines(), start=1):
            if self._HEADER.match(line):
                self.headers.append(number)
                self.keys.append({})
                self.examples.append([])
                continue
            if not self.headers:
                continue
            sub = self._SUB.match(line)
            if sub:
                if sub.group(1) == "examples" and line.lstrip().startswith("[["):
                    self.examples[-1].append(number)
                self.keys[-1].setdefault(sub.group(1), number)
                continue
            key = self._KEY.match(line)
            if key:
                self.keys[-1].setdefault(key.group(1), number)

    def line(self, index: int, key: str | None = None) -> int:
        """Line of detector ``index`` (of its ``key`` when known)."""
        if index >= len(self.headers):
            return 1
        if key is not None and key in self.keys[index]:
            return self.keys[index][key]
        return self.headers[index]

    def example_line(self, index: int, number: int) -> int:
        lines = self.examples[index] if index < len(self.examples) else []
        return lines[number] if number < len(lines) else self.line(index, "examples")


class _Builder:
    """Validates one ``[[detector]]`` table; errors point at its lines."""

    def __init__(self, file: str, index: int, lines: _LineIndex, table: Mapping[str, Any]):
        self.file, self.index, self.lines, self.table = file, index, lines, table
        raw_id = table.get("id")
        self.id = raw_id if isinstance(raw_id, str) else ""

    def fail(self, key: str | None, problem: str) -> DefinitionError:
        return DefinitionError(self.file, self.lines.line(self.index, key), self.id, problem)

    def string(self, key: str, *, required: bool = True, default: str = "") -> str:
        value = self.table.get(key)
        if value is None and not required:
            return default
        if not isinstance(value, str) or not value.strip():
            raise self.fail(key, f"{key!r} must be a non-empty string")
        return value

    def duration(self, table: Mapping[str, Any], key: str, default: float, at: str) -> float:
        if key not in table:
            return default
        try:
            return parse_duration(table[key])
        except ValueError as exc:
            raise self.fail(at, f"{key}: {exc}") from None

    def positive_int(self, table: Mapping[str, Any], key: str, default: int, at: str) -> int:
        value = table.get(key, default)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise self.fail(at, f"{key} must be a non-negative integer")
        return value

    def field_name(self, value: Any, key: str) -> str:
        if not isinstance(value, str) or not is_known_field(value):
            raise self.fail(key, f"unknown field {value!r} in {key!r}")
        return value

    def check_keys(self, table: Mapping[str, Any], allowed: frozenset[str], at: str) -> None:
        unknown = sorted(set(table) - allowed)
        if unknown:
            raise self.fail(at, f"unknown key {unknown[0]!r} in {at!r}")

    def build(self) -> Definition:
        if not _ID.fullmatch(self.id):
            raise self.fail("id", "'id' must match [a-z0-9][a-z0-9_.-]* (at most 64 chars)")
        self.check_keys(self.table, _DETECTOR_KEYS, "detector")
        try:
            severity = Severity.parse(self.string("severity"))
        except ValueError as exc:
            raise self.fail("severity", str(exc)) from None
        entity = self.field_name(self.table.get("entity"), "entity")
        targets = self.table.get("targets")
        return Definition(
            id=self.id,
            title=self.string("title"),
            description=self.string("description"),
            severity=severity,
            techniques=self.techniques(),
            kinds=self.kinds(),
            entity=entity,
            targets=None if targets is None else self.field_name(targets, "targets"),
            match=self.match(),
            prefilter=self.prefilter(),
            prefilter_on=self.prefilter_on(),
            window=self.duration(self.table, "window", 600.0, "window"),
            aggregate=self.aggregate(entity),
            sequence=self.sequence(),
            success=self.success(),
            statuses=_required_statuses(self.table["match"]),
            suppressed_by=self.suppressed_by(),
            # After match=: the table is valid by now.
            guards=match_guards(self.table["match"])[0],
            guards_exact=match_guards(self.table["match"])[1],
            examples=self.examples(),
            file=self.file,
            line=self.lines.line(self.index),
        )

    def techniques(self) -> tuple[str, ...]:
        values = self.table.get("techniques")
        if not isinstance(values, list) or not values:
            raise self.fail("techniques", "'techniques' must list MITRE ATT&CK ids")
        for value in values:
            if not isinstance(value, str) or not _TECHNIQUE.fullmatch(value):
                raise self.fail("techniques", f"bad ATT&CK technique id {value!r} (e.g. T1110.001)")
        return tuple(values)

    def kinds(self) -> frozenset[EventKind]:
        values = self.table.get("kinds")
        if not isinstance(values, list) or not values:
            raise self.fail("kinds", "'kinds' must list event kinds")
        try:
            return frozenset(EventKind(v) for v in values)
        except ValueError:
            known = ", ".join(k.value for k in EventKind)
            raise self.fail("kinds", f"unknown event kind in {values!r} (known: {known})") from None

    def match(self) -> Predicate:
        table = self.table.get("match")
        if not isinstance(table, dict):
            raise self.fail("match", "'match' must be a table of conditions")
        try:
            return compile_match(table)
        except ConditionError as exc:
            raise self.fail("match", str(exc)) from None

    def prefilter(self) -> tuple[str, ...]:
        values = self.table.get("prefilter", [])
        if not isinstance(values, list):
            raise self.fail("prefilter", "'prefilter' must be a list of strings")
        try:
            return tuple(literal_tokens(values))
        except ConditionError as exc:
            raise self.fail("prefilter", str(exc)) from None

    def suppressed_by(self) -> tuple[str, ...]:
        values = self.table.get("suppressed_by", [])
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise self.fail("suppressed_by", "'suppressed_by' must list detector ids")
        return tuple(values)

    def prefilter_on(self) -> tuple[str, ...]:
        value = self.table.get("prefilter_on")
        kinds = self.table.get("kinds") or []
        if value is None:
            return ("uri",) if kinds == [EventKind.HTTP_REQUEST.value] else ("msg",)
        values = value if isinstance(value, list) else [value]
        if not values or any(v not in PREFILTER_FIELDS for v in values):
            choices = ", ".join(sorted(PREFILTER_FIELDS))
            raise self.fail("prefilter_on", f"prefilter_on must name {choices}")
        if "msg" in values and len(values) > 1:
            raise self.fail("prefilter_on", "msg cannot be combined with HTTP fields")
        if "msg" not in values and kinds != [EventKind.HTTP_REQUEST.value]:
            raise self.fail("prefilter_on", 'uri and ua prefilters need kinds = ["http_request"]')
        return tuple(values)

    def aggregate(self, entity: str) -> Aggregate | None:
        table = self.table.get("aggregate")
        if table is None:
            return None
        if not isinstance(table, dict):
            raise self.fail("aggregate", "'aggregate' must be a table")
        self.check_keys(table, _AGGREGATE_KEYS, "aggregate")
        distinct = table.get("distinct")
        max_per = table.get("max_per_distinct")
        if max_per is not None and (not isinstance(max_per, int | float) or max_per <= 0):
            raise self.fail("aggregate", "max_per_distinct must be a positive number")
        aggregate = Aggregate(
            group_by=self.field_name(table.get("group_by", entity), "aggregate"),
            window=self.duration(table, "window", 600.0, "aggregate"),
            threshold=max(1, self.positive_int(table, "threshold", 1, "aggregate")),
            distinct=None if distinct is None else self.field_name(distinct, "aggregate"),
            min_distinct=self.positive_int(table, "min_distinct", 0, "aggregate"),
            max_per_distinct=None if max_per is None else float(max_per),
            min_per_distinct=max(1, self.positive_int(table, "min_per_distinct", 1, "aggregate")),
        )
        if aggregate.min_distinct and aggregate.distinct is None:
            raise self.fail("aggregate", "min_distinct needs 'distinct'")
        if aggregate.group_by != entity:
            raise self.fail("aggregate", "group_by must be the entity field (findings group by it)")
        return aggregate

    def sequence(self) -> SequenceRule | None:
        table = self.table.get("sequence")
        if table is None:
            return None
        if not isinstance(table, dict) or not isinstance(table.get("after"), str):
            raise self.fail("sequence", "'sequence' needs after = \"<detector id>\"")
        self.check_keys(table, _SEQUENCE_KEYS, "sequence")
        join = self.field_name(table.get("join", "client_ip"), "sequence")
        return SequenceRule(
            table["after"], self.duration(table, "within", 3600.0, "sequence"), join
        )

    def success(self) -> SuccessRule | None:
        value = self.table.get("success")
        if value is None:
            return None
        table = {"rule": value} if isinstance(value, str) else value
        if not isinstance(table, dict) or table.get("rule") not in SUCCESS_RULES:
            rules = ", ".join(sorted(SUCCESS_RULES))
            raise self.fail("success", f"'success' must be one of {rules} (or a table with rule)")
        self.check_keys(table, _SUCCESS_KEYS, "success")
        factor = table.get("factor", 1.2)
        if not isinstance(factor, int | float) or factor <= 1:
            raise self.fail("success", "factor must be a number > 1")
        match = None
        if "match" in table:
            if table["rule"] != "login_after" or not isinstance(table["match"], dict):
                raise self.fail("success", "success.match is a table, for rule login_after only")
            try:
                match = compile_match(table["match"], "success.match")
            except ConditionError as exc:
                raise self.fail("success", str(exc)) from None
        return SuccessRule(
            rule=table["rule"],
            within=self.duration(table, "within", 3600.0, "success"),
            factor=float(factor),
            min_bytes=self.positive_int(table, "min_bytes", 1024, "success"),
            match=match,
            statuses=_required_statuses(table["match"]) if match is not None else None,
            guards=match_guards(table["match"])[0] if match is not None else (),
        )

    def examples(self) -> tuple[Example, ...]:
        tables = self.table.get("examples")
        if not isinstance(tables, list) or not tables:
            raise self.fail(None, "missing [[detector.examples]]: every definition needs examples")
        examples = tuple(self.example(i, t) for i, t in enumerate(tables))
        if not any(e.expect_match for e in examples):
            raise self.fail("examples", 'needs at least one example with expect = "match"')
        return examples

    def example(self, number: int, table: Any) -> Example:
        line = self.lines.example_line(self.index, number)

        def bad(problem: str) -> DefinitionError:
            return DefinitionError(self.file, line, self.id, f"example {number + 1}: {problem}")

        if not isinstance(table, dict):
            raise bad("must be a table")
        unknown = sorted(set(table) - _EXAMPLE_KEYS)
        if unknown:
            raise bad(f"unknown key {unknown[0]!r}")
        lines = table.get("lines")
        if not isinstance(lines, list) or not lines or not all(isinstance(x, str) for x in lines):
            raise bad("'lines' must be a non-empty list of strings")
        if table.get("expect") not in ("match", "no_match"):
            raise bad('expect must be "match" or "no_match"')
        fmt, repeat, options = table.get("format"), table.get("repeat", 1), table.get("options", {})
        if not isinstance(fmt, str):
            raise bad("'format' must name a parser format")
        if not isinstance(repeat, int) or isinstance(repeat, bool) or not 1 <= repeat <= 10_000:
            raise bad("repeat must be an integer from 1 to 10000")
        if not isinstance(options, dict):
            raise bad("options must be a table")
        then = table.get("then", [])
        if not isinstance(then, list) or not all(isinstance(x, str) for x in then):
            raise bad("'then' must be a list of strings")
        success = table.get("success")
        try:
            wanted = None if success is None else Success(success)
        except ValueError:
            raise bad(f"success must be succeeded, failed or unknown, not {success!r}") from None
        expect = table["expect"] == "match"
        return Example(fmt, tuple(lines), expect, repeat, tuple(then), wanted, options, line)


def load_definitions(path: Path) -> list[Definition]:
    """Parse and validate one pack file (examples are not run here).

    Raises:
        DefinitionError: syntax error, unknown key, bad value; names file and line.
    """
    file = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DefinitionError(file, 0, "", f"cannot read pack: {exc}") from None
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"line (\d+)", str(exc))
        raise DefinitionError(file, int(match.group(1)) if match else 0, "", str(exc)) from None
    unknown = sorted(set(document) - {"detector", "description"})
    if unknown:
        raise DefinitionError(file, 1, "", f"unknown top-level key {unknown[0]!r}")
    tables = document.get("detector", [])
    if not isinstance(tables, list):
        raise DefinitionError(file, 1, "", "'detector' must be an array of tables ([[detector]])")
    lines = _LineIndex(text)
    return [_Builder(file, i, lines, table).build() for i, table in enumerate(tables)]
