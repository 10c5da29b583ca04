"""Encrypted rows and encrypted scores, and the bytes they travel as.

Two packings. *Column*: rows are cut into chunks of at most N/2 (the slots of one ciphertext) and
each feature of a chunk is one ciphertext, so a linear score is a weighted sum of ciphertexts — no
rotations, no Galois keys, and the cost of a chunk is shared by its rows. *Row*: one ciphertext
per row, scored with a dot product (rotations, hence Galois keys); the cost is paid per row.

On the wire a batch is `JPHE`, a version byte, a length-prefixed JSON header (context id, packing,
counts — never a feature value or name) and the length-prefixed serialized ciphertexts. Parsing is
strict and bounded: any inconsistency is a `MalformedRequestError`, which the service answers with
400.
"""

from __future__ import annotations

import json
import re
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from jupyter_privacy.core.errors import InvalidParameterError

MAGIC = b"JPHE"
VERSION = 1
PACKINGS = ("column", "row")
MAX_HEADER_BYTES = 64 * 1024
MAX_CIPHERTEXTS = 1_000_000
_CONTEXT_ID = re.compile(r"^[0-9a-f]{64}$")
_U32, _U64 = struct.Struct(">I"), struct.Struct(">Q")


class MalformedRequestError(InvalidParameterError):
    """Bytes that are not a well-formed encrypted batch (or a ciphertext that cannot be read)."""

    code = "malformed_he_request"


def check_packing(packing: Any) -> str:
    if packing not in PACKINGS:
        raise InvalidParameterError(f"packing must be 'column' or 'row', got {packing!r}")
    return str(packing)


@dataclass(frozen=True)
class EncryptedBatch:
    """Rows encrypted under the context `context_id` (the SHA-256 of its public serialization)."""

    context_id: str
    packing: str
    rows: int
    features: int
    chunks: tuple[int, ...]  # rows per chunk (column packing); () for row packing
    ciphertexts: tuple[bytes, ...]

    def __post_init__(self) -> None:
        _check_counts(self.packing, self.rows, self.chunks, len(self.ciphertexts), self.features)

    @property
    def nbytes(self) -> int:
        return sum(len(c) for c in self.ciphertexts)

    def groups(self) -> Iterator[tuple[int, tuple[bytes, ...]]]:
        """(rows, ciphertexts) per unit of scoring: a chunk's features, or one row."""
        if self.packing == "row":
            for blob in self.ciphertexts:
                yield 1, (blob,)
            return
        for index, rows in enumerate(self.chunks):
            yield rows, self.ciphertexts[index * self.features : (index + 1) * self.features]

    def header(self) -> dict[str, Any]:
        return {"kind": "batch", "context_id": self.context_id, "packing": self.packing,
                "rows": self.rows, "features": self.features, "chunks": list(self.chunks)}  # fmt: skip

    def to_bytes(self) -> bytes:
        return _frame(self.header(), self.ciphertexts)

    @classmethod
    def from_bytes(cls, data: bytes) -> EncryptedBatch:
        header, blobs = _unframe(data, "batch")
        return cls(header["context_id"], header["packing"], header["rows"],
                   _count(header, "features"), tuple(header["chunks"]), blobs)  # fmt: skip


@dataclass(frozen=True)
class EncryptedScores:
    """One encrypted score per row: a ciphertext per chunk (column) or per row (row packing)."""

    context_id: str
    packing: str
    rows: int
    chunks: tuple[int, ...]
    ciphertexts: tuple[bytes, ...]

    def __post_init__(self) -> None:
        _check_counts(self.packing, self.rows, self.chunks, len(self.ciphertexts), 1)

    @property
    def nbytes(self) -> int:
        return sum(len(c) for c in self.ciphertexts)

    def header(self) -> dict[str, Any]:
        return {"kind": "scores", "context_id": self.context_id, "packing": self.packing,
                "rows": self.rows, "chunks": list(self.chunks)}  # fmt: skip

    def to_bytes(self) -> bytes:
        return _frame(self.header(), self.ciphertexts)

    @classmethod
    def from_bytes(cls, data: bytes) -> EncryptedScores:
        header, blobs = _unframe(data, "scores")
        return cls(header["context_id"], header["packing"], header["rows"],
                   tuple(header["chunks"]), blobs)  # fmt: skip


