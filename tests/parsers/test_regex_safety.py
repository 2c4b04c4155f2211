"""Every regex in every parser module is anchored and free of backtracking traps.

The rule, checked on the parsed regex (``re._parser``, the engine's own
front end) rather than on the pattern text:

1. **anchored**: the pattern starts with ``^`` or ``\\A``;
2. **no nested quantifier**: a repeat that can run more than once (``*``,
   ``+``, ``{2,}`` ...) contains no other repeat (``(a+)+``, ``(\\S*\\s?)*``);
   an optional group ``(...)?`` may contain one;
3. **deterministic alternation under a repeat**: the branches of an
   alternation inside such a repeat start with disjoint characters
   (``(?:[^"\\\\]|\\\\.)*`` is fine, ``(?:ab|[ab]c)*`` is not).

Together with "every variable-length field excludes the delimiter after it"
(which ``bench/regex_worstcase.py`` measures), this keeps a match linear in
the line length.  Patterns are found generically: module globals, class
attributes, and the attributes of a parser instance built for each
registered format, so regexes added by any parser module are checked.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import pytest

import sentinel.parsers
from sentinel.parsers import FORMATS, ParserOptions, build_parser

_sre: Any = importlib.import_module("re._parser")
_c: Any = importlib.import_module("re._constants")

_REPEATS = frozenset({_c.MAX_REPEAT, _c.MIN_REPEAT, _c.POSSESSIVE_REPEAT})
_ANCHORS = frozenset({_c.AT_BEGINNING, _c.AT_BEGINNING_STRING})
# log_format strings the LogFormatParser is built with, to check compiled formats too.
LOG_FORMATS = (
    '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent '
    '"$http_referer" "$http_user_agent" rt=$request_time uct="$upstream_connect_time"',
    "$msec $http_x_forwarded_for $upstream_response_time $host:$server_port [$time_iso8601]",
    '{"t":"$time_iso8601","a":"$remote_addr","r":"$request","s":$status}',
)


def _parser_modules() -> Iterator[ModuleType]:
    for info in pkgutil.iter_modules(sentinel.parsers.__path__):
        try:
            yield importlib.import_module(f"sentinel.parsers.{info.name}")
        except ImportError:  # a module another engineer has not finished yet
            continue


def _walk(obj: Any, where: str, seen: set[int], depth: int = 0) -> Iterator[tuple[str, Any]]:
    """``(where, pattern)`` for every ``re.Pattern`` reachable from ``obj``."""
    if id(obj) in seen or depth > 6:
        return
    seen.add(id(obj))
    if isinstance(obj, re.Pattern):
        yield where, obj
    elif isinstance(obj, dict):
        for key, value in list(obj.items()):
            yield from _walk(value, f"{where}[{key!r}]", seen, depth + 1)
    elif isinstance(obj, list | tuple | set | frozenset):
        for index, value in enumerate(list(obj)):
            yield from _walk(value, f"{where}[{index}]", seen, depth + 1)
    elif isinstance(getattr(obj, "__self__", None), re.Pattern):  # a bound pattern.match
        yield from _walk(obj.__self__, f"{where}.__self__", seen, depth + 1)
    elif type(obj).__module__.startswith("sentinel."):
        names = list(getattr(obj, "__dict__", {}))
        for cls in type(obj).__mro__:
            names += [s for s in getattr(cls, "__slots__", ()) if isinstance(s, str)]
        for name in names:
            value = getattr(obj, name, None)
            yield from _walk(value, f"{where}.{name}", seen, depth + 1)


def _instances() -> Iterator[tuple[str, Any]]:
    for fmt in sorted(FORMATS):
        options = [ParserOptions()]
        if fmt == "nginx_log_format":
            options = [ParserOptions(log_format=f) for f in LOG_FORMATS]
        for index, option in enumerate(options):
            try:
                yield f"build_parser({fmt!r})#{index}", build_parser(fmt, option)
            except (ImportError, AttributeError, ValueError, OSError):
                continue


def collect_patterns() -> dict[str, re.Pattern[Any]]:
    """Every distinct pattern, keyed by where it was first found."""
    found: dict[str, re.Pattern[Any]] = {}
    seen: set[int] = set()
    roots: list[tuple[str, Any]] = []
    for module in _parser_modules():
        for name, value in vars(module).items():
            if isinstance(value, type) and value.__module__ == module.__name__:
                roots += [(f"{module.__name__}.{name}.{k}", v) for k, v in vars(value).items()]
            else:
                roots.append((f"{module.__name__}.{name}", value))
    roots += list(_instances())
    for where, root in roots:
        for path, pattern in _walk(root, where, seen):
            found.setdefault(path, pattern)
    return found


def _items(subpattern: Any) -> list[tuple[Any, Any]]:
    return list(subpattern.data) if hasattr(subpattern, "data") else list(subpattern)


def _children(op: Any, av: Any) -> list[Any]:
    """Sub-patterns directly inside one node."""
    if op in _REPEATS:
        return [av[2]]
    if op is _c.SUBPATTERN:
        return [av[3]]
    if op is _c.BRANCH:
        return list(av[1])
    if op is _c.ATOMIC_GROUP:
        return [av]
    if op in (_c.ASSERT, _c.ASSERT_NOT):
        return [av[1]]
    if op is _c.GROUPREF_EXISTS:
        return [p for p in av[1:] if p is not None]
    return []


def _contains_repeat(subpattern: Any) -> bool:
    for op, av in _items(subpattern):
        if op in _REPEATS or any(_contains_repeat(child) for child in _children(op, av)):
            return True
    return False


def _first_chars(subpattern: Any) -> tuple[bool, frozenset[int]] | None:
    """``(negated, chars)`` a match must start with, or ``None`` when unknown."""
    items = _items(subpattern)
    if not items:
        return None
    op, av = items[0]
    if op is _c.LITERAL:
        return False, frozenset({av})
    if op is _c.NOT_LITERAL:
        return True, frozenset({av})
    if op is _c.SUBPATTERN:
        return _first_chars(av[3])
    if op is _c.IN:
        negated, chars = False, set()
        for set_op, set_av in av:
            if set_op is _c.NEGATE:
                negated = True
            elif set_op is _c.LITERAL:
                chars.add(set_av)
            elif set_op is _c.RANGE and set_av[1] - set_av[0] < 512:
                chars.update(range(set_av[0], set_av[1] + 1))
            else:  # categories (\d, \s) and huge ranges: not tracked
                return None
        return negated, frozenset(chars)
    return None


def _disjoint(a: tuple[bool, frozenset[int]], b: tuple[bool, frozenset[int]]) -> bool:
    (neg_a, set_a), (neg_b, set_b) = a, b
    if neg_a and neg_b:
        return False
    if neg_a:
        return set_b <= set_a
    if neg_b:
        return set_a <= set_b
    return not set_a & set_b


def _branches(subpattern: Any) -> list[Any] | None:
    items = _items(subpattern)
    if len(items) == 1 and items[0][0] is _c.SUBPATTERN:
        return _branches(items[0][1][3])
    if len(items) == 1 and items[0][0] is _c.BRANCH:
        return list(items[0][1][1])
    return None


def problems(pattern: re.Pattern[Any]) -> list[str]:
    """Why ``pattern`` breaks the rule (empty when it is fine)."""
    text = pattern.pattern if isinstance(pattern.pattern, str) else pattern.pattern.decode()
    tree = _sre.parse(text, pattern.flags & ~re.UNICODE)
    found: list[str] = []
    items = _items(tree)
    if not items or items[0][0] is not _c.AT or items[0][1] not in _ANCHORS:
        found.append("not anchored with ^ or \\A")
    _check_repeats(tree, found)
    return found


def _check_repeats(subpattern: Any, found: list[str]) -> None:
    for op, av in _items(subpattern):
        if op in _REPEATS and av[1] > 1:
            body = av[2]
            if _contains_repeat(body):
                found.append(f"nested quantifier in {body}")
            branches = _branches(body)
            if branches is not None:
                firsts = [_first_chars(b) for b in branches]
                for i, first in enumerate(firsts):
                    for other in firsts[i + 1 :]:
                        if first is None or other is None or not _disjoint(first, other):
                            found.append(f"alternation with overlapping starts in a repeat: {body}")
        for child in _children(op, av):
            _check_repeats(child, found)


PATTERNS = collect_patterns()


class TestRegexSafety:
    """Every parser regex is anchored, and linear by construction."""

    def test_patterns_were_found(self) -> None:
        """The collector finds the access-log regexes (so an empty sweep cannot pass)."""
        assert any("access" in where for where in PATTERNS)
        assert any("log_format" in where for where in PATTERNS)

    @pytest.mark.parametrize("where", sorted(PATTERNS))
    def test_pattern_is_safe(self, where: str) -> None:
        """The pattern is anchored and has no nested or ambiguous repeats."""
        pattern = PATTERNS[where]
        assert problems(pattern) == [], f"{where}: {pattern.pattern!r}"


class TestChecker:
    """The checker itself rejects the classic ReDoS shapes."""

    def test_flags_unanchored(self) -> None:
        """A pattern without ^ or \\A is reported."""
        assert problems(re.compile(r"a+b")) == ["not anchored with ^ or \\A"]

    def test_flags_nested_quantifier(self) -> None:
        """(a+)+ is reported."""
        assert any("nested" in p for p in problems(re.compile(r"^(a+)+$")))

    def test_flags_overlapping_alternation(self) -> None:
        """(?:ab|[ab]c)* is reported: both branches may start with "a"."""
        assert any("overlapping" in p for p in problems(re.compile(r"^(?:ab|[ab]c)*$")))

    def test_accepts_escape_aware_string(self) -> None:
        """The escape-aware quoted-string idiom passes."""
        assert problems(re.compile(r'^"((?:[^"\\]|\\.)*)"')) == []

    def test_accepts_optional_group_with_quantifier(self) -> None:
        """An optional group may contain a quantifier: it runs at most once."""
        assert problems(re.compile(r"^a(?: (\S+))?\Z")) == []
