"""Plan and run a corpus: benign traffic, campaigns, files, ground truth.

Random streams are split by purpose (benign web, benign host, one per
campaign), each seeded from the run seed and a name, so choosing a subset of
campaigns leaves the benign traffic and the other campaigns unchanged.

.. versionadded:: 0.1
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from sentinel.scenarios.benign_host import generate_host
from sentinel.scenarios.benign_web import generate_web
from sentinel.scenarios.catalog import IpPool, Site
from sentinel.scenarios.context import Context
from sentinel.scenarios.host_attacks import HOST_ATTACKS
from sentinel.scenarios.plan import CLASSES, DISTRIBUTED_CLASSES, Actors, CampaignFn, Plan
from sentinel.scenarios.timeline import FILES, Timeline
from sentinel.scenarios.truth import CampaignTruth, Evidence, FileTruth, GroundTruth
from sentinel.scenarios.web_abuse import WEB_ABUSE
from sentinel.scenarios.web_attacks import WEB_ATTACKS

__all__ = ["DEFAULT_START", "HOST", "generate", "plan_campaigns"]

DEFAULT_START = datetime(2026, 11, 20, tzinfo=UTC)
"""A Friday, so the default two days hold a weekday and a Saturday."""
HOST = "web1"
_GENERATORS: dict[str, CampaignFn] = {**WEB_ATTACKS, **WEB_ABUSE, **HOST_ATTACKS}
# Low-and-slow or spread over many clients by design: each client stays under
# per-client thresholds.
_ALWAYS_EVASIVE = frozenset(
    {"ssh_bruteforce_slow", "password_spraying", "distributed_bruteforce", "http_flood_distributed"}
)
# Classes with no evasive form: their plain attack is the only one.
_NEVER_EVASIVE = frozenset({"ssh_bruteforce", "credential_stuffing", "sudo_abuse"})
_HAS_EVASIVE = frozenset(CLASSES) - _ALWAYS_EVASIVE - _NEVER_EVASIVE
_CAN_SUCCEED = frozenset(
    {
        "sqli",
        "path_traversal",
        "ssrf",
        "sensitive_files",
        "http_bruteforce",
        "ssh_bruteforce",
        "ssh_bruteforce_slow",
        "credential_stuffing",
        "password_spraying",
        "sudo_abuse",
    }
)


def plan_campaigns(
    scale: float, classes: Sequence[str] | None = None, per_class: int | None = None
) -> list[Plan]:
    """Which campaigns a run injects.

    Three per class at scale 1 (one for the distributed classes, which have
    many clients each); variant ``n % 3``: 0 plain, 1 evasive, 2 successful
    where the class can succeed.

    Args:
        scale: Volume multiplier.
        classes: Class ids to include (all when None).
        per_class: Campaigns per class, overriding the scale-derived count.

    Returns:
        The plans in class order.

    Raises:
        ValueError: On an unknown class id.
    """
    wanted = list(CLASSES) if classes is None else list(classes)
    unknown = sorted(set(wanted) - set(CLASSES))
    if unknown:
        raise ValueError(f"unknown campaign class(es) {unknown} (choose from {', '.join(CLASSES)})")
    plans = []
    for cls in CLASSES:
        if cls not in wanted:
            continue
        count = max(1, round((1 if cls in DISTRIBUTED_CLASSES else 3) * scale))
        if per_class is not None:
            count = per_class
        for i in range(count):
            variant = i % 3
            evasive = (variant == 1 and cls in _HAS_EVASIVE) or cls in _ALWAYS_EVASIVE
            succeed = variant == 2 and cls in _CAN_SUCCEED
            plans.append(Plan(f"{cls}-{i + 1}", cls, i, evasive, succeed, scale))
    return plans


def _rng(seed: int, name: str) -> random.Random:
    # Simulation, not cryptography: a seeded, reproducible PRNG is the point.
    return random.Random(f"{seed}:{name}")  # noqa: S311


def _context(base: Context, name: str, seed: int) -> Context:
    rng = _rng(seed, name)
    return Context(rng, base.timeline, base.site, base.pool.sharing(rng), base.start, base.end)


def _write(
    out_dir: Path, timeline: Timeline
) -> tuple[
    dict[str, FileTruth],
    dict[str, dict[str, list[int]]],
    dict[str, list[Evidence]],
    dict[str, tuple[float, float]],
]:
    out_dir.mkdir(parents=True, exist_ok=True)
    files: dict[str, FileTruth] = {}
    lines: dict[str, dict[str, list[int]]] = {}
    evidence: dict[str, list[Evidence]] = {}
    spans: dict[str, tuple[float, float]] = {}
    for name in FILES:
        attack: list[int] = []
        count = 0
        with (out_dir / name).open("w", encoding="utf-8", newline="\n") as fh:
            for count, entry in enumerate(timeline.sorted_lines(name), start=1):
                fh.write(entry.text)
                fh.write("\n")
                if not entry.tag:
                    continue
                attack.append(count)
                lines.setdefault(entry.tag, {}).setdefault(name, []).append(count)
                first, last = spans.get(entry.tag, (entry.ts, entry.ts))
                spans[entry.tag] = (min(first, entry.ts), max(last, entry.ts))
                if entry.evidence:
                    evidence.setdefault(entry.tag, []).append(Evidence(name, count))
        files[name] = FileTruth(count, tuple(attack))
    return files, lines, evidence, spans


def generate(
    out_dir: Path,
    *,
    seed: int = 7,
    days: float = 2.0,
    benign_clients: int | None = None,
    scale: float = 1.0,
    start: datetime = DEFAULT_START,
    campaigns: Sequence[str] | None = None,
    campaigns_per_class: int | None = None,
) -> GroundTruth:
    """Write ``access.log``, ``auth.log``, ``kern.log`` and ``truth.json`` to ``out_dir``.

    Args:
        out_dir: Target directory (created if missing; files are overwritten).
        seed: Random seed; the same arguments give byte-identical files.
        days: Length of the corpus in days.
        benign_clients: Distinct browser and app visitors (default ``4000 * days * scale``).
        scale: Volume multiplier for benign traffic and the number of campaigns.
        start: First instant (aware datetime; naive is taken as UTC).
        campaigns: Attack class ids to inject (all of :data:`CLASSES` when None; ``[]`` for
            benign traffic only).
        campaigns_per_class: Campaigns per class (default three at scale 1, one for the
            distributed classes, times ``scale``); variants cycle plain, evasive, successful.

    Returns:
        The ground truth, also written as ``truth.json``.

    Raises:
        ValueError: On a non-positive ``days`` or ``scale`` or an unknown class id.
    """
    if days <= 0 or scale <= 0:
        raise ValueError(f"days ({days}) and scale ({scale}) must be positive")
    plans = plan_campaigns(scale, campaigns, campaigns_per_class)
    t0 = (start if start.tzinfo else start.replace(tzinfo=UTC)).timestamp()
    t1 = t0 + days * 86400.0
    timeline = Timeline(HOST, t0, t1, boot_ts=t0 - 3 * 86400.0 - 4321.123456)
    site = Site(_rng(seed, "site"))
    base = Context(_rng(seed, "base"), timeline, site, IpPool(_rng(seed, "pool")), t0, t1)
    clients = benign_clients if benign_clients is not None else round(4000 * days * scale)
    web_ips = generate_web(_context(base, "benign-web", seed), clients, scale)
    host = generate_host(_context(base, "benign-host", seed), scale)
    actors: dict[str, Actors] = {}
    for plan in plans:
        actors[plan.id] = _GENERATORS[plan.attack_class](_context(base, plan.id, seed), plan)
    files, lines, evidence, spans = _write(out_dir, timeline)
    truths = []
    for plan in plans:
        first, last = spans.get(plan.id, (t0, t0))
        found = tuple(evidence.get(plan.id, ()))
        truths.append(
            CampaignTruth(
                id=plan.id,
                attack_class=plan.attack_class,
                clients=tuple(actors[plan.id].clients),
                users=tuple(actors[plan.id].users),
                targets=tuple(actors[plan.id].targets),
                start_ts=first,
                end_ts=last,
                evasive=plan.evasive,
                succeeded=bool(found),
                success_evidence=found,
                lines={name: tuple(nums) for name, nums in lines.get(plan.id, {}).items()},
            )
        )
    truth = GroundTruth(
        seed=seed,
        days=days,
        scale=scale,
        host=HOST,
        start_ts=t0,
        end_ts=t1,
        files=files,
        campaigns=tuple(truths),
        benign_clients=tuple(dict.fromkeys([*web_ips, *host.clients, *host.firewall_noise])),
        benign_users=host.users,
        firewall_noise=host.firewall_noise,
    )
    (out_dir / "truth.json").write_text(truth.dumps(), encoding="utf-8")
    return truth
