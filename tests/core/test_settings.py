"""Configuration loading: strict structure, clear messages, secrets."""

from __future__ import annotations

from pathlib import Path

import pytest

from sentinel.errors import ConfigError
from sentinel.settings import Secret, load_settings, parse_duration, parse_settings

REPO = Path(__file__).resolve().parents[2]
MINIMAL = """
[[sources]]
name = "web"
paths = ["/var/log/nginx/access.log"]
format = "nginx"
"""


def _error(text: str, **kwargs: object) -> str:
    with pytest.raises(ConfigError) as info:
        parse_settings(text, "sentinel.toml", **kwargs)  # type: ignore[arg-type]
    return str(info.value)


class TestExampleConfig:
    """The documented example in config/."""

    def test_example_loads(self) -> None:
        """config/sentinel.toml passes validation."""
        settings = load_settings(REPO / "config" / "sentinel.toml")
        assert {s.name for s in settings.sources} >= {"nginx", "auth", "journal"}

    def test_every_field_is_documented_in_the_example(self) -> None:
        """Each settings key appears in config/sentinel.toml (commented or set)."""
        import dataclasses

        from sentinel import settings as module

        text = (REPO / "config" / "sentinel.toml").read_text()
        classes = [
            module.GeneralSettings,
            module.LoggingSettings,
            module.LimitSettings,
            module.PrivacySettings,
            module.DetectionSettings,
            module.SourceSettings,
            module.JsonFieldSettings,
        ]
        missing = [
            f"{cls.__name__}.{f.name}"
            for cls in classes
            for f in dataclasses.fields(cls)
            if not any(form in text for form in (f"{f.name} =", f"{f.name}_file =", f".{f.name}]"))
        ]
        assert not missing


class TestStructure:
    """Phase 1: unknown keys, types and choices."""

    def test_minimal_config_loads(self) -> None:
        """A single source with defaults elsewhere is valid."""
        settings = parse_settings(MINIMAL)
        assert settings.sources[0].format == "nginx"
        assert settings.limits.max_line_bytes == 65536

    def test_misspelt_format_names_key_and_suggestion(self) -> None:
        """A format typo names file, key path and the closest format."""
        message = _error(MINIMAL.replace('"nginx"', '"ngnix"'))
        assert message == (
            "sentinel.toml: sources[0].format: unknown format 'ngnix' (did you mean 'nginx'?)"
        )

    def test_second_source_is_indexed(self) -> None:
        """Errors in the second [[sources]] table say sources[1]."""
        text = MINIMAL + MINIMAL.replace('"web"', '"web2"').replace('"nginx"', '"sylog"')
        assert _error(text).startswith("sentinel.toml: sources[1].format:")

    def test_unknown_key_is_an_error_with_suggestion(self) -> None:
        """An unknown key is rejected with a did-you-mean."""
        message = _error("[limits]\nmax_line_byte = 10\n")
        assert "limits.max_line_byte: unknown key 'max_line_byte'" in message
        assert "did you mean 'max_line_bytes'" in message

    def test_unknown_section_is_an_error(self) -> None:
        """An unknown top-level table is rejected."""
        assert "unknown key 'limit'" in _error("[limit]\nx = 1\n")

    def test_wrong_type_names_expected_type(self) -> None:
        """A string where an integer belongs is rejected."""
        message = _error('[limits]\nmax_line_bytes = "big"\n')
        assert "limits.max_line_bytes: expected an integer" in message

    def test_boolean_is_not_an_integer(self) -> None:
        """TOML true is not accepted as a number."""
        assert "expected an integer" in _error("[limits]\nmax_line_bytes = true\n")

    def test_below_minimum_is_rejected(self) -> None:
        """Values under a documented minimum are rejected."""
        assert "must be at least 256" in _error("[limits]\nmax_line_bytes = 3\n")

    def test_bad_choice_lists_choices(self) -> None:
        """A literal field names the allowed values."""
        message = _error(MINIMAL + 'start_at = "begining"\n')
        assert "sources[0].start_at: must be one of" in message
        assert "did you mean 'beginning'" in message

    def test_duration_strings(self) -> None:
        """Durations accept units and plain seconds."""
        settings = parse_settings('[limits]\nentity_ttl = "90m"\n')
        assert settings.limits.entity_ttl == 5400.0
        assert parse_duration(30) == 30.0
        assert parse_duration("250ms") == 0.25

    def test_bad_duration(self) -> None:
        """A malformed duration is rejected with an example of the syntax."""
        assert "expected a duration" in _error('[limits]\nentity_ttl = "soon"\n')

    def test_invalid_toml_names_file(self) -> None:
        """A TOML syntax error is one ConfigError naming the file."""
        assert _error("[limits\n").startswith("sentinel.toml: not valid TOML")

    def test_duplicate_source_names(self) -> None:
        """Two sources cannot share a name (checkpoints are keyed by it)."""
        assert "duplicate source name 'web'" in _error(MINIMAL + MINIMAL)

    def test_file_source_needs_paths(self) -> None:
        """A file source without paths is rejected."""
        assert "sources[0].paths" in _error('[[sources]]\nname = "x"\nformat = "syslog"\n')

    def test_log_format_required_for_nginx_log_format(self) -> None:
        """format nginx_log_format needs the log_format key."""
        text = MINIMAL.replace('"nginx"', '"nginx_log_format"')
        assert "sources[0].log_format" in _error(text)

    def test_unknown_timezone(self) -> None:
        """A bad zone name is rejected at its key."""
        assert "sentinel.timezone: unknown time zone" in _error(
            '[sentinel]\ntimezone = "Mars/Olympus"\n'
        )

    def test_bad_multiline_regex(self) -> None:
        """An invalid multiline_start regex is rejected."""
        assert "multiline_start: invalid regex" in _error(MINIMAL + 'multiline_start = "("\n')

    def test_sources_must_be_array_of_tables(self) -> None:
        """`sources = 1` is a clear error."""
        assert "sources" in _error("sources = 1\n")


