"""Telemetry: JSON output, redaction, the event catalogue."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import structlog

from sentinel.telemetry import EVENTS, REDACTED, configure, redact_secrets

PACKAGE = Path(__file__).resolve().parents[2] / "sentinel"


@pytest.fixture(autouse=True)
def _reset_structlog() -> Iterator[None]:
    yield
    structlog.reset_defaults()


class TestConfigure:
    """configure() output formats."""

    def test_json_when_not_a_terminal(self) -> None:
        """A non-TTY stream gets one JSON object per line."""
        stream = io.StringIO()
        configure("info", "auto", stream)
        structlog.get_logger("t").info("replay.started", files=2)
        record = json.loads(stream.getvalue())
        assert record["event"] == "replay.started"
        assert record["files"] == 2
        assert record["level"] == "info"

    def test_level_filter_drops_debug(self) -> None:
        """Debug events are dropped at level info."""
        stream = io.StringIO()
        configure("info", "json", stream)
        structlog.get_logger("t").debug("parser.line.unmatched")
        assert stream.getvalue() == ""

    def test_console_format(self) -> None:
        """format=console renders a readable line, not JSON."""
        stream = io.StringIO()
        configure("info", "console", stream)
        structlog.get_logger("t").info("replay.finished", lines=3)
        assert "replay.finished" in stream.getvalue()
        assert not stream.getvalue().startswith("{")

    def test_secrets_redacted_in_output(self) -> None:
        """A secret-named key and a URL credential never reach the output."""
        stream = io.StringIO()
        configure("info", "json", stream)
        structlog.get_logger("t").warning(
            "notify.attempt.failed",
            webhook_url="https://hooks.example/T000/secret-path",
            detail="POST https://bob:hunter2@example.org/x failed",
        )
        text = stream.getvalue()
        assert "secret-path" not in text
        assert "hunter2" not in text
        assert REDACTED in text


class TestRedactSecrets:
    """The redaction processor on its own."""

    def test_token_in_text(self) -> None:
        """token=... inside a message is hidden."""
        out = redact_secrets(None, "info", {"event": "x", "detail": "got token=abcdef123 back"})
        assert "abcdef123" not in out["detail"]

    def test_secret_key_names(self) -> None:
        """hmac_key, api_key and webhook_url values are hidden; a checkpoint key is not."""
        out = redact_secrets(
            None, "info", {"event": "x", "hmac_key": "k1", "api_key": "k2", "webhook_url": "u"}
        )
        assert set(out.values()) == {"x", REDACTED}
        assert redact_secrets(None, "info", {"event": "x", "key": "c:0b98"})["key"] == "c:0b98"

    def test_ordinary_values_untouched(self) -> None:
        """Values without secrets pass unchanged."""
        out = redact_secrets(None, "info", {"event": "x", "lines": 3, "path": "/var/log/a"})
        assert out == {"event": "x", "lines": 3, "path": "/var/log/a"}


class TestCatalogue:
    """Event names follow one pattern and every logged name is catalogued."""

    def test_names_follow_the_pattern(self) -> None:
        """Names are lower-dot namespace.noun[.verb]."""
        pattern = re.compile(r"^[a-z]+(\.[a-z_]+){1,2}$")
        assert all(pattern.match(name) for name in EVENTS)

    def test_logged_names_are_in_the_catalogue(self) -> None:
        """Every literal event name passed to a logger in the package is catalogued."""
        call = re.compile(r"\blog\.(?:debug|info|warning|error|exception)\(\s*\"([^\"]+)\"")
        used = {
            name
            for path in PACKAGE.rglob("*.py")
            for name in call.findall(path.read_text(encoding="utf-8"))
        }
        assert used - set(EVENTS) == set()
