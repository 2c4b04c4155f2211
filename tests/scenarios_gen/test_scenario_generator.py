"""Tests of the scenario generator (``sentinel.scenarios``).

Most tests share one small corpus (six hours, every class at its default
campaign count, few benign visitors) generated once per session.
"""

from __future__ import annotations

import importlib.util
import re
import sys
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType

import pytest

from sentinel.scenarios import CLASSES, GroundTruth, evaluate, generate, main, plan_campaigns
from sentinel.scenarios.context import activity
from sentinel.scenarios.timeline import nginx_escape

IP = r"(?:\d{1,3}\.){3}\d{1,3}"
# sshd names some attackers by host (UseDNS yes): lower-case DNS names under .example.
HOST = r"[a-z0-9-]+(?:\.[a-z0-9-]+)*\.example"
ADDRESS = rf"(?:{IP}|{HOST})"
_FIELD = r'(?:[^"\\]|\\x[0-9A-F]{2})*'
ACCESS = re.compile(
    rf"^(?P<ip>{IP}) - - "
    r"\[(?P<ts>\d{2}/[A-Z][a-z]{2}/\d{4}:\d{2}:\d{2}:\d{2} \+0000)\] "
    r'"(?P<method>GET|POST|HEAD) (?P<target>/\S*) HTTP/(?:1\.1|2\.0)" '
    rf'(?P<status>\d{{3}}) (?P<size>\d+) "{_FIELD}" "(?P<agent>{_FIELD})"$'
)
SYSLOG = re.compile(
    r"^(?P<ts>[A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2}) web1 "
    r"(?P<prog>sshd|sudo|su|CRON|systemd-logind|kernel)(?:\[\d+\])?: (?P<msg>.+)$"
)
_WHO = r"(?:invalid user )?\S+"
SSHD = tuple(
    re.compile(p)
    for p in (
        rf"^Invalid user \S+ from {ADDRESS} port \d+$",
        r"^pam_unix\(sshd:auth\): check pass; user unknown$",
        rf"^pam_unix\(sshd:auth\): authentication failure; logname= uid=0 euid=0 tty=ssh "
        rf"ruser= rhost={ADDRESS}(?:  user=\S+)?$",
        rf"^Failed password for {_WHO} from {ADDRESS} port \d+ ssh2$",
        rf"^error: maximum authentication attempts exceeded for {_WHO} from {ADDRESS} "
        r"port \d+ ssh2 \[preauth\]$",
        rf"^Disconnecting (?:authenticating|invalid) user \S+ {ADDRESS} port \d+: "
        r"Too many authentication failures \[preauth\]$",
        rf"^Connection closed by (?:(?:authenticating|invalid) user \S+ )?{ADDRESS} port \d+ "
        r"\[preauth\]$",
        rf"^Received disconnect from {ADDRESS} port \d+:11: "
        r"(?:Bye Bye \[preauth\]|disconnected by user)$",
        rf"^Disconnected from (?:authenticating user|invalid user|user) \S+ {ADDRESS} port \d+"
        r"(?: \[preauth\])?$",
        rf"^PAM \d+ more authentication failures; logname= uid=0 euid=0 tty=ssh ruser= "
        rf"rhost={ADDRESS}(?:  user=\S+)?$",
        rf"^Accepted (?:password|publickey) for \S+ from {ADDRESS} port \d+ ssh2"
        r"(?:: ED25519 SHA256:[A-Za-z0-9+/]{43})?$",
        r"^pam_unix\(sshd:session\): session (?:opened for user \S+\(uid=\d+\) by \(uid=0\)"
        r"|closed for user \S+)$",
    )
)
SUDO = tuple(
    re.compile(p)
    for p in (
        r"^ {0,8}\S+ : TTY=\S+ ; PWD=\S+ ; USER=root ; COMMAND=.+$",
        r"^ {0,8}\S+ : 3 incorrect password attempts ; TTY=\S+ ; PWD=\S+ ; USER=root ; COMMAND=.+$",
        r"^ {0,8}\S+ : user NOT in sudoers ; TTY=\S+ ; PWD=\S+ ; USER=root ; COMMAND=.+$",
        r"^pam_unix\(sudo:auth\): authentication failure; logname=\S+ uid=\d+ euid=0 "
        r"tty=/dev/pts/\d+ ruser=\S+ rhost=  user=\S+$",
        r"^pam_unix\(sudo:session\): session (?:opened for user root\(uid=0\) by \S+\(uid=\d+\)"
        r"|closed for user root)$",
    )
)
OTHER = {
    "su": (
        r"^\(to root\) \S+ on pts/\d+$",
        r"^FAILED SU \(to root\) \S+ on pts/\d+$",
        r"^pam_unix\(su-l:(?:auth|session)\): .+$",
    ),
    "CRON": (r"^pam_unix\(cron:session\): session (?:opened|closed) for user \S+",),
    "systemd-logind": (
        r"^New session \d+ of user \S+\.$",
        r"^Session \d+ logged out\. Waiting for processes to exit\.$",
        r"^Removed session \d+\.$",
    ),
}
KERN = re.compile(
    r"^\[\s*\d+\.\d{6}\] \[UFW BLOCK\] IN=eth0 OUT= MAC=[0-9a-f:]{41} "
    rf"SRC=(?P<src>{IP}) DST={IP} LEN=\d+ TOS=0x00 PREC=0x[0-9A-F]{{2}} TTL=\d+ ID=\d+ (?:DF )?"
    r"PROTO=(?:TCP SPT=\d+ DPT=(?P<dpt>\d+) WINDOW=\d+ RES=0x00 SYN URGP=0|2)$"
)


