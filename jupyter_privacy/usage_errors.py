"""One place that turns a PrivacyError into IPython's one-line UsageError (no traceback), shared by
the magics and the widgets' magic."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from IPython.core.error import UsageError

from jupyter_privacy.core.errors import PrivacyError

F = TypeVar("F", bound=Callable[..., Any])


def user_errors_as_usage(func: F) -> F:
    """Decorate a magic so PrivacyError (and argument errors) show as one red line."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except PrivacyError as error:
            raise UsageError(error.message) from None

    return wrapper  # type: ignore[return-value]
