"""Every bundled definition against its own examples, and pack-wide invariants."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from typing import Any

import pytest
import re2

from sentinel.detection import bundled_detectors_dir
from sentinel.detection.definitions import Definition
from sentinel.detection.rules import check_examples

from .helpers import pack_definitions

DEFINITIONS = pack_definitions()
IDS = [d.id for d in DEFINITIONS]


def _regexes(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "regex":
                yield from value if isinstance(value, list) else [value]
            else:
                yield from _regexes(value)
    elif isinstance(node, list):
        for item in node:
            yield from _regexes(item)


PATTERNS = [
    pattern
    for path in sorted(bundled_detectors_dir().glob("*.toml"))
    for pattern in _regexes(tomllib.loads(path.read_text()))
]


class TestPackExamples:
    @pytest.mark.parametrize("definition", DEFINITIONS, ids=IDS)
    def test_examples_pass(self, definition: Definition) -> None:
        """Each definition's examples hold through the real parsers and engine."""
        known = {d.id: d for d in DEFINITIONS}
        assert list(check_examples(definition, known)) == []

    @pytest.mark.parametrize("definition", DEFINITIONS, ids=IDS)
    def test_has_negative_example(self, definition: Definition) -> None:
        """Each definition shows at least one line it must not flag."""
        assert any(not e.expect_match for e in definition.examples)


class TestPackCoverage:
    def test_all_packs_present(self) -> None:
        """The four bundled packs load."""
        assert {d.pack for d in DEFINITIONS} == {"web-attacks", "web-abuse", "auth", "firewall"}

    def test_techniques_are_attack_ids(self) -> None:
        """Every technique id has the ATT&CK shape."""
        ids = {t for d in DEFINITIONS for t in d.techniques}
        assert all(re.fullmatch(r"T\d{4}(\.\d{3})?", t) for t in ids)


class TestRegexSafety:
    def test_patterns_found(self) -> None:
        """The pack scan sees the regexes (guards the safety test below)."""
        assert len(PATTERNS) > 50

    @pytest.mark.parametrize("pattern", PATTERNS)
    def test_pattern_is_re2(self, pattern: str) -> None:
        """Every pack regex compiles with RE2, so matching is linear-time."""
        options = re2.Options()
        options.log_errors = False
        assert re2.compile(pattern, options) is not None

    def test_hostile_line_is_bounded(self) -> None:
        """A long repetitive line through every web definition completes and is normalised once."""
        from .helpers import access_line, definitions, parse, run

        payload = "%25" * 2000 + "'" + "/*" * 1500 + "a" * 3000
        defs = [d for d in DEFINITIONS if d.pack == "web-attacks"]
        findings = run(defs, parse("combined", [access_line("/x?q=" + payload)]))
        assert isinstance(findings, list)
        assert definitions("web.sqli")
