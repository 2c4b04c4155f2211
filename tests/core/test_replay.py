"""`sentinel replay` end to end: real files through the source, parsers and packs."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import pytest

from sentinel.cli import main
from sentinel.parsers.detect import detect_format
from sentinel.scenarios import generate

LOGHUB = Path(__file__).resolve().parents[3] / "shared" / "data" / "loghub"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small generated corpus: an SSH brute force that succeeds and an SQLi campaign."""
    out = tmp_path_factory.mktemp("corpus")
    generate(
        out,
        seed=3,
        days=0.25,
        scale=0.1,
        campaigns=["ssh_bruteforce", "sqli"],
        campaigns_per_class=3,
    )
    return out


class TestFormatDetection:
    """--format auto on the first lines."""

    @pytest.mark.parametrize(
        ("line", "expected"),
        [
            (
                b'1.2.3.4 - - [10/Oct/2026:13:55:36 +0000] "GET / HTTP/1.1" 200 2326 "-" "curl/8"',
                "combined",
            ),
            (b'1.2.3.4 - - [10/Oct/2026:13:55:36 +0000] "GET / HTTP/1.1" 200 2326', "common"),
            (b"Dec 10 06:55:46 web1 sshd[24200]: Invalid user admin from 203.0.113.5", "syslog"),
            (
                b"[Sun Dec 04 04:47:44 2005] [notice] workerEnv.init() ok /etc/httpd/x",
                "apache_error",
            ),
            (
                b'{"__REALTIME_TIMESTAMP": "1764000000000000", "MESSAGE": "hi", '
                b'"_HOSTNAME": "h", "SYSLOG_IDENTIFIER": "cron"}',
                "journal",
            ),
        ],
    )
    def test_detects_format(self, line: bytes, expected: str) -> None:
        """Each format's lines are recognised as that format."""
        assert detect_format([line] * 5).format == expected

    def test_unstructured_text_falls_back(self) -> None:
        """Lines no structured parser reads go to the text parser."""
        assert detect_format([b"hello world"] * 5).format == "text"


