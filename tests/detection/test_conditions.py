"""Regex conditions: merged alternations and the direct RE2 call agree with ``re2.search``.

``compile_match`` merges the ``regex`` leaves of an ``any``/``none`` list on
one field into one alternation and asks RE2 directly (see
:func:`sentinel.detection.conditions._searcher`).  These tests hold both to
the plain definition: a leaf matches when ``re2.search`` finds its pattern.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import re2
from hypothesis import given
from hypothesis import strategies as st

from sentinel.detection.conditions import VERDICT_MAX_CHARS, _alternation, compile_match
from sentinel.detection.view import EventView
from sentinel.records import Event, EventKind, LineRef

ROOT = Path(__file__).resolve().parents[2]


def pack_patterns() -> list[str]:
    """Every regex of the bundled packs (on any field)."""
    patterns: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            value = node.get("regex")
            if value is not None:
                patterns.extend(value if isinstance(value, list) else [value])
            for child in node.values():
                walk(child)
        elif isinstance(node, list):
            for child in node:
                walk(child)

    for pack in sorted((ROOT / "detectors").glob("*.toml")):
        walk(tomllib.loads(pack.read_text()))
    return patterns


PATTERNS = pack_patterns()
OPTIONS = re2.Options()
COMPILED = [re2.compile(p, OPTIONS) for p in PATTERNS]

# Text built from the packs' own vocabulary, so matches are common, plus
# anything Unicode (surrogates included: normalisation can leave them).
WORDS = st.sampled_from(
    [
        "union",
        " select ",
        "from",
        "'",
        '"',
        "--",
        "<script>",
        "onerror=",
        "../",
        "..%2f",
        "${jndi:",
        "169.254.169.254",
        "/etc/passwd",
        ";",
        "|",
        "`",
        "sleep(",
        "or 1=1",
        "wp-login.php",
        "/.env",
        "x",
        " ",
        "\u00e9",
        "\ud800",
        "\\Q",
        ")",
        "(",
    ]
)
TEXT = st.one_of(st.lists(WORDS, max_size=12).map("".join), st.text(max_size=80))


def expected(text: str) -> bool:
    return any(c.search(text) is not None for c in COMPILED if _encodable(text))


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def view(uri: str) -> EventView:
    event = Event(
        ts=0.0,
        kind=EventKind.HTTP_REQUEST,
        source="t",
        path="/",
        query=None,
        origin=LineRef("t", "t", 0, 1),
    )
    result = EventView(event)
    result.seed(uri, "", uri)
    return result


class TestMergedRegex:
    def test_packs_have_many_patterns(self) -> None:
        assert len(PATTERNS) > 40

    @given(TEXT)
    def test_alternation_is_any_of_the_patterns(self, text: str) -> None:
        merged = _alternation(PATTERNS)
        assert merged is not None
        if _encodable(text):
            assert merged(text) == expected(text)
        else:
            merged(text)  # never raises on a lone surrogate

    @given(TEXT)
    def test_any_list_is_any_of_its_leaves(self, text: str) -> None:
        """An ``any`` list of regex leaves plus another leaf: same as evaluating each."""
        leaves = [{"field": "uri", "regex": p} for p in PATTERNS[:20]]
        leaves.append({"field": "uri", "contains": "needle"})
        predicate = compile_match({"any": leaves})
        if _encodable(text):
            want = "needle" in text or any(c.search(text) for c in COMPILED[:20])
            assert predicate(view(text)) == want

    @given(TEXT)
    def test_none_list_excludes_any_of_its_leaves(self, text: str) -> None:
        leaves = [{"field": "uri", "regex": p} for p in PATTERNS[:10]]
        predicate = compile_match({"none": leaves})
        if _encodable(text):
            assert predicate(view(text)) == (not any(c.search(text) for c in COMPILED[:10]))

    def test_quote_to_end_is_not_merged(self) -> None:
        r"""``\Q`` would quote the group's closing parenthesis: such lists stay apart."""
        assert _alternation([r"\Qa.b", "c"]) is None
        predicate = compile_match(
            {"any": [{"field": "uri", "regex": r"\Qa.b"}, {"field": "uri", "regex": "c"}]}
        )
        assert predicate(view("xa.by"))
        assert not predicate(view("xaxby"))
        assert predicate(view("c"))

    def test_flags_stay_inside_their_pattern(self) -> None:
        """``(?i)`` in one pattern does not make the next one case-insensitive."""
        predicate = compile_match(
            {"any": [{"field": "uri", "regex": "(?i)abc"}, {"field": "uri", "regex": "XYZ"}]}
        )
        assert predicate(view("ABC"))
        assert predicate(view("XYZ"))
        assert not predicate(view("xyz"))

    def test_anchors_stay_inside_their_pattern(self) -> None:
        predicate = compile_match(
            {"any": [{"field": "uri", "regex": "^/a"}, {"field": "uri", "regex": "b$"}]}
        )
        assert predicate(view("/a/x"))
        assert predicate(view("x/b"))
        assert not predicate(view("x/a/bx"))


class TestVerdictCache:
    def test_repeated_texts_keep_their_verdict(self) -> None:
        """Cached verdicts are the verdicts (asked twice, and past the cache's size)."""
        search = _alternation(["union\\s+select", "<script"])
        assert search is not None
        texts = [f"/p{i}?q=union select" if i % 3 == 0 else f"/p{i}" for i in range(1500)]
        first = [search(t) for t in texts]
        assert first == [search(t) for t in texts]
        assert first == [i % 3 == 0 for i in range(1500)]

    def test_long_texts_are_searched_every_time(self) -> None:
        search = _alternation(["needle", "other"])
        assert search is not None
        long_hit = "x" * (VERDICT_MAX_CHARS + 10) + "needle"
        long_miss = "x" * (VERDICT_MAX_CHARS + 10)
        assert search(long_hit)
        assert not search(long_miss)
        assert search(long_hit)
