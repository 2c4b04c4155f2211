# ruff: noqa: E501 -- user agents are verbatim strings; splitting them would hide typos.
"""Static material for the generator: user agents, site pages, user names, IP ranges.

Everything here is data.  The site is a small web shop
(``shop.example.com``) with pages, static assets, JSON API endpoints, a blog,
a login form and a search box.  :class:`Site` fixes a stable response size per
path (from the seed), so "a response much larger than that path's usual
size" is measurable on the output.

.. versionadded:: 0.1
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

__all__ = [
    "ADMIN_USERS",
    "ATTACK_PREFIXES",
    "BENIGN_PREFIXES",
    "BOT_AGENTS",
    "BROKEN_LINKS",
    "BROWSER_AGENTS",
    "HUMAN_USERS",
    "LOCAL_UIDS",
    "MOBILE_APP_AGENTS",
    "SEARCH_QUERIES",
    "SITE_URL",
    "IpPool",
    "Site",
    "ptr_name",
]

SITE_URL = "https://shop.example.com"

BROWSER_AGENTS: tuple[str, ...] = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/118.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0.0.0 Safari/537.36 Edg/119.0.0.0",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:120.0) Gecko/20100101 Firefox/120.0",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:109.0) Gecko/20100101 Firefox/115.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14.1; rv:120.0) Gecko/20100101 Firefox/120.0",
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0.0.0 Safari/537.36",
    "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.6 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (iPad; CPU OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0.6045.163 Mobile Safari/537.36",
    "Mozilla/5.0 (Linux; Android 13; SM-S911B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Linux; Android 13; SM-A536B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/23.0 Chrome/115.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/119.0.6045.169 Mobile/15E148 Safari/604.1",
)

MOBILE_APP_AGENTS: tuple[str, ...] = (
    "ShopApp/4.2.1 (iPhone; iOS 17.1.1; Scale/3.00)",
    "ShopApp/4.2.0 (iPhone; iOS 16.6; Scale/3.00)",
    "ShopApp/4.2.1 (Android 14; Pixel 7) okhttp/4.11.0",
    "ShopApp/4.1.9 (Android 13; SM-G991B) okhttp/4.10.0",
)

# (agent, address prefixes the bot really crawls from, mean seconds between requests)
BOT_AGENTS: tuple[tuple[str, tuple[str, ...], float], ...] = (
    (
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        ("66.249.66.", "66.249.68.", "66.249.79."),
        150.0,
    ),
    (
        "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm) Chrome/116.0.1938.76 Safari/537.36",
        ("157.55.39.", "40.77.167.", "207.46.13."),
        300.0,
    ),
    (
        "Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)",
        ("5.255.253.",),
        900.0,
    ),
    (
        "Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)",
        ("54.36.148.",),
        600.0,
    ),
    (
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/13.1.1 Safari/605.1.15 (Applebot/0.1; +http://www.apple.com/go/applebot)",
        ("17.241.219.",),
        1200.0,
    ),
    (
        "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
        ("69.171.249.",),
        1800.0,
    ),
)

UPTIME_AGENT = "Mozilla/5.0+(compatible; UptimeRobot/2.0; http://www.uptimerobot.com/)"
PROBE_AGENT = "Blackbox Exporter/0.24.0"
ERP_AGENT = "acme-erp-sync/3.2.0 python-requests/2.31.0"

# Queries people really type; several look like attack keywords on purpose.
SEARCH_QUERIES: tuple[str, ...] = (
    "union+station+backpack",
    "select+comfort+pillow",
    "drop+shipping",
    "o%27reilly+books",
    "o'reilly+cookbook",
    "men's+boots",
    "rock+'n'+roll+poster",
    "1%22+monitor+stand",
    "men%27s+boots",
    "kids%27+raincoat",
    "i+%3C3+ny+mug",
    "script+writing+notebook",
    "javascript+book",
    "alert+whistle",
    "table+lamp",
    "drop+leaf+table",
    "or+and+not",
    "%22red+dress%22",
    "50%25+off",
    "c%2B%2B+primer",
    "rock+%26+roll+tee",
    "wireless+earbuds",
    "usb-c+cable+2m",
    "coffee+grinder",
    "running+shoes",
    "winter+jacket",
    "phone+case",
    "water+bottle",
    "desk+organizer",
    "gift+card",
    "yoga+mat",
    "standing+desk",
    "laptop+sleeve+13",
    "sleeping+bag+-10",
    "caf%C3%A9+au+lait+cups",
    "select+a+size+guide",
    "exec+chair",
    "wget+alternative",
    "etc",
    "passwd+manager+book",
)

BROKEN_LINKS: tuple[str, ...] = (
    "/blog/2019/summer-sale",
    "/products/old-leather-wallet",
    "/static/img/banner-2021.jpg",
    "/promo/black-friday-2022",
    "/apple-touch-icon.png",
    "/apple-touch-icon-precomposed.png",
    "/category/clearance/page/9",
    "/help/returns.html",
)

HUMAN_USERS: tuple[str, ...] = ("alice", "bob", "carol", "dave", "erin", "frank")
ADMIN_USERS: tuple[str, ...] = ("alice", "bob")
LOCAL_UIDS: dict[str, int] = {
    "root": 0,
    "alice": 1000,
    "bob": 1001,
    "carol": 1002,
    "dave": 1003,
    "erin": 1004,
    "frank": 1005,
    "deploy": 1100,
    "backup": 34,
    "www-data": 33,
    "test": 1200,
    "svc-report": 1201,
    "intern": 1202,
    "oracle": 1203,
}

# Residential and mobile ISP looking /16s for benign visitors.
BENIGN_PREFIXES: tuple[str, ...] = (
    "24.16.",
    "24.61.",
    "67.180.",
    "68.45.",
    "71.202.",
    "73.92.",
    "73.158.",
    "76.104.",
    "81.2.",
    "82.132.",
    "86.14.",
    "86.155.",
    "87.115.",
    "90.213.",
    "92.40.",
    "95.91.",
    "109.144.",
    "176.24.",
    "178.238.",
    "188.29.",
    "2.98.",
    "31.94.",
    "77.20.",
    "84.58.",
    "101.98.",
    "110.33.",
    "121.44.",
    "122.57.",
    "49.180.",
    "58.96.",
    "172.58.",
    "174.204.",
)
# Hosting and VPS looking /16s (plus documentation ranges) for attackers.
ATTACK_PREFIXES: tuple[str, ...] = (
    "45.134.",
    "45.155.",
    "185.220.",
    "185.156.",
    "193.142.",
    "5.188.",
    "91.240.",
    "141.98.",
    "80.94.",
    "194.26.",
    "179.43.",
    "103.145.",
    "61.177.",
    "218.92.",
    "222.186.",
    "112.85.",
)
DOC_PREFIXES: tuple[str, ...] = ("192.0.2.", "198.51.100.", "203.0.113.")
# Reverse-DNS shapes of hosting and access networks for the attackers sshd
# names by host (UseDNS yes); {a}..{d} are the octets of the address, so each
# name stands for one pool address.  Reserved domains (RFC 2606 .example).
_PTR_FORMATS: tuple[str, ...] = (
    "static.{d}.{c}.{b}.{a}.clients.your-server.example",
    "{a}-{b}-{c}-{d}.rev.cloudhost.example",
    "dsl-{a}-{b}-{c}-{d}.dynamic.isp.example",
    "ip{a}.{b}.{c}.{d}.vps.example",
)


def ptr_name(ip: str) -> str:
    """The host name sshd logs for an attacking address when it resolves names.

    Args:
        ip: An IPv4 address from the pool.

    Returns:
        A lower-case DNS name that contains the address's octets (unique per address).
    """
    a, b, c, d = ip.split(".")
    return _PTR_FORMATS[int(d) % len(_PTR_FORMATS)].format(a=a, b=b, c=c, d=d)


_ADJECTIVES = (
    "classic",
    "urban",
    "alpine",
    "coastal",
    "vintage",
    "modern",
    "rugged",
    "compact",
    "deluxe",
    "everyday",
    "trail",
    "studio",
)
_NOUNS = (
    "backpack",
    "jacket",
    "mug",
    "lamp",
    "boots",
    "headphones",
    "wallet",
    "notebook",
    "kettle",
    "blanket",
    "tee",
    "watch",
)
_BLOG = (
    "how-to-choose-hiking-boots",
    "gift-guide-2026",
    "caring-for-leather",
    "our-new-warehouse",
    "sustainable-packaging",
    "coffee-brewing-101",
    "winter-layering-tips",
    "meet-the-makers",
    "desk-setup-ideas",
    "travel-light-checklist",
    "spring-cleaning-your-gear",
    "behind-the-seams",
)
_HELP = ("shipping", "returns", "payments", "sizing", "warranty", "contact", "privacy", "terms")
_CATEGORIES = ("outdoor", "home", "kitchen", "apparel", "electronics", "gifts", "office", "sale")


@dataclass
class Site:
    """The web shop: paths, their stable sizes and how often they are visited.

    Args:
        rng: Random source used once, at construction, to fix sizes.
    """

    rng: random.Random
    products: list[str] = field(default_factory=list)
    sizes: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.products = [f"{a}-{n}" for a in _ADJECTIVES for n in _NOUNS]
        self.rng.shuffle(self.products)
        self.products = self.products[:60]
        fixed = {
            "/": 18432,
            "/products": 24310,
            "/cart": 6120,
            "/checkout": 9870,
            "/login": 7312,
            "/account": 8840,
            "/account/orders": 11230,
            "/blog": 15220,
            "/about": 6900,
            "/contact": 5480,
            "/search": 12400,
            "/products/view": 14050,
            "/view": 6210,
            "/download": 48211,
            "/robots.txt": 142,
            "/sitemap.xml": 20980,
            "/favicon.ico": 15086,
            "/healthz": 2,
            "/api/v1/products": 8214,
            "/api/v1/cart": 932,
            "/api/v1/search": 4120,
            "/api/v1/recommendations": 2210,
            "/api/v1/orders": 3380,
            "/api/v1/preview": 1530,
            "/api/v1/shipping/track": 780,
            "/api/v1/status": 61,
            "/static/css/main.3f2a1c.css": 48220,
            "/static/js/app.9b1e44.js": 183311,
            "/static/js/vendor.1c2d3e.js": 412902,
            "/static/fonts/inter-var.woff2": 97868,
            "/static/img/logo.svg": 3411,
            "/static/img/hero.webp": 88120,
        }
        self.sizes.update(fixed)
        for slug in self.products:
            self.sizes[f"/products/{slug}"] = self.rng.randint(16000, 26000)
            self.sizes[f"/static/img/products/{slug}.jpg"] = self.rng.randint(30000, 140000)
            self.sizes[f"/api/v1/products/{slug}"] = self.rng.randint(900, 3000)
        for slug in _BLOG:
            self.sizes[f"/blog/{slug}"] = self.rng.randint(20000, 34000)
        for topic in _HELP:
            self.sizes[f"/help/{topic}"] = self.rng.randint(7000, 12000)
        for cat in _CATEGORIES:
            self.sizes[f"/category/{cat}"] = self.rng.randint(20000, 30000)

    @property
    def blog_posts(self) -> tuple[str, ...]:
        """Blog post slugs."""
        return _BLOG

    @property
    def help_topics(self) -> tuple[str, ...]:
        """Help page topics."""
        return _HELP

    @property
    def categories(self) -> tuple[str, ...]:
        """Product category slugs."""
        return _CATEGORIES

    def size(self, path: str, rng: random.Random, jitter: float = 0.03) -> int:
        """Response size for a path: its stable size with a little jitter.

        Args:
            path: The path without query string.
            rng: Random source for the jitter.
            jitter: Relative spread (0.03 = ±3 %).

        Returns:
            Body bytes sent.
        """
        base = self.sizes.get(path, 5000)
        if path.startswith("/static/") or base < 200:
            return base
        return max(1, round(base * (1.0 + rng.uniform(-jitter, jitter))))


class IpPool:
    """Hands out distinct IPv4 addresses so benign and attack sets never overlap.

    Pools made with :meth:`sharing` draw from their own random source but
    never repeat an address any of them handed out.

    Args:
        rng: Random source.
        used: Address set shared with other pools (a new one by default).
    """

    def __init__(self, rng: random.Random, used: set[str] | None = None) -> None:
        self._rng = rng
        self._used: set[str] = used if used is not None else set()

    def sharing(self, rng: random.Random) -> IpPool:
        """A pool with its own random source and this pool's used-address set.

        Args:
            rng: Random source of the new pool.

        Returns:
            The new pool.
        """
        return IpPool(rng, self._used)

    def take(self, prefixes: tuple[str, ...]) -> str:
        """A fresh address under one of the prefixes (``"a.b."`` or ``"a.b.c."``).

        Args:
            prefixes: Candidate prefixes, each ending with a dot.

        Returns:
            An address not handed out before.
        """
        while True:
            prefix = self._rng.choice(prefixes)
            parts = 4 - prefix.count(".")
            tail = [str(self._rng.randint(1, 254)) for _ in range(parts)]
            ip = prefix + ".".join(tail)
            if ip not in self._used:
                self._used.add(ip)
                return ip

    def reserve(self, ip: str) -> str:
        """Mark a fixed address as used and return it.

        Args:
            ip: The address.

        Returns:
            The same address.
        """
        self._used.add(ip)
        return ip
