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
    normalize_host,
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


class TestNormalizeHost:
    """Host names sshd logged (UseDNS) are validated: they come from the attacker's DNS."""

    @pytest.mark.parametrize(
        ("text", "want"),
        [
            ("Host-7.Example.COM", "host-7.example.com"),
            ("scanner.example.net.", "scanner.example.net"),
            ("localhost", "localhost"),
            ("deadbeef.cafe", "deadbeef.cafe"),
            ("_dmarc.example", "_dmarc.example"),
            ("1-2-3-4.dsl.example", "1-2-3-4.dsl.example"),
            ("a" * 63 + ".example", "a" * 63 + ".example"),
            (".".join(["a" * 62] * 4), ".".join(["a" * 62] * 4)),  # 251 characters
            ("a" * 64 + ".example", None),  # a label longer than DNS allows
            (".".join(["a" * 63] * 4), None),  # 255 characters: longer than a name
            ("1.2.3.4.5", None),  # the last label is all digits: no such domain
            ("999.1.1.1", None),
            ("12345", None),
            ("-bad.example", None),
            ("bad-.example", None),
            ("a..example", None),
            (".example", None),
            ("", None),
            (".", None),
            ("evil host", None),
            ("evil\x01.example", None),
            ("evil\n.example", None),
            ("ev\u0131l.example", None),  # dotless i: not ASCII, whatever it lower-cases to
            ("\u00e9.example", None),
            ("a/b.example", None),
            ("a:b", None),
        ],
    )
    def test_normalize(self, text: str, want: str | None) -> None:
        assert normalize_host(text) == want


class TestSshdHostNames:
    """sshd with ``UseDNS yes``: the client is named by host, in ``extra["rhost"]``."""

    @pytest.mark.parametrize(
        ("message", "kind", "user", "host"),
        [
            (
                "Failed password for root from Host.Example.COM port 22 ssh2",
                EventKind.AUTH_FAILURE,
                "root",
                "host.example.com",
            ),
            (
                "Failed password for invalid user admin from scanner.example port 4 ssh2",
                EventKind.AUTH_FAILURE,
                "admin",
                "scanner.example",
            ),
            (
                "Accepted password for bob from office.example port 5 ssh2",
                EventKind.AUTH_SUCCESS,
                "bob",
                "office.example",
            ),
            (
                "Invalid user guest from scanner.example port 6",
                EventKind.AUTH_FAILURE,
                "guest",
                "scanner.example",
            ),
            (
                "Invalid user guest from scanner.example",
                EventKind.AUTH_FAILURE,
                "guest",
                "scanner.example",
            ),
            (
                "message repeated 3 times: [ Failed password for root from h.example port 7 ssh2]",
                EventKind.AUTH_FAILURE,
                "root",
                "h.example",
            ),
        ],
    )
    def test_host_named_client(
        self, classifier: ProgramClassifier, message: str, kind: EventKind, user: str, host: str
    ) -> None:
        """The line keeps its kind; the host name is kept lower-cased, with no client IP."""
        auth = classifier.classify("sshd", message)
        assert auth is not None
        assert (auth[KIND], auth[USER], auth[CLIENT_IP]) == (kind, user, None)
        assert auth[EXTRA]["rhost"] == host

    @pytest.mark.parametrize(
        ("message", "user"),
        [
            # sshd writes "for USER from HOST": the user is the attacker's, the last " from" sshd's.
            (
                "Failed password for invalid user a from 6.6.6.6 port 1 "
                "from evil.example port 2 ssh2",
                "a from 6.6.6.6 port 1",
            ),
            (
                "Failed password for a from other.example port 1 from evil.example port 2 ssh2",
                "a from other.example port 1",
            ),
            (
                "Invalid user a from 6.6.6.6 port 1 from evil.example port 2",
                "a from 6.6.6.6 port 1",
            ),
            ("Invalid user a from 6.6.6.6 from evil.example", "a from 6.6.6.6"),
        ],
    )
    def test_injected_from_in_user_name(
        self, classifier: ProgramClassifier, message: str, user: str
    ) -> None:
        """An address or name injected in the user name does not replace sshd's host name."""
        auth = classifier.classify("sshd", message)
        assert auth is not None
        assert (auth[USER], auth[CLIENT_IP], auth[EXTRA]["rhost"]) == (user, None, "evil.example")

    def test_injected_host_does_not_replace_ip(self, classifier: ProgramClassifier) -> None:
        """... nor does a host name injected before sshd's IP."""
        auth = classifier.classify(
            "sshd", "Failed password for a from evil.example port 1 from 192.0.2.1 port 2 ssh2"
        )
        assert auth is not None
        assert (auth[CLIENT_IP], "rhost" in auth[EXTRA]) == ("192.0.2.1", False)

    @pytest.mark.parametrize(
        "address",
        [
            "a" * 300 + ".example",  # longer than any DNS name
            "a" * 64 + ".example",  # a label longer than DNS allows
            "evil host.example",  # a space: "evil" is followed by no port
            "evil\x01.example",
            "evil\x1b[31m.example",
            "\u00e9vil.example",
            "evil.example\u2028",
            "-evil.example",
            "evil..example",
        ],
    )
    def test_hostile_host_names_stay_unclassified(
        self, classifier: ProgramClassifier, address: str
    ) -> None:
        """No plausible host name: the line is ``auth_other``, as before host names were read."""
        for message in (
            f"Failed password for root from {address} port 22 ssh2",
            f"Invalid user root from {address} port 22",
        ):
            auth = classifier.classify("sshd", message)
            assert auth is not None
            assert (auth[KIND], auth[CLIENT_IP], auth[PATTERN]) == (
                EventKind.AUTH_OTHER,
                None,
                "sshd.other",
            ), message
            assert "rhost" not in auth[EXTRA]

    def test_host_after_address_needs_a_port(self, classifier: ProgramClassifier) -> None:
        """Text after sshd's address (a certificate ID) naming a host does not replace it."""
        auth = classifier.classify(
            "sshd", "Accepted publickey for a from 192.0.2.1 port 2 ssh2: ID x from nowhere.example"
        )
        assert auth is not None
        assert (auth[CLIENT_IP], "rhost" in auth[EXTRA]) == ("192.0.2.1", False)

    def test_numeric_last_label_is_no_host(self, classifier: ProgramClassifier) -> None:
        """``1.2.3.4.5`` is no IP and no name: a failure without a client, as before."""
        auth = classifier.classify("sshd", "Failed password for root from 1.2.3.4.5 port 2 ssh2")
        assert auth is not None
        assert (auth[KIND], auth[CLIENT_IP], "rhost" in auth[EXTRA]) == (
            EventKind.AUTH_FAILURE,
            None,
            False,
        )


