"""Evasion-resistant views of attacker-controlled HTTP fields.

Signatures match the *normalised* request, so that ``%2527``, ``%u0027``,
``%c0%a7``, ``&#39;``, ``ＳＥＬＥＣＴ``, ``UN/**/ION`` and ``....//`` all meet the
same pattern as their plain form.  Every step is bounded: the input is cut to
:data:`MAX_CHARS`, percent/entity decoding runs at most :data:`MAX_ROUNDS`
rounds, and no step uses a backtracking regex, so one line costs linear work.

The output is lower-case and is meant for matching only; it is never shown to
a user (reports cite the original line).

.. versionadded:: 0.1
"""

from __future__ import annotations

import functools
import html
import re
import unicodedata
from urllib.parse import unquote_to_bytes

__all__ = [
    "CACHE_MAX_CHARS",
    "MAX_CHARS",
    "MAX_ROUNDS",
    "needs_decoding",
    "normalize_path",
    "normalize_query",
    "normalize_text",
    "percent_decode",
    "strip_sql_comments",
]

#: Longest input normalised; the parser already caps fields at 8 KiB.
MAX_CHARS = 8192
#: Decoding rounds: three rounds unwrap triple encoding, which is past what
#: any real server decodes, so an attacker gains nothing from more layers.
MAX_ROUNDS = 3

# Fixed-width patterns: no nesting, no alternation under a quantifier, so
# stdlib ``re`` runs them in linear time.
_PCT_U = re.compile(r"%u([0-9a-fA-F]{4})")
# Overlong UTF-8: 2-byte (C0/C1 lead) and 3-byte (E0 80..9F) encodings of ASCII
# that lenient decoders (old IIS, Tomcat) accepted as '.' or '/'.
_OVERLONG2 = re.compile(rb"[\xc0\xc1][\x80-\xbf]")
_OVERLONG3 = re.compile(rb"\xe0[\x80-\x9f][\x80-\xbf]")
# Newlines survive (as one "\n"): to a shell they separate commands, which
# the command-injection signature needs to see; other whitespace is one space.
_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1b\x7f]+")
_SPACES = re.compile(r"[^\S\n]+")
_NEWLINES = re.compile(r"\n\s*")
_SLASHES = re.compile(r"/{2,}")
# What forces the slow path; anything else is already in canonical form once
# lower-cased (a clean path like ``/static/app.js`` costs one scan).
_NEEDS_WORK = re.compile(r"[%&+\\\x80-\U0010ffff\s]|/\.|//|/\*")


def needs_decoding(text: str) -> bool:
    """True when ``text`` may hold an encoded or obfuscated form."""
    return _NEEDS_WORK.search(text) is not None


def _overlong2(m: re.Match[bytes]) -> bytes:
    b0, b1 = m.group()
    return bytes([((b0 & 0x1F) << 6) | (b1 & 0x3F)])


def _overlong3(m: re.Match[bytes]) -> bytes:
    _, b1, b2 = m.group()
    code = ((b1 & 0x3F) << 6) | (b2 & 0x3F)
    return bytes([code]) if code < 0x80 else m.group()


def percent_decode(text: str) -> str:
    """One round of percent decoding, including ``%uXXXX`` and overlong UTF-8."""
    if "%u" in text or "%U" in text:
        text = _PCT_U.sub(lambda m: chr(int(m.group(1), 16)), text)
    raw = unquote_to_bytes(text)
    if b"\xc0" in raw or b"\xc1" in raw:
        raw = _OVERLONG2.sub(_overlong2, raw)
    if b"\xe0" in raw:
        raw = _OVERLONG3.sub(_overlong3, raw)
    return raw.decode("utf-8", "replace")


def strip_sql_comments(text: str) -> str:
    """Replace ``/* ... */`` comments with a space (an unclosed one runs to the end).

    A loop over ``str.find`` rather than a regex: ``/\\*.*?\\*/`` rescans the tail
    for every unclosed ``/*`` and turns quadratic on ``/*/*/*...``.
    """
    out: list[str] = []
    pos = 0
    while True:
        start = text.find("/*", pos)
        if start < 0:
            out.append(text[pos:])
            break
        out.append(text[pos:start])
        out.append(" ")
        end = text.find("*/", start + 2)
        if end < 0:
            break
        pos = end + 2
    return "".join(out)


def _decode_layers(text: str, *, plus_is_space: bool) -> str:
    for _ in range(MAX_ROUNDS):
        before = text
        if "%" in text:
            text = percent_decode(text)
        if "&" in text:
            text = html.unescape(text)
        if plus_is_space and "+" in text:
            text = text.replace("+", " ")
        if text == before:
            break
    return text


def normalize_text(text: str, *, plus_is_space: bool = False) -> str:
    """Decode, fold and de-obfuscate ``text`` for signature matching.

    Steps: bounded percent/``%u``/overlong/HTML-entity decoding until stable,
    ``+`` to space (query strings), NFKC (full-width and compatibility forms),
    case folding, SQL comments to a space, backslash to slash, whitespace and
    control characters collapsed to one space (line breaks to one newline).
    """
    text = text[:MAX_CHARS]
    if not needs_decoding(text):
        return text.lower()
    text = _decode_layers(text, plus_is_space=plus_is_space)
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    text = text.casefold()
    if "/*" in text:
        text = strip_sql_comments(text)
    if "\\" in text:
        text = text.replace("\\", "/")
    if "\r" in text:
        text = text.replace("\r", "\n")
    text = _SPACES.sub(" ", _CONTROLS.sub(" ", text))
    return _NEWLINES.sub("\n", text) if "\n" in text else text


def _canonical_path(text: str) -> str:
    # Filters that strip "../" once turn "....//" into "../"; IIS/Tomcat treat
    # "..;/" as "../"; both become plain "../" so one pattern catches them.
    if "...." in text:
        text = text.replace("....//", "../").replace("....", "..")
    if ";" in text:
        text = text.replace("..;/", "../").replace(";/", "/")
    if "/./" in text:
        text = text.replace("/./", "/")
    if "//" in text:
        text = _SLASHES.sub("/", text)
    return text


#: Longest field whose normalised form is cached.  Paths and queries repeat
#: (every visitor loads the same pages), so a bounded cache turns their
#: normalisation into a dict look-up; only short ones are cached, which bounds
#: the cache's bytes as well as its entries against unique hostile values.
CACHE_MAX_CHARS = 256


def normalize_path(path: str) -> str:
    """Normalised URL path: :func:`normalize_text` plus path canonicalisation."""
    if len(path) <= CACHE_MAX_CHARS:
        return _normalize_path_cached(path)
    return _normalize_path(path)


def normalize_query(query: str) -> str:
    """Normalised query string (``+`` is a space, path tricks canonicalised)."""
    if len(query) <= CACHE_MAX_CHARS:
        return _normalize_query_cached(query)
    return _normalize_query(query)


def _normalize_path(path: str) -> str:
    text = normalize_text(path)
    if "." in text or "//" in text or ";" in text:
        return _canonical_path(text)
    return text


def _normalize_query(query: str) -> str:
    text = normalize_text(query, plus_is_space=True)
    if "...." in text or "..;" in text:
        return _canonical_path(text)
    return text


_normalize_path_cached = functools.lru_cache(maxsize=32_768)(_normalize_path)
_normalize_query_cached = functools.lru_cache(maxsize=32_768)(_normalize_query)
