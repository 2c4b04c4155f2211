"""Benign host traffic: people and machines logging in, sudo, cron, firewall noise.

.. versionadded:: 0.1
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from sentinel.scenarios import catalog as cat
from sentinel.scenarios.context import Context
from sentinel.scenarios.firewall import ufw_block
from sentinel.scenarios.pam import cron_job, su_root, sudo_command
from sentinel.scenarios.sshd import accepted, probe_close

__all__ = ["BenignHost", "generate_host"]

_ADMIN_COMMANDS = (
    "/usr/bin/apt update",
    "/usr/bin/apt upgrade -y",
    "/usr/bin/systemctl restart nginx",
    "/usr/bin/journalctl -u shop --since today",
    "/usr/bin/tail -n 200 /var/log/nginx/error.log",
    "/usr/bin/systemctl status shop",
    "/usr/sbin/ufw status",
    "/usr/bin/docker ps",
)
_NOISE_PORTS = (23, 23, 23, 445, 445, 3389, 8080, 5900, 1433, 6379, 8443, 2323, 5555, 81, 8088)
_PASSWORD_USERS = frozenset({"carol", "dave", "erin"})


@dataclass(frozen=True)
class BenignHost:
    """What the benign host traffic used: addresses (ssh and firewall) and users."""

    clients: tuple[str, ...]
    users: tuple[str, ...]
    firewall_noise: tuple[str, ...]


def _day_starts(ctx: Context) -> list[float]:
    first = math.floor(ctx.start / 86400) * 86400
    return [float(d) for d in range(int(first), int(ctx.end), 86400)]


def _people(ctx: Context) -> list[str]:
    rng = ctx.rng
    ips: list[str] = []
    homes = {user: ctx.pool.take(cat.BENIGN_PREFIXES) for user in cat.HUMAN_USERS}
    ips.extend(homes.values())
    for day in _day_starts(ctx):
        weekend = time.gmtime(day).tm_wday >= 5
        for user in cat.HUMAN_USERS:
            logins = rng.randint(0, 1) if weekend else rng.randint(1, 3)
            for _ in range(logins):
                ts = day + rng.uniform(7.5, 19.0) * 3600
                method = "password" if user in _PASSWORD_USERS else "publickey"
                typos = rng.choice((0, 0, 0, 0, 0, 1, 1, 2)) if method == "password" else 0
                duration = rng.uniform(120, 5400)
                t = accepted(ctx, ts, homes[user], user, method, typos=typos, duration=duration)
                if user in cat.ADMIN_USERS:
                    for _ in range(rng.randint(0, 3)):
                        t += rng.uniform(20, duration / 4)
                        typo = 1 if rng.random() < 0.08 else 0
                        t = sudo_command(ctx, t, user, rng.choice(_ADMIN_COMMANDS), typos=typo)
                    if rng.random() < 0.1:
                        su_root(ctx, t + rng.uniform(5, 60), user, fail=rng.random() < 0.2)
    return ips


def _machines(ctx: Context) -> list[str]:
    rng = ctx.rng
    ci = ctx.pool.take(cat.BENIGN_PREFIXES)
    backup = ctx.pool.reserve("10.0.0.20")
    checker = ctx.pool.reserve("10.0.0.3")
    for day in _day_starts(ctx):
        accepted(
            ctx,
            day + 2.5 * 3600 + rng.uniform(0, 30),
            backup,
            "backup",
            "publickey",
            duration=rng.uniform(300, 1500),
        )
        if time.gmtime(day).tm_wday < 5:
            for _ in range(rng.randint(2, 6)):
                ts = day + rng.uniform(8, 18) * 3600
                t = accepted(ctx, ts, ci, "deploy", "publickey", duration=rng.uniform(20, 90))
                sudo_command(
                    ctx,
                    t + 3,
                    "deploy",
                    "/usr/bin/systemctl restart shop",
                    tty="unknown",
                    cwd="/srv/shop",
                )
    ts = ctx.start + rng.uniform(0, 300)
    while ts < ctx.end:
        probe_close(ctx, ts, checker)
        ts += 300.0 + rng.uniform(-0.5, 0.5)
    return [ci, backup, checker]


def _cron(ctx: Context) -> None:
    first = math.floor(ctx.start / 1800) * 1800
    for slot in range(int(first), int(ctx.end), 1800):
        cron_job(ctx, slot + 9 * 60)  # Debian php sessionclean: 09,39
        if slot % 3600 == 0:
            cron_job(ctx, slot + 17 * 60)  # /etc/cron.hourly


def _firewall(ctx: Context, scale: float) -> list[str]:
    rng = ctx.rng
    ips: list[str] = []
    ts = ctx.start + rng.uniform(0, 125)
    while ts < ctx.end:
        ctx.timeline.kern(
            ts,
            "[UFW BLOCK] IN=eth0 OUT= MAC=01:00:5e:00:00:01:00:16:3e:00:00:01:08:00 SRC=10.0.0.1 "
            "DST=224.0.0.1 LEN=36 TOS=0x00 PREC=0xC0 TTL=1 ID=0 DF PROTO=2",
        )
        ts += 125.0
    ts = ctx.start
    while True:
        ts += rng.expovariate(scale * 24 / 3600)
        if ts >= ctx.end:
            break
        src = ctx.pool.take(cat.BENIGN_PREFIXES)
        ips.append(src)
        roll = rng.random()
        ports = [rng.choice(_NOISE_PORTS)]
        if roll < 0.2:
            ports.append(ports[0])
        elif roll < 0.3:
            ports.append(rng.choice(_NOISE_PORTS))
        for n, port in enumerate(ports):
            ufw_block(ctx, ts + n * rng.uniform(1.0, 6.0), src, port)
    return ips


def generate_host(ctx: Context, scale: float) -> BenignHost:
    """Write benign auth.log and kern.log traffic.

    Args:
        ctx: Run context.
        scale: Volume multiplier.

    Returns:
        The addresses and users the benign traffic used.
    """
    clients = _people(ctx) + _machines(ctx)
    _cron(ctx)
    noise = _firewall(ctx, scale)
    users = (*cat.HUMAN_USERS, "deploy", "backup", "root")
    return BenignHost(tuple(clients), users, tuple(noise))
