"""Item 1 of #13: a data fingerprint must not let anyone recover a private value.

The attack: with 199 of 200 rows known, hash every candidate for the last person's wage the way the
kit fingerprints data, and look for the result in what the kit publishes. It worked against 0.1,
whose `details.data_fingerprint` (an unkeyed sha256 over xxh3 column hashes) went out in
`ledger export`, `budget show --json`, model cards and privacy-budget.json. Now digests are keyed
with a secret beside the ledger, and nothing published carries one unless asked.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import re
import stat
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from jupyter_privacy.cli import main
from jupyter_privacy.core.ledger import Ledger, open_ledger
from jupyter_privacy.core.ledger.secret import (
    SECRET_ENV,
    SECRET_FILE_ENV,
    DataKey,
    LedgerSecretError,
    data_key,
    read_or_create_secret,
)
from jupyter_privacy.core.queries import PrivateTable
from jupyter_privacy.core.queries.replay import column_hash
from jupyter_privacy.core.reports.model_card import example_path
from jupyter_privacy.core.reports.privacy_budget import (
    budget_document,
    privacy_changelog,
    with_data_digests,
)

TRUE_WAGE = 4242.42
CANDIDATES = np.round(np.arange(4000.00, 4500.00, 0.01), 2)  # 50,000 guesses at cent resolution
#: Anything shaped like a digest of data: sha256:…, hmac-sha256:…, xxh3:…, replay keys dpq/dpsgd.
DIGEST_LIKE = re.compile(
    r"(?:hmac-)?sha256:[0-9a-f]{16,}|xxh3:[0-9a-f]{16,}|dp(?:q|sgd)\d?:[0-9a-f]{16,}"
)


def wages(last: float) -> pl.DataFrame:
    known = np.round(np.random.default_rng(3).uniform(1000, 9000, 199), 2)
    return pl.DataFrame({"wage": np.append(known, last)})


def unkeyed_fingerprint(frame: pl.DataFrame) -> str:
    """0.1's published algorithm: sha256 over the row count and each read column's xxh3 hash."""
    digest = hashlib.sha256(f"frame|{frame.height}".encode())
    for column in frame.columns:
        digest.update(f"|{column}:{frame.schema[column]}:{column_hash(frame[column])}".encode())
    return "sha256:" + digest.hexdigest()


def brute_force(target_digests: set[str], fingerprint) -> float | None:
    """The attacker: every candidate for the 200th wage, hashed and looked up."""
    if not target_digests:
        return None
    known = wages(0.0)["wage"].to_numpy()[:-1]
    for candidate in CANDIDATES:
        frame = pl.DataFrame({"wage": np.append(known, candidate)})
        if fingerprint(frame) in target_digests:
            return float(candidate)
    return None


@pytest.fixture
def released(ledger: Ledger) -> Ledger:
    ledger.create_budget("payroll", 5.0, privacy_unit="one employee")
    table = PrivateTable(wages(TRUE_WAGE), budget="payroll", ledger=ledger,
                         bounds={"wage": (0, 10_000)}, max_rows=1000)  # fmt: skip
    table.query("SELECT SUM(wage) FROM t", 1.0)
    table.close()
    return ledger


def published(ledger: Ledger, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    """Everything the kit publishes about the budget, as one text."""
    url = ledger.url
    texts = []
    for argv in (["ledger", "export", "--ledger", url],
                 ["budget", "show", "payroll", "--json", "--ledger", url],
                 ["budget", "show", "payroll", "--ledger", url],
                 ["card", "build", "--meta", str(example_path("card.yaml")), "--budget", "payroll",
                  "--out", str(tmp_path / "card"), "--ledger", url]):  # fmt: skip
        assert main(argv) == 0
        texts.append(capsys.readouterr().out)
    assert main(["ledger", "export", "--out", str(tmp_path / "export.json"), "--ledger", url]) == 0
    texts += [p.read_text() for p in [tmp_path / "export.json", *(tmp_path / "card").iterdir()]]
    texts.append(json.dumps(budget_document(ledger, "payroll")))
    texts.append(json.dumps(privacy_changelog(ledger, "payroll")))
    return "\n".join(texts)


def test_the_attack_works_against_an_unkeyed_fingerprint() -> None:
    """The attack itself (so the next tests mean something): an unkeyed digest gives the wage."""
    leaked = {unkeyed_fingerprint(wages(TRUE_WAGE))}
    assert brute_force(leaked, unkeyed_fingerprint) == TRUE_WAGE


def test_no_published_artifact_carries_a_data_digest(released, tmp_path, capsys) -> None:
    text = published(released, tmp_path, capsys)
    assert DIGEST_LIKE.findall(text) == []
    assert "data_fingerprint" not in text and 'replay_key": "dp' not in text
    stored = released.history("payroll")[0]
    assert stored.details["data_fingerprint"] not in text  # kept inside the ledger only
    assert stored.replay_key not in text
    assert brute_force(set(DIGEST_LIKE.findall(text)), unkeyed_fingerprint) is None
    assert "dataset first seen" in text  # the changelog still notices data, without digests


def test_a_stored_digest_cannot_be_reproduced_without_the_secret(released) -> None:
    stored = released.history("payroll")[0].details["data_fingerprint"]
    assert stored.startswith("hmac-sha256:")
    assert stored != unkeyed_fingerprint(wages(TRUE_WAGE))

    def keyed(key: DataKey):
        return lambda frame: PrivateTable(
            frame, budget="payroll", ledger=released, bounds={"wage": (0, 10_000)}
        )._source.fingerprint(["wage"], key)

    guessed = DataKey(b"an attacker's guess at the secret" * 2, "guess")
    assert keyed(guessed)(wages(TRUE_WAGE)) != stored
    assert keyed(released.data_key())(wages(TRUE_WAGE)) == stored  # same data, same ledger: same


def test_include_digests_gives_keyed_digests_only(released, capsys) -> None:
    assert main(["ledger", "export", "--include-digests", "--ledger", released.url]) == 0
    exported = json.loads(capsys.readouterr().out)
    details = [e["details"] for e in exported["entries"] if e["kind"] == "release"]
    assert details[0]["data_fingerprint"].startswith("hmac-sha256:")
    assert exported["data_digests"] == "keyed digests only"


def test_privacy_budget_json_gets_keyed_digests_only_when_asked(released) -> None:
    plain = budget_document(released, "payroll")
    assert "data_fingerprint" not in plain["releases"][0]
    assert plain["releases"][0]["data"] == {"declared_bounds": {"wage": [0.0, 10000.0]}}
    asked = with_data_digests(budget_document(released, "payroll"), released)
    assert asked["releases"][0]["data_fingerprint"].startswith("hmac-sha256:")


def test_old_unkeyed_digests_are_withheld_even_when_asked(ledger, capsys) -> None:
    ledger.create_budget("old", 1.0)
    old = unkeyed_fingerprint(wages(TRUE_WAGE))
    ledger.spend("old", 0.1, value=1, details={"data_fingerprint": old},
                 replay_key="dpq1:" + "ab" * 32)  # fmt: skip
    for extra in ([], ["--include-digests"]):
        assert main(["ledger", "export", *extra, "--ledger", ledger.url]) == 0
        assert main(["budget", "show", "old", "--json", *extra, "--ledger", ledger.url]) == 0
        out = capsys.readouterr().out
        assert old not in out and "dpq1:" not in out


def test_secret_is_private_beside_the_ledger_and_in_no_export(released, tmp_path, capsys) -> None:
    path = Path(released.url.removeprefix("sqlite:///")).parent / "secret"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    secret = path.read_text().strip()
    assert len(secret) == 64
    text = published(released, tmp_path, capsys)
    with open_ledger(released.url) as again:  # the ledger file itself does not hold it either
        assert again.data_key()._key == released.data_key()._key
    database = Path(released.url.removeprefix("sqlite:///")).read_bytes()
    assert secret not in text and secret.encode() not in database


def test_the_project_secret_is_kept_out_of_git(tmp_path) -> None:
    read_or_create_secret(tmp_path / ".privacy" / "secret")
    assert (tmp_path / ".privacy" / ".gitignore").read_text().splitlines()[-1] == "secret"


def test_a_group_readable_secret_is_refused(tmp_path) -> None:
    path = tmp_path / "secret"
    read_or_create_secret(path)
    path.chmod(0o644)
    with pytest.raises(LedgerSecretError, match="chmod 600"):
        read_or_create_secret(path)


def _create(path: str, barrier, results) -> None:
    barrier.wait()
    results.put(read_or_create_secret(Path(path)))


def test_concurrent_first_uses_agree_on_one_secret(tmp_path) -> None:
    context = multiprocessing.get_context("fork")
    barrier, results = context.Barrier(6), context.Queue()
    workers = [context.Process(target=_create, args=(str(tmp_path / "s" / "secret"), barrier,
                                                     results)) for _ in range(6)]  # fmt: skip
    for worker in workers:
        worker.start()
    secrets = {results.get(timeout=30) for _ in workers}
    for worker in workers:
        worker.join(timeout=30)
    assert len(secrets) == 1
    assert sorted(p.name for p in (tmp_path / "s").iterdir()) == ["secret"]  # no staging left


def test_server_ledgers_need_a_team_secret(tmp_path, monkeypatch) -> None:
    url = "postgresql+psycopg://analyst:pw@db.internal/privacy"
    monkeypatch.delenv(SECRET_ENV, raising=False)
    monkeypatch.delenv(SECRET_FILE_ENV, raising=False)
    with pytest.raises(LedgerSecretError, match=SECRET_FILE_ENV) as caught:
        data_key(url)
    assert "pw" not in caught.value.message
    monkeypatch.setenv(SECRET_ENV, "too short")
    with pytest.raises(LedgerSecretError, match="at least 32"):
        data_key(url)
    team = tmp_path / "team-secret"
    team.write_text("x" * 40 + "\n")
    monkeypatch.setenv(SECRET_FILE_ENV, str(team))
    assert data_key(url).digest("a") == DataKey(b"x" * 40, "").digest("a")
    monkeypatch.setenv(SECRET_FILE_ENV, str(tmp_path / "missing"))
    with pytest.raises(LedgerSecretError, match="cannot read the secret file"):
        data_key(url)


def test_replay_is_stable_per_ledger_and_changes_with_the_secret(tmp_path) -> None:
    def release(folder: Path) -> tuple[bool, bool]:
        with open_ledger(f"sqlite:///{folder / 'ledger.db'}") as ledger:
            if not ledger.budgets():
                ledger.create_budget("payroll", 5.0)
            table = PrivateTable(wages(TRUE_WAGE), budget="payroll", ledger=ledger,
                                 bounds={"wage": (0, 10_000)}, max_rows=1000)  # fmt: skip
            first = table.query("SELECT SUM(wage) FROM t", 0.5).replayed
            again = table.query("SELECT SUM(wage) FROM t", 0.5).replayed
            table.close()
            return first, again

    folder = tmp_path / "a"
    assert release(folder) == (False, True)
    assert release(folder) == (True, True)  # a new process, same ledger and secret: replays
    (folder / "secret").unlink()  # a new secret: fingerprints change, the query spends once more
    assert release(folder) == (False, True)


@pytest.mark.postgres
def test_a_team_ledger_spends_only_with_its_secret(postgres_url, tmp_path, monkeypatch) -> None:
    monkeypatch.delenv(SECRET_ENV, raising=False)
    monkeypatch.delenv(SECRET_FILE_ENV, raising=False)
    with open_ledger(postgres_url) as ledger:
        ledger.create_budget("payroll", 5.0)
        table = PrivateTable(wages(TRUE_WAGE), budget="payroll", ledger=ledger,
                             bounds={"wage": (0, 10_000)}, max_rows=1000)  # fmt: skip
        with pytest.raises(LedgerSecretError, match=SECRET_FILE_ENV):
            table.query("SELECT SUM(wage) FROM t", 1.0)
        assert ledger.budget("payroll").epsilon_spent == 0  # refused before anything was spent
    team = tmp_path / "team-secret"
    team.write_text("a shared team secret of at least 32 characters\n")
    monkeypatch.setenv(SECRET_FILE_ENV, str(team))
    for expected in (False, True):  # a second process of the team replays
        with open_ledger(postgres_url) as ledger:
            table = PrivateTable(wages(TRUE_WAGE), budget="payroll", ledger=ledger,
                                 bounds={"wage": (0, 10_000)}, max_rows=1000)  # fmt: skip
            assert table.query("SELECT SUM(wage) FROM t", 1.0).replayed is expected
            table.close()
