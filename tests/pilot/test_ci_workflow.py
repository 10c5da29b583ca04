"""`jupyter privacy pilot ci`: the workflow it writes is valid (a schema check, no download) and its
steps run: locally, in a fresh venv, the pilot passes and a failing gate fails the step.

Running the steps is kept bounded: the `uses:` steps (checkout, setup-python, upload) are GitHub's
own and are checked for their settings only; the install step is checked for its command and
replaced by what `pip install` would leave in a fresh venv, without downloading anything: a .pth
that puts this source tree and the current environment's site packages on the path, and the
console scripts (`jupyter`, `jupyter-privacy`). The pilot step then runs verbatim in that venv
with bash, on a team's small templates folder (two notebooks, seconds).
"""

from __future__ import annotations

import json
import os
import shlex
import site
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml

from jupyter_privacy.cli import main
from jupyter_privacy.pilot.ci import ARTIFACTS, FRESH_LEDGER, parameter_text
from jupyter_privacy.pilot.parameters import parse_cli_parameters

ROOT = Path(__file__).resolve().parents[2]
SCHEMAS = Path(__file__).with_name("schemas")
GITHUB = ".github/workflows/privacy-pilot.yml"


def schema(name: str) -> dict:
    return json.loads((SCHEMAS / name).read_text())


def generate(repo: Path, *argv: str) -> tuple[int, str]:
    cwd = Path.cwd()
    os.chdir(repo)
    try:
        return main(["pilot", "ci", *argv]), (repo / GITHUB).read_text() if (
            repo / GITHUB
        ).exists() else ""
    finally:
        os.chdir(cwd)


def test_github_workflow_passes_the_schema_and_carries_the_parameters(tmp_path, capsys) -> None:
    code, text = generate(tmp_path, "--provider", "github", "-p", "markets", "eu,uk",
                          "-p", "use_cases", "[analytics]", "-p", "max_epsilon", "3")  # fmt: skip
    assert code == 0 and "wrote .github/workflows/privacy-pilot.yml" in capsys.readouterr().out
    workflow = yaml.safe_load(text)
    jsonschema.validate(workflow, schema("github-workflow.schema.json"))
    steps = workflow["jobs"]["pilot"]["steps"]
    assert [s.get("uses", "").split("@")[0] for s in steps] == [
        "actions/checkout", "actions/setup-python", "", "", "actions/upload-artifact"
    ]  # fmt: skip
    assert steps[1]["with"]["python-version"] == "3.11"
    assert steps[2]["run"] == "python -m pip install 'jupyter-privacy[tf]==0.1.0'"
    run = shlex.split(steps[3]["run"])
    assert run[:6] == ["jupyter", "privacy", "pilot", "run", "--out", ARTIFACTS]
    pairs = [run[i + 1 : i + 3] for i, word in enumerate(run) if word == "-p"]
    assert parse_cli_parameters(pairs) == {"markets": "eu,uk", "use_cases": ["analytics"],
                                           "max_epsilon": 3}  # fmt: skip
    assert run[-2:] == ["--ledger", f"sqlite:///$PWD/{FRESH_LEDGER}"]  # bash expands $PWD
    assert not FRESH_LEDGER.startswith(ARTIFACTS)  # the ledger is not uploaded
    upload = steps[4]
    assert upload["if"] == "always()" and upload["with"]["path"] == f"{ARTIFACTS}/"


def test_a_broken_workflow_fails_the_schema(tmp_path) -> None:
    """Control: the schema can fail (a step with neither run nor uses, a misspelt key)."""
    generate(tmp_path, "--provider", "github")
    workflow = yaml.safe_load((tmp_path / GITHUB).read_text())
    for breaking in ({"name": "nothing to do"}, {"run": "x", "uses": "a/b@v1"},
                     {"run": "x", "contine-on-error": True}):  # fmt: skip
        broken = json.loads(json.dumps(workflow))
        broken["jobs"]["pilot"]["steps"].append(breaking)
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(broken, schema("github-workflow.schema.json"))
    broken = json.loads(json.dumps(workflow))
    del broken["jobs"]["pilot"]["runs-on"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, schema("github-workflow.schema.json"))


