"""What leaves the ledger: releases and entries without digests of private data.

The ledger keeps, with each release, digests derived from the data it read: the data fingerprint,
the replay key built on it, and the digest of a training's per-epoch history (measured on the data
without noise). They stay inside, where replays and audits use them. Anything published (exports,
`budget show --json`, privacy-budget.json, model cards, the REST API) drops them unless a user asks
for them (`include_digests=True`, `--include-digests`); even then only keyed digests go out: an
unkeyed one, recorded before digests were keyed, could be inverted by guessing the data, and is
withheld.
"""

from __future__ import annotations

from typing import Any

from jupyter_privacy.core.ledger.secret import is_keyed

#: Keys of a release's details that hold a digest of private data.
DATA_DIGEST_DETAILS = ("data_fingerprint", "history_sha256")
#: Replay-key prefixes the kit derives from keyed data digests (user-given keys have no such prefix).
KEYED_REPLAY_PREFIXES = ("dpq2:", "dpsgd2:", "federated:")
#: Prefixes of kit replay keys derived from unkeyed digests (before keyed digests).
UNKEYED_REPLAY_PREFIXES = ("dpq1:", "dpsgd:")
WITHHELD = "withheld: an unkeyed digest of private data (it could reveal the data)"


def published_details(details: Any, *, include_digests: bool = False) -> Any:
    """`details` without data digests (or, asked for, with only the keyed ones)."""
    if not isinstance(details, dict):
        return details
    out = dict(details)
    for name in DATA_DIGEST_DETAILS:
        if name not in out:
            continue
        if not include_digests:
            del out[name]
        elif not is_keyed(out[name]):
            out[name] = WITHHELD
    return out


def published_replay_key(key: Any, *, include_digests: bool = False) -> Any:
    """A replay key as published: none unless asked; a kit key over unkeyed digests never."""
    if key is None or not include_digests:
        return None
    if isinstance(key, str) and key.startswith(UNKEYED_REPLAY_PREFIXES):
        return WITHHELD
    return key


def published_entry(entry: dict[str, Any], *, include_digests: bool = False) -> dict[str, Any]:
    """A release or entry dict (`Release.to_dict()`, an exported entry) made fit to publish."""
    out = dict(entry)
    if "details" in out:
        out["details"] = published_details(out["details"], include_digests=include_digests)
    if "replay_key" in out:
        out["replay_key"] = published_replay_key(out["replay_key"], include_digests=include_digests)
    return out
