"""Normalisation of evasive request encodings."""

from __future__ import annotations

import pytest

from sentinel.detection.normalize import (
    MAX_CHARS,
    normalize_path,
    normalize_query,
    normalize_text,
    percent_decode,
    strip_sql_comments,
)


class TestPercentDecode:
    def test_percent_u(self) -> None:
        """IIS-style %uXXXX escapes decode to the code point."""
        assert percent_decode("%u0027%u003C") == "'<"

    def test_overlong_two_byte(self) -> None:
        """Overlong %c0%ae decodes to a dot, %c0%af to a slash."""
        assert percent_decode("%c0%ae%c0%ae%c0%af") == "../"

    def test_overlong_three_byte(self) -> None:
        """Three-byte overlong %e0%80%ae decodes to a dot."""
        assert percent_decode("%e0%80%ae") == "."

    def test_invalid_utf8_replaced(self) -> None:
        """Bytes that are not UTF-8 become U+FFFD instead of raising."""
        assert percent_decode("%ff") == "\ufffd"


class TestNormalizeText:
    @pytest.mark.parametrize(
        ("raw", "expected"),
        [
            ("%2527", "'"),
            ("%252527", "'"),
            ("&#39;&lt;", "'<"),
            ("%26%2339%3B", "'"),
            ("ＳＥＬＥＣＴ", "select"),
            ("SeLeCt", "select"),
            ("a\t\x0b b", "a b"),
            ("a%0d%0a%0a b", "a\nb"),
        ],
    )
    def test_decodes(self, raw: str, expected: str) -> None:
        """Double encoding, entities, full-width forms, case and whitespace all fold."""
        assert normalize_text(raw) == expected

    def test_rounds_are_bounded(self) -> None:
        """Layers beyond the round limit stay encoded (bounded work)."""
        assert "%" in normalize_text("%2525252527")

    def test_input_is_capped(self) -> None:
        """Input longer than the cap is cut before any work."""
        assert len(normalize_text("%41" * MAX_CHARS)) <= MAX_CHARS

    def test_sql_comments_become_spaces(self) -> None:
        """/**/ comments become one space, so UNION/**/SELECT reads as union select."""
        assert normalize_text("UNION/**/SELECT") == "union select"

    def test_plus_is_space_in_queries(self) -> None:
        """A plus sign is a space in a query string."""
        assert normalize_query("q=union+select") == "q=union select"


class TestStripSqlComments:
    def test_unclosed_comment_runs_to_end(self) -> None:
        """An unclosed comment swallows the rest instead of backtracking."""
        assert strip_sql_comments("a/*b") == "a "

    def test_many_openers_are_linear(self) -> None:
        """Thousands of openers are handled in one pass."""
        assert "/*" not in strip_sql_comments("/*" * 5000)


class TestNormalizePath:
    @pytest.mark.parametrize(
        "raw",
        [
            "/a/....//....//etc/passwd",
            "/a/..;/..;/etc/passwd",
            "/a/..%5c..%5cetc/passwd",
            "/a/%2e%2e/%2e%2e/etc/passwd",
            "/a/%252e%252e%252f%252e%252e%252fetc/passwd",
            "/a/%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd",
        ],
    )
    def test_traversal_tricks_canonicalise(self, raw: str) -> None:
        """Every traversal trick becomes plain ../../ before matching."""
        assert normalize_path(raw) == "/a/../../etc/passwd"

    def test_duplicate_slashes_collapse(self) -> None:
        """//, /./ collapse so /.//.env reads as /.env."""
        assert normalize_path("//.//.env") == "/.env"

    def test_clean_path_is_lowercased_only(self) -> None:
        """A clean path takes the fast path: lower-case only."""
        assert normalize_path("/Static/App.JS") == "/static/app.js"
