"""Configuration: one strict TOML file.

Loading has two phases, as in Vector and CrowdSec:

1. :func:`load_settings` parses the file and validates its *structure*
   without I/O beyond reading it: unknown keys, wrong types, bad choices and
   bad values are :class:`~sentinel.errors.ConfigError`\\ s naming the file,
   the key path and the fix (``sentinel.toml: sources[1].format: unknown
   format 'ngnix' (did you mean 'nginx'?)``).
2. :func:`check_runtime` does the checks that need the world: secrets files
   readable, parsers buildable with their options, detector packs loadable.

``sentinel check-config`` runs both.  Every record here is frozen; the field
``doc`` metadata is the reference documentation (``config/sentinel.toml``
repeats it key by key).
"""

from __future__ import annotations

import dataclasses
import difflib
import os
import re
import tomllib
import types
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypeVar, Union, get_args, get_origin, get_type_hints

from sentinel.errors import ConfigError

__all__ = [
    "DetectionSettings",
    "GeneralSettings",
    "JsonFieldSettings",
    "LimitSettings",
    "LoggingSettings",
    "PrivacySettings",
    "Secret",
    "Settings",
    "SourceSettings",
    "check_runtime",
    "load_settings",
    "parse_duration",
    "parse_settings",
]

T = TypeVar("T")


class Secret:
    """A secret value whose ``repr``/``str`` never show it."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def get(self) -> str:
        """The secret itself: pass it straight to where it is used, never to a log."""
        return self._value

    def __repr__(self) -> str:
        return "Secret('**********')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


_DURATION = re.compile(r"^(\d{1,9}(?:\.\d{1,6})?)(ms|s|m|h|d)?$")
_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, None: 1.0}


def parse_duration(value: object) -> float:
    """``"10m"`` -> 600.0; numbers are seconds.  ValueError otherwise."""
    if isinstance(value, bool):
        raise ValueError("expected a duration like '30s', '10m', '6h' or a number of seconds")
    if isinstance(value, int | float):
        if value < 0:
            raise ValueError("a duration cannot be negative")
        return float(value)
    if isinstance(value, str):
        match = _DURATION.match(value.strip())
        if match:
            return float(match.group(1)) * _UNITS[match.group(2)]
    raise ValueError(f"expected a duration like '30s', '10m', '6h', got {value!r}")


def _doc(text: str, **extra: Any) -> dict[str, Any]:
    return {"doc": text, **extra}


@dataclass(frozen=True, slots=True)
class GeneralSettings:
    """``[sentinel]``: where state lives and defaults for every source."""

    state_dir: str = field(
        default="/var/lib/sentinel",
        metadata=_doc("Directory for the SQLite store, checkpoints and models (owner-only)."),
    )
    host: str | None = field(
        default=None, metadata=_doc("Host name stamped on events that carry none.")
    )
    timezone: str = field(
        default="UTC", metadata=_doc("Zone for timestamps without an offset (syslog).")
    )


@dataclass(frozen=True, slots=True)
class LoggingSettings:
    """``[logging]``: Sentinel's own log output."""

    level: Literal["debug", "info", "warning", "error"] = field(
        default="info", metadata=_doc("Minimum level. Nothing per log line is logged above debug.")
    )
    format: Literal["auto", "json", "console"] = field(
        default="auto",
        metadata=_doc("auto: readable on a terminal, JSON lines otherwise (journald)."),
    )


@dataclass(frozen=True, slots=True)
class LimitSettings:
    """``[limits]``: caps that keep memory and per-line work bounded."""

    max_line_bytes: int = field(
        default=65536, metadata=_doc("Longer lines are truncated and counted.", min=256)
    )
    max_entities: int = field(
        default=200_000,
        metadata=_doc("Per-detector cap on tracked entities (LRU eviction, counted).", min=100),
    )
    entity_ttl: float = field(
        default=6 * 3600.0,
        metadata=_doc("Entity state idle longer than this (event time) is dropped.", duration=True),
    )
    queue_lines: int = field(
        default=10_000, metadata=_doc("Bounded queue between sources and parsers.", min=10)
    )


@dataclass(frozen=True, slots=True)
class PrivacySettings:
    """``[privacy]``: redaction and pseudonymisation before anything is stored or sent."""

    redact_params: tuple[str, ...] = field(
        default=(
            "password",
            "passwd",
            "pwd",
            "token",
            "access_token",
            "api_key",
            "apikey",
            "secret",
            "session",
            "auth",
        ),
        metadata=_doc("Query parameters whose values are replaced by [REDACTED]."),
    )
    pseudonymize: bool = field(
        default=False, metadata=_doc("Replace user names and client IPs by keyed hashes.")
    )
    pseudonymize_key: Secret | None = field(
        default=None,
        metadata=_doc(
            "HMAC key for pseudonyms: set pseudonymize_key_file or SENTINEL_PSEUDONYMIZE_KEY.",
            secret=True,
            env="SENTINEL_PSEUDONYMIZE_KEY",
        ),
    )


