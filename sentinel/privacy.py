"""Privacy: redact credentials in URLs and pseudonymise people.

Applied at the boundaries where data leaves the process or is stored
(event exports, findings, reports, alerts), never before detection: an SQL
injection inside a ``password=`` parameter must still be seen by the
detectors.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable

__all__ = ["REDACTED", "Pseudonymizer", "redact_query"]

REDACTED = "[REDACTED]"
_MAX_PARAMS = 256  # a query with more parameters is cut: bounded work per line


def redact_query(query: str | None, params: Iterable[str]) -> str | None:
    """Replace the values of sensitive parameters (``password=x`` -> ``password=[REDACTED]``).

    Matching is case-insensitive on the parameter name and also catches
    names that end with a sensitive word (``user_password``, ``X-Api-Key``).
    """
    if not query:
        return query
    names = tuple(p.lower() for p in params)
    pieces = query.split("&", _MAX_PARAMS)
    for index, piece in enumerate(pieces):
        name, sep, _value = piece.partition("=")
        lowered = name.lower()
        if sep and any(lowered == n or lowered.endswith(("_" + n, "-" + n)) for n in names):
            pieces[index] = f"{name}={REDACTED}"
    return "&".join(pieces)


class Pseudonymizer:
    """Keyed, stable pseudonyms: the same input gives the same token under one key.

    HMAC-SHA256 so that without the key a pseudonym cannot be reversed by
    hashing a dictionary of user names or the IPv4 space.
    """

    def __init__(self, key: bytes) -> None:
        if len(key) < 16:
            raise ValueError("a pseudonymisation key needs at least 16 bytes")
        self._key = key

    def pseudonymize(self, kind: str, value: str) -> str:
        """``("user", "alice")`` -> ``"user-3f9a1c0b2d4e"``."""
        digest = hmac.new(self._key, f"{kind}\x00{value}".encode(), hashlib.sha256).hexdigest()
        return f"{kind}-{digest[:12]}"
