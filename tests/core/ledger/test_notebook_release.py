"""`Ledger.last_release_from_notebook`: the status bar's one query, exact whatever the path holds."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa

from jupyter_privacy import open_ledger
from jupyter_privacy.core.errors import InvalidParameterError
from jupyter_privacy.core.ledger import Ledger
from jupyter_privacy.core.ledger.provenance import origin_scope


def test_found_behind_250_later_releases(backend_url: str) -> None:
    with open_ledger(backend_url) as ledger:
        ledger.create_budget("busy", 100.0)
        ledger.create_budget("quiet", 1.0)
        mine = ledger.spend("busy", 0.01, value=1, origin="notebook:/srv/lab/mine.ipynb#cell=3")
        for i in range(250):
            ledger.spend(
                "busy", 0.01, value=i, origin=f"notebook:/srv/lab/other{i % 7}.ipynb#c={i}"
            )
        found = ledger.last_release_from_notebook("mine.ipynb", "/srv/lab/mine.ipynb")
        assert found is not None and (found.id, found.budget) == (mine.id, "busy")
        assert found.origin == "notebook:/srv/lab/mine.ipynb#cell=3" and found.value == 1
        later = ledger.spend("quiet", 0.1, value=2, origin="notebook:mine.ipynb")  # relative form
        found = ledger.last_release_from_notebook("mine.ipynb", "/srv/lab/mine.ipynb")
        assert found is not None and (found.id, found.budget) == (later.id, "quiet")
        assert ledger.last_release_from_notebook("never.ipynb", "/srv/lab/never.ipynb") is None


@pytest.mark.parametrize(
    "other",
    ["notebook:abc.ipynb#cell=1", "notebook:100 draft.ipynb#cell=2", "notebook:A_C.ipynb#cell=3",
     "notebook:a_c.ipynb.bak#cell=4", "notebook:sub/a_c.ipynb#cell=5", "notebook:a_c.ipynbx",
     "notebook:100%.ipynb~", "script:a_c.ipynb", "cli"],
)  # fmt: skip
def test_wildcards_case_and_prefixes_never_match_other_notebooks(
    backend_url: str, other: str
) -> None:
    with open_ledger(backend_url) as ledger:
        ledger.create_budget("b", 10.0)
        ledger.spend("b", 0.1, value=0, origin=other)
        assert ledger.last_release_from_notebook("a_c.ipynb", "100%.ipynb") is None
        own = ledger.spend("b", 0.1, value=1, origin="notebook:100%.ipynb#cell=x")
        ledger.spend("b", 0.1, value=2, origin=other)
        found = ledger.last_release_from_notebook("a_c.ipynb", "100%.ipynb")
        assert found is not None and found.id == own.id


def test_budget_events_from_the_notebook_are_not_releases(ledger: Ledger) -> None:
    with origin_scope("notebook:setup.ipynb#cell=1"):
        ledger.create_budget("b", 1.0)
        ledger.raise_budget("b", epsilon=2.0, reason="approved")
    assert ledger.last_release_from_notebook("setup.ipynb") is None


@pytest.mark.parametrize("paths", [(), ("",), ("a.ipynb", None)])
def test_a_path_is_required(ledger: Ledger, paths: tuple) -> None:
    with pytest.raises(InvalidParameterError, match="notebook's path"):
        ledger.last_release_from_notebook(*paths)


def _origin_index_present(url: str) -> bool:
    engine = sa.create_engine(url)
    try:
        names = {index["name"] for index in sa.inspect(engine).get_indexes("jp_entries")}
    finally:
        engine.dispose()
    return "ix_jp_entries_origin" in names


def _pattern_ops_on_postgres(url: str) -> bool:
    """On PostgreSQL the index compares origins bytewise; elsewhere there is nothing to check."""
    if not url.startswith("postgresql"):
        return True
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            definition = conn.execute(sa.text(
                "SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_jp_entries_origin'"
            )).scalar_one()  # fmt: skip
    finally:
        engine.dispose()
    return "text_pattern_ops" in definition


def test_origin_index_is_created_for_new_and_older_ledgers(backend_url: str) -> None:
    with open_ledger(backend_url) as ledger:
        ledger.create_budget("b", 1.0)
        ledger.spend("b", 0.1, value=1, origin="notebook:n.ipynb#cell=1")
    assert _origin_index_present(backend_url) and _pattern_ops_on_postgres(backend_url)
    engine = sa.create_engine(backend_url)
    with engine.begin() as conn:  # a ledger created before the index existed
        conn.execute(sa.text("DROP INDEX ix_jp_entries_origin"))
    engine.dispose()
    with open_ledger(backend_url) as ledger:
        assert ledger.verify().ok
        assert ledger.last_release_from_notebook("n.ipynb") is not None
    assert _origin_index_present(backend_url) and _pattern_ops_on_postgres(backend_url)


def test_read_only_ledger_without_the_index_still_answers(tmp_path: Path) -> None:
    path = tmp_path / "ro.db"
    with open_ledger(f"sqlite:///{path}") as ledger:
        ledger.create_budget("b", 1.0)
        ledger.spend("b", 0.1, value=1, origin="notebook:n.ipynb#cell=1")
    with sqlite3.connect(path) as raw:
        raw.execute("DROP INDEX ix_jp_entries_origin")
    with open_ledger(f"sqlite:///file:{path}?mode=ro&uri=true") as ledger:
        found = ledger.last_release_from_notebook("n.ipynb")
        assert found is not None and found.value == 1
    assert not _origin_index_present(f"sqlite:///{path}")
