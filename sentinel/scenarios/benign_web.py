"""Benign web traffic: browser sessions, app clients, crawlers and monitors.

Browsers follow the diurnal curve (:func:`~sentinel.scenarios.context.activity`),
load a page and its assets, follow links with think time, sometimes search,
log in (now and then after a typo) or follow a broken link.  Crawlers and
monitors run around the clock at their own rate.  One corporate NAT address
carries an ERP integration every few seconds on working hours plus its
employees' browsing: a heavy but legitimate client.

.. versionadded:: 0.1
"""

from __future__ import annotations

import time
from urllib.parse import quote

from sentinel.scenarios import catalog as cat
from sentinel.scenarios.context import Context

__all__ = ["generate_web"]

_EXTERNAL_REFERERS = (
    "-",
    "-",
    "-",
    "https://www.google.com/",
    "https://www.google.com/",
    "https://www.bing.com/",
    "https://duckduckgo.com/",
    "https://t.co/",
    "https://www.facebook.com/",
    "https://www.reddit.com/r/BuyItForLife/",
    "android-app://com.google.android.gm/",
)
_PREVIEW_URLS = (
    "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
    "https://en.wikipedia.org/wiki/Leather",
    "https://www.instagram.com/p/Cz1aBcDeFgH/",
    "https://github.com/example/shop-widgets",
    "https://maps.google.com/?q=union+station",
)
_NOT_FOUND_SIZE = 3650


def _geometric(ctx: Context, p: float) -> int:
    n = 0
    while ctx.rng.random() > p:
        n += 1
    return n


def _long_tracking(ctx: Context) -> str:
    rng = ctx.rng
    click = "".join(
        rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")
        for _ in range(rng.randint(60, 180))
    )
    return (
        "?utm_source=newsletter&utm_medium=email&utm_campaign=winter_sale_2026"
        f"&utm_content=hero_button_{rng.randint(1, 9)}&fbclid={click}"
    )


def _pick_page(ctx: Context) -> tuple[str, str]:
    """A (request target, path) pair a visitor opens next."""
    rng, site = ctx.rng, ctx.site
    roll = rng.random()
    if roll < 0.18:
        return "/", "/"
    if roll < 0.26:
        page = rng.randint(1, 6)
        return (f"/products?page={page}" if page > 1 else "/products"), "/products"
    if roll < 0.50:
        path = f"/products/{rng.choice(site.products)}"
        return path, path
    if roll < 0.60:
        path = f"/category/{rng.choice(site.categories)}"
        return path, path
    if roll < 0.70:
        return f"/search?q={rng.choice(cat.SEARCH_QUERIES)}", "/search"
    if roll < 0.78:
        path = rng.choice(["/blog", *(f"/blog/{s}" for s in site.blog_posts)])
        return path, path
    if roll < 0.82:
        path = f"/help/{rng.choice(site.help_topics)}"
        return path, path
    if roll < 0.87:
        return "/cart", "/cart"
    if roll < 0.89:
        return f"/products/view?id={rng.randint(1000, 1999)}", "/products/view"
    if roll < 0.91:
        return f"/view?page={rng.choice(('about', 'faq', 'shipping', 'careers'))}", "/view"
    if roll < 0.92:
        return f"/download?file=manual-{rng.randint(100, 160)}.pdf", "/download"
    if roll < 0.93:
        return "/checkout", "/checkout"
    return rng.choice(
        (("/about", "/about"), ("/contact", "/contact"), ("/sitemap.xml", "/sitemap.xml"))
    )


