"""Host campaigns: SSH password attacks, sudo abuse, port scans.

Some SSH campaigns come from clients that sshd names by host (``UseDNS yes``:
``Failed password for root from 45-134-7-1.rev.cloudhost.example port 4242
ssh2``): one variant of each per-client class (the successful one for the fast
brute force) and every third node of a botnet.  Their lines, PAM's ``rhost=``
included, carry the name instead of the address, and the ground truth lists
the name as the client.

.. versionadded:: 0.1
"""

from __future__ import annotations

from sentinel.scenarios import catalog as cat
from sentinel.scenarios.context import Context
from sentinel.scenarios.firewall import ufw_block
from sentinel.scenarios.pam import su_root, sudo_command, sudo_denied, sudo_not_allowed
from sentinel.scenarios.plan import Actors, CampaignFn, Plan
from sentinel.scenarios.sshd import accepted, failed_connection

__all__ = ["HOST_ATTACKS"]

_COMMON_USERS = (
    "admin",
    "ubuntu",
    "user",
    "oracle",
    "postgres",
    "git",
    "ftpuser",
    "pi",
    "guest",
    "support",
    "mysql",
    "hadoop",
    "test1",
    "administrator",
    "centos",
    "ec2-user",
    "jenkins",
    "minecraft",
    "nagios",
    "tomcat",
    "www",
    "dev",
    "operator",
    "student",
    "ansible",
    "vagrant",
    "steam",
    "debian",
    "elastic",
    "zabbix",
    "teamspeak",
    "odoo",
    "sysadmin",
    "backup1",
    "ts3",
    "user1",
)
_FIRST = ("j", "m", "a", "s", "d", "k", "r", "l", "c", "t", "p", "e")
_LAST = (
    "smith",
    "johnson",
    "williams",
    "brown",
    "jones",
    "garcia",
    "miller",
    "davis",
    "martinez",
    "lopez",
    "wilson",
    "anderson",
    "thomas",
    "taylor",
    "moore",
    "jackson",
    "martin",
    "lee",
    "thompson",
    "white",
    "harris",
    "clark",
    "lewis",
    "walker",
    "young",
    "allen",
    "king",
    "wright",
)
_SCAN_PORTS = (
    21,
    23,
    25,
    53,
    110,
    111,
    135,
    139,
    143,
    445,
    465,
    587,
    993,
    995,
    1433,
    1521,
    1723,
    2049,
    2375,
    3000,
    3306,
    3389,
    5000,
    5432,
    5601,
    5900,
    5985,
    6379,
    7001,
    8000,
    8008,
    8080,
    8081,
    8443,
    8888,
    9000,
    9090,
    9200,
    9300,
    10000,
    11211,
    27017,
    50000,
)
_OPEN_PORTS = frozenset({22, 80, 443})


# The campaign variant (``plan.index % 3``) whose client sshd names by host.
_HOST_NAMED: dict[str, int] = {
    "ssh_bruteforce": 2,
    "ssh_bruteforce_slow": 1,
    "user_enumeration": 1,
    "credential_stuffing": 1,
    "password_spraying": 1,
}
# Every this many botnet nodes, one is named by host.
_NAMED_NODE_EVERY = 3


def _ip(ctx: Context) -> str:
    return ctx.pool.take(cat.ATTACK_PREFIXES + cat.DOC_PREFIXES)


def _client(ctx: Context, plan: Plan) -> str:
    """An attacking address, or the host name sshd logs for it in the host-named variant."""
    ip = _ip(ctx)
    named = _HOST_NAMED.get(plan.attack_class) == plan.index % 3
    return cat.ptr_name(ip) if named else ip


