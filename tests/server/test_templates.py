"""Template discovery (core) and the template routes: list, one, copy into a folder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tornado.httpclient import HTTPClientError

from jupyter_privacy.core import templates
from jupyter_privacy.core.errors import InvalidParameterError
from jupyter_privacy.server.testing import write_template

API = "jupyter-privacy/api"


def test_parameters_cell_gives_names_defaults_and_help(tmp_path: Path) -> None:
    write_template(
        tmp_path,
        "t",
        'epsilon: float = 0.5  # total ε\ndelta = 1e-6\nname = "x"\nrows = range(3)\n',
    )
    (found,) = templates.list_templates(tmp_path)
    assert found.title == "Pilot" and found.description == "Runs one step of the pilot."
    assert [(p.name, p.default) for p in found.parameters] == [
        ("epsilon", 0.5), ("delta", 1e-6), ("name", "x"), ("rows", "range(3)"),
    ]  # fmt: skip
    assert found.parameters[0].annotation == "float"
    assert found.parameters[0].help == "total ε"


def test_missing_folder_means_no_templates(tmp_path: Path) -> None:
    assert templates.list_templates(tmp_path / "absent") == []


def test_invalid_parameters_cell_names_the_problem(tmp_path: Path) -> None:
    write_template(tmp_path, "bad", "epsilon = = 1")
    with pytest.raises(InvalidParameterError, match="parameters cell is not valid Python"):
        templates.list_templates(tmp_path)


def test_names_cannot_leave_the_folder(tmp_path: Path) -> None:
    with pytest.raises(InvalidParameterError):
        templates.template_path("../secret", tmp_path)
    with pytest.raises(templates.UnknownTemplateError, match="available: none installed"):
        templates.template_path("absent", tmp_path)


def test_default_folder_is_the_package_templates() -> None:
    assert templates.templates_dir() == Path(templates.__file__).parent.parent / "templates"


async def test_templates_route_lists_parameters(jp_fetch, templates_folder: Path) -> None:
    data = json.loads((await jp_fetch(API, "templates")).body)
    assert data["folder"] == str(templates_folder)
    (only,) = data["templates"]
    assert only["name"] == "dp-analytics"
    assert [(p["name"], p["default"]) for p in only["parameters"]] == [
        ("epsilon", 1.0),
        ("budget", "pilot"),
    ]
    one = json.loads((await jp_fetch(API, "templates", "dp-analytics")).body)
    assert one == only


async def test_unknown_template_is_404(jp_fetch) -> None:
    with pytest.raises(HTTPClientError) as caught:
        await jp_fetch(API, "templates", "nope")
    assert caught.value.code == 404
    assert json.loads(caught.value.response.body)["error"] == "unknown_template"


async def test_copy_creates_numbered_notebooks_in_the_folder(jp_fetch, jp_root_dir) -> None:
    (jp_root_dir / "work").mkdir()
    paths = []
    for _ in range(2):
        response = await jp_fetch(
            API, "templates", "dp-analytics", "copy", method="POST", body='{"path": "work"}'
        )
        assert response.code == 201
        paths.append(json.loads(response.body)["path"])
    assert paths == ["work/dp-analytics.ipynb", "work/dp-analytics-1.ipynb"]
    copied = json.loads((jp_root_dir / "work" / "dp-analytics.ipynb").read_text())
    assert copied["cells"][1]["metadata"]["tags"] == ["parameters"]


@pytest.mark.parametrize(
    ("body", "message"),
    [('{"path": "missing"}', "does not exist"), ('{"path": "../up"}', "inside"),
     ("not json", "not JSON"), ("[1]", "JSON object")],
)  # fmt: skip
async def test_copy_refuses_bad_folders(jp_fetch, body: str, message: str) -> None:
    with pytest.raises(HTTPClientError) as caught:
        await jp_fetch(API, "templates", "dp-analytics", "copy", method="POST", body=body)
    assert caught.value.code == 400
    assert message in json.loads(caught.value.response.body)["message"]
