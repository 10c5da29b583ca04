"""Errors raised while reading private data, rewritten so they never quote a cell.

polars, pyarrow, pandas, numpy, OpenDP and TensorFlow put the offending value in their messages
(``could not parse `4242.42` as dtype `f64` at column 'wage'``). Since a failing query spends
nothing, such a message would print any cell for free, as often as asked. So at every boundary
where the kit hands private data to one of them (loading, casting, running a query, converting
training input) a failure becomes a `PrivateDataError` that names only what is public: the column
(when the library named one of the table's columns), the row when the kit can find it without
showing it, and the expected type. The library's own text is dropped, and its exception is not
chained (no "During handling of the above exception" with the original message).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable, Iterator
from typing import Any

from jupyter_privacy.core.errors import InvalidParameterError, PrivacyError

#: Type names a library may give as "expected": only these are repeated, never free text.
_DTYPES = {
    "f64": "Float64", "f32": "Float32", "i8": "Int8", "i16": "Int16", "i32": "Int32",
    "i64": "Int64", "u8": "UInt8", "u16": "UInt16", "u32": "UInt32", "u64": "UInt64",
    "bool": "Boolean", "str": "String", "date": "Date", "datetime": "Datetime",
    "double": "Float64", "float": "Float64", "int64": "Int64", "int32": "Int32",
    "string": "String", "boolean": "Boolean",
}  # fmt: skip
_QUOTED_COLUMN = re.compile(r"column[s]?\s+(?:name\s+)?[`'\"]([^`'\"]{1,200})[`'\"]")
_AS_DTYPE = re.compile(r"(?:as dtype|to dtype|tried to convert to)\s+`?(\w+)`?", re.IGNORECASE)
_VARIANT = re.compile(r"^\s*(\w+(?:Error|Exception))\(")  # OpenDP's "ComputeError(ErrString(…"
WITHHELD_NOTE = "the library's message is withheld because it can quote private values"


class PrivateDataError(InvalidParameterError):
    """Reading, converting or querying private data failed; the message names no value."""

    code = "private_data"


def data_error(
    error: BaseException, *, doing: str, columns: Iterable[str] = (), column: str | None = None,
    row: int | None = None, expected: str | None = None, hint: str = "",
) -> PrivacyError:  # fmt: skip
    """A `PrivateDataError` describing `error` by public facts only.

    `columns`: the table's column names (public); a column the library named is repeated only
    when it is one of them. `row`: 1-based data row, when the caller located it. `expected`: the
    type the column should have (else a known type name the library gave). A `PrivacyError` (the
    kit's own, already safe) passes through unchanged.
    """
    if isinstance(error, PrivacyError):
        return error
    text = _text(error)
    known = set(columns)
    if column is None:
        column = next((c for c in _QUOTED_COLUMN.findall(text) if c in known), None)
    if expected is None:
        expected = next((_DTYPES[t.lower()] for t in _AS_DTYPE.findall(text)
                         if t.lower() in _DTYPES), None)  # fmt: skip
    where = "".join([
        f" in column {column!r}" if column else "",
        f", data row {row}" if row is not None else "",
        f" (expected {expected})" if expected else "",
    ])  # fmt: skip
    message = f"{doing} failed{where}: {_kind(error, text)}; {WITHHELD_NOTE}"
    if hint:
        message += f". {hint[:1].upper()}{hint[1:]}"
    fields = {k: v for k, v in (("column", column), ("row", row), ("expected", expected)) if v}
    return PrivateDataError(message, **fields)


#: Exceptions that are the user stopping the kit, not a library failing on data: never rewritten.
PASS_THROUGH = (KeyboardInterrupt, SystemExit, GeneratorExit)


@contextlib.contextmanager
def private_data(
    doing: str, columns: Iterable[str] = (), *,
    only: tuple[type[BaseException], ...] = (BaseException,), **facts: Any,
) -> Iterator[None]:  # fmt: skip
    """Run a step that hands private data to a library; its failure becomes `data_error(...)`.

    `only`: the exception types that can carry data (default: all but an interrupt); others
    pass unchanged (e.g. Keras' shape errors, which name shapes, not values)."""
    try:
        yield
    except PASS_THROUGH:
        raise
    except only as error:  # pyo3 panics derive from BaseException
        failure = data_error(error, doing=doing, columns=columns, **facts)
    else:
        return
    failure.__suppress_context__ = True  # the original (which may quote a cell) is not shown
    raise failure


def _text(error: BaseException) -> str:
    try:
        return str(error)
    except Exception:  # pragma: no cover - a broken __str__
        return ""


def _kind(error: BaseException, text: str) -> str:
    """The error's class and, for OpenDP, its variants (e.g. FailedFunction, ComputeError):
    identifiers only, never the text around them."""
    names = [type(error).__name__]
    variant = getattr(error, "variant", None)
    if isinstance(variant, str) and variant.isidentifier():
        names.append(variant)
    message = getattr(error, "message", None)
    inner = _VARIANT.match(message if isinstance(message, str) else text)
    if inner:
        names.append(inner.group(1))
    return names[0] + (f" ({', '.join(dict.fromkeys(names[1:]))})" if len(names) > 1 else "")
