"""Find raw rows of the private data in outputs that are about to leave (notebooks, reports).

A DP pilot may publish only DP releases and settings. A cell that prints `df.head()` or
`df.sample(3)` puts raw rows into the executed notebook; this scanner finds them.

How: every cell value of the private frame becomes the strings it prints as (numbers at 0–6
decimals, text as is). A token is *rare* when at most `rare_fraction` of the rows hold it and it is
distinctive (a wage like 354.94; not an education level like 12, nor a round 75.0 that any
stylesheet contains). A rare token of some row with at least `min_cells` of that row's values within
a few tokens of it (2 × columns + 2: a printed row, or a JSON record with its keys) is a finding;
values scattered over a long line (a chart's data, minified code) are not. HTML tables are read row
by row. Findings name the file, the cell and the row number — never the values, so the report
itself leaks nothing.

Public values (`PublicValues`: declared bounds, category keys, imputation values, quantile
candidates, ε and δ) appear in every DP release, so they never start a finding: a private value
equal to a bound is not rare evidence, whatever the data say. They still count as the row's other
cells next to a rare private value, so a printed row is found even when most of its columns are
declared keys (public tokens are no evidence, and no whitelist either).
"""

from __future__ import annotations

import html
import json
import math
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from jupyter_privacy.core.errors import InvalidParameterError

_TOKEN = re.compile(r"-?\d+(?:\.\d+)?|[A-Za-z][\w\-]*")
_TAG = re.compile(r"<[^>]+>")
_TEXT_SUFFIXES = {".md", ".html", ".htm", ".json", ".yaml", ".yml", ".csv", ".txt", ".tsv"}
_MAX_DECIMALS = 6


@dataclass(frozen=True)
class Finding:
    path: str
    location: str  # "cell 5 output" or "line 12"
    row: int  # position of the matching row in the private data
    matched_cells: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def line(self) -> str:
        return (
            f"{self.path} ({self.location}): {self.matched_cells} values of private row "
            f"{self.row} appear verbatim"
        )


@dataclass(frozen=True)
class PublicValues:
    """Values anyone may see because they were declared, never read from the rows: a table's
    bounds (and their width, the ± of a value and interval clamped to opposite bounds), its
    category keys, imputation values and quantile candidates, and the ε and δ figures."""

    numbers: frozenset[float] = frozenset()
    words: frozenset[str] = frozenset()

    @classmethod
    def of(cls, values: Iterable[Any]) -> PublicValues:
        """Loose values: numbers, and words (text and bools, as they print)."""
        numbers: set[float] = set()
        words: set[str] = set()
        for value in values:
            value = value.item() if hasattr(value, "item") else value
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                if math.isfinite(value):
                    numbers.add(float(value))
            elif value is not None:
                words.add(str(value))
        return cls(frozenset(numbers), frozenset(words))

    @classmethod
    def declared(
        cls,
        *,
        bounds: Mapping[str, Any] | None = None,
        keys: Mapping[str, Any] | None = None,
        impute: Mapping[str, Any] | None = None,
        candidates: Mapping[str, Any] | None = None,
        numbers: Iterable[Any] = (),
    ) -> PublicValues:
        """A table's declarations as `PrivateTable` takes them, checked the same way; imputation
        values and quantile candidates default as its own do. `numbers`: ε, δ, other settings."""
        bounds, keys = _mapping(bounds, "bounds"), _mapping(keys, "keys")
        impute, candidates = _mapping(impute, "impute"), _mapping(candidates, "candidates")
        loose: list[Any] = list(numbers)
        if bounds or impute or candidates:
            from jupyter_privacy.core.queries import data  # lazily: it loads OpenDP

            checked = data.check_bounds(bounds, list(bounds))
            for low, high in checked.values():
                loose += [low, high, high - low]
            loose += list(data.check_impute(impute, checked).values())
            for values in data.check_candidates(candidates, checked).values():
                loose += list(values)
        for values in keys.values():
            single = isinstance(values, str) or not isinstance(values, Iterable)
            loose += [values] if single else list(values)
        return cls.of(loose)

    @classmethod
    def of_table(cls, table: Any, numbers: Iterable[Any] = ()) -> PublicValues:
        """A `PrivateTable` or an `ExampleDataset` (which has bounds and keys only)."""
        return cls.declared(
            bounds=getattr(table, "bounds", None), keys=getattr(table, "keys", None),
            impute=getattr(table, "impute", None), candidates=getattr(table, "candidates", None),
            numbers=numbers,
        )  # fmt: skip

    def __or__(self, other: PublicValues) -> PublicValues:
        return PublicValues(self.numbers | other.numbers, self.words | other.words)

    def tokens(self) -> frozenset[str]:
        """Every string these values print as: at 0–6 decimals, and at the 6 and 4 significant
        digits the release tables use (1000.0 is "1000", "1000.0", "1000.00", …)."""
        found: set[str] = set()
        for number in self.numbers:
            found |= _cell_keys(number)
            for printed in (f"{number:.6g}", f"{number:.4g}", f"{number:g}"):
                for token in _TOKEN.findall(printed):
                    found |= _token_keys(token)
        for word in self.words:
            found |= _cell_keys(word)
            for token in _TOKEN.findall(word):
                found |= _token_keys(token)
        return frozenset(found)