class _Visitor:
    """One browser (address + agent) doing sessions."""

    def __init__(self, ctx: Context, ip: str, agent: str) -> None:
        self.ctx = ctx
        self.ip = ip
        self.agent = agent
        self.proto = "HTTP/2.0" if ctx.rng.random() < 0.7 else "HTTP/1.1"

    def get(self, ts: float, target: str, path: str, referer: str, status: int = 200) -> None:
        size = self.ctx.site.size(path, self.ctx.rng) if status == 200 else 0
        if status == 404:
            size = _NOT_FOUND_SIZE
        self.ctx.timeline.web(
            ts, self.ip, f"GET {target} {self.proto}", status, size, referer, self.agent
        )

    def post(self, ts: float, target: str, status: int, size: int, referer: str) -> None:
        self.ctx.timeline.web(
            ts, self.ip, f"POST {target} {self.proto}", status, size, referer, self.agent
        )

    def assets(self, ts: float, page: str, path: str, cached: bool) -> float:
        rng = self.ctx.rng
        names = [
            "/static/css/main.3f2a1c.css",
            "/static/js/vendor.1c2d3e.js",
            "/static/js/app.9b1e44.js",
            "/static/fonts/inter-var.woff2",
            "/static/img/logo.svg",
        ]
        if path == "/":
            names.append("/static/img/hero.webp")
        for name in names:
            ts += rng.uniform(0.01, 0.3)
            self.get(ts, name, name, page, 304 if cached else 200)
        if not cached and rng.random() < 0.3:
            self.get(ts + 0.2, "/favicon.ico", "/favicon.ico", page)
        if "iPhone" in self.agent and rng.random() < 0.3:
            self.get(ts + 0.3, "/apple-touch-icon-precomposed.png", "", "-", 404)
        return ts

    def extras(self, ts: float, page: str, path: str) -> float:
        rng = self.ctx.rng
        if path.startswith("/products/") and path != "/products/view":
            slug = path.rsplit("/", 1)[1]
            img = f"/static/img/products/{slug}.jpg"
            ts += rng.uniform(0.05, 0.4)
            self.get(ts, img, img, page)
            ts += rng.uniform(0.1, 0.6)
            self.get(ts, f"/api/v1/recommendations?product={slug}", "/api/v1/recommendations", page)
        elif path == "/cart":
            ts += rng.uniform(0.1, 0.5)
            self.get(ts, "/api/v1/cart", "/api/v1/cart", page)
        elif path.startswith("/blog/") and rng.random() < 0.3:
            url = quote(rng.choice(_PREVIEW_URLS), safe="")
            ts += rng.uniform(0.2, 0.8)
            self.get(ts, f"/api/v1/preview?url={url}", "/api/v1/preview", page)
        return ts

    def login(self, ts: float, referer: str) -> float:
        rng = self.ctx.rng
        page = cat.SITE_URL + "/login"
        self.get(ts, "/login", "/login", referer)
        for _ in range(rng.choice((0, 0, 0, 0, 0, 0, 0, 0, 1, 2))):
            ts += rng.uniform(4.0, 15.0)
            self.post(ts, "/login", 401, self.ctx.site.size("/login", rng), page)
        ts += rng.uniform(4.0, 15.0)
        self.post(ts, "/login", 302, 154, page)
        ts += rng.uniform(0.1, 0.5)
        self.get(ts, "/account", "/account", page)
        if rng.random() < 0.4:
            ts += rng.uniform(5.0, 40.0)
            self.get(ts, "/account/orders", "/account/orders", cat.SITE_URL + "/account")
            number = f"1Z{rng.randint(100, 999)}AA1{rng.randint(10**9, 10**10 - 1)}"
            ts += rng.uniform(0.2, 1.0)
            self.get(
                ts,
                f"/api/v1/shipping/track?carrier=ups&number={number}",
                "/api/v1/shipping/track",
                cat.SITE_URL + "/account/orders",
            )
        return ts

    def session(self, ts: float, returning: bool) -> None:
        rng = self.ctx.rng
        referer = rng.choice(_EXTERNAL_REFERERS)
        for n in range(1 + _geometric(self.ctx, 0.33)):
            target, path = _pick_page(self.ctx)
            if n == 0 and referer != "-" and rng.random() < 0.15:
                target += _long_tracking(self.ctx) if "?" not in target else ""
            if rng.random() < 0.015:
                target = path = rng.choice(cat.BROKEN_LINKS)
                self.get(ts, target, path, referer, 404)
            else:
                self.get(ts, target, path, referer)
            page = cat.SITE_URL + target
            if n == 0:
                ts = self.assets(ts, page, path, returning)
            ts = self.extras(ts, page, path)
            referer = page
            if rng.random() < 0.05:
                ts = self.login(ts + rng.uniform(3.0, 20.0), referer)
                referer = cat.SITE_URL + "/account"
            ts += 2.0 + rng.expovariate(1 / 35.0)


def _browsers(ctx: Context, count: int) -> list[str]:
    ips = []
    for _ in range(count):
        ip = ctx.pool.take(cat.BENIGN_PREFIXES)
        visitor = _Visitor(ctx, ip, ctx.rng.choice(cat.BROWSER_AGENTS))
        sessions = 1 + _geometric(ctx, 0.55)
        for k in range(sessions):
            visitor.session(ctx.human_time(), returning=k > 0)
        ips.append(ip)
    return ips


