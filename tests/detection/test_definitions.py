"""Invalid definitions stop loading with a DefinitionError naming file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from sentinel.detection import load_packs
from sentinel.detection.definitions import load_definitions, parse_duration
from sentinel.errors import DefinitionError

GOOD = """\
description = "test pack"

[[detector]]
id = "t.one"
title = "One"
description = "A test detector."
severity = "high"
techniques = ["T1190"]
kinds = ["http_request"]
entity = "client_ip"
[detector.match]
any = [{ field = "uri", regex = 'evil' }]

[[detector.examples]]
format = "combined"
expect = "match"
lines = ['203.0.113.1 - - [20/Nov/2026:10:00:00 +0000] "GET /evil HTTP/1.1" 200 1 "-" "x"']

[[detector.examples]]
format = "combined"
expect = "no_match"
lines = ['203.0.113.1 - - [20/Nov/2026:10:00:00 +0000] "GET /good HTTP/1.1" 200 1 "-" "x"']
"""

# A second detector, so errors must point past the first one's lines.
SECOND = GOOD.split("\n", 2)[2].replace('"t.one"', '"t.two"')


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "pack.toml"
    path.write_text(text)
    return path


def error_for(tmp_path: Path, text: str, *, examples: bool = False) -> DefinitionError:
    path = write(tmp_path, text)
    with pytest.raises(DefinitionError) as info:
        load_packs([path], check_examples=examples)
    return info.value


def line_of(text: str, needle: str, start: int = 0) -> int:
    index = text.index(needle, start)
    return text.count("\n", 0, index) + 1


class TestValidPack:
    def test_loads(self, tmp_path: Path) -> None:
        """A valid pack loads with its examples run."""
        assert [d.id for d in load_packs([write(tmp_path, GOOD)])] == ["t.one"]

    def test_definition_line(self, tmp_path: Path) -> None:
        """A definition records the line of its [[detector]] header."""
        (definition,) = load_definitions(write(tmp_path, GOOD))
        assert definition.line == 3


class TestInvalidDefinitions:
    def test_bad_regex(self, tmp_path: Path) -> None:
        """A regex RE2 rejects (backreference) names the file and the match line."""
        text = GOOD + SECOND.replace("regex = 'evil'", r"regex = '(a)\1'")
        error = error_for(tmp_path, text)
        assert error.file.endswith("pack.toml")
        assert error.line == line_of(text, "[detector.match]", text.index('"t.two"'))
        assert error.detector_id == "t.two"

    def test_lookaround_rejected(self, tmp_path: Path) -> None:
        """Lookaround (not linear-time) is rejected at load."""
        error = error_for(tmp_path, GOOD.replace("regex = 'evil'", "regex = '(?=x)evil'"))
        assert "invalid regex" in error.problem

    def test_unknown_field(self, tmp_path: Path) -> None:
        """A condition on a field that does not exist is an error at the match line."""
        text = GOOD.replace('field = "uri"', 'field = "url"')
        error = error_for(tmp_path, text)
        assert "unknown field 'url'" in str(error)
        assert error.line == line_of(text, "[detector.match]")

    def test_unknown_kind(self, tmp_path: Path) -> None:
        """An unknown event kind points at the kinds line."""
        text = GOOD.replace('kinds = ["http_request"]', 'kinds = ["http"]')
        assert error_for(tmp_path, text).line == line_of(text, "kinds =")

    def test_bad_technique(self, tmp_path: Path) -> None:
        """A technique id without the ATT&CK shape is rejected."""
        text = GOOD.replace('"T1190"', '"T119"')
        error = error_for(tmp_path, text)
        assert error.line == line_of(text, "techniques =")

    def test_missing_examples(self, tmp_path: Path) -> None:
        """A definition without examples is rejected at its header."""
        text = GOOD.split("[[detector.examples]]", maxsplit=1)[0]
        error = error_for(tmp_path, text)
        assert "examples" in error.problem
        assert error.line == 3

    def test_failing_example(self, tmp_path: Path) -> None:
        """A definition whose own match example fails is rejected at that example."""
        text = GOOD.replace("GET /evil", "GET /fine")
        error = error_for(tmp_path, text, examples=True)
        assert "expected a match" in error.problem
        assert error.line == line_of(text, "[[detector.examples]]")

    def test_unparseable_example(self, tmp_path: Path) -> None:
        """An example line its parser rejects fails the definition."""
        text = GOOD.replace("203.0.113.1 - - [20/Nov", "garbage [20/Nov", 1)
        assert "not parsed" in error_for(tmp_path, text, examples=True).problem

    def test_unknown_key(self, tmp_path: Path) -> None:
        """A misspelt key is an error, not silently ignored."""
        text = GOOD.replace('severity = "high"', 'severity = "high"\nseverty = "low"')
        assert "unknown key 'severty'" in str(error_for(tmp_path, text))

    def test_duplicate_id(self, tmp_path: Path) -> None:
        """Two definitions with one id are rejected at the second."""
        text = GOOD + SECOND.replace('"t.two"', '"t.one"')
        error = error_for(tmp_path, text)
        assert "duplicate id" in error.problem
        assert error.line == line_of(text, "[[detector]]", text.index("[[detector]]") + 1)

    def test_toml_syntax_error(self, tmp_path: Path) -> None:
        """A TOML syntax error carries the line tomllib reports."""
        error = error_for(tmp_path, GOOD.replace('title = "One"', "title = One"))
        assert error.line == line_of(GOOD, 'title = "One"')

    def test_unknown_sequence_target(self, tmp_path: Path) -> None:
        """A sequence after an unknown detector is rejected."""
        text = GOOD.replace(
            'entity = "client_ip"', 'entity = "client_ip"\nsequence = { after = "nope" }'
        )
        assert "unknown detector 'nope'" in error_for(tmp_path, text).problem

    def test_sequence_join_is_the_entity(self, tmp_path: Path) -> None:
        """A sequence keyed by another field than the one it joins on is rejected.

        The engine finds the earlier finding by the sequence's own entity, so a
        ``client_ip`` sequence after a ``client`` rule would miss host-named clients.
        """
        text = GOOD + SECOND.replace(
            'entity = "client_ip"',
            'entity = "client_ip"\nsequence = { after = "t.one", join = "client" }',
        )
        text = text.replace('entity = "client_ip"', 'entity = "client"', 1)
        assert "must be the entity 'client_ip' too" in error_for(tmp_path, text).problem
        fixed = text.replace('entity = "client_ip"', 'entity = "client"')
        assert load_packs([write(tmp_path, fixed)], check_examples=False)

    def test_unknown_suppressor(self, tmp_path: Path) -> None:
        """suppressed_by naming an unknown detector is rejected."""
        text = GOOD.replace(
            'entity = "client_ip"', 'entity = "client_ip"\nsuppressed_by = ["nope"]'
        )
        assert "unknown detector 'nope'" in error_for(tmp_path, text).problem

    def test_min_distinct_without_distinct(self, tmp_path: Path) -> None:
        """min_distinct without a distinct field is rejected."""
        text = GOOD.replace(
            "[detector.match]", "[detector.aggregate]\nmin_distinct = 3\n[detector.match]"
        )
        assert "min_distinct needs" in error_for(tmp_path, text).problem


class TestParseDuration:
    @pytest.mark.parametrize(("text", "seconds"), [("30s", 30), ("10m", 600), ("6h", 21600)])
    def test_units(self, text: str, seconds: float) -> None:
        """Durations accept s, m, h and d."""
        assert parse_duration(text) == seconds

    @pytest.mark.parametrize("text", ["10", "0m", "5 m", "1w", 5])
    def test_rejects(self, text: object) -> None:
        """Malformed or zero durations are errors."""
        with pytest.raises(ValueError, match="bad duration"):
            parse_duration(text)