class TestSecrets:
    """Secrets come from *_file keys or the environment and never print."""

    def test_inline_secret_is_refused(self) -> None:
        """Writing the key inline is refused with the two supported ways."""
        message = _error('[privacy]\npseudonymize_key = "abc"\n')
        assert "pseudonymize_key_file" in message
        assert "SENTINEL_PSEUDONYMIZE_KEY" in message
        assert "abc" not in message

    def test_secret_from_file(self, tmp_path: Path) -> None:
        """pseudonymize_key_file reads the key, relative to the config file."""
        (tmp_path / "key").write_text("0123456789abcdef0123\n")
        config = tmp_path / "s.toml"
        config.write_text('[privacy]\npseudonymize = true\npseudonymize_key_file = "key"\n')
        settings = load_settings(config)
        assert settings.privacy.pseudonymize_key == Secret("0123456789abcdef0123")

    def test_secret_from_environment(self) -> None:
        """The environment variable supplies the key."""
        settings = parse_settings(
            "[privacy]\npseudonymize = true\n",
            environ={"SENTINEL_PSEUDONYMIZE_KEY": "s3cr3t-value-long-enough"},
        )
        assert settings.privacy.pseudonymize_key is not None
        assert settings.privacy.pseudonymize_key.get() == "s3cr3t-value-long-enough"

    def test_secret_repr_is_redacted(self) -> None:
        """Neither repr of the secret nor of the settings shows the value."""
        settings = parse_settings(
            "[privacy]\npseudonymize = true\n",
            environ={"SENTINEL_PSEUDONYMIZE_KEY": "s3cr3t-value-long-enough"},
        )
        assert "s3cr3t" not in repr(settings)
        assert "s3cr3t" not in str(settings.privacy.pseudonymize_key)

    def test_missing_secret_file(self, tmp_path: Path) -> None:
        """An unreadable secret file is an error naming the key."""
        config = tmp_path / "s.toml"
        config.write_text('[privacy]\npseudonymize_key_file = "nope"\n')
        with pytest.raises(ConfigError, match=r"privacy\.pseudonymize_key_file: cannot read"):
            load_settings(config)

    def test_pseudonymize_needs_key(self) -> None:
        """Turning pseudonymisation on without a key is an error."""
        assert "privacy.pseudonymize: needs a key" in _error(
            "[privacy]\npseudonymize = true\n", environ={}
        )


class TestLoadSettings:
    """Reading the file itself."""

    def test_missing_file(self, tmp_path: Path) -> None:
        """A missing file is a ConfigError naming it."""
        with pytest.raises(ConfigError, match="cannot read"):
            load_settings(tmp_path / "absent.toml")

    def test_binary_file(self, tmp_path: Path) -> None:
        """A file that is not UTF-8 is a ConfigError, not a traceback."""
        path = tmp_path / "bin.toml"
        path.write_bytes(b"\xff\xfe\x00garbage")
        with pytest.raises(ConfigError, match="not UTF-8"):
            load_settings(path)