class TestReplayCommand:
    """The command on a generated corpus."""

    def test_summary_and_findings(self, corpus: Path, capsys: pytest.CaptureFixture[str]) -> None:
        """The summary counts every line and the SSH brute force is reported as succeeded."""
        truth = json.loads((corpus / "truth.json").read_text())
        files = [corpus / "access.log", corpus / "auth.log"]
        assert main(["replay", *map(str, files)]) == 0
        out = capsys.readouterr().out
        total = sum(truth["files"][f.name]["lines"] for f in files)
        assert f"Lines: {total:,}" in out
        assert "format combined" in out
        assert "format syslog" in out
        ssh = next(
            c for c in truth["campaigns"] if c["class"] == "ssh_bruteforce" and c["succeeded"]
        )
        attacker = ssh["clients"][0]
        # The sshd rules name a client by IP, or by the host name sshd logged.
        assert f"client={attacker}" in out
        block = out.split(f"client={attacker}", 1)[1].split("\n  client", 1)[0]
        assert "SUCCEEDED" in block

    def test_events_and_findings_jsonl(self, corpus: Path, tmp_path: Path) -> None:
        """--events writes one ECS document per parsed line; --findings one per finding."""
        events, findings = tmp_path / "events.jsonl", tmp_path / "findings.jsonl"
        log = corpus / "access.log"
        assert main(["replay", str(log), "--events", str(events), "--findings", str(findings)]) == 0
        docs = [json.loads(line) for line in events.read_text().splitlines()]
        assert len(docs) == len(log.read_text().splitlines())
        assert all("source.ip" in d and "@timestamp" in d for d in docs)
        rows = [json.loads(line) for line in findings.read_text().splitlines()]
        assert any(r["detector_id"] == "web.sqli" for r in rows)

    def test_gzip_input(
        self, corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A .gz file replays like the plain file."""
        plain = corpus / "auth.log"
        packed = tmp_path / "auth.log.1.gz"
        with plain.open("rb") as src, gzip.open(packed, "wb") as dst:
            shutil.copyfileobj(src, dst)
        assert main(["replay", "--no-detect", str(packed)]) == 0
        lines = len(plain.read_bytes().splitlines())
        assert f"Lines: {lines:,}  parsed: {lines:,}" in capsys.readouterr().out

    def test_hostile_lines_are_escaped_and_counted(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Control characters from a log never reach the terminal; junk is counted."""
        log = tmp_path / "access.log"
        good = '203.0.113.7 - - [10/Oct/2026:13:55:36 +0000] "GET /a\x1b[2J HTTP/1.1" 404 1 "-" "x"'
        log.write_bytes(
            (good + "\n").encode() * 3 + b"\xff\xfe garbage \x00\n" + b"A" * 100_000 + b"\n"
        )
        assert main(["replay", "--no-detect", "--format", "combined", str(log)]) == 0
        out = capsys.readouterr().out
        assert "\x1b" not in out
        assert "Lines: 5  parsed: 3" in out
        assert "rejected by reason" in out

    def test_lines_written_late_are_put_back_in_time_order(
        self, corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A log with slow requests' lines written late (Apache %t) finds what it finds in order.

        One line in 20 is moved up to 12 lines later, as a web server writes a
        slow request's line when it ends, under the time it arrived.
        """
        lines = (corpus / "access.log").read_bytes().splitlines(keepends=True)
        late: list[bytes] = []
        moved = lines[:]
        for index in range(len(lines) - 13, 0, -20):
            line = moved.pop(index)
            moved.insert(index + 1 + index % 12, line)
            late.append(line)
        disordered = tmp_path / "access.log"
        disordered.write_bytes(b"".join(moved))
        assert moved != lines
        assert sorted(moved) == sorted(lines)

        def findings(log: Path, out: Path) -> list[tuple[object, ...]]:
            assert main(["replay", str(log), "--findings", str(out)]) == 0
            rows = [json.loads(row) for row in out.read_text().splitlines()]
            keys = ("detector_id", "entity", "first_ts", "last_ts", "counts", "success")
            return sorted(tuple(json.dumps(r[k], sort_keys=True) for k in keys) for r in rows)

        ordered = findings(corpus / "access.log", tmp_path / "ordered.jsonl")
        capsys.readouterr()
        assert ordered
        assert findings(disordered, tmp_path / "disordered.jsonl") == ordered
        out = capsys.readouterr().out
        assert "events put back in order (0 later than" in out

    def test_bundled_samples_replay(self, capsys: pytest.CaptureFixture[str]) -> None:
        """Without FILE the bundled samples replay and produce findings."""
        assert main(["replay"]) == 0
        out = capsys.readouterr().out
        assert "bundled samples" in out
        assert "Findings: 0 " not in out


@pytest.mark.skipif(not LOGHUB.is_dir(), reason="../shared/data/loghub is absent")
class TestLoghubReplay:
    """Replays of the loghub samples pick the right parser and parse them."""

    @pytest.mark.parametrize(
        ("name", "fmt"),
        [
            ("OpenSSH/OpenSSH_2k.log", "syslog"),
            ("Linux/Linux_2k.log", "syslog"),
            ("Apache/Apache_2k.log", "apache_error"),
        ],
    )
    def test_auto_format_and_parse_share(
        self, name: str, fmt: str, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """--format auto chooses the expected parser and >= 99.5 % of lines parse."""
        path = LOGHUB / name
        assert main(["replay", str(path)]) == 0
        out = capsys.readouterr().out
        assert f"format {fmt} (auto" in out
        parsed = int(out.split("parsed: ", 1)[1].split(" ", 1)[0].replace(",", ""))
        assert parsed / 2000 >= 0.995