def _check_counts(packing: str, rows: int, chunks: tuple[int, ...], count: int, per: int) -> None:
    try:
        check_packing(packing)
    except InvalidParameterError as error:
        raise MalformedRequestError(error.message) from None
    if packing == "row":
        if chunks or count != rows:
            raise MalformedRequestError(
                f"row packing: expected one ciphertext per row ({rows}), got {count}"
            )
        return
    if sum(chunks) != rows or any(c < 1 for c in chunks):
        raise MalformedRequestError(
            f"column packing: chunks {list(chunks)[:8]} do not add up to {rows} rows"
        )
    if count != len(chunks) * per:
        raise MalformedRequestError(
            f"column packing: expected {len(chunks) * per} ciphertexts ({len(chunks)} chunk(s) × "
            f"{per}), got {count}"
        )


def _frame(header: dict[str, Any], blobs: tuple[bytes, ...]) -> bytes:
    text = json.dumps(header, separators=(",", ":")).encode()
    parts = [MAGIC, bytes([VERSION]), _U32.pack(len(text)), text, _U32.pack(len(blobs))]
    for blob in blobs:
        parts += [_U64.pack(len(blob)), blob]
    return b"".join(parts)


def _unframe(data: bytes, kind: str) -> tuple[dict[str, Any], tuple[bytes, ...]]:
    view = memoryview(data)
    if bytes(view[:4]) != MAGIC or len(view) < 9:
        raise MalformedRequestError(
            f"not an encrypted {kind}: the body does not start with {MAGIC!r}"
        )
    if view[4] != VERSION:
        raise MalformedRequestError(
            f"unsupported wire version {view[4]} (this side speaks {VERSION})"
        )
    (length,) = _U32.unpack_from(view, 5)
    if length > MAX_HEADER_BYTES or 9 + length + 4 > len(view):
        raise MalformedRequestError("the header length runs past the body")
    try:
        header = json.loads(bytes(view[9 : 9 + length]))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise MalformedRequestError("the header is not JSON") from None
    _check_header(header, kind)
    offset = 9 + length
    (count,) = _U32.unpack_from(view, offset)
    offset += 4
    if count > MAX_CIPHERTEXTS:
        raise MalformedRequestError(
            f"{count} ciphertexts is more than the {MAX_CIPHERTEXTS} allowed"
        )
    blobs = []
    for index in range(count):
        if offset + 8 > len(view):
            raise MalformedRequestError(f"the body ends before ciphertext {index}")
        (size,) = _U64.unpack_from(view, offset)
        offset += 8
        if size == 0 or offset + size > len(view):
            raise MalformedRequestError(f"ciphertext {index} is empty or runs past the body")
        blobs.append(bytes(view[offset : offset + size]))
        offset += size
    if offset != len(view):
        raise MalformedRequestError(
            f"{len(view) - offset} unexpected bytes after the last ciphertext"
        )
    return header, tuple(blobs)


def _check_header(header: Any, kind: str) -> None:
    if not isinstance(header, dict) or header.get("kind") != kind:
        raise MalformedRequestError(f"the header does not describe an encrypted {kind}")
    if not isinstance(header.get("context_id"), str) or not _CONTEXT_ID.match(header["context_id"]):
        raise MalformedRequestError("the header's context_id is not a SHA-256 hex digest")
    _count(header, "rows")
    chunks = header.get("chunks")
    if not isinstance(chunks, list) or not all(_whole(c) for c in chunks):
        raise MalformedRequestError("the header's chunks must be a list of whole numbers")


def _count(header: dict[str, Any], name: str) -> int:
    value: Any = header.get(name)
    if not _whole(value) or value < 1:
        raise MalformedRequestError(f"the header's {name} must be a whole number ≥ 1")
    return int(value)


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
