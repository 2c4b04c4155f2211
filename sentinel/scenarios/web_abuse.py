"""Web abuse campaigns: wordlist scans, login brute force, floods.

.. versionadded:: 0.1
"""

from __future__ import annotations

from sentinel.scenarios import catalog as cat
from sentinel.scenarios.context import Context
from sentinel.scenarios.plan import Actors, CampaignFn, Plan

__all__ = ["WEB_ABUSE", "wordlist"]

_WORDS = (
    "admin",
    "administrator",
    "old",
    "test",
    "dev",
    "staging",
    "api2",
    "console",
    "manager",
    "panel",
    "cpanel",
    "phpmyadmin",
    "pma",
    "mysql",
    "sql",
    "db",
    "upload",
    "uploads",
    "files",
    "images2",
    "tmp",
    "temp",
    "scripts",
    "includes",
    "inc",
    "lib",
    "private",
    "secret",
    "hidden",
    "install",
    "setup",
    "login2",
    "portal",
    "dashboard",
    "shell",
    "webadmin",
    "sysadmin",
    "beta",
    "demo",
    "new",
    "site",
    "web",
    "www",
    "data",
    "export",
    "import",
    "report",
    "reports",
    "stats",
    "status2",
    "debug",
    "trace",
    "console2",
    "adminer",
    "jenkins",
    "solr",
    "actuator",
    "jmx",
    "manage",
    "user",
    "users",
    "member",
    "members",
    "forum",
    "shop2",
    "store",
    "cms",
    "crm",
)
_EXTS = ("", "/", ".php", ".html", ".txt", ".asp", ".aspx", ".jsp", ".old")
_DENIED = 555
_NOT_FOUND = 3650


def wordlist() -> list[str]:
    """The directory-busting wordlist: words times extensions, as URL paths."""
    return [f"/{w}{e}" for w in _WORDS for e in _EXTS]


def _ip(ctx: Context) -> str:
    return ctx.pool.take(cat.ATTACK_PREFIXES + cat.DOC_PREFIXES)


def wordlist_scan(ctx: Context, plan: Plan) -> Actors:
    """A 404 storm over hundreds of distinct guessed paths (slow when evasive)."""
    rng, tl = ctx.rng, ctx.timeline
    ip = _ip(ctx)
    agent = "curl/8.4.0" if plan.index % 3 == 0 else rng.choice(cat.BROWSER_AGENTS)
    paths = rng.sample(wordlist(), rng.randint(250, 550))
    gap = (2.0, 8.0) if plan.evasive else (0.02, 0.2)
    ts, _ = ctx.window(len(paths) * sum(gap) / 2)
    for path in paths:
        status, size = (403, _DENIED) if rng.random() < 0.02 else (404, _NOT_FOUND)
        tl.web(ts, ip, f"GET {path} HTTP/1.1", status, size, "-", agent, tag=plan.id)
        ts += rng.uniform(*gap)
    return Actors([ip], targets=sorted(paths))


def http_bruteforce(ctx: Context, plan: Plan) -> Actors:
    """Password guessing against /login, /wp-login.php and /xmlrpc.php (401/403 bursts)."""
    rng, tl = ctx.rng, ctx.timeline
    ip = _ip(ctx)
    variant = plan.index % 3
    endpoint = "/login" if variant != 1 else rng.choice(("/wp-login.php", "/xmlrpc.php"))
    count = rng.randint(120, 400)
    gap = (8.0, 30.0) if plan.evasive else (0.3, 3.0)
    ts, _ = ctx.window(count * sum(gap) / 2)
    agent = "python-requests/2.31.0"
    for _ in range(count):
        if plan.evasive:
            agent = rng.choice(cat.BROWSER_AGENTS)
        status, size = (
            (401, ctx.site.size("/login", rng)) if endpoint == "/login" else (403, _DENIED)
        )
        tl.web(ts, ip, f"POST {endpoint} HTTP/1.1", status, size, "-", agent, tag=plan.id)
        ts += rng.uniform(*gap)
    if plan.succeed and endpoint == "/login":
        tl.web(ts, ip, "POST /login HTTP/1.1", 302, 154, "-", agent, tag=plan.id, evidence=True)
        tl.web(
            ts + 0.4,
            ip,
            "GET /account HTTP/1.1",
            200,
            ctx.site.size("/account", rng),
            "-",
            agent,
            tag=plan.id,
        )
    return Actors([ip], targets=[endpoint])


def _flood_target(ctx: Context, plan: Plan) -> tuple[str, str]:
    choices = (
        ("/", "/"),
        ("/search?q=winter+jacket", "/search"),
        ("/api/v1/products?page=1", "/api/v1/products"),
    )
    return choices[plan.index % len(choices)]


def http_flood(ctx: Context, plan: Plan) -> Actors:
    """One client at tens of requests per second until rate limiting answers 503."""
    rng, tl = ctx.rng, ctx.timeline
    ip = _ip(ctx)
    target, path = _flood_target(ctx, plan)
    rate = rng.uniform(15.0, 40.0)
    ts, end = ctx.window(rng.uniform(120, 300))
    limited = ts + rng.uniform(20, 60)
    agent = rng.choice(cat.BROWSER_AGENTS)
    while ts < end:
        request = target
        if plan.evasive:
            request += ("&" if "?" in target else "?") + f"_={rng.randint(10**12, 10**13)}"
        status, size = (
            (503, 197) if ts > limited and rng.random() < 0.8 else (200, ctx.site.size(path, rng))
        )
        tl.web(ts, ip, f"GET {request} HTTP/1.1", status, size, "-", agent, tag=plan.id)
        ts += rng.expovariate(rate)
    return Actors([ip], targets=[path])


def http_flood_distributed(ctx: Context, plan: Plan) -> Actors:
    """A botnet: many clients, each at a modest rate, all on one URL at once."""
    rng, tl = ctx.rng, ctx.timeline
    target, path = ("/search?q=cheap", "/search")
    start, end = ctx.window(rng.uniform(180, 360))
    ips = []
    for _ in range(max(10, round(60 * min(plan.scale, 1.0)))):
        ip = _ip(ctx)
        ips.append(ip)
        agent = rng.choice(cat.BROWSER_AGENTS)
        rate = rng.uniform(0.4, 1.5)
        ts = start + rng.uniform(0, 20)
        while ts < end:
            status, size = (503, 197) if rng.random() < 0.3 else (200, ctx.site.size(path, rng))
            tl.web(ts, ip, f"GET {target} HTTP/1.1", status, size, "-", agent, tag=plan.id)
            ts += rng.expovariate(rate)
    return Actors(ips, targets=[path])


WEB_ABUSE: dict[str, CampaignFn] = {
    "wordlist_scan": wordlist_scan,
    "http_bruteforce": http_bruteforce,
    "http_flood": http_flood,
    "http_flood_distributed": http_flood_distributed,
}
