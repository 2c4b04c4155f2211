"""The functions behind `sentinel rules test` and `sentinel rules list`."""

from __future__ import annotations

import io
from pathlib import Path

from sentinel.detection import rules_list_main, rules_test_main
from sentinel.detection.packs import bundled_detectors_dir, pack_files

from .test_definitions import GOOD


class TestRulesTest:
    def test_bundled_packs_pass(self) -> None:
        """Every bundled definition passes its examples; exit code 0."""
        out = io.StringIO()
        assert rules_test_main(None, out) == 0
        assert "definitions pass their examples" in out.getvalue()

    def test_failing_example_exits_1(self, tmp_path: Path) -> None:
        """A definition failing its examples is reported with file:line; exit code 1."""
        path = tmp_path / "bad.toml"
        path.write_text(GOOD.replace("GET /evil", "GET /fine"))
        out = io.StringIO()
        assert rules_test_main([path], out) == 1
        assert f"FAIL  t.one {path}:" in out.getvalue()

    def test_invalid_pack_exits_2(self, tmp_path: Path) -> None:
        """An invalid definition is an error with exit code 2."""
        path = tmp_path / "bad.toml"
        path.write_text(GOOD.replace('severity = "high"', 'severity = "urgent"'))
        out = io.StringIO()
        assert rules_test_main([path], out) == 2
        assert out.getvalue().startswith(f"error: {path}:")


class TestRulesList:
    def test_lists_every_definition(self) -> None:
        """One line per definition plus a total."""
        out = io.StringIO()
        assert rules_list_main(None, out) == 0
        lines = out.getvalue().splitlines()
        assert lines[-1] == f"{len(lines) - 1} definitions"
        assert any(line.startswith("web-attacks") and "web.sqli" in line for line in lines)

    def test_control_characters_are_escaped(self, tmp_path: Path) -> None:
        """A title with terminal escapes is printed harmlessly."""
        path = tmp_path / "p.toml"
        path.write_text(GOOD.replace('title = "One"', 'title = "One\\u001b[2J"'))
        out = io.StringIO()
        rules_list_main([path], out)
        assert "\x1b" not in out.getvalue()


class TestPackFiles:
    def test_directory_expands_to_toml_files(self) -> None:
        """A directory names its *.toml packs, sorted."""
        files = pack_files([bundled_detectors_dir()])
        assert [f.name for f in files] == sorted(f.name for f in files)
        assert {f.suffix for f in files} == {".toml"}
