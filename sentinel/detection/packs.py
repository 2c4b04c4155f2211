"""Finding and loading detector packs.

Bundled packs live in the repository's ``detectors/`` directory in a source
checkout and in ``sentinel/_bundled/detectors`` inside an installed wheel.

.. versionadded:: 0.1
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import sentinel
from sentinel.detection.definitions import Definition, load_definitions
from sentinel.errors import DefinitionError

__all__ = ["bundled_detectors_dir", "load_packs", "pack_files"]


def bundled_detectors_dir() -> Path:
    """The directory of the packs shipped with Sentinel.

    Raises:
        FileNotFoundError: neither the wheel's nor the checkout's directory exists.
    """
    package = Path(sentinel.__file__).parent
    for candidate in (package / "_bundled" / "detectors", package.parent / "detectors"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("no bundled detectors directory (broken installation?)")


def pack_files(paths: Sequence[Path] | None = None) -> list[Path]:
    """Pack files named by ``paths`` (files, or directories of ``*.toml``), sorted.

    ``None`` means the bundled packs.
    """
    roots = list(paths) if paths else [bundled_detectors_dir()]
    files: list[Path] = []
    for root in roots:
        if root.is_dir():
            files.extend(sorted(root.glob("*.toml")))
        else:
            files.append(root)
    return files


def load_packs(
    paths: Sequence[Path] | None = None, *, check_examples: bool = True
) -> list[Definition]:
    """Load, validate and (by default) self-test every definition in the packs.

    Args:
        paths: pack files or directories; ``None`` for the bundled packs.
        check_examples: run each definition's examples through the real
            parsers and engine and reject it when one fails.

    Raises:
        DefinitionError: the first invalid definition, with file and line.
    """
    definitions: list[Definition] = []
    seen: dict[str, Definition] = {}
    for file in pack_files(paths):
        for definition in load_definitions(file):
            other = seen.get(definition.id)
            if other is not None:
                raise DefinitionError(
                    definition.file,
                    definition.line,
                    definition.id,
                    f"duplicate id (first defined at {other.file}:{other.line})",
                )
            seen[definition.id] = definition
            definitions.append(definition)
    for definition in definitions:
        _check_sequence(definition, seen)
        _check_suppression(definition, seen)
    if check_examples:
        from sentinel.detection.rules import check_examples as run

        for definition in definitions:
            failure = next(iter(run(definition, seen)), None)
            if failure is not None:
                raise DefinitionError(definition.file, failure.line, definition.id, failure.problem)
    return definitions


def _check_sequence(definition: Definition, known: dict[str, Definition]) -> None:
    rule = definition.sequence
    if rule is None:
        return
    after = known.get(rule.after)
    if after is None:
        problem = f"sequence.after names unknown detector {rule.after!r}"
    elif after.sequence is not None:
        problem = "sequence.after must name a detector that is not itself a sequence"
    elif after.entity != rule.join:
        problem = f"sequence.join {rule.join!r} must be {rule.after}'s entity {after.entity!r}"
    elif definition.entity != rule.join:
        # The engine looks the earlier finding up by this definition's entity.
        problem = f"sequence.join {rule.join!r} must be the entity {definition.entity!r} too"
    else:
        return
    raise DefinitionError(definition.file, definition.line, definition.id, problem)


def _entity_family(name: str) -> str:
    """Entities whose keys coincide: ``client`` *is* ``client_ip`` when there is an IP."""
    return "client_ip" if name == "client" else name


def _check_suppression(definition: Definition, known: dict[str, Definition]) -> None:
    for other_id in definition.suppressed_by:
        other = known.get(other_id)
        if other is None:
            problem = f"suppressed_by names unknown detector {other_id!r}"
        elif _entity_family(other.entity) != _entity_family(definition.entity):
            problem = (
                f"suppressed_by {other_id!r} must have the same entity ({definition.entity!r})"
            )
        else:
            continue
        raise DefinitionError(definition.file, definition.line, definition.id, problem)
