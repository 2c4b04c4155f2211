"""Did the attack work?  Success evidence for findings.

Three rules, named by definitions' ``success`` key:

``served_2xx``
    A probe for a sensitive file answered 2xx: the file was served.
``response_large``
    An attack request answered 2xx with a body much larger than that path
    usually returns (``factor`` times the path's baseline and at least
    ``min_bytes`` more): data came back, as in a UNION dump or an LFI read.
``login_after``
    A login accepted from the brute-forcing client (or for the targeted user)
    while the finding is open or within ``within`` of its last attempt.  The
    engine feeds these events (:meth:`Outcome.mark_succeeded`).

Otherwise a finding whose every answer was an error or, for
``response_large``, the path's usual page (or, for logins, whose window
closed without a login) is ``failed``; anything else is ``unknown``.

The size baseline is learnt from responses that matched no signature, per
normalised path, as an EWMA with a cap on the number of paths (LRU): a flood
of random paths can push paths out, never grow memory.

.. versionadded:: 0.1
"""

from __future__ import annotations

from collections import OrderedDict

from sentinel.detection.definitions import SuccessRule
from sentinel.records import Event, LineRef, Success

__all__ = ["MAX_SUCCESS_EVIDENCE", "Outcome", "SizeBaseline"]

MAX_SUCCESS_EVIDENCE = 5
_ALPHA = 0.1


class SizeBaseline:
    """Typical 2xx response size per path (running mean, then EWMA)."""

    def __init__(self, max_paths: int = 20_000) -> None:
        self.max_paths = max_paths
        self.evicted = 0
        # path -> [mean, n, mean absolute deviation] (running, then EWMA)
        self._paths: OrderedDict[str, list[float]] = OrderedDict()

    def learn(self, path: str, size: int) -> None:
        """Fold one benign 2xx response size into the baselines."""
        entry = self._paths.get(path)
        if entry is None:
            if len(self._paths) >= self.max_paths:
                self._paths.popitem(last=False)
                self.evicted += 1
            self._paths[path] = [float(size), 1.0, 0.0]
            return
        entry[1] += 1
        rate = 1.0 / entry[1] if entry[1] < 20 else _ALPHA
        diff = size - entry[0]
        entry[0] += diff * rate
        entry[2] += (abs(diff) - entry[2]) * rate
        # Refresh recency only now and then: popular paths stay anyway, and a
        # move per request costs more than the EWMA itself.
        if entry[1] % 64 == 0:
            self._paths.move_to_end(path)

    def typical(self, path: str) -> float | None:
        """The usual size for ``path``, or ``None`` when it was never answered benignly.

        There is deliberately no site-wide fallback: sizes differ by orders of
        magnitude between pages, images and API calls, so a site mean would
        make every small page "usual" and every download "large".
        """
        entry = self._paths.get(path)
        return entry[0] if entry is not None else None

    def is_large(self, path: str, size: int, rule: SuccessRule) -> bool | None:
        """Whether ``size`` is much larger than usual for ``path`` (``None``: no baseline).

        Large means ``factor`` times the mean, and more than the mean plus
        ``min_bytes`` and four mean deviations: a path whose answers vary
        (a home page that is sometimes a tiny redirect body) needs a bigger
        jump than one that always returns the same page.
        """
        entry = self._paths.get(path)
        if entry is None:
            return None
        usual, _, spread = entry
        return size >= usual * rule.factor and size - usual >= max(rule.min_bytes, 4 * spread)


class Outcome:
    """Success bookkeeping for one open finding."""

    __slots__ = ("answered", "errors", "evidence", "normal", "succeeded")

    def __init__(self) -> None:
        self.succeeded = False
        self.evidence: list[LineRef] = []
        self.answered = 0  # responses with a status
        self.errors = 0  # responses >= 400
        self.normal = 0  # 2xx answers of the path's usual size (nothing came back)

    def mark_succeeded(self, ref: LineRef | None) -> bool:
        """Record success evidence; returns True when the state just changed."""
        changed = not self.succeeded
        self.succeeded = True
        if ref is not None and len(self.evidence) < MAX_SUCCESS_EVIDENCE:
            self.evidence.append(ref)
        return changed

    def observe(
        self, event: Event, rule: SuccessRule | None, path: str, sizes: SizeBaseline
    ) -> bool:
        """Judge one matched HTTP event; returns True when success was just reached."""
        status = event.status
        if status is None:
            return False
        self.answered += 1
        if status >= 400:
            self.errors += 1
            return False
        if rule is None or not 200 <= status < 300:
            return False
        if rule.rule == "served_2xx":
            return self.mark_succeeded(event.origin)
        if rule.rule != "response_large" or event.bytes is None:
            return False
        large = sizes.is_large(path, event.bytes, rule)
        if large:
            return self.mark_succeeded(event.origin)
        if large is False:
            self.normal += 1
        return False

    def verdict(self, rule: SuccessRule | None, *, closed: bool) -> Success:
        """The success state now (``closed``: the finding's window has ended)."""
        if self.succeeded:
            return Success.SUCCEEDED
        if rule is None:
            return Success.UNKNOWN
        if rule.rule == "login_after":
            return Success.FAILED if closed else Success.UNKNOWN
        if self.answered and self.errors + self.normal == self.answered:
            return Success.FAILED
        return Success.UNKNOWN