def test_gitlab_job_and_a_ledger_secret(tmp_path, capsys) -> None:
    code, _ = generate(tmp_path, "--provider", "gitlab", "--ledger-secret", "TEAM_LEDGER",
                       "-p", "markets", "[eu, uk]")  # fmt: skip
    out = capsys.readouterr().out
    assert code == 0 and "include:\n  - local: .gitlab/privacy-pilot.yml" in out
    job = yaml.safe_load((tmp_path / ".gitlab/privacy-pilot.yml").read_text())
    jsonschema.validate(job, schema("gitlab-job.schema.json"))
    pilot = job["privacy-pilot"]
    assert pilot["artifacts"]["when"] == "always" and pilot["artifacts"]["paths"] == [
        f"{ARTIFACTS}/"
    ]
    assert pilot["script"][1].endswith('--ledger "$TEAM_LEDGER"')
    code, _ = generate(tmp_path, "--provider", "github", "--ledger-secret", "TEAM_LEDGER")
    step = yaml.safe_load((tmp_path / GITHUB).read_text())["jobs"]["pilot"]["steps"][3]
    assert step["env"] == {"PRIVACY_LEDGER_URL": "${{ secrets.TEAM_LEDGER }}"}
    assert step["run"].strip().endswith('--ledger "$PRIVACY_LEDGER_URL"')


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["-p", "epsilom", "1"], "unknown pilot parameter 'epsilom'"),
        (["--python", "3.11; rm -rf /"], "--python takes a version"),
        (["--ledger-secret", "a b"], "--ledger-secret takes the name of a CI secret"),
        (["--track", "nosuch"], "unknown pilot track"),
    ],
)
def test_bad_input_writes_nothing(tmp_path, capsys, argv, words) -> None:
    code, _ = generate(tmp_path, "--provider", "github", *argv)
    assert code == 2 and words in capsys.readouterr().err
    assert not (tmp_path / ".github").exists()


def test_an_existing_workflow_is_kept_unless_forced(tmp_path, capsys) -> None:
    (tmp_path / ".github/workflows").mkdir(parents=True)
    (tmp_path / GITHUB).write_text("# ours\n")
    code, _ = generate(tmp_path, "--provider", "github")
    assert code == 2 and "already exists; pass --force" in capsys.readouterr().err
    assert (tmp_path / GITHUB).read_text() == "# ours\n"
    code, text = generate(tmp_path, "--provider", "github", "--force")
    assert code == 0 and "privacy-pilot" in text


@pytest.mark.parametrize("value", [0.5, 3, "eu,uk", ["eu", "uk"], {"income": [0, 10]}, "a b: c",
                                   "it's", True, "", "1e-5"])  # fmt: skip
def test_parameter_text_reads_back_as_the_same_value(value) -> None:
    assert parse_cli_parameters([["x", parameter_text(value)]]) == {"x": value}


# -- the steps, run locally in a fresh venv --------------------------------------------------------
TINY_SPEND = """
import jupyter_privacy as jp
from jupyter_privacy.core.reports.gates import epsilon_gate
from jupyter_privacy.pilot import record_gates
ledger = jp.open_ledger(ledger_url)
if "pilot" not in [b.name for b in ledger.budgets()]:
    ledger.create_budget("pilot", 1.0)
ledger.spend("pilot", spend_epsilon, value=1.0, replay_key="ci-step-1")
record_gates([epsilon_gate(ledger.budget("pilot"), max_epsilon)], out_dir, "01_spend")
"""


