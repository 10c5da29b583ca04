"""The status view without a server: which spellings of a notebook it looks for."""

from __future__ import annotations

from pathlib import Path

from jupyter_privacy.core.ledger import Ledger
from jupyter_privacy.server.views import active_budget, spellings


def test_spellings_cover_relative_and_every_root() -> None:
    roots = (Path("/real/lab"), Path("/home/ana/lab"))
    assert spellings("/sub/n.ipynb", roots) == [
        "sub/n.ipynb", "/real/lab/sub/n.ipynb", "/home/ana/lab/sub/n.ipynb"
    ]  # fmt: skip
    assert spellings("n.ipynb", (Path("/lab"), Path("/lab"))) == ["n.ipynb", "/lab/n.ipynb"]


def test_a_root_reached_through_a_symlink_needs_its_configured_spelling(
    ledger: Ledger, tmp_path: Path
) -> None:
    real = tmp_path / "real"
    real.mkdir()
    link = tmp_path / "link"
    link.symlink_to(real)
    ledger.create_budget("first", 1.0)
    ledger.create_budget("second", 1.0)
    ledger.spend("first", 0.1, value=0, origin=f"notebook:{link / 'n.ipynb'}#cell=1")
    ledger.spend("second", 0.1, value=0, origin="script:x")
    found = active_budget(ledger, "n.ipynb", real.resolve(), link)
    assert found["source"] == "notebook" and found["budget"]["name"] == "first"
    assert active_budget(ledger, "n.ipynb", real.resolve())["source"] is None
    assert active_budget(ledger, "/", real.resolve()) == {"budget": None, "source": None}