def ssh_bruteforce(ctx: Context, plan: Plan) -> Actors:
    """Fast password guessing: dozens of connections, up to six tries each."""
    rng = ctx.rng
    client = _client(ctx, plan)
    users = ["root"] if plan.index % 3 == 0 else ["root", *rng.sample(_COMMON_USERS, 8)]
    if plan.succeed:
        users = ["test", "root"]
    ts, _ = ctx.window(rng.uniform(600, 2400))
    for _ in range(rng.randint(30, 90)):
        ts = failed_connection(ctx, ts, client, rng.choice(users), rng.randint(1, 6), tag=plan.id)
        ts += rng.uniform(0.5, 6.0)
    if plan.succeed:
        accepted(
            ctx,
            ts + 2.0,
            client,
            "test",
            "password",
            duration=rng.uniform(60, 900),
            tag=plan.id,
            evidence=True,
        )
    return Actors([client], targets=sorted(set(users)))


def ssh_bruteforce_slow(ctx: Context, plan: Plan) -> Actors:
    """Low-and-slow guessing: one password every two to five minutes for hours."""
    rng = ctx.rng
    client = _client(ctx, plan)
    users = ["root"] if not plan.succeed else ["oracle", "root"]
    ts, end = ctx.window(rng.uniform(4, 10) * 3600)
    while ts < end:
        ts = failed_connection(ctx, ts, client, rng.choice(users), 1, tag=plan.id)
        ts += rng.uniform(120, 300)
    if plan.succeed:
        accepted(
            ctx,
            min(ts, end),
            client,
            "oracle",
            "password",
            duration=rng.uniform(60, 900),
            tag=plan.id,
            evidence=True,
        )
    return Actors([client], targets=users)


def user_enumeration(ctx: Context, plan: Plan) -> Actors:
    """Many invalid account names from one client, barely any password tries."""
    rng = ctx.rng
    client = _client(ctx, plan)
    names = list(_COMMON_USERS) + [f"{f}{last}" for f in _FIRST[:3] for last in _LAST]
    tried = rng.sample(names, rng.randint(40, min(len(names), 100)))
    gap = (30.0, 90.0) if plan.evasive else (0.5, 8.0)
    ts, _ = ctx.window(len(tried) * sum(gap) / 2)
    for user in tried:
        ts = failed_connection(
            ctx,
            ts,
            client,
            user,
            rng.choice((0, 0, 1)),
            tag=plan.id,
            invalid_only=rng.random() < 0.5,
        )
        ts += rng.uniform(*gap)
    return Actors([client], targets=sorted(tried))


def credential_stuffing(ctx: Context, plan: Plan) -> Actors:
    """Leaked username/password pairs: many real-looking accounts, one or two tries each."""
    rng = ctx.rng
    client = _client(ctx, plan)
    pool = [f"{f}{last}" for f in _FIRST for last in _LAST]
    users = [*rng.sample(pool, rng.randint(40, 100)), "carol", "dave", "frank"]
    rng.shuffle(users)
    ts, _ = ctx.window(len(users) * 12.0)
    for user in users:
        ts = failed_connection(ctx, ts, client, user, rng.choice((1, 1, 2)), tag=plan.id)
        ts += rng.uniform(2.0, 20.0)
    if plan.succeed:
        accepted(
            ctx,
            ts,
            client,
            "frank",
            "password",
            duration=rng.uniform(60, 900),
            tag=plan.id,
            evidence=True,
        )
    return Actors([client], targets=sorted(users))


def password_spraying(ctx: Context, plan: Plan) -> Actors:
    """One or two passwords across many accounts, slowly, from one to three clients."""
    rng = ctx.rng
    clients = [_client(ctx, plan) for _ in range(1 if plan.index % 2 == 0 else 3)]
    users = [*cat.HUMAN_USERS, "deploy", "root", *rng.sample(_COMMON_USERS, rng.randint(10, 25))]
    rounds = 2 if plan.index % 3 != 1 else 1
    ts, end = ctx.window(len(users) * rounds * 300.0)
    # Spread the attempts over the window so the campaign fits short corpora too.
    gap = (end - ts) / (len(users) * rounds + 1)
    for _ in range(rounds):
        for user in users:
            ts = failed_connection(ctx, ts, rng.choice(clients), user, 1, tag=plan.id)
            ts += gap * rng.uniform(0.5, 1.3)
    ts = min(ts, end)
    if plan.succeed:
        accepted(
            ctx,
            ts,
            clients[0],
            "dave",
            "password",
            duration=rng.uniform(60, 900),
            tag=plan.id,
            evidence=True,
        )
    return Actors(clients, targets=sorted(users))


