"""Records: immutability and the ECS export."""

from __future__ import annotations

import json

import pytest

from sentinel.records import (
    EntityKey,
    Event,
    EventKind,
    Finding,
    LineRef,
    Severity,
    event_client,
    event_to_ecs,
)


def _http() -> Event:
    return Event(
        1_764_000_000.5,
        EventKind.HTTP_REQUEST,
        source="web",
        host="web1",
        client_ip="203.0.113.9",
        user="bob",
        method="GET",
        path="/login",
        query="next=/",
        status=401,
        bytes=512,
        duration=0.25,
        user_agent="curl/8",
        origin=LineRef("web", "/var/log/nginx/access.log", 1234, 17),
    )


class TestEvent:
    """Event record."""

    def test_is_immutable(self) -> None:
        """Fields cannot be assigned."""
        event = _http()
        with pytest.raises(AttributeError):
            event.status = 200  # type: ignore[misc]

    def test_time_is_aware_utc(self) -> None:
        """.time is a UTC datetime."""
        assert _http().time.utcoffset() is not None
        assert _http().time.isoformat().endswith("+00:00")


class TestEventClient:
    """The client an event names."""

    def test_address_first(self) -> None:
        """The address wins over a host name in ``extra``."""
        event = Event(1.0, EventKind.AUTH_FAILURE, client_ip="192.0.2.1", extra={"rhost": "a.b"})
        assert event_client(event) == "192.0.2.1"

    def test_host_name_lower_cased(self) -> None:
        """Without an address, the logged host name, lower-cased (one client, one entity)."""
        event = Event(1.0, EventKind.AUTH_FAILURE, extra={"rhost": "Scanner.Example"})
        assert event_client(event) == "scanner.example"

    def test_none_without_either(self) -> None:
        """No address and no host name: no client."""
        assert event_client(Event(1.0, EventKind.SUDO, user="bob")) is None


class TestEventToEcs:
    """The ECS export names."""

    def test_ecs_names(self) -> None:
        """Typed fields map onto Elastic Common Schema names."""
        doc = event_to_ecs(_http())
        assert doc["source.ip"] == "203.0.113.9"
        assert doc["user.name"] == "bob"
        assert doc["url.path"] == "/login"
        assert doc["url.query"] == "next=/"
        assert doc["http.request.method"] == "GET"
        assert doc["http.response.status_code"] == 401
        assert doc["event.duration"] == 250_000_000
        assert doc["@timestamp"] == "2025-11-24T16:00:00.500000Z"
        assert doc["log.file.path"] == "/var/log/nginx/access.log"
        assert doc["log.file.line"] == 17

    def test_auth_outcome(self) -> None:
        """auth_failure exports event.outcome=failure."""
        doc = event_to_ecs(Event(0.0 + 1e9, EventKind.AUTH_FAILURE, user="root"))
        assert doc["event.outcome"] == "failure"
        assert doc["event.category"] == "authentication"

    def test_none_fields_are_omitted_and_json_serialisable(self) -> None:
        """Absent fields are left out and the document serialises."""
        doc = event_to_ecs(Event(1e9, EventKind.SYSLOG, message="hi", metrics={"cpu": 1.5}))
        assert "source.ip" not in doc
        assert json.loads(json.dumps(doc))["sentinel.metrics.cpu"] == 1.5


class TestFinding:
    """Finding record."""

    def test_fingerprint_is_stable(self) -> None:
        """The same detector, entity and start give the same fingerprint."""

        def make() -> Finding:
            return Finding(
                "auth.ssh_bruteforce",
                "SSH brute force",
                EntityKey("client_ip", "1.2.3.4"),
                10.0,
                20.0,
                Severity.HIGH,
            )

        assert make().fingerprint == make().fingerprint
        assert "1.2.3.4" in make().fingerprint

    def test_severity_parse(self) -> None:
        """Severity names parse case-insensitively; unknown names list the choices."""
        assert Severity.parse("High") is Severity.HIGH
        with pytest.raises(ValueError, match="choose one of"):
            Severity.parse("urgent")
