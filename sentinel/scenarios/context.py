"""Shared state of one generator run: random source, timeline, site, address pool.

.. versionadded:: 0.1
"""

from __future__ import annotations

import math
import random
import time
from dataclasses import dataclass

from sentinel.scenarios.catalog import IpPool, Site
from sentinel.scenarios.timeline import Timeline

__all__ = ["SERVER_IP", "SERVER_MAC", "Context", "activity"]

SERVER_IP = "10.0.0.5"
SERVER_MAC = "00:16:3e:5a:7c:01:fe:ff:ff:ff:ff:ff:08:00"


def activity(ts: float) -> float:
    """Relative human activity at an instant: diurnal curve with a weekend dip.

    Peaks mid-afternoon UTC at about 0.9, bottoms out near 0.2 around 3-4 a.m.;
    Saturday and Sunday are scaled by 0.6.

    Args:
        ts: Epoch seconds.

    Returns:
        A weight in (0, 1].
    """
    t = time.gmtime(ts)
    hour = t.tm_hour + t.tm_min / 60.0
    daily = 0.15 + 0.85 * math.exp(-((hour - 14.0) ** 2) / (2 * 4.5**2))
    return daily * (0.6 if t.tm_wday >= 5 else 1.0)


@dataclass
class Context:
    """Everything a benign or campaign generator needs.

    Attributes:
        rng: The run's only random source.
        timeline: Where lines go.
        site: The web shop.
        pool: Address allocator shared by benign and attack traffic.
        start: First instant (epoch seconds).
        end: Last instant (epoch seconds).
    """

    rng: random.Random
    timeline: Timeline
    site: Site
    pool: IpPool
    start: float
    end: float
    _logind_session: int = 0

    def human_time(self) -> float:
        """A random instant weighted by :func:`activity` (rejection sampling).

        Returns:
            Epoch seconds within ``[start, end)``.
        """
        while True:
            ts = self.rng.uniform(self.start, self.end)
            if self.rng.random() < activity(ts):
                return ts

    def window(self, duration: float) -> tuple[float, float]:
        """Place an interval of ``duration`` seconds at random inside the run.

        The interval is shortened to the run when the run is shorter.

        Args:
            duration: Wanted length in seconds.

        Returns:
            ``(start, end)`` epoch seconds.
        """
        span = self.end - self.start
        duration = min(duration, span * 0.85)
        # Keep clear of both edges so a campaign's last (success) lines stay in the run.
        begin = self.start + self.rng.uniform(0.02 * span, max(0.02 * span, 0.97 * span - duration))
        return begin, begin + duration

    def session_id(self) -> int:
        """The next systemd-logind session number (increasing within a run)."""
        self._logind_session += 1
        return self._logind_session

    def pid(self) -> int:
        """A plausible process id."""
        return self.rng.randint(1200, 65000)

    def port(self) -> int:
        """A plausible ephemeral client port."""
        return self.rng.randint(32768, 60999)
