"""Discover the pilot template notebooks and the parameters each one takes.

A template is a notebook in `jupyter_privacy/templates/` (or another folder, for tests and teams)
with one code cell tagged `parameters`, the papermill convention. Its simple assignments
(`epsilon = 1.0  # total budget`) become the parameter list the launcher and the REST API show.
Pure Python: the notebook is read as JSON and the cell parsed with `ast`; nothing is executed.
"""

from __future__ import annotations

import ast
import io
import json
import os
import re
import tokenize
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from jupyter_privacy.core.errors import InvalidParameterError, PrivacyError

PACKAGE_TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"
PARAMETERS_TAG = "parameters"
#: Notebook metadata of ours: `{"jupyter_privacy": {"needs": ["01_threat_model…", …]}}` names the
#: earlier templates whose results this one reads; "03_a|07_b" is met by either (one per pilot track).
METADATA_KEY = "jupyter_privacy"
_MARKUP = (
    (re.compile(r"!?\[([^\]]*)\]\([^)]*\)"), r"\1"),  # [text](url), ![alt](src)
    (re.compile(r"(\*\*|__)(.+?)\1"), r"\2"),  # **bold**
    (re.compile(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])"), r"\1"),  # *emphasis*
    (re.compile(r"(?<!\w)_(?!\s)(.+?)(?<!\s)_(?!\w)"), r"\1"),  # _emphasis_
    (re.compile(r"`([^`]*)`"), r"\1"),  # `code`
)


class UnknownTemplateError(PrivacyError, LookupError):
    """No template notebook with that name in the templates folder."""

    code = "unknown_template"


@dataclass(frozen=True)
class TemplateParameter:
    name: str
    default: Any  # the literal value, or the source text when it is not a literal
    default_source: str
    annotation: str | None = None
    help: str = ""


@dataclass(frozen=True)
class Template:
    name: str  # the file stem, which is the template's id in the API
    filename: str
    title: str
    description: str
    parameters: tuple[TemplateParameter, ...] = field(default_factory=tuple)
    has_parameters_cell: bool = False
    needs: tuple[str, ...] = ()  # earlier templates whose results this one reads

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["parameters"] = [asdict(p) for p in self.parameters]
        return data


def templates_dir(folder: str | os.PathLike[str] | None = None) -> Path:
    """The folder to read: the argument if given, else the templates shipped in the package."""
    return Path(folder) if folder else PACKAGE_TEMPLATES_DIR


def list_templates(folder: str | os.PathLike[str] | None = None) -> list[Template]:
    """Every readable `*.ipynb` in the folder, sorted by name; a missing folder means none."""
    base = templates_dir(folder)
    if not base.is_dir():
        return []
    return [read_template(path) for path in sorted(base.glob("*.ipynb"))]


def get_template(name: str, folder: str | os.PathLike[str] | None = None) -> Template:
    return read_template(template_path(name, folder))


def template_path(name: str, folder: str | os.PathLike[str] | None = None) -> Path:
    """The notebook file of template `name`; refuses names that would leave the folder."""
    if not name or "/" in name or "\\" in name or name.startswith("."):
        raise InvalidParameterError(
            f"template name {name!r} is not valid; use a name from the list"
        )
    path = templates_dir(folder) / f"{name}.ipynb"
    if not path.is_file():
        available = ", ".join(t.name for t in list_templates(folder)) or "none installed"
        raise UnknownTemplateError(
            f"no template named {name!r}; available: {available}", template=name
        )
    return path


def read_notebook(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidParameterError(
            f"template {path.name} is not a readable notebook ({exc}); fix or remove it"
        ) from exc
    if not isinstance(data, dict) or not isinstance(data.get("cells"), list):
        raise InvalidParameterError(f"template {path.name} has no cell list; it is not a notebook")
    return data


def read_template(path: Path) -> Template:
    notebook = read_notebook(path)
    cells = notebook["cells"]
    title, description = _title_and_description(cells, fallback=path.stem)
    params_cell = next((c for c in cells if PARAMETERS_TAG in _tags(c)), None)
    parameters = parse_parameters(_source(params_cell)) if params_cell else ()
    return Template(
        name=path.stem,
        filename=path.name,
        title=plain_text(title),
        description=plain_text(description),
        parameters=parameters,
        has_parameters_cell=params_cell is not None,
        needs=_needs(notebook, path.name),
    )


def plain_text(markdown: str) -> str:
    """Markdown emphasis, code and links as plain text (launcher tooltips show no markup)."""
    text = markdown
    for pattern, replacement in _MARKUP:
        text = pattern.sub(replacement, text)
    return text


def _needs(notebook: dict[str, Any], filename: str) -> tuple[str, ...]:
    ours = notebook.get("metadata", {}).get(METADATA_KEY, {})
    needs = ours.get("needs", []) if isinstance(ours, dict) else []
    if not isinstance(needs, list) or not all(isinstance(n, str) and n for n in needs):
        raise InvalidParameterError(
            f"template {filename}: metadata {METADATA_KEY}.needs must be a list of template names"
        )
    return tuple(needs)


def parse_parameters(source: str) -> tuple[TemplateParameter, ...]:
    """Top-level `name = value` / `name: type = value` lines; a trailing comment is the help."""
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise InvalidParameterError(f"the parameters cell is not valid Python: {exc}") from exc
    comments = _line_comments(source)
    found: list[TemplateParameter] = []
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, annotation = node.targets[0], None
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            target, annotation = node.target, ast.unparse(node.annotation)
        else:
            continue
        if not isinstance(target, ast.Name) or node.value is None:
            continue
        text = ast.get_source_segment(source, node.value) or ast.unparse(node.value)
        try:
            default = ast.literal_eval(node.value)
        except (ValueError, SyntaxError, TypeError):
            default = text
        help_text = comments.get(node.end_lineno or node.lineno, "")
        found.append(TemplateParameter(target.id, default, text, annotation, help_text))
    return tuple(found)


def _tags(cell: dict[str, Any]) -> list[str]:
    tags = cell.get("metadata", {}).get("tags", [])
    return tags if isinstance(tags, list) else []


def _source(cell: dict[str, Any]) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def _title_and_description(cells: list[dict[str, Any]], fallback: str) -> tuple[str, str]:
    """The first markdown heading is the title; the paragraph after it is the description."""
    for cell in cells:
        if cell.get("cell_type") != "markdown":
            continue
        lines = [line.strip() for line in _source(cell).splitlines()]
        heading = next((line for line in lines if line.startswith("#")), None)
        if heading is None:
            continue
        rest = lines[lines.index(heading) + 1 :]
        paragraph: list[str] = []
        for line in rest:
            if not line and paragraph:
                break
            if line and not line.startswith("#"):
                paragraph.append(line)
        return heading.lstrip("#").strip() or fallback, " ".join(paragraph)
    return fallback, ""


def _line_comments(source: str) -> dict[int, str]:
    comments: dict[int, str] = {}
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type == tokenize.COMMENT:
                comments[token.start[0]] = token.string.lstrip("#").strip()
    except (tokenize.TokenError, IndentationError):
        pass
    return comments
