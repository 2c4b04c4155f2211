"""The package's public surface, as the CLI uses it."""

from __future__ import annotations

import sentinel.detection


class TestExports:
    def test_all_is_curated(self) -> None:
        """__all__ lists exactly the API the CLI relies on."""
        assert sorted(sentinel.detection.__all__) == [
            "Definition",
            "DetectionEngine",
            "EngineLimits",
            "bundled_detectors_dir",
            "finding_to_json",
            "latest_findings",
            "load_definitions",
            "load_packs",
            "replay_files",
            "rules_list_main",
            "rules_test_main",
        ]

    def test_all_names_exist(self) -> None:
        """Every exported name is importable."""
        assert all(hasattr(sentinel.detection, name) for name in sentinel.detection.__all__)