@dataclass(frozen=True, slots=True)
class DetectionSettings:
    """``[detection]``: which detector packs run."""

    bundled_packs: bool = field(
        default=True, metadata=_doc("Load the packs shipped with Sentinel.")
    )
    packs: tuple[str, ...] = field(
        default=(), metadata=_doc("Extra pack files or directories of *.toml definitions.")
    )
    disable: tuple[str, ...] = field(
        default=(), metadata=_doc("Detector ids to switch off, e.g. 'web.scanner_ua'.")
    )


@dataclass(frozen=True, slots=True)
class JsonFieldSettings:
    """``[sources.json_fields]``: where a JSON-lines source keeps each field."""

    time: str = field(default="time", metadata=_doc("Time field (dotted path allowed)."))
    time_format: str = field(
        default="auto", metadata=_doc("auto, iso8601, epoch, or a strftime pattern.")
    )
    message: str = field(default="message", metadata=_doc("Message field."))
    level: str = field(default="level", metadata=_doc("Level field."))
    host: str = field(default="host", metadata=_doc("Host field."))
    client_ip: str = field(default="client_ip", metadata=_doc("Client IP field."))
    user: str = field(default="user", metadata=_doc("User field."))
    program: str = field(default="logger", metadata=_doc("Program/logger field."))
    metric_name: str = field(default="metric", metadata=_doc("Metric-name field (metric logs)."))
    metric_value: str = field(default="value", metadata=_doc("Metric-value field (metric logs)."))
    metrics: tuple[str, ...] = field(
        default=(), metadata=_doc("Numeric fields kept as metrics (empty: every numeric field).")
    )


SOURCE_TYPES = ("file", "journal")


@dataclass(frozen=True, slots=True)
class SourceSettings:
    """``[[sources]]``: one log source."""

    name: str = field(default="", metadata=_doc("Unique name; checkpoints are keyed by it."))
    type: Literal["file", "journal"] = field(default="file", metadata=_doc("file or journal."))
    paths: tuple[str, ...] = field(default=(), metadata=_doc("Globs of files to tail."))
    exclude: tuple[str, ...] = field(default=(), metadata=_doc("Globs to leave out."))
    format: str = field(
        default="auto", metadata=_doc("Parser format (see `sentinel replay --help`) or auto.")
    )
    start_at: Literal["checkpoint", "beginning", "end"] = field(
        default="checkpoint",
        metadata=_doc("Where to start: the saved checkpoint, the beginning, or the end."),
    )
    timezone: str | None = field(default=None, metadata=_doc("Overrides [sentinel].timezone."))
    host: str | None = field(default=None, metadata=_doc("Overrides [sentinel].host."))
    log_format: str | None = field(
        default=None, metadata=_doc("nginx log_format string, for format nginx_log_format.")
    )
    multiline_start: str | None = field(
        default=None, metadata=_doc("Regex that starts a new record (stack traces).")
    )
    multiline_max_lines: int = field(
        default=500, metadata=_doc("Cap on lines joined into one record.", min=1)
    )
    units: tuple[str, ...] = field(default=(), metadata=_doc("journal: systemd units to follow."))
    identifiers: tuple[str, ...] = field(
        default=(), metadata=_doc("journal: syslog identifiers to follow.")
    )
    journal_directory: str | None = field(
        default=None, metadata=_doc("journal: read this directory instead of the system journal.")
    )
    json_fields: JsonFieldSettings = field(
        default_factory=JsonFieldSettings, metadata=_doc("Field map for format jsonlines.")
    )


@dataclass(frozen=True, slots=True)
class Settings:
    """The whole configuration file."""

    sentinel: GeneralSettings = field(default_factory=GeneralSettings)
    logging: LoggingSettings = field(default_factory=LoggingSettings)
    limits: LimitSettings = field(default_factory=LimitSettings)
    privacy: PrivacySettings = field(default_factory=PrivacySettings)
    detection: DetectionSettings = field(default_factory=DetectionSettings)
    sources: tuple[SourceSettings, ...] = ()
    file: str = field(default="", metadata=_doc("internal", internal=True))


# ---------------------------------------------------------------- structure