def auth_message_ok(prog: str, msg: str) -> bool:
    """True when an auth.log message matches a known template of its program."""
    if prog == "sshd":
        return any(p.match(msg) for p in SSHD)
    if prog == "sudo":
        return any(p.match(msg) for p in SUDO)
    return any(re.match(p, msg) for p in OTHER.get(prog, ()))


@dataclass(frozen=True)
class Corpus:
    """A generated corpus: its directory, ground truth and file lines."""

    path: Path
    truth: GroundTruth

    def lines(self, name: str) -> list[str]:
        """The lines of one generated file, without newlines."""
        return (self.path / name).read_text(encoding="utf-8").splitlines()


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    """Six hours, all classes at their default campaign count, few benign visitors."""
    out = tmp_path_factory.mktemp("corpus")
    truth = generate(out, seed=11, days=0.25, benign_clients=150, scale=1.0)
    return Corpus(out, truth)


_MONTHS = {
    m: i
    for i, m in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
    )
}


def _access_time(line: str) -> float:
    match = ACCESS.match(line)
    assert match, line
    return datetime.strptime(match["ts"], "%d/%b/%Y:%H:%M:%S %z").timestamp()


def _syslog_key(line: str) -> tuple[int, int, str]:
    return (_MONTHS[line[:3]], int(line[4:6]), line[7:15])


def _small(out: Path, *, seed: int = 3, campaigns: list[str] | None = None) -> GroundTruth:
    return generate(out, seed=seed, days=0.1, benign_clients=30, scale=0.2, campaigns=campaigns)


class TestDeterminism:
    def test_same_seed_same_bytes(self, tmp_path: Path) -> None:
        """Two runs with the same arguments write byte-identical files."""
        _small(tmp_path / "a", campaigns=["sqli", "ssh_bruteforce", "port_scan"])
        _small(tmp_path / "b", campaigns=["sqli", "ssh_bruteforce", "port_scan"])
        for name in ("access.log", "auth.log", "kern.log", "truth.json"):
            assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()

    def test_other_seed_other_bytes(self, tmp_path: Path) -> None:
        """A different seed gives different traffic."""
        _small(tmp_path / "a", campaigns=[])
        _small(tmp_path / "b", campaigns=[], seed=4)
        assert (tmp_path / "a/access.log").read_bytes() != (tmp_path / "b/access.log").read_bytes()

    def test_campaign_subset_keeps_benign_traffic(self, tmp_path: Path) -> None:
        """Adding campaigns leaves the benign lines unchanged."""
        _small(tmp_path / "a", campaigns=[])
        truth = _small(tmp_path / "b", campaigns=["xss"])
        attack = set(truth.files["access.log"].attack_lines)
        lines = (tmp_path / "b/access.log").read_text().splitlines()
        benign = [line for n, line in enumerate(lines, 1) if n not in attack]
        assert benign == (tmp_path / "a/access.log").read_text().splitlines()


