"""Anchors: the ledger's head (entry count and head hash) written down somewhere else.

The hash chain shows any edit that leaves later entries alone; an attacker with write access can
still rewrite every hash from the first edit on, and the rewritten chain verifies. An anchor kept
outside the ledger (a CI artifact, privacy-budget.json, a signed file in another system) pins the
history: the ledger still *extends* an anchor when its entry number `entries` has exactly the
anchored hash. Signing an anchor (Ed25519, `cryptography`) lets a reader check who took it.
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from jupyter_privacy.core.errors import InvalidParameterError
from jupyter_privacy.core.ledger.models import Problem

ANCHOR_FORMAT = "jupyter-privacy-anchor@1"
_TOKEN = re.compile(r"^(\d{1,18}):([0-9a-f]{64})$")
_HASH = re.compile(r"^[0-9a-f]{64}$")
_USAGE = (
    "give an anchor as COUNT:HASH (as printed by `jupyter privacy ledger anchor`), or a file "
    "holding one: the anchor's JSON, or a privacy-budget.json carrying an anchor"
)


@dataclass(frozen=True)
class Anchor:
    """The ledger's head at one moment: `entries` entries, the last with hash `head_hash`."""

    entries: int
    head_hash: str
    created_at: str = ""
    ledger: str = ""
    signature: str | None = None  # base64 Ed25519 signature of `payload()`
    public_key: str | None = None  # base64 raw key of the signer (check with a key you trust)

    @property
    def token(self) -> str:
        """`COUNT:HASH`, short enough for a command line."""
        return f"{self.entries}:{self.head_hash}"

    def payload(self) -> bytes:
        """The bytes a signature covers: everything the anchor states."""
        lines = (ANCHOR_FORMAT, str(self.entries), self.head_hash, self.created_at, self.ledger)
        return "\n".join(lines).encode("utf-8")

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "format": ANCHOR_FORMAT, "entries": self.entries, "head_hash": self.head_hash,
            "token": self.token, "created_at": self.created_at, "ledger": self.ledger,
        }  # fmt: skip
        if self.signature is not None:
            data.update(signature=self.signature, public_key=self.public_key)
        return data

    def signed(self, private_key_pem: Path) -> Anchor:
        """This anchor signed with an Ed25519 private key (PEM, PKCS#8, unencrypted)."""
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        key = _load_key(private_key_pem, serialization.load_pem_private_key, password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise InvalidParameterError(f"{private_key_pem} is not an Ed25519 private key")
        raw = key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        return replace(
            self,
            signature=base64.b64encode(key.sign(self.payload())).decode("ascii"),
            public_key=base64.b64encode(raw).decode("ascii"),
        )

    def signature_problem(self, public_key_pem: Path) -> Problem | None:
        """None when the anchor carries a valid signature by the key in `public_key_pem`."""
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

        key = _load_key(public_key_pem, serialization.load_pem_public_key)
        if not isinstance(key, Ed25519PublicKey):
            raise InvalidParameterError(f"{public_key_pem} is not an Ed25519 public key")
        if not self.signature:
            return Problem(None, "anchor_unsigned", "the anchor is not signed, but a signed "
                           "anchor was required (--public-key)")  # fmt: skip
        try:
            key.verify(base64.b64decode(self.signature, validate=True), self.payload())
        except (InvalidSignature, ValueError):
            return Problem(None, "anchor_signature", "the anchor's signature does not match "
                           f"the key in {public_key_pem.name}: the anchor was altered or signed "
                           "by another key")  # fmt: skip
        return None


def _load_key(path: Path, loader: Any, **kwargs: Any) -> Any:
    try:
        return loader(Path(path).read_bytes(), **kwargs)
    except OSError as error:
        raise InvalidParameterError(
            f"cannot read the key {path} ({error.strerror or error}); give a PEM key file"
        ) from None
    except (ValueError, TypeError) as error:
        raise InvalidParameterError(f"{path} is not a PEM Ed25519 key ({error})") from None


def parse_anchor(given: str) -> Anchor:
    """An anchor from `COUNT:HASH`, or from a file holding that, an anchor's JSON, or any JSON
    document with an `anchor` object (privacy-budget.json)."""
    text = str(given).strip()
    match = _TOKEN.match(text)
    if match:
        return Anchor(entries=int(match.group(1)), head_hash=match.group(2))
    path = Path(text)
    try:
        content = path.read_text(encoding="utf-8").strip() if path.is_file() else None
    except (OSError, UnicodeDecodeError, ValueError):
        content = None
    if content is None:
        raise InvalidParameterError(f"anchor {text[:80]!r} is neither COUNT:HASH nor a readable "
                                    f"file; {_USAGE}")  # fmt: skip
    if _TOKEN.match(content):
        return parse_anchor(content)
    try:
        data = json.loads(content)
    except ValueError:
        raise InvalidParameterError(
            f"anchor file {path} holds neither COUNT:HASH nor JSON; {_USAGE}"
        ) from None
    if isinstance(data, dict) and isinstance(data.get("anchor"), dict):
        data = data["anchor"]
    return anchor_from_dict(data, source=str(path))


def anchor_from_dict(data: Any, *, source: str = "the anchor") -> Anchor:
    if not isinstance(data, dict):
        raise InvalidParameterError(f"{source} is not an anchor; {_USAGE}")
    entries, head_hash = data.get("entries"), data.get("head_hash")
    if isinstance(entries, bool) or not isinstance(entries, int) or entries < 0:
        raise InvalidParameterError(f"anchor in {source} needs a whole entry count ≥ 0; {_USAGE}")
    if not isinstance(head_hash, str) or not _HASH.match(head_hash):
        raise InvalidParameterError(f"anchor in {source} needs a 64-hex head_hash; {_USAGE}")
    texts = {k: data.get(k) for k in ("created_at", "ledger", "signature", "public_key")}
    if any(v is not None and not isinstance(v, str) for v in texts.values()):
        raise InvalidParameterError(f"anchor in {source} has a field that is not text; {_USAGE}")
    return Anchor(
        entries=entries, head_hash=head_hash, created_at=texts["created_at"] or "",
        ledger=texts["ledger"] or "", signature=texts["signature"],
        public_key=texts["public_key"],
    )  # fmt: skip


def anchor_problems(anchor: Anchor, anchored_hash: Any, last_id: int) -> list[Problem]:
    """Does a ledger whose entry `anchor.entries` has `anchored_hash`, and `last_id` entries in
    all, still extend the anchor?"""
    taken = f" (taken {anchor.created_at})" if anchor.created_at else ""
    if anchor.entries == 0:
        return []  # the empty ledger: every ledger extends it
    if anchored_hash is None:
        return [Problem(None, "anchor_missing", f"the anchor{taken} pins {anchor.entries} "
                        f"entries but the ledger holds {last_id}: entries were removed or the "
                        "history was rewritten since")]  # fmt: skip
    if anchored_hash != anchor.head_hash:
        return [Problem(anchor.entries, "anchor_mismatch", f"entry {anchor.entries} has hash "
                        f"{str(anchored_hash)[:12]}…, the anchor{taken} pins "
                        f"{anchor.head_hash[:12]}…: history up to entry {anchor.entries} was "
                        "rewritten since the anchor was taken")]  # fmt: skip
    return []