class _Loader:
    """Turns TOML tables into the records above, naming the key path on error."""

    def __init__(self, file: str, environ: Mapping[str, str], base_dir: Path) -> None:
        self.file = file
        self.environ = environ
        self.base_dir = base_dir

    def fail(self, key: str, problem: str) -> ConfigError:
        return ConfigError(self.file, key, problem)

    def build(self, cls: type[T], table: object, path: str) -> T:
        if not isinstance(table, dict):
            raise self.fail(path, f"expected a table, got {_type_name(table)}")
        fields = {f.name: f for f in dataclasses.fields(cls) if not f.metadata.get("internal")}  # type: ignore[arg-type]
        secret_files = {f"{n}_file": n for n, f in fields.items() if f.metadata.get("secret")}
        hints = get_type_hints(cls)
        values: dict[str, Any] = {}
        for key, raw in table.items():
            key_path = f"{path}.{key}" if path else key
            if key in secret_files:
                values[secret_files[key]] = self.secret_from_file(key_path, raw)
                continue
            if key not in fields:
                raise self.fail(key_path, _unknown_key(key, list(fields) + list(secret_files)))
            spec = fields[key]
            if spec.metadata.get("secret"):
                raise self.fail(
                    key_path,
                    f"secrets are not accepted inline: use {key}_file = 'PATH' or the "
                    f"environment variable {spec.metadata['env']}",
                )
            values[key] = self.convert(hints[key], raw, key_path, spec.metadata)
        for name, spec in fields.items():
            env = spec.metadata.get("env")
            if env and name not in values and self.environ.get(env):
                values[name] = Secret(self.environ[env])
        return cls(**values)

    def secret_from_file(self, key_path: str, raw: object) -> Secret:
        if not isinstance(raw, str) or not raw:
            raise self.fail(key_path, "expected the path of a file holding the secret")
        path = Path(raw) if os.path.isabs(raw) else self.base_dir / raw
        try:
            text = path.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise self.fail(key_path, f"cannot read {path}: {exc.strerror}") from None
        if not text:
            raise self.fail(key_path, f"{path} is empty")
        return Secret(text)

    def convert(self, hint: Any, raw: object, key: str, meta: Mapping[str, Any]) -> Any:
        origin = get_origin(hint)
        if origin in (Union, types.UnionType):
            options = [a for a in get_args(hint) if a is not type(None)]
            return self.convert(options[0], raw, key, meta)
        if origin is Literal:
            choices = get_args(hint)
            if raw not in choices:
                hint_text = _did_you_mean(str(raw), [str(c) for c in choices])
                listed = ", ".join(repr(c) for c in choices)
                raise self.fail(key, f"must be one of {listed}, got {raw!r}{hint_text}")
            return raw
        if origin is tuple:
            item = get_args(hint)[0]
            if not isinstance(raw, list):
                raise self.fail(key, f"expected a list, got {_type_name(raw)}")
            return tuple(self.convert(item, v, f"{key}[{i}]", meta) for i, v in enumerate(raw))
        if dataclasses.is_dataclass(hint):
            return self.build(hint, raw, key)  # type: ignore[arg-type]
        if meta.get("duration"):
            try:
                return parse_duration(raw)
            except ValueError as exc:
                raise self.fail(key, str(exc)) from None
        return self.scalar(hint, raw, key, meta)

    def scalar(self, hint: Any, raw: object, key: str, meta: Mapping[str, Any]) -> Any:
        checks: dict[Any, Callable[[object], bool]] = {
            str: lambda v: isinstance(v, str),
            bool: lambda v: isinstance(v, bool),
            int: lambda v: type(v) is int,
            float: lambda v: type(v) in (int, float),
        }
        check = checks.get(hint)
        if check is None:
            raise self.fail(key, f"unsupported setting type {hint!r}")  # a bug, not user error
        if not check(raw):
            raise self.fail(key, f"expected {_HINT_NAMES[hint]}, got {_type_name(raw)} {raw!r}")
        minimum = meta.get("min")
        if minimum is not None and raw < minimum:
            raise self.fail(key, f"must be at least {minimum}, got {raw!r}")
        return float(raw) if hint is float else raw  # type: ignore[arg-type]


_HINT_NAMES = {str: "a string", bool: "true or false", int: "an integer", float: "a number"}


def _type_name(value: object) -> str:
    return {
        dict: "a table",
        list: "a list",
        str: "a string",
        bool: "a boolean",
        int: "an integer",
        float: "a number",
    }.get(type(value), type(value).__name__)