class TestChronology:
    def test_access_log_sorted(self, corpus: Corpus) -> None:
        """access.log timestamps never go back."""
        times = [_access_time(line) for line in corpus.lines("access.log")]
        assert times == sorted(times)

    @pytest.mark.parametrize("name", ["auth.log", "kern.log"])
    def test_syslog_sorted(self, corpus: Corpus, name: str) -> None:
        """Syslog timestamps never go back."""
        keys = [_syslog_key(line) for line in corpus.lines(name)]
        assert keys == sorted(keys)

    def test_kernel_uptime_increases(self, corpus: Corpus) -> None:
        """Kernel ``[uptime]`` stamps never go back."""
        ups = [float(line.split("[", 1)[1].split("]", 1)[0]) for line in corpus.lines("kern.log")]
        assert ups == sorted(ups)

    def test_campaigns_interleave_with_benign(self, corpus: Corpus) -> None:
        """Attack lines are spread among benign lines, not appended at the end."""
        total = corpus.truth.files["access.log"].lines
        attack = corpus.truth.files["access.log"].attack_lines
        assert attack[0] < total // 2
        assert attack[-1] > total // 2
        assert len(attack) < total


class TestFormats:
    def test_access_lines_are_combined_format(self, corpus: Corpus) -> None:
        """Every access.log line is nginx combined format."""
        bad = [line for line in corpus.lines("access.log") if not ACCESS.match(line)]
        assert bad == []

    def test_auth_lines_match_known_templates(self, corpus: Corpus) -> None:
        """Every auth.log line is syslog with a known sshd/sudo/su/cron/logind message."""
        bad = []
        for line in corpus.lines("auth.log"):
            match = SYSLOG.match(line)
            if not match or not auth_message_ok(match["prog"], match["msg"]):
                bad.append(line)
        assert bad == []

    def test_kern_lines_are_ufw_blocks(self, corpus: Corpus) -> None:
        """Every kern.log line is a kernel UFW BLOCK line."""
        bad = []
        for line in corpus.lines("kern.log"):
            match = SYSLOG.match(line)
            if not match or match["prog"] != "kernel" or not KERN.match(match["msg"]):
                bad.append(line)
        assert bad == []

    def test_nginx_escape_quotes_and_controls(self) -> None:
        """Quotes, backslashes and control bytes are written as ``\\xHH`` like nginx does."""
        assert nginx_escape('a"b\\c\td') == "a\\x22b\\x5Cc\\x09d"

    def test_sudo_user_is_right_aligned(self, corpus: Corpus) -> None:
        """sudo command lines pad the user to eight columns as sudo does."""
        lines = [line for line in corpus.lines("auth.log") if " : TTY=" in line]
        assert lines
        assert all(re.search(r"sudo: {1,8}\S+ : ", line) for line in lines)


