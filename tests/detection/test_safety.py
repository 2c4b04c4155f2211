"""Attacker-controlled text never reaches eval, exec, a shell or a format template."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import sentinel.detection

from .helpers import access_line, pack_definitions, parse, run

SOURCES = sorted(Path(sentinel.detection.__file__).parent.glob("*.py"))
FORBIDDEN_CALLS = {"eval", "exec", "compile", "__import__", "os.system", "os.popen", ".format_map"}


def calls(path: Path) -> list[str]:
    names = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name):
                names.append(func.id)
            elif isinstance(func, ast.Attribute):
                owner = func.value.id if isinstance(func.value, ast.Name) else ""
                names.append(f"{owner}.{func.attr}" if owner in {"os", "subprocess"} else "")
                names.append(f".{func.attr}")
    return names


class TestNoCodeFromData:
    @pytest.mark.parametrize("path", SOURCES, ids=[p.name for p in SOURCES])
    def test_no_dangerous_calls(self, path: Path) -> None:
        """Detection modules call no eval/exec/shell/format_map."""
        found = {c for c in calls(path) if c in FORBIDDEN_CALLS or c.startswith("subprocess.")}
        assert found == set()

    @pytest.mark.parametrize("path", SOURCES, ids=[p.name for p in SOURCES])
    def test_no_str_format_templates(self, path: Path) -> None:
        """No str.format call anywhere: templates are never built from data."""
        assert ".format" not in calls(path)

    def test_format_payloads_are_inert(self) -> None:
        """Format-string and template payloads in a line come back verbatim in targets."""
        payload = "/x{0.__class__}%s%n{user}{ip}"
        (finding,) = run(
            [d for d in pack_definitions() if d.id == "web.sensitive_files"],
            parse("combined", [access_line(payload + "/.env")]),
        )
        assert finding.targets == (payload.lower() + "/.env",)
