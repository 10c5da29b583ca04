"""The wire format of encrypted batches and scores: round trips and strict, bounded parsing."""

from __future__ import annotations

import json
import struct

import pytest

from jupyter_privacy.core.encrypted.batch import (
    EncryptedBatch,
    EncryptedScores,
    MalformedRequestError,
)

CONTEXT = "ab" * 32


def _batch() -> EncryptedBatch:
    return EncryptedBatch(CONTEXT, "column", 5, 2, (3, 2), (b"a1", b"b1", b"a2", b"b2"))


def test_round_trip_and_groups() -> None:
    batch = _batch()
    assert EncryptedBatch.from_bytes(batch.to_bytes()) == batch
    assert list(batch.groups()) == [(3, (b"a1", b"b1")), (2, (b"a2", b"b2"))]
    rows = EncryptedBatch(CONTEXT, "row", 2, 7, (), (b"r1", b"r2"))
    assert EncryptedBatch.from_bytes(rows.to_bytes()) == rows
    assert list(rows.groups()) == [(1, (b"r1",)), (1, (b"r2",))]
    scores = EncryptedScores(CONTEXT, "column", 5, (3, 2), (b"s1", b"s2"))
    assert EncryptedScores.from_bytes(scores.to_bytes()) == scores


def test_the_header_carries_counts_only() -> None:
    text = _batch().to_bytes()
    (length,) = struct.unpack_from(">I", text, 5)
    header = json.loads(text[9 : 9 + length])
    assert set(header) == {"kind", "context_id", "packing", "rows", "features", "chunks"}


def _with_header(header: dict, blobs: tuple[bytes, ...] = (b"x",)) -> bytes:
    text = json.dumps(header).encode()
    body = b"JPHE\x01" + struct.pack(">I", len(text)) + text + struct.pack(">I", len(blobs))
    return body + b"".join(struct.pack(">Q", len(b)) + b for b in blobs)


GOOD = {"kind": "batch", "context_id": CONTEXT, "packing": "row", "rows": 1, "features": 1,
        "chunks": []}  # fmt: skip


@pytest.mark.parametrize(
    ("body", "match"),
    [(b"", "does not start with"), (b"GET / HTTP/1.1", "does not start with"),
     (b"JPHE\x02" + b"\x00" * 8, "unsupported wire version"),
     (b"JPHE\x01\xff\xff\xff\xff" + b"\x00" * 8, "header length"),
     (b"JPHE\x01\x00\x00\x00\x02{x\x00\x00\x00\x00", "not JSON"),
     (_with_header({**GOOD, "kind": "scores"}), "does not describe"),
     (_with_header({**GOOD, "context_id": "../../etc"}), "SHA-256"),
     (_with_header({**GOOD, "rows": "1"}), "rows must be"),
     (_with_header({**GOOD, "rows": True}), "rows must be"),
     (_with_header({**GOOD, "features": 0}), "features must be"),
     (_with_header({**GOOD, "chunks": [1.5]}), "chunks must be"),
     (_with_header({**GOOD, "rows": 2}), "one ciphertext per row"),
     (_with_header({**GOOD, "packing": "diagonal"}), "packing must be"),
     (_with_header({**GOOD, "packing": "column", "chunks": [2]}), "do not add up"),
     (_with_header({**GOOD, "packing": "column", "chunks": [1], "features": 2}), "expected 2"),
     (_with_header(GOOD, (b"",)), "empty or runs past"),
     (_with_header(GOOD)[:-1], "empty or runs past"),
     (_with_header(GOOD)[:-9], "ends before ciphertext 0"),
     (_with_header(GOOD) + b"extra", "unexpected bytes"),
     (_with_header(GOOD, ()), "one ciphertext per row")],
)  # fmt: skip
def test_malformed_bodies_are_refused(body: bytes, match: str) -> None:
    with pytest.raises(MalformedRequestError, match=match):
        EncryptedBatch.from_bytes(body)


def test_a_huge_ciphertext_count_is_refused_before_reading() -> None:
    body = _with_header(GOOD)
    count_at = body.index(b"\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x01x")
    forged = body[:count_at] + struct.pack(">I", 2**32 - 1) + body[count_at + 4 :]
    with pytest.raises(MalformedRequestError, match="more than the"):
        EncryptedBatch.from_bytes(forged)
