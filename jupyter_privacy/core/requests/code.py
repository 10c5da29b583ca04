"""The code of a request: a Python function (its source) or a notebook (its cells, outputs
stripped), its SHA-256, and review hints for the owner.

Code is not private data, so it is stored whole in the hash-chained submission event; the digest
pins what the owner approved. The hints list what an owner should read twice (output, files,
network, processes, direct ledger use). They are a reading aid, not a security check: approval is
the control.
"""

from __future__ import annotations

import ast
import hashlib
import inspect
import json
import os
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jupyter_privacy.core.errors import InvalidParameterError

MAX_CODE_CHARS = 200_000
FUNCTION, NOTEBOOK = "function", "notebook"


@dataclass(frozen=True)
class Code:
    kind: str  # "function" (Python source with an entry function) or "notebook" (nbformat JSON)
    text: str
    entry_point: str  # the function to call with the request's data; "" for a notebook

    @property
    def sha256(self) -> str:
        return code_digest(self.text)


def code_digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _function_source(func: Any) -> str:
    try:
        return textwrap.dedent(inspect.getsource(func))
    except (OSError, TypeError) as error:
        raise InvalidParameterError(
            f"cannot read the source of {getattr(func, '__name__', func)!r} ({error}); define it "
            "in a notebook cell or a .py file, or pass its source as a string"
        ) from None


def _top_level_functions(source: str) -> list[str]:
    try:
        tree = ast.parse(source)
    except SyntaxError as error:
        raise InvalidParameterError(f"the request's code does not parse: line {error.lineno}: "
                                    f"{error.msg}") from None  # fmt: skip
    return [n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]


def strip_notebook(text: str) -> str:
    """The notebook without outputs or execution counts, as canonical JSON (its digest is stable)."""
    try:
        notebook = json.loads(text)
    except json.JSONDecodeError as error:
        raise InvalidParameterError(f"the notebook is not JSON ({error.msg})") from None
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
        raise InvalidParameterError("the notebook has no cells; give an .ipynb file")
    for cell in notebook["cells"]:
        if cell.get("cell_type") == "code":
            cell["outputs"], cell["execution_count"] = [], None
    return json.dumps(notebook, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def notebook_source(text: str) -> str:
    """The code cells of a stored notebook, joined (for review and hints)."""
    cells = json.loads(text).get("cells", [])
    parts = []
    for index, cell in enumerate(cells, start=1):
        if cell.get("cell_type") == "code":
            source = cell.get("source", "")
            text = "".join(source) if isinstance(source, list) else source
            lines = [
                f"# {line}" if line.lstrip().startswith(("%", "!")) else line
                for line in text.splitlines()
            ]  # magics and shell lines, as comments
            parts.append(f"# --- cell {index}\n" + "\n".join(lines))
    return "\n".join(parts)


def load_code(code: Any, entry_point: str | None = None) -> Code:
    """A function, Python source text, or a path to a .py / .ipynb file, as stored `Code`."""
    if callable(code) and not isinstance(code, (str, os.PathLike)):
        source, entry_point = _function_source(code), entry_point or code.__name__
        kind = FUNCTION
    elif isinstance(code, os.PathLike) or (isinstance(code, str) and code.endswith((".py", ".ipynb"))
                                           and "\n" not in code):  # fmt: skip
        path = Path(code)
        if not path.is_file():
            raise InvalidParameterError(f"code file {path} does not exist")
        source = path.read_text(encoding="utf-8")
        kind = NOTEBOOK if path.suffix == ".ipynb" else FUNCTION
    elif isinstance(code, str):
        source, kind = code, FUNCTION
    else:
        raise InvalidParameterError(
            "give the request's code as a function, its source text, or a .py / .ipynb path"
        )
    if len(source) > MAX_CODE_CHARS:
        raise InvalidParameterError(f"the code has {len(source):,} characters; the most a request "
                                    f"holds is {MAX_CODE_CHARS:,}")  # fmt: skip
    if kind == NOTEBOOK:
        return Code(NOTEBOOK, strip_notebook(source), "")
    functions = _top_level_functions(source)
    if entry_point is None:
        if len(functions) != 1:
            raise InvalidParameterError(
                "name the function to run (entry_point=… / --function NAME): the code defines "
                f"{len(functions)} top-level functions ({', '.join(functions) or 'none'})"
            )
        entry_point = functions[0]
    if entry_point not in functions:
        raise InvalidParameterError(
            f"the code defines no top-level function {entry_point!r} (it defines: "
            f"{', '.join(functions) or 'none'}); the runner calls it with the request's data"
        )
    return Code(FUNCTION, source, entry_point)


#: Names whose use an owner should read twice, by what they can do with private data.
_HINTS = {
    "prints or displays output (withheld from the scientist, kept in the owner's run log)": {
        "print", "display", "pprint", "to_string", "head", "tail", "sample", "show"},
    "writes files (the run's folder is deleted afterwards; absolute paths are not)": {
        "open", "to_csv", "to_parquet", "to_json", "write_text", "write_bytes", "savetxt", "save",
        "dump", "to_pickle", "write_csv", "write_parquet", "copyfile", "copy"},
    "can reach the network or other processes": {
        "socket", "urllib", "requests", "http", "subprocess", "system", "popen", "Popen", "smtplib",
        "ftplib", "httpx", "aiohttp", "multiprocessing"},
    "runs dynamic code": {"exec", "eval", "compile", "__import__", "import_module"},
    "uses the ledger directly (a spend whose value it computes itself)": {
        "spend", "open_ledger", "record_event", "Ledger"},
}  # fmt: skip


def review_hints(source: str) -> list[str]:
    """Lines `name (line N, …): what it can do`, for the owner's review."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return ["the code does not parse as Python: read it as text"]
    seen: dict[str, list[int]] = {}
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Name):
            names = [node.id]
        elif isinstance(node, ast.Attribute):
            names = [node.attr]
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names = [a.name.split(".")[0] for a in node.names]
            if isinstance(node, ast.ImportFrom) and node.module:
                names.append(node.module.split(".")[0])
        for name in names:
            seen.setdefault(name, []).append(getattr(node, "lineno", 0))
    hints = []
    for what, watched in _HINTS.items():
        found = sorted(n for n in watched if n in seen)
        if found:
            where = ", ".join(
                f"{n} (line {', '.join(map(str, sorted(set(seen[n]))[:5]))})" for n in found
            )
            hints.append(f"{what}: {where}")
    return hints
