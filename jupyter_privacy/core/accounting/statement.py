"""A plain-language privacy statement in the manner of TF Privacy's compute_dp_sgd_privacy_statement,
naming every assumption a reader needs (accountant, conversion, sampling, δ, privacy unit)."""

from __future__ import annotations

import textwrap

from jupyter_privacy.core.accounting.accountants import ACCOUNTANTS, compare_accountants
from jupyter_privacy.core.accounting.setting import PRIVACY_UNIT, DpSgdSetting


def _epochs_text(setting: DpSgdSetting) -> str:
    if setting.epochs is not None:
        return f"{setting.epochs:g} epochs"
    return f"{setting.total_steps} steps"


def privacy_statement(
    setting: DpSgdSetting, accountants: tuple[str, ...] = tuple(ACCOUNTANTS)
) -> str:
    """Multi-paragraph text: what was run, what is protected, ε per accountant and sampling."""
    results = compare_accountants(setting, accountants)
    micro = "with" if setting.microbatching else "without"
    paragraphs = [
        textwrap.fill(
            f"DP-SGD over {setting.dataset_size} examples, {setting.batch_size} examples per "
            f"step, noise multiplier {setting.noise_multiplier:g} for {_epochs_text(setting)} "
            f"({setting.total_steps} steps), {micro} microbatching.",
            80,
        ),
        textwrap.fill(
            f"Privacy unit: {PRIVACY_UNIT}. Each example's gradient is clipped before noise is "
            "added, so no single example moves the model much. The guarantee covers every "
            "checkpoint as well as the final model. It says nothing about examples that appear "
            "several times (e.g. one person's many rows): their ε grows with the count.",
            80,
        ),
    ]
    lines = [f"ε at δ = {setting.delta:g}:"]
    for result in results:
        label = f"{result.accountant}, {result.sampling} sampling"
        lines.append(f"    {label:<36}{result.epsilon:12.3f}")
    paragraphs.append("\n".join(lines))
    notes = [
        "Meaning: for any one example, anything learned from the model is at most e^ε times "
        "more likely with the example in the training data than without it, except with "
        f"probability δ = {setting.delta:g}.",
        "poisson: " + results[0].sampling_note + ".",
        "shuffle: " + next(r for r in results if r.sampling == "shuffle").sampling_note + ".",
    ]
    notes += [f"{name}: {ACCOUNTANTS_DESCRIPTIONS[name]}" for name in accountants]
    paragraphs += [textwrap.fill(note, 80) for note in notes]
    return "\n\n".join(paragraphs) + "\n"


ACCOUNTANTS_DESCRIPTIONS = {
    "rdp": "Rényi DP with the current (tighter) conversion to (ε, δ), as in TF Privacy ≥ 0.8.9 "
    "and Opacus ≥ 1.0.",
    "rdp-classic": "Rényi DP with the classic conversion (Mironov 2017) that older TF Privacy "
    "and Opacus tutorials printed: valid, but larger than the current conversion.",
    "pld": "privacy-loss distribution accounting: the tightest of the three.",
}
