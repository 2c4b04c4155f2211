"""``sentinel rules test`` and ``sentinel rules list``: definitions against their examples.

An example's lines go through the real parser for its ``format`` and a fresh
engine holding the definition (plus, for a sequence, the definition it
follows, and any ``suppressed_by`` definitions), then the engine is
flushed.  ``expect = "match"`` passes when the definition produced a finding
(with the expected ``success`` if given); ``"no_match"`` when it produced
none.

Placeholders in example lines expand per repetition (plain text
substitution, never ``str.format``): ``{i}`` the index, ``{ip}`` a distinct
documentation address, ``{user}`` a distinct user name.  ``then`` lines follow the repeated ones
once, unexpanded (e.g. the attack after a baseline).

.. versionadded:: 0.1
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from sentinel.detection.definitions import Definition, Example
from sentinel.detection.engine import DetectionEngine
from sentinel.errors import DefinitionError
from sentinel.records import Finding, LineRef, RawLine

__all__ = [
    "ExampleFailure",
    "check_examples",
    "expand_lines",
    "latest_findings",
    "rules_list_main",
    "rules_test_main",
    "run_example",
]


@dataclass(frozen=True, slots=True)
class ExampleFailure:
    """One failing example: where it is and what went wrong."""

    line: int
    problem: str


def _ip(i: int) -> str:
    return f"198.18.{(i // 250) % 256}.{i % 250 + 1}"


def expand_lines(example: Example) -> list[str]:
    """The example's lines, repeated with placeholders filled in."""
    lines: list[str] = []
    for i in range(example.repeat):
        for template in example.lines:
            line = template
            if "{" in line:
                line = line.replace("{i}", str(i)).replace("{ip}", _ip(i))
                line = line.replace("{user}", f"user{i}")
            lines.append(line)
    lines.extend(example.then)
    return lines


def latest_findings(findings: list[Finding]) -> list[Finding]:
    """Keep the last finding per fingerprint (later ones supersede earlier ones)."""
    latest: dict[str, Finding] = {}
    for finding in findings:
        latest[finding.fingerprint] = finding
    return list(latest.values())


def run_example(
    definition: Definition, example: Example, known: Mapping[str, Definition]
) -> list[Finding]:
    """Parse and detect the example's lines; the definition's (latest) findings.

    Raises:
        ValueError: a line did not parse, or the format is unknown.
    """
    from sentinel.parsers import ParserOptions, build_parser

    options = ParserOptions(**dict(example.options))
    parser = build_parser(example.format, options, source="example")
    wanted = {i: known[i] for i in definition.suppressed_by if i in known}
    if definition.sequence is not None:
        wanted[definition.sequence.after] = known[definition.sequence.after]
    wanted[definition.id] = definition
    # In pack order, as the packs run, so examples can show suppression (in
    # either direction, when two definitions suppress each other).
    rank = {name: index for index, name in enumerate(known)}
    definitions = sorted(wanted.values(), key=lambda d: rank.get(d.id, len(rank)))
    engine = DetectionEngine(definitions)
    found: list[Finding] = []
    for number, line in enumerate(expand_lines(example), start=1):
        ref = LineRef("example", f"{definition.file}:{example.line}", number, number)
        event = parser.parse(RawLine(ref, line.encode("utf-8")))
        if event is None:
            reason = ", ".join(parser.rejected) or "rejected"
            raise ValueError(f"line {number} not parsed as {example.format!r} ({reason})")
        found.extend(engine.observe(event))
    found.extend(engine.flush(math.inf))
    return [f for f in latest_findings(found) if f.detector_id == definition.id]


def check_examples(
    definition: Definition, known: Mapping[str, Definition]
) -> Iterator[ExampleFailure]:
    """Yield a failure for every example of ``definition`` that does not hold."""
    for number, example in enumerate(definition.examples, start=1):
        try:
            findings = run_example(definition, example, known)
        except (KeyError, ValueError, TypeError) as exc:
            yield ExampleFailure(example.line, f"example {number}: {exc}")
            continue
        if example.expect_match and not findings:
            yield ExampleFailure(example.line, f"example {number}: expected a match, got none")
        elif not example.expect_match and findings:
            yield ExampleFailure(example.line, f"example {number}: expected no match, got one")
        elif example.success is not None and all(f.success != example.success for f in findings):
            got = ", ".join(sorted({f.success.value for f in findings}))
            yield ExampleFailure(
                example.line, f"example {number}: expected {example.success.value}, got {got}"
            )


def _printable(text: str) -> str:
    # Definitions are files anyone with write access may edit: no terminal escapes.
    return "".join(c if c.isprintable() else "?" for c in text)


def _load(paths: list[Path] | None, out: TextIO) -> tuple[list[Definition], int]:
    from sentinel.detection.packs import load_packs

    try:
        return load_packs(paths, check_examples=False), 0
    except (DefinitionError, FileNotFoundError) as exc:
        out.write(_printable(f"error: {exc}") + "\n")
        return [], 2


def rules_test_main(paths: list[Path] | None, out: TextIO) -> int:
    """Run every example of every definition; 0 all pass, 1 failures, 2 invalid packs."""
    definitions, status = _load(paths, out)
    if status:
        return status
    known = {d.id: d for d in definitions}
    failed = 0
    for definition in definitions:
        failures = list(check_examples(definition, known))
        if not failures:
            out.write(_printable(f"ok    {definition.id} ({len(definition.examples)} examples)"))
            out.write("\n")
            continue
        failed += 1
        for failure in failures:
            text = f"FAIL  {definition.id} {definition.file}:{failure.line}: {failure.problem}"
            out.write(_printable(text) + "\n")
    total = len(definitions)
    out.write(f"{total - failed}/{total} definitions pass their examples\n")
    return 1 if failed else 0


def rules_list_main(paths: list[Path] | None, out: TextIO) -> int:
    """Print one line per definition: pack, id, severity, techniques, title."""
    definitions, status = _load(paths, out)
    if status:
        return status
    for d in definitions:
        row = f"{d.pack:<12} {d.id:<32} {d.severity.name.lower():<8} "
        row += f"{','.join(d.techniques):<22} {d.title}"
        out.write(_printable(row) + "\n")
    out.write(f"{len(definitions)} definitions\n")
    return 0
