"""Every route through a real Jupyter server (pytest-jupyter), success and error cases."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from tornado.httpclient import HTTPClientError

from jupyter_privacy.core.config import LEDGER_ENV
from jupyter_privacy.core.ledger import Ledger, open_ledger

API = "jupyter-privacy/api"


async def get_json(jp_fetch, *parts: str, **params: str) -> dict:
    response = await jp_fetch(API, *parts, params=params or None)
    assert response.headers["Content-Type"].startswith("application/json")
    return json.loads(response.body)


async def error_of(jp_fetch, *parts: str, **kwargs) -> tuple[int, dict]:
    with pytest.raises(HTTPClientError) as caught:
        await jp_fetch(API, *parts, **kwargs)
    return caught.value.code, json.loads(caught.value.response.body)


async def test_budgets_list_spent_and_remaining(jp_fetch, seeded: Ledger) -> None:
    data = await get_json(jp_fetch, "budgets")
    assert data["ledger"]["exists"] is True
    assert data["hint"] is None
    (pilot,) = data["budgets"]
    assert pilot["name"] == "pilot"
    assert pilot["epsilon_spent"] == pytest.approx(0.35)
    assert pilot["epsilon_remaining"] == pytest.approx(0.65)
    assert pilot["delta_total"] == pytest.approx(1e-5)
    assert pilot["privacy_unit"] == "one person"
    assert pilot["release_count"] == 3


async def test_no_ledger_yet_gives_a_hint_and_creates_nothing(jp_fetch, ledger_url: str) -> None:
    path = Path(ledger_url.removeprefix("sqlite:///"))
    data = await get_json(jp_fetch, "budgets")
    assert data == {
        "ledger": {"url": ledger_url, "exists": False},
        "budgets": [],
        "hint": data["hint"],
        "permissions": {"create_budget": True, "raise_budget": True},
    }
    assert "budget create" in data["hint"]
    status = await get_json(jp_fetch, "status")
    assert status["budget"] is None and "budget create" in status["hint"]
    verify = await get_json(jp_fetch, "verify")
    assert verify["ok"] is True and verify["ledger_exists"] is False
    assert not path.exists()


async def test_empty_ledger_gives_a_hint(jp_fetch, ledger: Ledger) -> None:
    data = await get_json(jp_fetch, "budgets")
    assert data["budgets"] == [] and "budget create" in data["hint"]


async def test_one_budget_pages_releases_newest_first(jp_fetch, seeded: Ledger) -> None:
    first = await get_json(jp_fetch, "budgets", "pilot", limit="2")
    assert [r["description"] for r in first["releases"]] == ["sum", "mean"]
    assert first["paging"] == {"offset": 0, "limit": 2, "total": 3}
    assert first["budget"]["epsilon_spent"] == pytest.approx(0.35)
    second = await get_json(jp_fetch, "budgets", "pilot", limit="2", offset="2")
    (oldest,) = second["releases"]
    assert oldest["description"] == "count"
    assert oldest["epsilon"] == pytest.approx(0.1)
    assert oldest["notebook"] == "a.ipynb"
    assert "value" not in oldest


async def test_unknown_budget_is_404_json(jp_fetch, seeded: Ledger) -> None:
    code, body = await error_of(jp_fetch, "budgets", "nope")
    assert code == 404
    assert body["error"] == "unknown_budget" and "nope" in body["message"]


@pytest.mark.parametrize(
    ("params", "parameter"),
    [({"limit": "0"}, "limit"), ({"limit": "x"}, "limit"), ({"limit": "5000"}, "limit"),
     ({"offset": "-1"}, "offset"), ({"offset": "abc"}, "offset")],
)  # fmt: skip
async def test_bad_paging_is_400(jp_fetch, seeded: Ledger, params: dict, parameter: str) -> None:
    code, body = await error_of(jp_fetch, "budgets", "pilot", params=params)
    assert code == 400
    assert body["error"] == "invalid_parameter" and parameter in body["message"]


async def test_verify_reports_ok_then_tampering(jp_fetch, seeded: Ledger, ledger_url: str) -> None:
    first = await get_json(jp_fetch, "verify")
    assert first["ok"] is True and first["checked_at"]
    engine = sa.create_engine(ledger_url)
    with engine.begin() as conn:  # an edit behind the ledger's back: lower a release's ε
        conn.exec_driver_sql("UPDATE jp_entries SET epsilon = 0.01 WHERE description = 'mean'")
    engine.dispose()
    recent = await get_json(jp_fetch, "verify")  # a poll gets the check of a moment ago …
    assert recent["ok"] is True and recent["checked_at"] == first["checked_at"]
    report = await get_json(jp_fetch, "verify", force="1")  # … Refresh checks now
    assert report["ok"] is False
    assert report["tampered_entry_ids"] and report["problems"]


async def test_corrupt_ledger_is_a_json_error(jp_fetch, ledger_url: str) -> None:
    Path(ledger_url.removeprefix("sqlite:///")).write_bytes(b"this is not a database" * 100)
    code, body = await error_of(jp_fetch, "budgets")
    assert code == 500
    assert body["error"].startswith("ledger_") and body["message"]


async def test_status_follows_the_active_notebook(jp_fetch, seeded: Ledger) -> None:
    seeded.create_budget("other", 2.0)
    seeded.spend("other", 0.5, value=0, origin="notebook:b.ipynb")
    own = await get_json(jp_fetch, "status", notebook="a.ipynb")
    assert own["source"] == "notebook" and own["budget"]["name"] == "pilot"
    assert own["budget"]["epsilon_spent"] == pytest.approx(0.35)
    unknown = await get_json(jp_fetch, "status", notebook="never-spent.ipynb")
    assert unknown["source"] is None and unknown["budget"] is None  # never another's budget
    assert "not spent" in unknown["hint"]


async def test_status_matches_absolute_kernel_paths(jp_fetch, ledger: Ledger, jp_root_dir) -> None:
    """Kernels report `notebook:<absolute path>`; the frontend asks with the path from the root."""
    ledger.create_budget("first", 1.0)
    ledger.create_budget("second", 1.0)
    ledger.spend("first", 0.3, value=0, origin=f"notebook:{jp_root_dir / 'sub' / 'n.ipynb'}")
    ledger.spend("second", 0.1, value=0, origin="script:x")
    data = await get_json(jp_fetch, "status", notebook="sub/n.ipynb")
    assert data["source"] == "notebook" and data["budget"]["name"] == "first"


async def test_status_finds_a_spend_behind_250_later_releases(
    jp_fetch, ledger: Ledger, jp_root_dir
) -> None:
    ledger.create_budget("busy", 100.0)
    ledger.create_budget("later", 1.0)
    ledger.spend("busy", 0.01, value=0, origin=f"notebook:{jp_root_dir / 'old.ipynb'}#cell=1")
    for i in range(250):
        ledger.spend("busy", 0.01, value=i, origin=f"notebook:{jp_root_dir / 'hot.ipynb'}#cell={i}")
    ledger.spend("later", 0.1, value=0, origin="notebook:xay.ipynb")
    data = await get_json(jp_fetch, "status", notebook="old.ipynb")
    assert data["source"] == "notebook" and data["budget"]["name"] == "busy"
    assert data["budget"]["release_count"] == 251
    other = await get_json(jp_fetch, "status", notebook="x_y%.ipynb")  # no wildcards in paths
    assert other["budget"] is None


async def test_status_never_falls_back_to_another_budget(jp_fetch, ledger: Ledger) -> None:
    """A new notebook used to show the most recently used (fully spent) budget of someone else."""
    ledger.create_budget("a", 1.0)
    ledger.create_budget("b", 3.0)
    ledger.spend("b", 3.0, value=0, origin="notebook:other.ipynb")
    fresh = await get_json(jp_fetch, "status", notebook="new.ipynb")
    assert fresh == {"budget": None, "source": None, "hint": fresh["hint"]}
    assert "not spent" in fresh["hint"]
    nothing_open = await get_json(jp_fetch, "status")
    assert nothing_open["budget"] is None and nothing_open["hint"] is None


class TestLedgerFromRootDir:
    """Without an explicit URL the server resolves the ledger like a kernel in its root folder."""

    @pytest.fixture
    def jp_server_config(self, templates_folder: Path) -> dict:
        return {
            "ServerApp": {"jpserver_extensions": {"jupyter_privacy.server": True}},
            "PrivacyServer": {"templates_dir": str(templates_folder)},
        }

    async def test_reads_the_project_ledger(self, jp_fetch, jp_root_dir, monkeypatch) -> None:
        monkeypatch.delenv(LEDGER_ENV, raising=False)
        (jp_root_dir / "pyproject.toml").write_text(
            '[tool.jupyter_privacy]\nledger = "sqlite:///.privacy/team.db"\n', encoding="utf-8"
        )
        with open_ledger(f"sqlite:///{jp_root_dir / '.privacy' / 'team.db'}") as team:
            team.create_budget("team", 3.0)
        data = await get_json(jp_fetch, "budgets")
        assert [b["name"] for b in data["budgets"]] == ["team"]
        assert data["ledger"]["url"].endswith("team.db")


async def test_a_replaced_ledger_file_is_reopened(
    jp_fetch, seeded: Ledger, ledger_url: str
) -> None:
    """Moving the ledger aside and starting a new one must not leave the server on the old file."""
    assert [b["name"] for b in (await get_json(jp_fetch, "budgets"))["budgets"]] == ["pilot"]
    seeded.close()
    path = Path(ledger_url.removeprefix("sqlite:///"))
    path.rename(path.with_name("archived.db"))
    for file in path.parent.glob(path.name + "-*"):
        file.unlink()
    with open_ledger(ledger_url) as fresh:
        fresh.create_budget("replacement", 1.0)
    data = await get_json(jp_fetch, "budgets")
    assert [b["name"] for b in data["budgets"]] == ["replacement"]


async def test_long_chains_are_verified_in_a_child_process(
    jp_fetch, seeded: Ledger, ledger_url: str, monkeypatch
) -> None:
    """Hashing a long chain in the server would hold the GIL for seconds; a child process does it
    (here every chain counts as long) with the same answers."""
    from jupyter_privacy.server import handlers

    monkeypatch.setattr(handlers, "VERIFY_IN_PROCESS_MAX", 0)
    report = await get_json(jp_fetch, "verify", force="1")
    assert report["ok"] is True and report["entries_checked"] == 4 and "ledger" not in report
    engine = sa.create_engine(ledger_url)
    with engine.begin() as conn:
        conn.exec_driver_sql("UPDATE jp_entries SET epsilon = 0.01 WHERE description = 'mean'")
    engine.dispose()
    report = await get_json(jp_fetch, "verify", force="1")
    assert report["ok"] is False and report["tampered_entry_ids"]
