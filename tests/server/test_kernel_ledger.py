"""Kernels started by the server spend from the ledger its sidebar shows, wherever the notebook is."""

from __future__ import annotations

from pathlib import Path

import pytest

from jupyter_privacy.core.config import LEDGER_ENV


@pytest.fixture
def jp_server_config(monkeypatch: pytest.MonkeyPatch) -> dict:
    monkeypatch.delenv(LEDGER_ENV, raising=False)  # as on a user's machine: nothing configured
    return {"ServerApp": {"jpserver_extensions": {"jupyter_privacy.server": True}}}


async def test_kernels_inherit_the_servers_ledger(jp_serverapp, jp_root_dir: Path) -> None:
    state = jp_serverapp.web_app.settings["jupyter_privacy"]
    expected = f"sqlite:///{Path(jp_root_dir).resolve() / '.privacy' / 'ledger.db'}"
    assert state.url == expected
    (Path(jp_root_dir) / "deep" / "folder").mkdir(parents=True)
    manager = jp_serverapp.kernel_manager
    kernel_id = await manager.start_kernel(path="deep/folder")
    try:
        client = manager.get_kernel(kernel_id).client()
        client.start_channels()
        await client.wait_for_ready(timeout=60)
        outputs: list[str] = []
        code = ("from jupyter_privacy.core.config import resolve_ledger_url; "
                "print(resolve_ledger_url())")  # fmt: skip
        reply = await client.execute_interactive(
            code, output_hook=lambda m: outputs.append(m["content"].get("text", "")), timeout=60
        )
        assert reply["content"]["status"] == "ok"
        assert "".join(outputs).strip() == expected
        client.stop_channels()
    finally:
        await manager.shutdown_kernel(kernel_id)
