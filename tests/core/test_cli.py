"""The command line: exit codes, messages, start-up imports."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from sentinel.cli import main

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "config" / "sentinel.toml"


def _run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sentinel", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        check=False,
    )


class TestHelp:
    """`sentinel --help` and start-up cost."""

    def test_help_lists_commands(self) -> None:
        """--help names the commands."""
        result = _run("--help")
        assert result.returncode == 0
        for command in ("replay", "check-config", "rules", "generate"):
            assert command in result.stdout

    def test_help_imports_no_heavy_library(self) -> None:
        """Building the help imports neither pandas, sklearn, pyod nor structlog."""
        code = (
            "import sys\nfrom sentinel.cli import _parser\n_parser().format_help()\n"
            "print(sorted(m for m in ('pandas','sklearn','pyod','numpy','structlog') "
            "if m in sys.modules))"
        )
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        )
        assert out.stdout.strip() == "[]"

    def test_version(self, capsys: pytest.CaptureFixture[str]) -> None:
        """--version prints the package version."""
        assert main(["--version"]) == 0
        assert capsys.readouterr().out.startswith("sentinel ")


class TestCheckConfig:
    """`sentinel check-config`."""

    def test_example_is_valid(self) -> None:
        """The documented example exits 0."""
        result = _run("check-config", "-c", str(EXAMPLE))
        assert result.returncode == 0, result.stderr
        assert "OK" in result.stdout

    def test_positional_file_works_too(self) -> None:
        """`sentinel check-config FILE` is accepted."""
        assert _run("check-config", str(EXAMPLE)).returncode == 0

    def test_broken_copy_exits_2_with_one_line(self, tmp_path: Path) -> None:
        """A misspelt format exits 2 with file, key path and suggestion, no traceback."""
        broken = tmp_path / "sentinel.toml"
        broken.write_text(EXAMPLE.read_text().replace('format = "syslog"', 'format = "sylog"'))
        result = _run("check-config", "-c", str(broken))
        assert result.returncode == 2
        assert result.stderr.strip() == (
            f"sentinel: {broken}: sources[2].format: unknown format 'sylog' "
            "(did you mean 'syslog'?)"
        )
        assert "Traceback" not in result.stderr

    def test_bad_log_format_is_reported_at_its_key(self, tmp_path: Path) -> None:
        """An nginx log_format that cannot be compiled fails in phase 2 at its key."""
        broken = tmp_path / "s.toml"
        broken.write_text(
            '[[sources]]\nname = "x"\npaths = ["/nonexistent/a.log"]\n'
            'format = "nginx_log_format"\nlog_format = "$remote_addr - $request"\n'
        )
        result = _run("check-config", "-c", str(broken))
        assert result.returncode == 2
        assert "sources[0].log_format: log_format has no time variable" in result.stderr

    def test_missing_file_exits_2(self, tmp_path: Path) -> None:
        """A missing file exits 2."""
        result = _run("check-config", "-c", str(tmp_path / "nope.toml"))
        assert result.returncode == 2
        assert "cannot read" in result.stderr

    def test_no_file_is_usage_error(self) -> None:
        """check-config without a file exits 2."""
        assert _run("check-config").returncode == 2


class TestReplayArguments:
    """`sentinel replay` argument errors."""

    def test_unknown_format(self, tmp_path: Path) -> None:
        """A misspelt --format exits 2 with a suggestion."""
        log = tmp_path / "a.log"
        log.write_text("x\n")
        result = _run("replay", str(log), "--format", "ngnix")
        assert result.returncode == 2
        assert "did you mean 'nginx'" in result.stderr

    def test_missing_file(self, tmp_path: Path) -> None:
        """A missing input exits 2 naming it."""
        result = _run("replay", str(tmp_path / "absent.log"))
        assert result.returncode == 2
        assert "absent.log" in result.stderr


class TestCheckConfigSources:
    """Phase 2 builds each source's options."""

    def test_journal_unit_starting_with_dash_is_refused(self, tmp_path: Path) -> None:
        """A unit name that journalctl would read as an option is refused at its key."""
        config = tmp_path / "s.toml"
        config.write_text('[[sources]]\nname = "j"\ntype = "journal"\nunits = ["--all"]\n')
        result = _run("check-config", "-c", str(config))
        assert result.returncode == 2
        assert "sources[0].units:" in result.stderr
