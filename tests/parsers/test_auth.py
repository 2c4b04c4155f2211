"""ProgramClassifier: sshd, PAM, sudo, su and firewall messages."""

from __future__ import annotations

import pytest

from sentinel.parsers.auth import (
    CLIENT_IP,
    EXTRA,
    KIND,
    PATTERN,
    PATTERN_NAMES,
    USER,
    ProgramClassifier,
    normalize_ip,
)
from sentinel.records import EventKind


@pytest.fixture
def classifier() -> ProgramClassifier:
    return ProgramClassifier()


class TestNormalizeIp:
    """Client addresses are validated and canonical."""

    @pytest.mark.parametrize(
        ("text", "want"),
        [
            ("203.0.113.5", "203.0.113.5"),
            ("2001:DB8:0::1", "2001:db8::1"),
            ("::ffff:198.51.100.4", "198.51.100.4"),
            ("999.1.1.1", None),
            ("example.com", None),
            ("", None),
            ("1" * 100, None),
        ],
    )
    def test_normalize(self, text: str, want: str | None) -> None:
        """Valid addresses come back canonical, anything else is None."""
        assert normalize_ip(text) == want


class TestSshd:
    """sshd messages."""

    def test_failed_password_invalid_user(self, classifier: ProgramClassifier) -> None:
        """A failed password for an unknown user is an auth failure flagged invalid."""
        auth = classifier.classify(
            "sshd", "Failed password for invalid user admin from 203.0.113.5 port 22 ssh2"
        )
        assert auth is not None
        assert (auth[KIND], auth[USER], auth[CLIENT_IP]) == (
            EventKind.AUTH_FAILURE,
            "admin",
            "203.0.113.5",
        )
        assert auth[EXTRA]["invalid_user"] == "true"

    def test_spoofed_from_in_user_name(self, classifier: ProgramClassifier) -> None:
        """An injected `` from IP`` in the user name does not replace sshd's address."""
        auth = classifier.classify(
            "sshd",
            "Failed password for invalid user a from 6.6.6.6 port 1 from 192.0.2.1 port 2 ssh2",
        )
        assert auth is not None
        assert auth[CLIENT_IP] == "192.0.2.1"

    def test_last_parsable_from_wins(self, classifier: ProgramClassifier) -> None:
        """A trailing `` from`` that is no address does not hide sshd's address."""
        auth = classifier.classify(
            "sshd", "Accepted publickey for a from 192.0.2.1 port 2 ssh2: ID x from nowhere"
        )
        assert auth is not None
        assert (auth[CLIENT_IP], auth[EXTRA]["port"]) == ("192.0.2.1", "2")

    def test_unknown_sshd_message_is_auth_other(self, classifier: ProgramClassifier) -> None:
        """Every sshd line is an auth event, classified or not."""
        auth = classifier.classify("sshd", "Server listening on :: port 22.")
        assert auth is not None
        assert (auth[KIND], auth[PATTERN]) == (EventKind.AUTH_OTHER, "sshd.other")

    def test_repeated_message_is_not_nested(self, classifier: ProgramClassifier) -> None:
        """A repeat wrapper around a repeat wrapper is not unwrapped twice."""
        inner = "message repeated 2 times: [ Failed password for root from 1.2.3.4 port 1 ssh2]"
        auth = classifier.classify("sshd", f"message repeated 3 times: [ {inner}]")
        assert auth is not None
        assert auth[PATTERN] == "sshd.other"

    def test_journal_identifier_sshd_session(self, classifier: ProgramClassifier) -> None:
        """OpenSSH 9.8's sshd-session is classified like sshd."""
        auth = classifier.classify("sshd-session", "Accepted publickey for a from ::1 port 2 ssh2")
        assert auth is not None
        assert auth[KIND] is EventKind.AUTH_SUCCESS


class TestPam:
    """PAM messages from any program."""

    def test_rhost_hostname_goes_to_extra(self, classifier: ProgramClassifier) -> None:
        """A host name in rhost is kept in extra, not as client IP."""
        auth = classifier.classify(
            "sshd(pam_unix)",
            "authentication failure; logname= uid=0 euid=0 tty=NODEVssh ruser= rhost=h.example",
        )
        assert auth is not None
        assert auth[CLIENT_IP] is None
        assert auth[EXTRA]["rhost"] == "h.example"

    def test_unlisted_program_pam_line(self, classifier: ProgramClassifier) -> None:
        """A pam_unix line from any program is an auth event with its service."""
        auth = classifier.classify(
            "login", "pam_unix(login:auth): authentication failure; logname= uid=0 tty=tty1 user=x"
        )
        assert auth is not None
        assert (auth[KIND], auth[EXTRA]["service"]) == (EventKind.AUTH_FAILURE, "login")

    def test_plain_program_is_not_classified(self, classifier: ProgramClassifier) -> None:
        """Ordinary program messages are left to syslog."""
        assert classifier.classify("CRON", "(root) CMD (true)") is None

    def test_no_program_is_not_classified(self, classifier: ProgramClassifier) -> None:
        """A line without a tag is not classified."""
        assert classifier.classify(None, "Failed password for root from 1.2.3.4") is None


class TestSudo:
    """sudo command and failure lines."""

    def test_command_fields(self, classifier: ProgramClassifier) -> None:
        """A sudo command line yields user, target user and command."""
        auth = classifier.classify(
            "sudo", "alice : TTY=pts/0 ; PWD=/ ; USER=root ; COMMAND=/usr/bin/id"
        )
        assert auth is not None
        assert (auth[KIND], auth[USER]) == (EventKind.SUDO, "alice")
        assert auth[EXTRA]["target_user"] == "root"
        assert auth[EXTRA]["command"] == "/usr/bin/id"

    @pytest.mark.parametrize(
        ("message", "ambiguous"),
        [
            ("alice : TTY=pts/0 ; PWD=/ ; USER=root ; COMMAND=/usr/bin/id", False),
            # " ; " inside the command alone is ordinary shell text.
            ("alice : TTY=pts/0 ; PWD=/ ; USER=root ; COMMAND=/bin/sh -c a ; b", False),
            # A directory named to shift the fields after it.
            (
                "eve : PWD=/tmp/x ; USER=nobody ; COMMAND=/bin/true ; USER=root ; COMMAND=/bin/sh",
                True,
            ),
            ("eve : PWD=/a ; PWD=/b ; USER=root ; COMMAND=/usr/bin/id", True),
        ],
    )
    def test_forged_fields_are_flagged(
        self, classifier: ProgramClassifier, message: str, ambiguous: bool
    ) -> None:
        """User-controlled text that looks like sudo's own fields marks the event ambiguous."""
        auth = classifier.classify("sudo", message)
        assert auth is not None
        assert ("fields_ambiguous" in auth[EXTRA]) is ambiguous

    def test_command_is_capped(self, classifier: ProgramClassifier) -> None:
        """A huge command is kept only up to its cap."""
        auth = classifier.classify("sudo", "a : USER=root ; COMMAND=" + "x" * 5000)
        assert auth is not None
        assert len(auth[EXTRA]["command"]) == 1024


class TestFirewall:
    """Kernel firewall lines."""

    def test_kernel_without_src_is_not_firewall(self, classifier: ProgramClassifier) -> None:
        """``IN=`` alone is not enough: a firewall line has a source address."""
        assert classifier.classify("kernel", "IN=eth0 OUT= something") is None


class TestPatternNames:
    """Declared pattern names."""

    def test_pattern_names_are_namespaced(self) -> None:
        """Every pattern name is ``program.what``."""
        assert all("." in name for name in PATTERN_NAMES)
