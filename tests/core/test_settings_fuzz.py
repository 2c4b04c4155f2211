"""Hypothesis fuzz of the configuration loader: only ConfigError, never a crash."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sentinel.errors import ConfigError
from sentinel.settings import Settings, parse_settings

KEYS = st.sampled_from(
    [
        "sentinel",
        "limits",
        "privacy",
        "detection",
        "logging",
        "sources",
        "name",
        "paths",
        "format",
        "start_at",
        "max_line_bytes",
        "entity_ttl",
        "timezone",
        "log_format",
        "json_fields",
        "time",
        "units",
        "pseudonymize",
        "packs",
        "disable",
        "level",
        "x",
    ]
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**63), 2**63 - 1),
    st.floats(allow_nan=True),
    st.text(max_size=20),
)
VALUES: st.SearchStrategy[Any] = st.recursive(
    SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(KEYS, children, max_size=4)
    ),
    max_leaves=12,
)


def _to_toml(value: Any) -> str:
    """A tiny TOML writer for the generated documents (inline tables only)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        text = repr(value)
        return {"nan": "nan", "inf": "inf", "-inf": "-inf"}.get(text, text)
    if isinstance(value, str):
        return '"' + value.encode("unicode_escape").decode().replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "[" + ", ".join(_to_toml(v) for v in value if v is not None) + "]"
    if isinstance(value, dict):
        items = ", ".join(f"{k} = {_to_toml(v)}" for k, v in value.items() if v is not None)
        return "{" + items + "}"
    return '""'


class TestConfigFuzz:
    """Arbitrary documents."""

    @settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.dictionaries(KEYS, VALUES, max_size=6))
    def test_structured_documents_raise_only_config_error(self, document: dict[str, Any]) -> None:
        """Any TOML document either loads or raises ConfigError."""
        text = "\n".join(f"{k} = {_to_toml(v)}" for k, v in document.items() if v is not None)
        try:
            assert isinstance(parse_settings(text, "fuzz.toml", environ={}), Settings)
        except ConfigError as exc:
            assert str(exc).startswith("fuzz.toml")  # noqa: PT017 - fuzzing: either outcome is fine

    @settings(max_examples=300, deadline=None)
    @given(st.text(max_size=200))
    def test_arbitrary_text_raises_only_config_error(self, text: str) -> None:
        """Arbitrary text either loads or raises ConfigError."""
        try:
            parse_settings(text, "fuzz.toml", environ={})
        except ConfigError as exc:
            assert str(exc).startswith("fuzz.toml")  # noqa: PT017 - fuzzing: either outcome is fine