class TestSshdHostNamedSessions:
    """sshd's other messages naming the client by host: the name is in ``extra["rhost"]`` too.

    ``Connection closed``/``reset``, ``Disconnected from`` and ``Received
    disconnect`` are not among them: the C fast path classifies those itself
    and names no host (``test_speedups`` holds both paths to one answer).
    """

    @pytest.mark.parametrize(
        ("message", "pattern", "user"),
        [
            (
                "Disconnecting invalid user admin Scanner.Example.NET port 4: "
                "Too many authentication failures [preauth]",
                "sshd.disconnecting",
                "admin",
            ),
            (
                "Disconnecting authenticating user root scanner.example.net port 4: "
                "Too many authentication failures [preauth]",
                "sshd.disconnecting",
                "root",
            ),
            (
                "error: maximum authentication attempts exceeded for invalid user admin "
                "from Scanner.Example.NET port 4 ssh2 [preauth]",
                "sshd.max_auth_attempts",
                "admin",
            ),
            (
                "Did not receive identification string from scanner.example.net port 4",
                "sshd.no_ident",
                None,
            ),
            (
                "Unable to negotiate with scanner.example.net port 4: no matching key exchange "
                "method found. Their offer: diffie-hellman-group1-sha1 [preauth]",
                "sshd.negotiation_failed",
                None,
            ),
            (
                "Bad protocol version identification 'GET / HTTP/1.1' "
                "from scanner.example.net port 4",
                "sshd.bad_protocol",
                None,
            ),
            (
                "Timeout before authentication for scanner.example.net port 4",
                "sshd.timeout",
                None,
            ),
        ],
    )
    def test_host_named_client(
        self, classifier: ProgramClassifier, message: str, pattern: str, user: str | None
    ) -> None:
        """The lower-cased host name is the client; there is no client IP."""
        auth = classifier.classify("sshd", message)
        assert auth is not None
        assert (auth[KIND], auth[PATTERN], auth[USER], auth[CLIENT_IP]) == (
            EventKind.AUTH_OTHER,
            pattern,
            user,
            None,
        )
        assert (auth[EXTRA]["rhost"], auth[EXTRA]["port"]) == ("scanner.example.net", "4")

    @pytest.mark.parametrize(
        ("message", "user", "ip", "host"),
        [
            (
                "Disconnecting invalid user x from 1.2.3.4 port 22 evil.example port 4: "
                "Too many authentication failures [preauth]",
                "x from 1.2.3.4 port 22",
                None,
                "evil.example",
            ),
            (
                "Disconnecting invalid user x evil.example port 22 192.0.2.1 port 4: "
                "Too many authentication failures [preauth]",
                "x evil.example port 22",
                "192.0.2.1",
                None,
            ),
            (
                "Disconnecting invalid user x 1.2.3.4 port 22: y evil.example port 4: "
                "Too many authentication failures [preauth]",
                "x 1.2.3.4 port 22: y",
                None,
                "evil.example",
            ),
            (
                "error: maximum authentication attempts exceeded for invalid user "
                "x from 1.2.3.4 port 22 from evil.example port 4 ssh2 [preauth]",
                "x from 1.2.3.4 port 22",
                None,
                "evil.example",
            ),
            (
                "error: maximum authentication attempts exceeded for invalid user "
                "x from evil.example port 22 from 192.0.2.1 port 4 ssh2 [preauth]",
                "x from evil.example port 22",
                "192.0.2.1",
                None,
            ),
        ],
    )
    def test_injected_client_in_user_name(
        self,
        classifier: ProgramClassifier,
        message: str,
        user: str,
        ip: str | None,
        host: str | None,
    ) -> None:
        """An address or name in the user name is not the client: sshd's is cut from the right."""
        auth = classifier.classify("sshd", message)
        assert auth is not None
        assert (auth[USER], auth[CLIENT_IP], auth[EXTRA].get("rhost")) == (user, ip, host)
        assert auth[EXTRA]["invalid_user"] == "true"

    @pytest.mark.parametrize(
        "message",
        [
            "Did not receive identification string from scanner.example.net",
            "Timeout before authentication for scanner.example.net port x",
            "Timeout before authentication for scanner.example.net port 123456",
            "Timeout before authentication for 1.2.3.4.5 port 4",
            "Timeout before authentication for evil\x1b[31m.example port 4",
        ],
    )
    def test_no_plausible_host_is_no_client(
        self, classifier: ProgramClassifier, message: str
    ) -> None:
        """A name without sshd's `` port N`` after it, or no DNS name, names no client."""
        auth = classifier.classify("sshd", message)
        assert auth is not None
        assert (auth[KIND], auth[CLIENT_IP], "rhost" in auth[EXTRA]) == (
            EventKind.AUTH_OTHER,
            None,
            False,
        )


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
