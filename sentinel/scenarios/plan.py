"""Campaign plans: which attack runs, in which variant, and what it reports back.

.. versionadded:: 0.1
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sentinel.scenarios.context import Context

__all__ = ["CLASSES", "DISTRIBUTED_CLASSES", "Actors", "CampaignFn", "Plan"]

CLASSES: tuple[str, ...] = (
    "sqli",
    "xss",
    "path_traversal",
    "rfi",
    "command_injection",
    "jndi",
    "ssrf",
    "php_injection",
    "sensitive_files",
    "scanner_ua",
    "wordlist_scan",
    "http_bruteforce",
    "http_flood",
    "http_flood_distributed",
    "ssh_bruteforce",
    "ssh_bruteforce_slow",
    "user_enumeration",
    "credential_stuffing",
    "password_spraying",
    "distributed_bruteforce",
    "sudo_abuse",
    "port_scan",
)
"""Attack class ids, the ``class`` values in ``truth.json``."""

DISTRIBUTED_CLASSES: frozenset[str] = frozenset(
    {"http_flood_distributed", "distributed_bruteforce"}
)
"""Classes where one campaign already has many clients."""


@dataclass(frozen=True)
class Plan:
    """One campaign to generate.

    Attributes:
        id: Campaign id, ``<class>-<n>``; also the line tag.
        attack_class: One of :data:`CLASSES`.
        index: ``n``, which picks the variant (plain, evasive, successful ...).
        evasive: Use evasion techniques.
        succeed: Let the attack succeed where the class allows it.
        scale: Volume multiplier of the run.  Above 1 it adds campaigns rather than
            clients per campaign, so a distributed campaign's size stays plausible.
    """

    id: str
    attack_class: str
    index: int
    evasive: bool
    succeed: bool
    scale: float = 1.0


@dataclass
class Actors:
    """Who a campaign used and what it went after.

    Attributes:
        clients: Attacking addresses.
        users: Local accounts acting as the attacker (sudo abuse).
        targets: Users, paths or ports attacked.
    """

    clients: list[str] = field(default_factory=list)
    users: list[str] = field(default_factory=list)
    targets: list[str] = field(default_factory=list)


CampaignFn = Callable[[Context, Plan], Actors]
"""A campaign generator: writes its lines into the context's timeline."""
