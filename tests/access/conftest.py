"""Acting as another person: the OS user the kit sees comes from LOGNAME (getpass's first choice)."""

from __future__ import annotations

from collections.abc import Callable

import pytest


@pytest.fixture
def as_user(monkeypatch: pytest.MonkeyPatch) -> Callable[[str], None]:
    def switch(name: str) -> None:
        monkeypatch.setenv("LOGNAME", name)
        monkeypatch.setenv("USER", name)
        monkeypatch.delenv("JUPYTERHUB_USER", raising=False)

    switch("alice")
    return switch