def public_values_from(value: Any) -> PublicValues:
    """What `RawDataScanner(public_values=…)` takes: `PublicValues`, a `PrivateTable` or
    `ExampleDataset` (anything with `bounds` and `keys`), or an iterable of loose values."""
    if value is None:
        return PublicValues()
    if isinstance(value, PublicValues):
        return value
    if hasattr(value, "bounds") and hasattr(value, "keys") and not isinstance(value, Mapping):
        return PublicValues.of_table(value)
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Iterable):
        raise InvalidParameterError(
            "public_values takes PublicValues, a PrivateTable (its declared bounds and keys) or a "
            f"list of public numbers and words; got {type(value).__name__}. For bounds and keys as "
            "dicts use PublicValues.declared(bounds=…, keys=…)"
        )
    return PublicValues.of(value)


def _mapping(value: Any, what: str) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise InvalidParameterError(
            f"{what} must map column names to values, e.g. {{'income': ...}}; got {value!r}"
        )
    return value


def _cell_keys(value: Any) -> set[str]:
    if value is None or (isinstance(value, float) and value != value):
        return set()
    if isinstance(value, bool):
        return {str(value)}
    if isinstance(value, int):
        return {str(value)}
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return {str(int(value))} | {f"{value:.{d}f}" for d in range(1, _MAX_DECIMALS + 1)}
        # not at 0 decimals: "255" for 254.63 would match any integer in code or chart specs
        return {f"{value:.{d}f}" for d in range(1, _MAX_DECIMALS + 1)}
    text = str(value).strip()
    return {text} if text else set()


def _distinctive(key: str) -> bool:
    """Could this value stand out in unrelated text? Numbers need 4 significant digits (354.94, not
    75 or 65.0, which any stylesheet or chart spec contains); words need 4 characters."""
    digits = key.lstrip("-").replace(".", "")
    if digits.isdigit():
        significant = digits.lstrip("0")
        if "." in key:
            significant = significant.rstrip("0")
        return len(significant) >= 4
    return len(key) >= 4


def _token_keys(token: str) -> set[str]:
    if "." in token:  # 354.940 prints the same value as 354.94
        return {token, token.rstrip("0").rstrip(".")}
    return {token}


