"""TextParser and TemplateStore: template ids, persistence, loghub template counts."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from sentinel.parsers import ParserOptions, build_parser
from sentinel.parsers.templates import SAVE_EVERY, TemplateStore, TextParser
from sentinel.records import Event
from sentinel.testing import raw_line

LOGHUB = Path(__file__).resolve().parents[3] / "shared" / "data" / "loghub"
LINES = [
    "2026-11-27 06:25:01 INFO user alice logged in from 10.0.0.1",
    "2026-11-27 06:25:02 INFO user bob logged in from 10.0.0.2",
    "2026-11-27 06:25:03 ERROR disk /dev/sda1 is full",
]


def _parser(path: Path | None = None) -> TextParser:
    options = ParserOptions(templates_path=str(path) if path else None)
    parser = build_parser("text", options)
    assert isinstance(parser, TextParser)
    return parser


def _parse(parser: TextParser, line: str) -> Event:
    event = parser.parse(raw_line(line))
    assert event is not None
    return event


class TestTemplateIds:
    """Template ids and parameters."""

    def test_similar_lines_share_an_id(self) -> None:
        """Two lines of one shape get the same template id."""
        parser = _parser()
        first, second = (_parse(parser, line) for line in LINES[:2])
        assert first.template_id == second.template_id

    def test_different_lines_get_different_ids(self) -> None:
        """Lines of different shapes get different ids."""
        parser = _parser()
        ids = {_parse(parser, line).template_id for line in (LINES[0], LINES[2])}
        assert len(ids) == 2

    def test_parameters_in_extra(self) -> None:
        """The varying tokens are the parameters."""
        parser = _parser()
        _parse(parser, LINES[0])
        event = _parse(parser, LINES[1])
        assert (event.extra["param.0"], event.extra["param.1"]) == ("bob", "10.0.0.2")

    def test_no_time_and_no_reference_is_rejected(self) -> None:
        """The very first line without a time is rejected when no reference is set."""
        parser = _parser()
        assert parser.parse(raw_line("no time here")) is None
        assert parser.rejected == {"no_timestamp": 1}


class TestTemplateStore:
    """Plain-JSON persistence."""

    def test_ids_survive_a_restart(self, tmp_path: Path) -> None:
        """A restarted parser gives known lines their old ids and new ones new ids."""
        path = tmp_path / "templates.json"
        before = _parser(path)
        ids = [_parse(before, line).template_id for line in LINES]
        before.save_templates()
        after = _parser(path)
        assert [_parse(after, line).template_id for line in reversed(LINES)] == ids[::-1]
        new = _parse(after, "2026-11-27 06:25:09 WARN something else entirely happened now")
        assert new.template_id not in ids

    def test_file_is_plain_json_owner_only(self, tmp_path: Path) -> None:
        """The store is readable JSON with mode 0600."""
        path = tmp_path / "templates.json"
        parser = _parser(path)
        _parse(parser, LINES[0])
        parser.save_templates()
        data = json.loads(path.read_text(encoding="utf-8"))
        assert data["version"] == 1
        assert list(data["templates"].values()) == [LINES[0].split(" ", 3)[3]]
        assert stat.S_IMODE(path.stat().st_mode) == 0o600

    @pytest.mark.parametrize(
        "content",
        ['{"version": 99, "templates": {"1": "x"}}', "not json", "[]", '{"version": 1}'],
    )
    def test_bad_store_loads_empty(self, tmp_path: Path, content: str) -> None:
        """A corrupt or foreign store is ignored."""
        path = tmp_path / "templates.json"
        path.write_text(content, encoding="utf-8")
        assert TemplateStore(path).load() == ({}, 0)

    def test_store_ignores_bad_entries(self, tmp_path: Path) -> None:
        """Non-numeric ids and non-string templates are skipped."""
        path = tmp_path / "templates.json"
        path.write_text(
            '{"version": 1, "counter": 7, "templates": {"x": "a", "3": 5, "4": "b <*>"}}',
            encoding="utf-8",
        )
        assert TemplateStore(path).load() == ({4: "b <*>"}, 7)

    def test_autosave_after_changes(self, tmp_path: Path) -> None:
        """The parser saves by itself after SAVE_EVERY template changes."""
        path = tmp_path / "templates.json"
        parser = _parser(path)
        for number in range(SAVE_EVERY):
            _parse(parser, "2026-11-27 06:25:01 INFO shape " + "word " * number)
        assert path.exists()


def _loghub_template_count(name: str) -> tuple[int, int]:
    log = LOGHUB / name / f"{name}_2k.log"
    reference = LOGHUB / name / f"{name}_2k.log_templates.csv"
    if not log.exists() or not reference.exists():
        pytest.skip(f"loghub {name} sample not available")
    parser = _parser()
    ids = set()
    for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
        event = parser.parse(raw_line(line))
        assert event is not None, line
        ids.add(event.template_id)
    expected = len(reference.read_text(encoding="utf-8").splitlines()) - 1
    return len(ids), expected


@pytest.mark.shared_data
class TestLoghubTemplates:
    """Mined template counts are close to loghub's ground truth."""

    @pytest.mark.parametrize(("name", "slack"), [("HDFS", 4), ("Apache", 1)])
    def test_template_count_close(self, name: str, slack: int) -> None:
        """Every line parses and the template count is within ``slack`` of loghub's."""
        mined, expected = _loghub_template_count(name)
        assert abs(mined - expected) <= slack, (mined, expected)