def _did_you_mean(word: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _unknown_key(key: str, known: list[str]) -> str:
    return f"unknown key {key!r}{_did_you_mean(key, known)}"


def parse_settings(
    text: str,
    file: str = "sentinel.toml",
    *,
    environ: Mapping[str, str] | None = None,
    base_dir: Path | None = None,
) -> Settings:
    """Validate the structure of a TOML document (phase 1).

    Raises:
        ConfigError: naming ``file``, the key path and the problem.
    """
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(file, "", f"not valid TOML: {exc}") from None
    loader = _Loader(file, os.environ if environ is None else environ, base_dir or Path.cwd())
    sources_raw = document.pop("sources", [])
    settings = loader.build(Settings, document, "")
    if not isinstance(sources_raw, list):
        raise ConfigError(file, "sources", "expected an array of tables: [[sources]]")
    sources = tuple(
        loader.build(SourceSettings, raw, f"sources[{index}]")
        for index, raw in enumerate(sources_raw)
    )
    settings = dataclasses.replace(settings, sources=sources, file=file)
    _validate(settings)
    return settings


def load_settings(path: str | os.PathLike[str]) -> Settings:
    """Read and validate a configuration file (phase 1)."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(str(file), "", f"cannot read: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise ConfigError(str(file), "", "not UTF-8 text") from None
    return parse_settings(text, str(file), base_dir=file.parent)


# ---------------------------------------------------------------- values


def _validate(settings: Settings) -> None:
    from sentinel.parsers import FORMATS, suggest_format
    from sentinel.parsers.timestamps import resolve_zone

    def fail(key: str, problem: str) -> ConfigError:
        return ConfigError(settings.file, key, problem)

    try:
        resolve_zone(settings.sentinel.timezone)
    except ValueError as exc:
        raise fail("sentinel.timezone", str(exc)) from None
    if settings.privacy.pseudonymize and settings.privacy.pseudonymize_key is None:
        raise fail(
            "privacy.pseudonymize",
            "needs a key: set privacy.pseudonymize_key_file or SENTINEL_PSEUDONYMIZE_KEY",
        )
    seen: dict[str, int] = {}
    for index, source in enumerate(settings.sources):
        key = f"sources[{index}]"
        if not source.name:
            raise fail(f"{key}.name", "every source needs a name (checkpoints are keyed by it)")
        if source.name in seen:
            raise fail(f"{key}.name", f"duplicate source name {source.name!r}")
        seen[source.name] = index
        if source.format != "auto" and source.format not in FORMATS:
            hint = suggest_format(source.format)
            suffix = f" (did you mean {hint!r}?)" if hint else ""
            raise fail(f"{key}.format", f"unknown format {source.format!r}{suffix}")
        if source.type == "file" and not source.paths:
            raise fail(f"{key}.paths", "a file source needs at least one path or glob")
        if source.type == "journal" and source.paths:
            raise fail(f"{key}.paths", "a journal source reads the journal, not paths")
        if source.format == "nginx_log_format" and not source.log_format:
            raise fail(f"{key}.log_format", "format nginx_log_format needs log_format = '...'")
        if source.timezone is not None:
            try:
                resolve_zone(source.timezone)
            except ValueError as exc:
                raise fail(f"{key}.timezone", str(exc)) from None
        if source.multiline_start is not None:
            try:
                re.compile(source.multiline_start)
            except re.error as exc:
                raise fail(f"{key}.multiline_start", f"invalid regex: {exc}") from None


# ---------------------------------------------------------------- runtime


def check_runtime(settings: Settings) -> list[str]:
    """Phase 2: build what can be built without starting anything.

    Returns warnings (non-fatal, e.g. a glob that matches nothing yet).

    Raises:
        ConfigError: a parser cannot be built with its options, or a pack is invalid.
    """
    from sentinel.parsers import build_parser
    from sentinel.pipeline import parser_options, source_options

    warnings: list[str] = []
    for index, source in enumerate(settings.sources):
        try:
            source_options(settings, source)
        except ValueError as exc:
            field, _, problem = str(exc).partition(": ")
            raise ConfigError(settings.file, f"sources[{index}].{field}", problem) from None
        if source.format != "auto":
            try:
                build_parser(source.format, parser_options(settings, source), source.name)
            except (ValueError, KeyError) as exc:
                key = "log_format" if source.format == "nginx_log_format" else "format"
                raise ConfigError(settings.file, f"sources[{index}].{key}", str(exc)) from None
        if source.type == "file":
            import glob

            if not any(glob.glob(pattern) for pattern in source.paths):
                warnings.append(
                    f"sources[{index}].paths: nothing matches {list(source.paths)} yet; "
                    "files that appear later are picked up"
                )
    warnings.extend(_check_packs(settings))
    return warnings


def _check_packs(settings: Settings) -> list[str]:
    from sentinel.errors import DefinitionError
    from sentinel.pipeline import configured_definitions

    try:
        configured_definitions(settings)
    except DefinitionError as exc:
        raise ConfigError(settings.file, "detection.packs", str(exc)) from None
    return []
