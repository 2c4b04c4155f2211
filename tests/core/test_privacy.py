"""Redaction and pseudonymisation."""

from __future__ import annotations

import pytest

from sentinel.privacy import REDACTED, Pseudonymizer, redact_query


class TestRedactQuery:
    """Sensitive query parameters."""

    def test_password_value_is_redacted(self) -> None:
        """password=... loses its value, other params stay."""
        assert redact_query("user=bob&password=hunter2", ["password"]) == (
            f"user=bob&password={REDACTED}"
        )

    def test_case_and_suffix(self) -> None:
        """Names match case-insensitively and by _suffix."""
        out = redact_query("API_KEY=1&user_token=2&tokenizer=3", ["api_key", "token"])
        assert out == f"API_KEY={REDACTED}&user_token={REDACTED}&tokenizer=3"

    def test_empty_and_none(self) -> None:
        """Nothing to redact gives the input back."""
        assert redact_query(None, ["password"]) is None
        assert redact_query("", ["password"]) == ""

    def test_parameter_cap_bounds_work(self) -> None:
        """A query with thousands of parameters is handled with bounded splitting."""
        query = "&".join(f"a{i}=1" for i in range(5000)) + "&password=x"
        assert redact_query(query, ["password"]) is not None


class TestPseudonymizer:
    """Keyed pseudonyms."""

    def test_stable_under_one_key(self) -> None:
        """The same input maps to the same pseudonym."""
        p = Pseudonymizer(b"k" * 32)
        assert p.pseudonymize("user", "alice") == p.pseudonymize("user", "alice")

    def test_depends_on_key_and_kind(self) -> None:
        """Another key or another kind gives another pseudonym."""
        a = Pseudonymizer(b"k" * 32).pseudonymize("user", "alice")
        assert a != Pseudonymizer(b"j" * 32).pseudonymize("user", "alice")
        assert a != Pseudonymizer(b"k" * 32).pseudonymize("ip", "alice")
        assert "alice" not in a

    def test_short_key_refused(self) -> None:
        """Keys under 16 bytes are refused."""
        with pytest.raises(ValueError, match="16 bytes"):
            Pseudonymizer(b"short")
