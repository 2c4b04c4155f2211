"""File identity that survives renames, compression and inode reuse.

A log file is identified by a checksum of its first ``N`` bytes (the
*fingerprint bytes*, 256 by default), so ``access.log`` renamed to
``access.log.1`` and later compressed to ``access.log.1.gz`` is still the
same file.  A file still shorter than ``N`` bytes has no stable content
checksum yet; its key is ``dev:inode`` instead, and it is upgraded to the
checksum key once it has grown past ``N``.

Every identity also carries a *head token*: the length and checksum of the
head bytes actually seen.  The token is stored with each checkpoint (in the
``cursor`` column, which files do not otherwise use) so a resumed reader can
prove that the file under a key is still the file it read: this defeats inode
reuse after delete/re-create, copytruncate while the daemon was down, and
lets a rotated and compressed copy be found again by content.

.. versionadded:: 0.1
"""

from __future__ import annotations

import bz2
import gzip
import hashlib
import io
import lzma
import os
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "COMPRESSED_SUFFIXES",
    "HeadToken",
    "Identity",
    "head_hash",
    "identify",
    "is_compressed",
    "open_compressed",
    "read_head",
]

#: Suffixes of rotated files that are read through a decompressor.
COMPRESSED_SUFFIXES: tuple[str, ...] = (".gz", ".bz2", ".xz")


def head_hash(data: bytes) -> str:
    """Short, stable checksum of ``data`` (BLAKE2b, 64 bits, hex)."""
    return hashlib.blake2b(data, digest_size=8).hexdigest()


@dataclass(frozen=True, slots=True)
class HeadToken:
    """Length and checksum of a file's first bytes, plus a line number.

    ``lineno`` is the number of lines before the checkpointed offset, so a
    resumed reader keeps citing correct line numbers.  Serialised as
    ``"LEN:HASH:LINENO"`` in :attr:`Position.cursor`.
    """

    length: int
    digest: str
    lineno: int = 0

    def dump(self) -> str:
        """The ``cursor`` string form."""
        return f"{self.length}:{self.digest}:{self.lineno}"

    @classmethod
    def load(cls, text: str) -> HeadToken | None:
        """Parse :meth:`dump` output; ``None`` for anything else."""
        parts = text.split(":")
        if len(parts) != 3 or not parts[0].isdigit() or not parts[2].isdigit():
            return None
        return cls(int(parts[0]), parts[1], int(parts[2]))

    def matches(self, head: bytes) -> bool:
        """True when ``head`` starts with the bytes this token describes."""
        return len(head) >= self.length and head_hash(head[: self.length]) == self.digest


@dataclass(frozen=True, slots=True)
class Identity:
    """A file's checkpoint key and the head bytes it was derived from."""

    key: str
    head: bytes

    @property
    def is_checksum(self) -> bool:
        """True once the key is a content checksum (file at least N bytes)."""
        return self.key.startswith("c:")

    def token(self, lineno: int = 0) -> HeadToken:
        """The head token for a checkpoint at a position after ``lineno`` lines."""
        return HeadToken(len(self.head), head_hash(self.head), lineno)


def identify(head: bytes, dev: int, ino: int, nbytes: int) -> Identity:
    """Identity of a file whose first bytes are ``head``.

    Args:
        head: The file's first ``min(nbytes, size)`` bytes.
        dev: ``st_dev`` of the file.
        ino: ``st_ino`` of the file.
        nbytes: The configured fingerprint length.

    Returns:
        A checksum identity when ``head`` is ``nbytes`` long, else ``dev:inode``.
    """
    if len(head) >= nbytes:
        head = head[:nbytes]
        return Identity("c:" + head_hash(head), head)
    return Identity(f"i:{dev}:{ino}", head)


def is_compressed(path: str | os.PathLike[str]) -> bool:
    """True for names ending in a supported compression suffix."""
    return str(path).endswith(COMPRESSED_SUFFIXES)


def open_compressed(path: str | os.PathLike[str]) -> io.BufferedIOBase:
    """Open a ``.gz``/``.bz2``/``.xz`` file for decompressed binary reading."""
    name = str(path)
    if name.endswith(".gz"):
        return gzip.open(name, "rb")
    if name.endswith(".bz2"):
        return bz2.open(name, "rb")
    return lzma.open(name, "rb")


def read_head(path: str | os.PathLike[str], nbytes: int) -> bytes:
    """First ``nbytes`` (decompressed) bytes of ``path``.

    Raises:
        OSError: The file cannot be opened or decompressed (``EOFError`` and
            format errors of a half-written archive are mapped to OSError).
    """
    if not is_compressed(path):
        with Path(path).open("rb") as fh:
            return fh.read(nbytes)
    try:
        with open_compressed(path) as fh:
            return fh.read(nbytes)
    except (EOFError, lzma.LZMAError, ValueError) as exc:
        # A compressor still writing the archive leaves a truncated stream.
        raise OSError(f"cannot decompress {path}: {exc}") from exc
