"""argparse for notebook magics: a bad option raises InvalidParameterError (shown as one red line
by the glue layers) instead of printing usage and exiting the kernel's process."""

from __future__ import annotations

import argparse
from typing import NoReturn

from jupyter_privacy.core.errors import InvalidParameterError


class RaisingParser(argparse.ArgumentParser):
    """An ArgumentParser whose errors, and `--help`, raise InvalidParameterError with the text."""

    def error(self, message: str) -> NoReturn:
        raise InvalidParameterError(f"{self.prog}: {message}")

    def exit(self, status: int = 0, message: str | None = None) -> NoReturn:
        raise InvalidParameterError(message or self.format_help())
