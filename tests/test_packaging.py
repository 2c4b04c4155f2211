"""Packaging: every subpackage ships, bundled data resolves."""

from __future__ import annotations

import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


class TestPyproject:
    """pyproject.toml lists what the wheel needs."""

    def test_every_subpackage_is_listed(self) -> None:
        """Each directory of sentinel/ holding an __init__.py is in [tool.setuptools].packages."""
        config = tomllib.loads((REPO / "pyproject.toml").read_text())
        listed = set(config["tool"]["setuptools"]["packages"])
        found = {
            ".".join(init.parent.relative_to(REPO).parts)
            for init in (REPO / "sentinel").rglob("__init__.py")
        }
        assert found <= listed, sorted(found - listed)

    def test_bundled_dirs_are_mapped(self) -> None:
        """detectors/ and config/ are mapped into the wheel."""
        config = tomllib.loads((REPO / "pyproject.toml").read_text())
        mapping = config["tool"]["setuptools"]["package-dir"]
        assert mapping["sentinel._bundled.detectors"] == "detectors"
        assert mapping["sentinel._bundled.config"] == "config"

    def test_design_card_dependencies(self) -> None:
        """The design-card dependencies are declared with lower bounds."""
        config = tomllib.loads((REPO / "pyproject.toml").read_text())
        deps = config["project"]["dependencies"]
        for name in ("pyod", "pandas", "apscheduler", "watchdog", "scikit-learn", "structlog"):
            assert any(d.startswith(name + ">=") for d in deps), name