def _app_users(ctx: Context, count: int) -> list[str]:
    rng = ctx.rng
    ips = []
    for _ in range(count):
        ip = ctx.pool.take(cat.BENIGN_PREFIXES)
        agent = rng.choice(cat.MOBILE_APP_AGENTS)
        for _ in range(1 + _geometric(ctx, 0.4)):
            ts = ctx.human_time()
            for _ in range(rng.randint(3, 14)):
                roll = rng.random()
                if roll < 0.35:
                    target, path = f"/api/v1/products?page={rng.randint(1, 5)}", "/api/v1/products"
                elif roll < 0.65:
                    slug = rng.choice(ctx.site.products)
                    target = path = f"/api/v1/products/{slug}"
                elif roll < 0.8:
                    target = f"/api/v1/search?q={rng.choice(cat.SEARCH_QUERIES)}"
                    path = "/api/v1/search"
                else:
                    target = path = "/api/v1/cart"
                if path == "/api/v1/cart" and rng.random() < 0.3:
                    ctx.timeline.web(ts, ip, "POST /api/v1/cart HTTP/1.1", 201, 212, "-", agent)
                else:
                    size = ctx.site.size(path, rng, 0.08)
                    ctx.timeline.web(ts, ip, f"GET {target} HTTP/1.1", 200, size, "-", agent)
                ts += rng.uniform(0.5, 20.0)
        ips.append(ip)
    return ips


def _crawlers(ctx: Context, scale: float) -> list[str]:
    rng, site = ctx.rng, ctx.site
    pages = [
        "/",
        "/products",
        "/sitemap.xml",
        "/blog",
        *(f"/products/{s}" for s in site.products),
        *(f"/blog/{s}" for s in site.blog_posts),
        *(f"/category/{c}" for c in site.categories),
        *(f"/help/{t}" for t in site.help_topics),
    ]
    ips = []
    for agent, prefixes, gap in cat.BOT_AGENTS:
        for _ in range(max(1, round(2 * scale))):
            ip = ctx.pool.take(prefixes)
            ts = ctx.start + rng.uniform(0, gap)
            ctx.timeline.web(ts, ip, "GET /robots.txt HTTP/1.1", 200, 142, "-", agent)
            while ts < ctx.end:
                ts += rng.expovariate(1 / gap)
                if rng.random() < 0.02:
                    path = rng.choice(cat.BROKEN_LINKS[:4])
                    ctx.timeline.web(
                        ts, ip, f"GET {path} HTTP/1.1", 404, _NOT_FOUND_SIZE, "-", agent
                    )
                    continue
                path = rng.choice(pages)
                ctx.timeline.web(
                    ts, ip, f"GET {path} HTTP/1.1", 200, site.size(path, rng), "-", agent
                )
            ips.append(ip)
    return ips


def _monitors(ctx: Context) -> list[str]:
    rng = ctx.rng
    probe = ctx.pool.reserve("10.0.0.9")
    ts = ctx.start + rng.uniform(0, 10)
    while ts < ctx.end:
        ctx.timeline.web(ts, probe, "GET /healthz HTTP/1.1", 200, 2, "-", cat.PROBE_AGENT)
        ts += 10.0 + rng.uniform(-0.05, 0.05)
    robots = [ctx.pool.reserve(ip) for ip in ("216.144.250.150", "69.162.124.235")]
    for ip in robots:
        ts = ctx.start + rng.uniform(0, 300)
        while ts < ctx.end:
            ctx.timeline.web(
                ts, ip, "HEAD / HTTP/1.1", 200, 0, "https://shop.example.com", cat.UPTIME_AGENT
            )
            ts += 300.0 + rng.uniform(-1, 1)
    return [probe, *robots]


def _corporate_nat(ctx: Context, scale: float) -> str:
    rng = ctx.rng
    nat = ctx.pool.reserve("81.2.69.160")
    ts = ctx.start
    while ts < ctx.end:
        t = time.gmtime(ts)
        if t.tm_wday < 5 and 7 <= t.tm_hour < 19:
            target = rng.choice(
                (
                    f"/api/v1/orders?since={int(ts) - 300}",
                    "/api/v1/status",
                    f"/api/v1/products?page={rng.randint(1, 40)}",
                )
            )
            path = target.split("?", 1)[0]
            ctx.timeline.web(
                ts,
                nat,
                f"GET {target} HTTP/1.1",
                200,
                ctx.site.size(path, rng, 0.1),
                "-",
                cat.ERP_AGENT,
            )
            ts += rng.expovariate(1 / (3.0 / max(scale, 0.05)))
        else:
            ts += 600.0
    for _ in range(max(1, round(12 * scale))):
        visitor = _Visitor(ctx, nat, rng.choice(cat.BROWSER_AGENTS))
        for _ in range(rng.randint(1, 4)):
            visitor.session(ctx.human_time(), returning=True)
    return nat


def generate_web(ctx: Context, clients: int, scale: float) -> list[str]:
    """Write all benign web traffic and return the benign client addresses.

    Args:
        ctx: Run context.
        clients: Number of distinct browser and app visitors.
        scale: Volume multiplier for crawlers and heavy clients.

    Returns:
        Every benign client address used in access.log.
    """
    app = clients // 6
    ips = _browsers(ctx, clients - app)
    ips += _app_users(ctx, app)
    ips += _crawlers(ctx, scale)
    ips += _monitors(ctx)
    ips.append(_corporate_nat(ctx, scale))
    return ips
