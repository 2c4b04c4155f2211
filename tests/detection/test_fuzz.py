"""Property tests: hostile text never breaks normalisation or the loader."""

from __future__ import annotations

import contextlib
import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from sentinel.detection import load_packs
from sentinel.detection.normalize import MAX_CHARS, normalize_path, normalize_query
from sentinel.errors import DefinitionError

from .test_definitions import GOOD

TOKENS = st.sampled_from(
    ["%", "%25", "%u00", "%c0%ae", "&#", "&lt;", ";", "/*", "*/", "..", "/", "\\", "+", "\n", "a"]
)
HOSTILE = st.one_of(st.text(max_size=300), st.lists(TOKENS, max_size=200).map("".join))


class TestNormalizeProperties:
    @given(HOSTILE)
    @settings(max_examples=300, deadline=None)
    def test_never_raises_and_bounded(self, text: str) -> None:
        """Any input normalises without error to at most the capped length (plus decoding slack)."""
        for result in (normalize_path(text), normalize_query(text)):
            assert len(result) <= MAX_CHARS * 2

    @given(HOSTILE)
    @settings(max_examples=200, deadline=None)
    def test_idempotent_on_lower_case(self, text: str) -> None:
        """A normalised path is already lower-case."""
        result = normalize_path(text)
        assert result == result.lower() or not result.isascii()


class TestLoaderProperties:
    @given(st.data())
    @settings(max_examples=60, deadline=None)
    def test_mutated_pack_loads_or_names_a_line(self, data: st.DataObject) -> None:
        """Deleting, duplicating or cutting a line gives a pack or a DefinitionError only."""
        lines = GOOD.splitlines()
        index = data.draw(st.integers(0, len(lines) - 1))
        mutation = data.draw(st.sampled_from(["delete", "duplicate", "truncate"]))
        if mutation == "delete":
            del lines[index]
        elif mutation == "duplicate":
            lines.insert(index, lines[index])
        else:
            lines[index] = lines[index][: len(lines[index]) // 2]
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "pack.toml"
            path.write_text("\n".join(lines))
            with contextlib.suppress(DefinitionError):
                load_packs([path], check_examples=False)
