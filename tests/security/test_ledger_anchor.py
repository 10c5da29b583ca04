"""Whole-chain rewrites: invisible to the hash chain alone, caught against an anchor kept elsewhere."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa

from jupyter_privacy import open_ledger
from jupyter_privacy.cli import main


@pytest.fixture
def seeded_url(backend_url: str) -> str:
    with open_ledger(backend_url) as ledger:
        ledger.create_budget("census", 3.0)
        for i in range(4):
            ledger.spend("census", 0.5, value=i, description=f"release {i}")
    return backend_url


def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def _anchor(capsys, url: str) -> dict:
    code, out, _ = _cli(capsys, "ledger", "anchor", "--json", "--ledger", url)
    assert code == 0
    return json.loads(out)


def _rewrite_whole_chain(rehash_chain, url: str, *, epsilon: float = 0.001) -> None:
    """What an attacker with write access does: lower every release's ε, then recompute every
    running total, every hash and the head, so the chain is consistent again."""
    state = {"spent": Decimal(0), "count": 0}

    def lower(row: dict, totals: dict) -> None:
        if row["kind"] == "release":
            row["epsilon"] = epsilon
            state["spent"] += Decimal(repr(epsilon))
            state["count"] += 1
        totals.update(epsilon_spent=str(state["spent"]), release_count=state["count"])

    rehash_chain(url, lower)
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(
            sa.text("update jp_budgets set epsilon_spent = :s, release_count = :c"),
            {"s": str(state["spent"]), "c": state["count"]},
        )
    engine.dispose()


def _truncate(url: str, keep: int) -> None:
    """Drop the newest entries and point the head and the budget row at what is left."""
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("delete from jp_entries where id > :k"), {"k": keep})
        last = conn.execute(
            sa.text("select hash, totals_json from jp_entries where id = :k"), {"k": keep}
        ).one()
        totals = json.loads(last.totals_json)
        conn.execute(sa.text("update jp_chain_head set head_id = :i, head_hash = :h"),
                     {"i": keep, "h": last.hash})  # fmt: skip
        conn.execute(
            sa.text("update jp_budgets set epsilon_spent = :s, release_count = :c"),
            {"s": totals["epsilon_spent"], "c": totals["release_count"]},
        )
    engine.dispose()


def test_anchor_prints_count_hash_and_time(seeded_url: str, capsys) -> None:
    code, out, _ = _cli(capsys, "ledger", "anchor", "--ledger", seeded_url)
    assert code == 0
    token = out.splitlines()[0].split()[-1]
    count, head = token.split(":")
    assert count == "5" and len(head) == 64
    data = _anchor(capsys, seeded_url)
    assert data["entries"] == 5 and data["head_hash"] == head
    assert data["created_at"].endswith("+00:00") and data["format"].startswith("jupyter-privacy")


def test_a_whole_chain_rewrite_fails_against_the_anchor(
    seeded_url: str, capsys, tmp_path, rehash_chain
) -> None:
    anchor = _anchor(capsys, seeded_url)
    (tmp_path / "anchor.json").write_text(json.dumps(anchor))
    _rewrite_whole_chain(rehash_chain, seeded_url)
    code, out, _ = _cli(capsys, "ledger", "verify", "--ledger", seeded_url)
    assert code == 0, out  # the rewrite is self-consistent: the chain alone cannot tell
    for given in (f"{anchor['entries']}:{anchor['head_hash']}", str(tmp_path / "anchor.json")):
        code, out, err = _cli(capsys, "ledger", "verify", "--anchor", given, "--ledger", seeded_url)
        assert code == 1, (out, err)
        assert "anchor" in out and "rewritten" in out


def test_truncation_fails_against_the_anchor(seeded_url: str, capsys) -> None:
    anchor = _anchor(capsys, seeded_url)
    _truncate(seeded_url, keep=3)
    code, out, _ = _cli(capsys, "ledger", "verify", "--ledger", seeded_url)
    assert code == 0, out  # consistent on its own
    given = f"{anchor['entries']}:{anchor['head_hash']}"
    code, out, _ = _cli(capsys, "ledger", "verify", "--anchor", given, "--ledger", seeded_url)
    assert code == 1 and "5" in out and "3" in out


def test_a_ledger_that_grew_still_extends_its_anchor(seeded_url: str, capsys) -> None:
    anchor = _anchor(capsys, seeded_url)
    with open_ledger(seeded_url) as ledger:
        ledger.spend("census", 0.1, value=9)
    given = f"{anchor['entries']}:{anchor['head_hash']}"
    code, out, _ = _cli(capsys, "ledger", "verify", "--anchor", given, "--ledger", seeded_url)
    assert code == 0 and "extends the anchor" in out
    code, out, _ = _cli(
        capsys, "ledger", "verify", "--json", "--anchor", given, "--ledger", seeded_url
    )
    assert code == 0 and json.loads(out)["anchor"]["entries"] == 5


@pytest.mark.parametrize(
    "given", ["nonsense", "5:xyz", "-1:" + "0" * 64, "{not json", "missing-file.json"]
)
def test_a_malformed_anchor_is_one_clear_line(seeded_url: str, capsys, given: str) -> None:
    code, _, err = _cli(capsys, "ledger", "verify", f"--anchor={given}", "--ledger", seeded_url)
    assert code == 2 and err.count("\n") == 1 and "anchor" in err


def test_privacy_budget_json_carries_the_anchor(
    seeded_url: str, capsys, tmp_path, rehash_chain
) -> None:
    from jupyter_privacy.core.reports.privacy_budget import budget_document

    with open_ledger(seeded_url) as ledger:
        document = budget_document(ledger, "census")
    assert document["anchor"]["entries"] == 5
    path = tmp_path / "privacy-budget.json"
    path.write_text(json.dumps(document))
    code, _, _ = _cli(capsys, "ledger", "verify", "--anchor", str(path), "--ledger", seeded_url)
    assert code == 0
    _rewrite_whole_chain(rehash_chain, seeded_url)
    code, _, _ = _cli(capsys, "ledger", "verify", "--anchor", str(path), "--ledger", seeded_url)
    assert code == 1


def test_the_pilot_report_shows_the_anchor(seeded_url: str, tmp_path: Path) -> None:
    from jupyter_privacy.pilot.report import write_index
    from jupyter_privacy.pilot.runner import PilotResult

    with open_ledger(seeded_url) as ledger:
        head = ledger.anchor()
    index = write_index(PilotResult(out_dir=tmp_path), seeded_url).read_text()
    assert "Ledger anchor" in index and head.token in index


def _keys(tmp_path: Path) -> tuple[Path, Path, Path]:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    paths = []
    for name in ("signer", "other"):
        key = Ed25519PrivateKey.generate()
        private = tmp_path / f"{name}.pem"
        private.write_bytes(key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ))  # fmt: skip
        public = tmp_path / f"{name}.pub.pem"
        public.write_bytes(key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo,
        ))  # fmt: skip
        paths.append((private, public))
    return paths[0][0], paths[0][1], paths[1][1]


def test_signed_anchors(seeded_url: str, capsys, tmp_path: Path) -> None:
    private, public, other_public = _keys(tmp_path)
    code, out, err = _cli(capsys, "ledger", "anchor", "--json", "--key", str(private),
                          "--ledger", seeded_url)  # fmt: skip
    assert code == 0, err
    signed = json.loads(out)
    assert signed["signature"] and signed["public_key"]
    path = tmp_path / "signed.json"
    path.write_text(json.dumps(signed))
    args = ["ledger", "verify", "--anchor", str(path), "--ledger", seeded_url]
    code, out, _ = _cli(capsys, *args, "--public-key", str(public))
    assert code == 0 and "signed" in out
    code, out, _ = _cli(capsys, *args, "--public-key", str(other_public))
    assert code == 1 and "signature" in out
    path.write_text(json.dumps({**signed, "created_at": "2020-01-01T00:00:00+00:00"}))
    code, out, _ = _cli(capsys, *args, "--public-key", str(public))
    assert code == 1 and "signature" in out
    unsigned = _anchor(capsys, seeded_url)
    path.write_text(json.dumps(unsigned))
    code, out, _ = _cli(capsys, *args, "--public-key", str(public))
    assert code == 1 and "not signed" in out
    code, _, err = _cli(capsys, "ledger", "anchor", "--key", str(tmp_path / "nokey.pem"),
                        "--ledger", seeded_url)  # fmt: skip
    assert code == 2 and err.count("\n") == 1