class TestTruth:
    def test_every_class_has_three_actors(self, corpus: Corpus) -> None:
        """At default size every class has at least three attacking clients or users."""
        by_class = corpus.truth.by_class()
        assert set(by_class) == set(CLASSES)
        for cls, campaigns in by_class.items():
            actors = {e for c in campaigns for e in c.entities}
            assert len(actors) >= 3, cls

    def test_benign_and_attack_addresses_disjoint(self, corpus: Corpus) -> None:
        """No address is both a benign client and an attacker."""
        assert not set(corpus.truth.benign_clients) & corpus.truth.attack_clients()

    def test_benign_lines_have_no_attack_address(self, corpus: Corpus) -> None:
        """Lines not labelled as attack never come from an attacking address."""
        attackers = corpus.truth.attack_clients()
        labelled = set(corpus.truth.files["access.log"].attack_lines)
        for n, line in enumerate(corpus.lines("access.log"), 1):
            if n not in labelled:
                assert line.split(" ", 1)[0] not in attackers, line

    def test_attack_lines_come_from_campaign_clients(self, corpus: Corpus) -> None:
        """Every labelled access.log line comes from one of its campaign's clients."""
        lines = corpus.lines("access.log")
        for campaign in corpus.truth.campaigns:
            for n in campaign.lines.get("access.log", ()):
                assert lines[n - 1].split(" ", 1)[0] in campaign.clients

    def test_file_attack_lines_are_union_of_campaigns(self, corpus: Corpus) -> None:
        """A file's attack lines are exactly the union of its campaigns' lines."""
        for name, info in corpus.truth.files.items():
            union = {n for c in corpus.truth.campaigns for n in c.lines.get(name, ())}
            assert set(info.attack_lines) == union

    def test_line_counts_match_files(self, corpus: Corpus) -> None:
        """Recorded line counts equal the files' line counts."""
        for name, info in corpus.truth.files.items():
            assert info.lines == len(corpus.lines(name))

    def test_json_round_trip(self, corpus: Corpus) -> None:
        """truth.json loads back to the returned ground truth."""
        loaded = GroundTruth.load(corpus.path / "truth.json")
        assert loaded.to_dict() == corpus.truth.to_dict()

    def test_unknown_schema_rejected(self) -> None:
        """A truth.json with another schema version is refused."""
        with pytest.raises(ValueError, match="schema"):
            GroundTruth.from_dict({"schema": 99})

    def test_some_campaigns_evasive_and_successful(self, corpus: Corpus) -> None:
        """The default corpus has both evasive and successful campaigns."""
        assert any(c.evasive for c in corpus.truth.campaigns)
        assert sum(c.succeeded for c in corpus.truth.campaigns) >= 8


class TestHostNamedClients:
    """sshd with ``UseDNS yes`` names some attackers by host: the truth names them so too."""

    def _named(self, corpus: Corpus, cls: str) -> list[str]:
        return [
            value
            for c in corpus.truth.by_class()[cls]
            for kind, value in c.entities
            if kind == "client"
        ]

    @pytest.mark.parametrize(
        "cls",
        [
            "ssh_bruteforce",
            "ssh_bruteforce_slow",
            "user_enumeration",
            "credential_stuffing",
            "password_spraying",
            "distributed_bruteforce",
        ],
    )
    def test_each_ssh_class_has_host_named_clients(self, corpus: Corpus, cls: str) -> None:
        """Every SSH class has clients named by host, listed as ``client`` entities."""
        named = self._named(corpus, cls)
        assert named
        assert all(re.fullmatch(HOST, name) for name in named)

    def test_botnet_mixes_names_and_addresses(self, corpus: Corpus) -> None:
        """A third of the botnet's nodes are named by host, the rest by address."""
        (campaign,) = corpus.truth.by_class()["distributed_bruteforce"]
        kinds = Counter(kind for kind, _ in campaign.entities)
        assert kinds["client"] == len(campaign.clients) // 3
        assert kinds["client_ip"] == len(campaign.clients) - kinds["client"]

    def test_a_host_named_brute_force_succeeds(self, corpus: Corpus) -> None:
        """The successful fast brute force comes from a host name and logs in from it."""
        campaign = next(c for c in corpus.truth.by_class()["ssh_bruteforce"] if c.succeeded)
        (name,) = campaign.clients
        assert campaign.entities == (("client", name),)
        (evidence,) = campaign.success_evidence
        line = corpus.lines(evidence.file)[evidence.line - 1]
        assert f"Accepted password for test from {name} port " in line

    def test_host_named_lines_carry_no_address(self, corpus: Corpus) -> None:
        """A host-named campaign's sshd lines name the host and never its address."""
        lines = corpus.lines("auth.log")
        campaign = next(c for c in corpus.truth.by_class()["ssh_bruteforce"] if c.succeeded)
        (name,) = campaign.clients
        tagged = [lines[n - 1] for n in campaign.lines["auth.log"]]
        assert all(not re.search(rf"\b{IP}\b", line.partition("]: ")[2]) for line in tagged)
        assert sum(name in line for line in tagged) > len(tagged) / 2

    def test_names_are_unique_and_not_benign(self, corpus: Corpus) -> None:
        """No two campaigns share a host name, and no benign client has one."""
        named = [v for c in corpus.truth.campaigns for k, v in c.entities if k == "client"]
        assert len(named) == len(set(named))
        assert not set(named) & set(corpus.truth.benign_clients)


