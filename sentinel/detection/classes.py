"""Which detector ids answer for which attack class (for quality figures and tests).

The class names are those of the scenario generator
(:data:`sentinel.scenarios.CLASSES`).  An actor of a class counts as found
when a finding of one of these detectors names it as entity or, for the
distributed detectors (whose entity is the target), among its targets.

.. versionadded:: 0.1
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["CLASS_DETECTORS", "DISTRIBUTED_DETECTORS"]

CLASS_DETECTORS: Mapping[str, frozenset[str]] = {
    "sqli": frozenset({"web.sqli"}),
    "xss": frozenset({"web.xss"}),
    "path_traversal": frozenset({"web.path_traversal"}),
    "rfi": frozenset({"web.rfi"}),
    "command_injection": frozenset({"web.command_injection"}),
    "jndi": frozenset({"web.jndi_lookup"}),
    "ssrf": frozenset({"web.ssrf_metadata"}),
    "php_injection": frozenset({"web.code_injection"}),
    "sensitive_files": frozenset({"web.sensitive_files"}),
    "scanner_ua": frozenset({"web.scanner_ua"}),
    "wordlist_scan": frozenset({"web.wordlist_scan", "web.404_storm"}),
    "http_bruteforce": frozenset({"web.auth_bruteforce", "web.auth_failure_burst"}),
    "http_flood": frozenset({"web.flood"}),
    "http_flood_distributed": frozenset({"web.flood_distributed"}),
    "ssh_bruteforce": frozenset({"auth.ssh_bruteforce"}),
    "ssh_bruteforce_slow": frozenset({"auth.ssh_slow_bruteforce"}),
    "user_enumeration": frozenset({"auth.user_enumeration"}),
    "credential_stuffing": frozenset({"auth.credential_stuffing"}),
    "password_spraying": frozenset({"auth.password_spraying"}),
    "distributed_bruteforce": frozenset({"auth.distributed_bruteforce"}),
    "sudo_abuse": frozenset({"auth.sudo_not_allowed", "auth.sudo_password_guessing"}),
    "port_scan": frozenset({"fw.port_scan"}),
}

#: Detectors whose entity is the attacked thing and whose targets are the attackers.
DISTRIBUTED_DETECTORS = frozenset({"web.flood_distributed", "auth.distributed_bruteforce"})
