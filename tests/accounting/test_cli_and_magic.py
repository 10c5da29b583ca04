"""`jupyter privacy epsilon|noise|epochs` and `%dp_epsilon` run the same core and say the same."""

from __future__ import annotations

import json

import pytest

from jupyter_privacy.cli import main
from jupyter_privacy.core.accounting import DpSgdSetting
from jupyter_privacy.core.errors import InvalidParameterError
from jupyter_privacy.magics.accounting import run_dp_epsilon

MNIST = "--dataset-size 60000 --batch-size 256 --epochs 60 --delta 1e-5"


def run_cli(capsys, line):
    code = main(line.split())
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_epsilon_json_carries_each_accountant_with_its_assumptions(capsys):
    code, out, _ = run_cli(capsys, f"epsilon {MNIST} --noise-multiplier 1.1 --json")
    assert code == 0
    report = json.loads(out)
    pairs = {(r["accountant"], r["sampling"]): r for r in report["results"]}
    assert set(pairs) == {
        (a, s) for a in ("rdp", "rdp-classic", "pld") for s in ("poisson", "shuffle")
    }
    rdp = pairs[("rdp", "poisson")]
    assert f"{rdp['epsilon']:.4g}" == "2.597"
    for key in ("conversion", "sampling_note", "privacy_unit", "delta", "compositions"):
        assert rdp[key]
    assert report["setting"]["dataset_size"] == 60000


def test_epsilon_text_names_accountant_and_sampling(capsys):
    code, out, _ = run_cli(
        capsys, f"epsilon {MNIST} --noise-multiplier 1.1 --accountant pld --sampling poisson"
    )
    assert code == 0
    assert "pld" in out and "poisson" in out and "2.38" in out and "rdp " not in out


def test_noise_command_meets_target(capsys):
    code, out, _ = run_cli(capsys, f"noise --target-epsilon 3 {MNIST} --json")
    report = json.loads(out)
    assert code == 0 and report["achieved"]["epsilon"] <= 3.0
    assert 0.9 < report["noise_multiplier"] < 1.1


def test_epochs_command(capsys):
    code, out, _ = run_cli(
        capsys,
        "epochs --target-epsilon 3 --dataset-size 60000 --batch-size 256 "
        "--noise-multiplier 1.1 --delta 1e-5",
    )
    assert code == 0 and out.startswith("at most 78 epochs")


@pytest.mark.parametrize(
    ("line", "words"),
    [
        ("epsilon --dataset-size 100 --batch-size 200 --epochs 1 --noise-multiplier 1", "larger"),
        ("noise --target-epsilon 3 --dataset-size 100 --batch-size 10 --epochs 1 --delta 0.5",
         "1/n"),
        ("epsilon --dataset-size 100 --batch-size 10 --epochs 1 --noise-multiplier 1 --delta 0",
         "delta must be > 0"),
    ],
)  # fmt: skip
def test_cli_bad_input_exits_2_with_one_line(capsys, line, words):
    code, _out, err = run_cli(capsys, line)
    assert code == 2 and words in err and len(err.strip().splitlines()) == 1


def test_epsilon_calculator_computes_and_warns_at_delta_of_one_over_n_or_more(capsys):
    """A calculator answers (with a warning); spending keeps refusing such a δ."""
    line = "epsilon --dataset-size 100 --batch-size 10 --epochs 1 --noise-multiplier 1 --delta 0.02"
    code, out, _ = run_cli(capsys, line)
    assert code == 0 and "pld" in out
    assert out.rstrip().splitlines()[-1].startswith("warning: delta 0.02 is not below 1/n")
    assert "training and the ledger refuse it" in out
    code, out, _ = run_cli(capsys, line + " --json")
    report = json.loads(out)
    assert code == 0 and report["setting"]["delta"] == 0.02 and "strict_delta" not in out
    assert all(r["epsilon"] > 0 for r in report["results"]) and len(report["warnings"]) == 1
    code, out, _ = run_cli(capsys, line.replace("0.02", "0.001") + " --json")
    assert "warnings" not in json.loads(out)
    with pytest.raises(InvalidParameterError, match="not below 1/n"):
        DpSgdSetting(100, 10, 1.0, 0.02, epochs=1)  # what training and the ledger build


def test_magic_shares_the_words_and_keeps_output():
    namespace: dict = {}
    text = run_dp_epsilon(f"{MNIST} --noise-multiplier 1.1 --accountant rdp -o eps", namespace)
    assert "2.597" in text
    assert namespace["eps"]["results"][0]["accountant"] == "rdp"
    noise = run_dp_epsilon(f"noise --target-epsilon 3 {MNIST}")
    assert noise.startswith("noise multiplier σ = 1.01")
    assert "--target-epsilon" in run_dp_epsilon("epochs --help")


def test_magic_errors_are_one_line_usage_errors():
    from IPython.core.error import UsageError
    from IPython.core.interactiveshell import InteractiveShell

    ipython = InteractiveShell.instance()  # the process's one shell, whichever test made it first
    ipython.run_line_magic("load_ext", "jupyter_privacy")
    with pytest.raises(UsageError, match="noise_multiplier must be > 0"):
        ipython.run_line_magic("dp_epsilon", f"{MNIST} --noise-multiplier 0")
    with pytest.raises(UsageError, match="required"):
        ipython.run_line_magic("dp_epsilon", "noise --dataset-size 10")