class RawDataScanner:
    """Index a private DataFrame once, then scan any number of texts, notebooks or folders.

    Pass what the release declared public (`public_values=table`, `PublicValues.declared(…)`):
    without it, a private value that equals a bound can look like rare evidence next to its
    group key in a release whose interval is clamped to that bound.
    """

    def __init__(
        self,
        data: pd.DataFrame,
        *,
        public_values: Any = None,
        min_cells: int = 3,
        rare_fraction: float = 0.01,
    ):
        if data is None or len(data) == 0:
            raise InvalidParameterError(
                "the raw-data scan needs the private data (a non-empty frame)"
            )
        public = public_values_from(public_values).tokens()
        self.min_cells = max(1, min(min_cells, data.shape[1]))
        self._window = 2 * data.shape[1] + 2
        self._rows: list[set[str]] = []
        frequency: dict[str, int] = defaultdict(int)
        for record in data.itertuples(index=False, name=None):
            keys: set[str] = set()
            for value in record:
                keys |= _cell_keys(value.item() if hasattr(value, "item") else value)
            self._rows.append(keys)
            for key in keys:
                frequency[key] += 1
        limit = max(1, int(rare_fraction * len(data)))
        self._rare: dict[str, list[int]] = defaultdict(list)
        for index, keys in enumerate(self._rows):
            for key in keys:
                if frequency[key] <= limit and _distinctive(key) and key not in public:
                    self._rare[key].append(index)

    def scan_text(self, text: str, path: str, location_prefix: str = "line") -> list[Finding]:
        findings: list[Finding] = []
        for number, line in enumerate(_table_aware_lines(text), start=1):
            tokens = [_token_keys(t) for t in _TOKEN.findall(line)]
            best = (0, 0)
            for position, keys in enumerate(tokens):
                rows = {row for key in keys if key in self._rare for row in self._rare[key]}
                if not rows:
                    continue
                # a printed row's values stand next to each other (with column names between them
                # in JSON): only count values within a window around the rare one
                window: set[str] = set().union(
                    *tokens[max(0, position - self._window) : position + self._window + 1]
                )
                for row in rows:
                    best = max(best, (_distinct_cells(self._rows[row], window), -row))
            if best[0] >= self.min_cells:  # the row that shows most completely in this line
                where = f"line {number}" if location_prefix == "line" else location_prefix
                findings.append(Finding(path, where, -best[1], best[0]))
        return findings

    def scan_notebook(self, path: Path) -> list[Finding]:
        notebook = json.loads(path.read_text(encoding="utf-8"))
        findings: list[Finding] = []
        for index, cell in enumerate(notebook.get("cells", [])):
            for text in _output_texts(cell.get("outputs", [])):
                findings += self.scan_text(text, str(path.name), f"cell {index} output")
        return findings

    def scan_folder(self, folder: Path, exclude: Iterable[Path] = ()) -> list[Finding]:
        skipped = {p.resolve() for p in exclude}
        findings: list[Finding] = []
        for path in sorted(folder.rglob("*")):
            if not path.is_file() or path.resolve() in skipped:
                continue
            relative = str(path.relative_to(folder))
            if path.suffix == ".ipynb":
                findings += [
                    Finding(relative, f.location, f.row, f.matched_cells)
                    for f in self.scan_notebook(path)
                ]
            elif path.suffix in _TEXT_SUFFIXES and path.stat().st_size < 50_000_000:
                text = path.read_text(encoding="utf-8", errors="replace")
                findings += self.scan_text(text, relative)
        return findings


def _distinct_cells(row_keys: set[str], line_keys: set[str]) -> int:
    """How many of the row's cells show in the line (each cell counted once, at any precision)."""
    hits = row_keys & line_keys
    seen: set[str] = set()
    for key in hits:
        try:
            seen.add(repr(round(float(key), _MAX_DECIMALS)))
        except ValueError:
            seen.add(key)
    return len(seen)


def _table_aware_lines(text: str) -> Iterator[str]:
    if "<t" in text and "</" in text:
        text = re.sub(r"\s*\n\s*", " ", text)  # a table row spans many source lines
        text = re.sub(r"</tr\s*>", "\n", text, flags=re.IGNORECASE)
        text = re.sub(r"</t[dh]\s*>", " ", text, flags=re.IGNORECASE)
        text = html.unescape(_TAG.sub(" ", text))
    yield from text.splitlines()


def _output_texts(outputs: list[dict[str, Any]]) -> Iterator[str]:
    for output in outputs:
        if "text" in output:
            yield _joined(output["text"])
        for mime, payload in (output.get("data") or {}).items():
            if mime.startswith("text/") or mime.endswith("json"):
                yield payload if isinstance(payload, str) else _joined(payload)
        if output.get("output_type") == "error":
            yield "\n".join(output.get("traceback", [])) + "\n" + str(output.get("evalue", ""))


def _joined(value: Any) -> str:
    if isinstance(value, list):
        return "".join(str(v) for v in value)
    if isinstance(value, str):
        return value
    return json.dumps(value)
