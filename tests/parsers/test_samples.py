"""Annotated sample files: every line yields what its annotation says."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from sentinel.parsers import FORMATS, JsonFieldMap, ParserOptions, build_parser
from sentinel.parsers.base import LineParser
from sentinel.records import LineRef, RawLine

SAMPLES = Path(__file__).parent / "samples"


@dataclass(frozen=True)
class Sample:
    """One annotated line."""

    file: str
    lineno: int
    text: str
    expect: dict[str, Any] | None  # None: must be rejected
    reason: str | None


def _options(raw: str | None) -> ParserOptions:
    if not raw:
        return ParserOptions()
    values = json.loads(raw)
    if "json_fields" in values:
        fields = values["json_fields"]
        if "metrics" in fields:
            fields["metrics"] = tuple(fields["metrics"])
        values["json_fields"] = JsonFieldMap(**fields)
    return ParserOptions(**values)


def _read(path: Path) -> tuple[str, str | None, list[Sample]]:
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines, f"{path.name} is empty"
    assert lines[0].startswith("# format: "), f"{path.name}: first line must be # format:"
    fmt = lines[0].removeprefix("# format: ").strip()
    options: str | None = None
    samples: list[Sample] = []
    pending: tuple[dict[str, Any] | None, str | None] | None = None
    repeat: tuple[int, str] | None = None
    for number, line in enumerate(lines[1:], start=2):
        if line.startswith("# options: "):
            options = line.removeprefix("# options: ")
        elif line.startswith("# expect: reject"):
            reason = line.removeprefix("# expect: reject").strip() or None
            pending = (None, reason)
        elif line.startswith("# expect: "):
            pending = (json.loads(line.removeprefix("# expect: ")), None)
        elif line.startswith("# repeat: "):
            count, text = line.removeprefix("# repeat: ").split(" ", 1)
            repeat = (int(count), json.loads(text))
        elif line.startswith("#") and pending is None:
            continue
        elif pending is not None:
            text = line.replace("{REPEAT}", repeat[1] * repeat[0]) if repeat else line
            samples.append(Sample(path.name, number, text, pending[0], pending[1]))
            pending, repeat = None, None
    return fmt, options, samples


def _sample_files() -> Iterator[Path]:
    return iter(sorted(SAMPLES.glob("*.log")))


def _parse(parser: LineParser, sample: Sample) -> Any:
    raw = RawLine(LineRef("samples", sample.file, 0, sample.lineno), sample.text.encode())
    return parser.parse(raw)


def _check(event: Any, expect: dict[str, Any], where: str) -> None:
    for key, want in expect.items():
        got = getattr(event, key)
        if key == "ts":
            got = datetime.fromtimestamp(got, UTC).isoformat().replace("+00:00", "Z")
        elif key in ("extra", "metrics"):
            got = {k: got.get(k) for k in want}
        elif key == "kind":
            got = got.value
        assert got == want, f"{where}: {key}: got {got!r}, want {want!r}"


@pytest.mark.parametrize("path", list(_sample_files()), ids=lambda p: p.name)
class TestSampleFile:
    """Every annotated sample file."""

    def test_lines_yield_their_annotations(self, path: Path) -> None:
        """Each line produces the annotated fields, or is rejected when annotated so."""
        fmt, options, samples = _read(path)
        assert samples, f"{path.name} has no samples"
        parser = build_parser(fmt, _options(options), source="samples")
        for sample in samples:
            where = f"{sample.file}:{sample.lineno}"
            before = parser.rejected.copy()
            event = _parse(parser, sample)
            if sample.expect is None:
                assert event is None, f"{where}: expected a rejection, got {event!r}"
                if sample.reason:
                    delta = parser.rejected - before
                    assert delta[sample.reason] == 1, f"{where}: rejected as {dict(delta)}"
            else:
                assert event is not None, f"{where}: rejected as {dict(parser.rejected - before)}"
                _check(event, sample.expect, where)


def test_every_pattern_has_a_sample() -> None:
    """Each named pattern of each parser is matched by at least one annotated sample."""
    matched: dict[str, set[str]] = defaultdict(set)
    declared: dict[str, frozenset[str]] = {}
    for path in _sample_files():
        fmt, options, samples = _read(path)
        parser = build_parser(fmt, _options(options), source="samples")
        for sample in samples:
            _parse(parser, sample)
        target = FORMATS[fmt]
        matched[target] |= set(parser.matched)
        declared[target] = declared.get(target, frozenset()) | parser.pattern_names()
    missing = {t: sorted(declared[t] - matched[t]) for t in declared if declared[t] - matched[t]}
    assert not missing, f"patterns without a sample: {missing}"


def test_every_format_has_a_sample_file() -> None:
    """Each parser class in the registry is exercised by some sample file."""
    covered = {FORMATS[_read(path)[0]] for path in _sample_files()}
    assert set(FORMATS.values()) <= covered, sorted(set(FORMATS.values()) - covered)
