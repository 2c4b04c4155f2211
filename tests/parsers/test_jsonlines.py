"""JsonLinesParser: field map, metrics, bounds."""

from __future__ import annotations

import json

import pytest

from sentinel.parsers import JsonFieldMap, ParserOptions, build_parser
from sentinel.parsers.jsonlines import MAX_METRICS, JsonLinesParser
from sentinel.records import EventKind
from sentinel.testing import raw_line


def _parser(**fields: object) -> JsonLinesParser:
    options = ParserOptions(json_fields=JsonFieldMap(**fields))  # type: ignore[arg-type]
    parser = build_parser("jsonlines", options)
    assert isinstance(parser, JsonLinesParser)
    return parser


class TestJsonLinesParser:
    """Behaviour not covered by the annotated samples."""

    def test_metric_line(self) -> None:
        """``metric``/``value`` make a metric event named after the metric."""
        line = '{"time": "2014-04-10T00:00:00Z", "metric": "cpu", "value": 12.3}'
        event = _parser().parse(raw_line(line))
        assert event is not None
        assert (event.kind, dict(event.metrics)) == (EventKind.METRIC, {"cpu": 12.3})

    def test_auto_metrics_are_capped(self) -> None:
        """A line with hundreds of numeric fields keeps at most MAX_METRICS."""
        record = {"time": 1796885746} | {f"m{i}": i for i in range(200)}
        event = _parser().parse(raw_line(json.dumps(record)))
        assert event is not None
        assert len(event.metrics) == MAX_METRICS

    def test_mapped_fields_are_not_metrics(self) -> None:
        """A numeric user id is the user, not a metric."""
        event = _parser().parse(raw_line('{"time": 1796885746, "user": 1000, "message": "m"}'))
        assert event is not None
        assert event.user == "1000"
        assert "user" not in event.metrics

    def test_reference_time_for_first_line_without_time(self) -> None:
        """The configured reference time is used when nothing came before."""
        options = ParserOptions(reference_time=1796885746.0)
        parser = build_parser("jsonlines", options)
        event = parser.parse(raw_line('{"message": "m"}'))
        assert event is not None
        assert event.ts == 1796885746.0

    def test_bad_time_format_is_a_value_error(self) -> None:
        """A time_format that is no strftime pattern fails at build time."""
        with pytest.raises(ValueError, match="time_format"):
            _parser(time_format="dd/mm/yyyy")

    def test_host_falls_back_to_options(self) -> None:
        """Lines without a host field get ``options.host``."""
        parser = build_parser("jsonlines", ParserOptions(host="box"))
        event = parser.parse(raw_line('{"time": 1796885746, "message": "m"}'))
        assert event is not None
        assert event.host == "box"

    def test_level_is_lower_case(self) -> None:
        """Levels are normalised to lower case."""
        event = _parser().parse(raw_line('{"time": 1796885746, "level": "WARN"}'))
        assert event is not None
        assert event.extra["level"] == "warn"