def distributed_bruteforce(ctx: Context, plan: Plan) -> Actors:
    """A botnet against one account: many clients, a handful of tries each."""
    rng = ctx.rng
    user = ("root", "admin")[plan.index % 2]
    start, end = ctx.window(rng.uniform(2, 6) * 3600)
    clients = [_ip(ctx) for _ in range(max(10, round(40 * min(plan.scale, 1.0))))]
    clients = [
        cat.ptr_name(client) if i % _NAMED_NODE_EVERY == _NAMED_NODE_EVERY - 1 else client
        for i, client in enumerate(clients)
    ]
    for client in clients:
        for _ in range(rng.randint(1, 2)):
            failed_connection(
                ctx, rng.uniform(start, end), client, user, rng.randint(1, 3), tag=plan.id
            )
    return Actors(clients, targets=[user])


def sudo_abuse(ctx: Context, plan: Plan) -> Actors:
    """A compromised or curious local account trying to become root."""
    rng = ctx.rng
    actor = ("www-data", "intern", "svc-report")[plan.index % 3]
    ts, _ = ctx.window(rng.uniform(600, 3600))
    commands = (
        "/bin/bash",
        "/bin/sh",
        "/usr/bin/passwd root",
        "/bin/cat /etc/shadow",
        "/usr/bin/vim /etc/sudoers",
    )
    if actor == "www-data":
        for _ in range(rng.randint(3, 8)):
            sudo_not_allowed(ctx, ts, actor, rng.choice(commands), "/var/www/shop", tag=plan.id)
            ts += rng.uniform(5.0, 120.0)
    else:
        for _ in range(rng.randint(3, 6)):
            ts = sudo_denied(ctx, ts, actor, rng.choice(commands), tag=plan.id)
            ts += rng.uniform(10.0, 300.0)
        if actor == "intern":
            su_root(ctx, ts, actor, fail=True, tag=plan.id)
    if plan.succeed and actor != "www-data":
        sudo_command(ctx, ts + 30.0, actor, "/bin/bash", tty="pts/3", tag=plan.id, evidence=True)
    return Actors(users=[actor], targets=["root"])


def port_scan(ctx: Context, plan: Plan) -> Actors:
    """Firewall-blocked SYNs from one source to many ports (slow and jittered when evasive)."""
    rng = ctx.rng
    ip = _ip(ctx)
    ports = [p for p in range(1, 1025) if p not in _OPEN_PORTS]
    ports = rng.sample(ports, rng.randint(60, 150) if plan.evasive else rng.randint(200, 900))
    ports = sorted(set(ports) | set(rng.sample(_SCAN_PORTS, 20)) - _OPEN_PORTS)
    rng.shuffle(ports)
    gap = (15.0, 60.0) if plan.evasive else (0.002, 0.05)
    ts, _ = ctx.window(len(ports) * sum(gap) / 2)
    spt, ttl = rng.randint(30000, 65000), rng.randint(235, 250)
    for port in ports:
        if plan.evasive:
            ufw_block(ctx, ts, ip, port, tag=plan.id, length=60, window=64240)
        else:
            ufw_block(
                ctx,
                ts,
                ip,
                port,
                tag=plan.id,
                spt=spt,
                ttl=ttl,
                ident=54321,
                window=1024,
                length=44,
            )
        ts += rng.uniform(*gap)
    return Actors([ip], targets=[str(p) for p in sorted(ports)])


HOST_ATTACKS: dict[str, CampaignFn] = {
    "ssh_bruteforce": ssh_bruteforce,
    "ssh_bruteforce_slow": ssh_bruteforce_slow,
    "user_enumeration": user_enumeration,
    "credential_stuffing": credential_stuffing,
    "password_spraying": password_spraying,
    "distributed_bruteforce": distributed_bruteforce,
    "sudo_abuse": sudo_abuse,
    "port_scan": port_scan,
}