class TestSuccess:
    def _evidence(self, corpus: Corpus, cls: str) -> list[str]:
        out = []
        for campaign in corpus.truth.by_class()[cls]:
            out += [corpus.lines(e.file)[e.line - 1] for e in campaign.success_evidence]
        return out

    @pytest.mark.parametrize(
        "cls", ["ssh_bruteforce", "ssh_bruteforce_slow", "credential_stuffing", "password_spraying"]
    )
    def test_ssh_success_is_accepted_from_attacker(self, corpus: Corpus, cls: str) -> None:
        """Successful SSH campaigns contain an ``Accepted password`` from their client."""
        campaigns = [c for c in corpus.truth.by_class()[cls] if c.succeeded]
        assert campaigns
        for campaign in campaigns:
            for ev in campaign.success_evidence:
                line = corpus.lines(ev.file)[ev.line - 1]
                assert "Accepted password for" in line
                assert any(f" from {ip} " in line for ip in campaign.clients)

    def test_ssh_success_follows_failures(self, corpus: Corpus) -> None:
        """The accepted login comes after the campaign's failed passwords."""
        campaign = next(c for c in corpus.truth.by_class()["ssh_bruteforce"] if c.succeeded)
        lines = corpus.lines("auth.log")
        failures = [n for n in campaign.lines["auth.log"] if "Failed password" in lines[n - 1]]
        assert len(failures) > 10
        assert campaign.success_evidence[0].line > max(failures)

    def test_sqli_success_is_large_200(self, corpus: Corpus) -> None:
        """Successful SQLi is answered 200 with several times the path's usual size."""
        sizes = [
            int(m["size"])
            for line in corpus.lines("access.log")
            if (m := ACCESS.match(line))
            and m["target"].startswith("/products/view?id=1")
            and m["status"] == "200"
        ]
        usual = sorted(sizes)[len(sizes) // 2]
        evidence = self._evidence(corpus, "sqli")
        assert evidence
        for line in evidence:
            match = ACCESS.match(line)
            assert match
            assert match["status"] == "200"
            assert int(match["size"]) > 4 * usual

    def test_sensitive_files_served(self, corpus: Corpus) -> None:
        """``.env`` and ``.git/config`` are served with 200 in the successful campaign."""
        served = {
            m["target"]
            for line in self._evidence(corpus, "sensitive_files")
            if (m := ACCESS.match(line)) and m["status"] == "200"
        }
        assert served == {"/.env", "/.git/config"}

    def test_failed_campaigns_have_no_evidence(self, corpus: Corpus) -> None:
        """Campaigns marked failed carry no success evidence."""
        assert all(c.success_evidence == () for c in corpus.truth.campaigns if not c.succeeded)


class TestRhythm:
    def test_activity_peaks_at_noon(self) -> None:
        """The activity curve is far higher at noon than at 4 a.m."""
        noon = datetime(2026, 11, 20, 12, tzinfo=UTC).timestamp()
        night = datetime(2026, 11, 20, 4, tzinfo=UTC).timestamp()
        assert activity(noon) > 3 * activity(night)

    def test_weekend_dip(self) -> None:
        """Saturday noon is quieter than Friday noon."""
        friday = datetime(2026, 11, 20, 12, tzinfo=UTC).timestamp()
        assert activity(friday + 86400) < 0.7 * activity(friday)

    def test_more_visitor_traffic_at_noon(self, tmp_path: Path) -> None:
        """A generated day has more visitor requests at noon than at 4 a.m."""
        generate(tmp_path, seed=5, days=1.0, benign_clients=400, scale=0.2, campaigns=[])
        hours: Counter[int] = Counter()
        for line in (tmp_path / "access.log").read_text().splitlines():
            if line.startswith(("10.", "81.2.69.160 ")) or "bot" in line.lower():
                continue
            hours[time.gmtime(_access_time(line)).tm_hour] += 1
        assert hours[12] > 2 * hours[4]


class TestEvasion:
    _MARKERS = re.compile(r"%25|/\*\*/|\+|%09|%0a|%0b|%0d|%c0%a|%u00|&#|%26%23", re.IGNORECASE)
    _MIXED = re.compile(
        r"\b(?!(?:union|UNION|select|SELECT|script|SCRIPT)\b)(?i:union|select|script)\b"
    )

    @pytest.mark.parametrize("cls", ["sqli", "xss", "path_traversal"])
    def test_evasive_campaign_encodes_payloads(self, corpus: Corpus, cls: str) -> None:
        """Most requests of an evasive campaign use an evasion encoding."""
        lines = corpus.lines("access.log")
        campaign = next(c for c in corpus.truth.by_class()[cls] if c.evasive)
        targets = [lines[n - 1].split('"')[1] for n in campaign.lines["access.log"]]
        evasive = [t for t in targets if self._MARKERS.search(t) or self._MIXED.search(t)]
        assert len(evasive) >= len(targets) // 2


class TestScale:
    def test_scale_multiplies_benign_volume(self, tmp_path: Path) -> None:
        """Doubling ``scale`` roughly doubles the benign web lines."""
        small = generate(tmp_path / "a", seed=2, days=0.1, scale=0.2, campaigns=[])
        large = generate(tmp_path / "b", seed=2, days=0.1, scale=0.4, campaigns=[])
        ratio = large.files["access.log"].lines / small.files["access.log"].lines
        assert 1.5 < ratio < 2.5

    def test_scale_multiplies_campaigns(self) -> None:
        """Doubling ``scale`` doubles the campaigns per class."""
        assert len(plan_campaigns(2.0, ["sqli"])) == 2 * len(plan_campaigns(1.0, ["sqli"]))


class TestPlan:
    def test_unknown_class_rejected(self) -> None:
        """An unknown class id is a ValueError naming it."""
        with pytest.raises(ValueError, match="nosuch"):
            plan_campaigns(1.0, ["nosuch"])

    def test_variants_cycle(self) -> None:
        """Per class the variants are plain, evasive, successful."""
        plans = plan_campaigns(1.0, ["sqli"])
        assert [(p.evasive, p.succeed) for p in plans] == [
            (False, False),
            (True, False),
            (False, True),
        ]

    def test_per_class_override(self) -> None:
        """``per_class`` sets the campaign count regardless of scale."""
        assert len(plan_campaigns(0.1, ["xss", "port_scan"], per_class=4)) == 8

    def test_non_positive_days_rejected(self, tmp_path: Path) -> None:
        """A zero-length corpus is refused."""
        with pytest.raises(ValueError, match="days"):
            generate(tmp_path, days=0)


class TestCli:
    def test_writes_corpus(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        """The command writes the four files and prints line counts."""
        code = main([str(tmp_path), "--days", "0.05", "--scale", "0.1", "--campaigns", "sqli"])
        assert code == 0
        assert {p.name for p in tmp_path.iterdir()} == {
            "access.log",
            "auth.log",
            "kern.log",
            "truth.json",
        }
        assert "access.log:" in capsys.readouterr().out

    def test_bad_class_exits_2(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        """An unknown class exits with status 2 and an error message."""
        assert main([str(tmp_path), "--campaigns", "bogus"]) == 2
        assert "bogus" in capsys.readouterr().err


class TestEvaluate:
    def test_perfect_run_scores_full_recall(self, corpus: Corpus) -> None:
        """Flagging exactly the attackers gives 100 % recall and no false positives."""
        truth = corpus.truth
        actors = {e for c in truth.campaigns for e in c.entities}
        winners = {e for c in truth.campaigns if c.succeeded for e in c.entities}
        lines = {name: f.attack_lines for name, f in truth.files.items()}
        result = evaluate(truth, actors, succeeded=winners, cited_lines=lines)
        assert all(r.recall == 1.0 for r in result.classes.values())
        assert all(r.success_recall == 1.0 for r in result.classes.values())
        assert result.benign_false_positive_rate == 0.0
        assert all(r.recall == 1.0 for r in result.lines.values())
        assert all(r.false_positive_rate == 0.0 for r in result.lines.values())

    def test_client_entities_match_addresses_and_names(self, corpus: Corpus) -> None:
        """Findings keyed on ``client`` (an IP, or a host name) count for the truth's clients."""
        flagged = [
            ("client", value) if kind in ("client_ip", "client") else (kind, value)
            for c in corpus.truth.campaigns
            for kind, value in c.entities
        ]
        result = evaluate(corpus.truth, flagged)
        assert all(r.recall == 1.0 for r in result.classes.values())
        assert result.classes["distributed_bruteforce"].missed == ()

    def test_empty_run_misses_everything(self, corpus: Corpus) -> None:
        """Flagging nothing gives zero recall and lists every attacker as missed."""
        result = evaluate(corpus.truth, [])
        sqli = result.classes["sqli"]
        assert sqli.recall == 0.0
        assert len(sqli.missed) == sqli.actors

    def test_benign_flags_count_as_false_positives(self, corpus: Corpus) -> None:
        """A flagged benign client shows up in the false-positive figures."""
        benign = corpus.truth.benign_clients[0]
        result = evaluate(corpus.truth, [("client_ip", benign)])
        assert result.benign_clients_flagged == (benign,)
        assert result.benign_false_positive_rate > 0.0

    def test_targeted_users_are_not_false_positives(self, corpus: Corpus) -> None:
        """Flagging ``user=root`` (a brute-force target) is not a benign false positive."""
        result = evaluate(corpus.truth, [("user", "root")])
        assert result.benign_users_flagged == ()

    def test_summary_names_every_class(self, corpus: Corpus) -> None:
        """The text summary has a row per class."""
        text = evaluate(corpus.truth, []).summary()
        assert all(cls in text for cls in CLASSES)


def _load_regenerate() -> ModuleType:
    path = Path(__file__).resolve().parents[1] / "scenarios" / "regenerate.py"
    spec = importlib.util.spec_from_file_location("scenario_regenerate", path)
    assert spec
    assert spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while decorating
    spec.loader.exec_module(module)
    return module


class TestScenarioFolders:
    def test_regeneration_is_byte_identical(self, tmp_path: Path) -> None:
        """Regenerating the scenario folders reproduces the committed files exactly."""
        regenerate = _load_regenerate()
        regenerate.regenerate(tmp_path)
        for name in regenerate.SCENARIOS:
            for file_name in regenerate.GENERATED:
                committed = regenerate.HERE / name / file_name
                assert (tmp_path / name / file_name).read_bytes() == committed.read_bytes(), (
                    f"{name}/{file_name} is stale: run python tests/scenarios/regenerate.py"
                )

    def test_folders_are_small(self) -> None:
        """Scenario inputs stay small enough to replay in a unit test."""
        regenerate = _load_regenerate()
        for name in regenerate.SCENARIOS:
            for log in ("access.log", "auth.log", "kern.log"):
                lines = (regenerate.HERE / name / log).read_text().count("\n")
                assert lines < 10_000, f"{name}/{log}"