def team_repository(base: Path) -> Path:
    """A team's repository with its own small pilot templates folder."""
    import nbformat

    repo = base / "repo"
    folder = repo / "pilot-templates"
    folder.mkdir(parents=True)
    for name, parameters, code in [
        ("01_spend", 'out_dir = "."\nledger_url = ""\nspend_epsilon = 0.4  # ε spent\n'
         "max_epsilon = 1.0  # gate\n", TINY_SPEND),
        ("02_summary", 'out_dir = "."\nteam = "us"  # who\n',
         "from pathlib import Path\nPath(out_dir, 'community_summary.md').write_text(team)"),
    ]:  # fmt: skip
        nb = nbformat.v4.new_notebook(
            metadata={
                "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}
            }
        )
        cell = nbformat.v4.new_code_cell(parameters)
        cell.metadata["tags"] = ["parameters"]
        nb.cells = [
            nbformat.v4.new_markdown_cell(f"# {name}"),
            cell,
            nbformat.v4.new_code_cell(code),
        ]
        nbformat.write(nb, folder / f"{name}.ipynb")
    return repo


def fresh_venv(base: Path) -> Path:
    """A new venv that sees this source tree and the current environment's packages (no pip
    install, nothing downloaded) and has the console scripts pip would write."""
    venv = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    packages = next((venv / "lib").glob("python3*/site-packages"))
    (packages / "00_source.pth").write_text(f"{ROOT}\n")
    reuse = "".join(f"import site; site.addsitedir({d!r})\n" for d in site.getsitepackages())
    (packages / "zz_reuse.pth").write_text(reuse)
    python = venv / "bin" / "python"
    for script, entry in {"jupyter-privacy": "jupyter_privacy.cli", "jupyter": "jupyter_core.command",
                          "papermill": "papermill.cli"}.items():  # fmt: skip
        path = venv / "bin" / script
        path.write_text(f"#!{python}\nimport sys\nfrom {entry} import main\nsys.exit(main())\n")
        path.chmod(0o755)
    return venv


def run_step(command: str, repo: Path, venv: Path, env: dict[str, str] | None = None):
    environment = {k: v for k, v in os.environ.items() if not k.startswith("JUPYTER_PRIVACY")}
    environment.update(
        PATH=f"{venv / 'bin'}:{os.environ['PATH']}", VIRTUAL_ENV=str(venv), **(env or {})
    )
    return subprocess.run(["bash", "-e", "-c", command], cwd=repo, env=environment,
                          capture_output=True, text=True, timeout=600)  # fmt: skip


@pytest.mark.slow
@pytest.mark.notebook
def test_the_generated_steps_run_in_a_fresh_venv_and_a_gate_fails_the_job(tmp_path, capsys) -> None:
    repo, venv = team_repository(tmp_path), fresh_venv(tmp_path)
    which = run_step("python -c 'import jupyter_privacy, sys; print(jupyter_privacy.__file__, sys.prefix)'",
                     repo, venv)  # fmt: skip
    assert which.stdout.split() == [str(ROOT / "jupyter_privacy" / "__init__.py"), str(venv)]

    for max_epsilon, expected in [(1.0, 0), (0.1, 1)]:
        code, text = generate(repo, "--provider", "github", "--force", "--templates",
                              "pilot-templates", "-p", "max_epsilon", str(max_epsilon),
                              "-p", "team", "privacy guild")  # fmt: skip
        assert code == 0
        steps = yaml.safe_load(text)["jobs"]["pilot"]["steps"]
        assert steps[2]["run"].startswith("python -m pip install ")  # replaced by fresh_venv
        done = run_step(steps[3]["run"], repo, venv)
        assert done.returncode == expected, done.stdout[-2000:] + done.stderr[-2000:]
        verdict = json.loads((repo / ARTIFACTS / "verdict.json").read_text())
        assert verdict["passed"] is (expected == 0)
        assert (repo / ARTIFACTS / "index.html").is_file()  # what the upload step takes
        assert (repo / ARTIFACTS / "community_summary.md").read_text() == "privacy guild"
        assert (repo / FRESH_LEDGER).is_file() and not list((repo / ARTIFACTS).glob("**/*.db"))
    assert "FAIL  epsilon[pilot]" in done.stdout
    capsys.readouterr()
