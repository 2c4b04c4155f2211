"""Terminal escaping of attacker-controlled text."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from sentinel.textsafe import for_terminal


class TestForTerminal:
    """for_terminal()."""

    def test_ansi_escape_is_neutralised(self) -> None:
        """ESC becomes a visible \\x1b."""
        assert for_terminal("/x\x1b[2J") == "/x\\x1b[2J"

    def test_bidi_override_is_escaped(self) -> None:
        """Unicode bidi overrides are shown as code points."""
        assert for_terminal("a\u202eb") == "a\\u202eb"

    def test_long_text_is_cut(self) -> None:
        """Text beyond the limit is cut with an ellipsis."""
        assert len(for_terminal("a" * 500, 50)) == 50

    @given(st.text())
    def test_no_control_characters_survive(self, text: str) -> None:
        """No C0/C1 control character is ever in the output."""
        out = for_terminal(text, 10_000)
        assert not any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in out)
