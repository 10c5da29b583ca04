"""What a DP federated training will cost, decided before any client trains: σ, ε per round, and
the plain statement of what is protected from whom.

Both modes noise a client's *clipped model update* (its change to the global model, L2 norm ≤ C):

- ``central``: the server clips every update, averages them over a fixed number m of clients and
  adds Gaussian noise of standard deviation σ·C/m to the average (Flower's
  DifferentialPrivacyServerSideFixedClipping around FedAvg), i.e. σ·C on the sum.
- ``local``: each client clips its own update and adds Gaussian noise of standard deviation σ·C
  before sending it (Flower's LocalDpMod); the server only ever sees noised updates.

Privacy unit: one client's whole dataset. Two federations are neighbours when one client's data
differ in any way (replaced, or that client added or removed): its clipped update can move by up to
2·C, so each round is a Gaussian mechanism with noise multiplier σ/2 w.r.t. that sensitivity. The
same bound covers any single person's rows inside a client. Rounds compose (every client may take
part in every round): the ε is that of `rounds` Gaussian mechanisms, computed by the kit's DP-SGD
accountants (a round is a "pass" in which each client contributes once; the doubled sensitivity is
what DpSgdSetting's microbatching flag models). No amplification by client sampling is claimed:
Flower samples a fixed-size subset per round, not a Poisson sample.

Validation accuracy after each round is measured on held-out rows the server holds (in the pilot,
10% of the owner's table): private too, so by default each round's accuracy is its own OpenDP
release (core/training/validation.py, as for DP-SGD) charged to the same budget, and
`target_epsilon` covers it (σ is solved for the target minus `validation_epsilon`).
"""

from __future__ import annotations

import textwrap
from dataclasses import asdict, dataclass, replace
from typing import Any

from jupyter_privacy.core.accounting import (
    DEFAULT_ACCOUNTANT,
    DpSgdSetting,
    EpsilonResult,
    dp_sgd_epsilon,
    noise_for_target_epsilon,
)
from jupyter_privacy.core.accounting import default_delta as per_unit_delta
from jupyter_privacy.core.accounting.accountants import check_accountant
from jupyter_privacy.core.errors import InvalidParameterError
from jupyter_privacy.core.training.validation import (
    DEFAULT_VALIDATION_EPSILON,
    MECHANISM,
    VALIDATION_MODES,
    check_validation_epsilon,
    model_epsilon_share,
)
from jupyter_privacy.core.validation import check_epsilon, check_positive_int

MODES = ("central", "local")
PRIVACY_UNIT = (
    "one client's whole dataset (user-level: neighbouring federations differ in all of one "
    "client's data, replaced or added or removed; this covers any one person's rows inside it)"
)
TRUST = {
    "central": (
        "central DP: the server is trusted. It receives each client's model update unnoised, "
        "clips it to the clipping norm and adds Gaussian noise to the average (Flower "
        "DifferentialPrivacyServerSideFixedClipping). Every global model after a round, and the "
        "final model, are DP; the individual updates the server received are not."
    ),
    "local": (
        "local DP: nobody is trusted. Each client clips its update and adds Gaussian noise before "
        "sending it (Flower LocalDpMod), so the server, the other clients and anyone holding the "
        "final model see only noised updates; the guarantee holds per client, per round, and "
        "composes over the rounds that client took part in."
    ),
}
MECHANISMS = {
    "central": "DP-FedAvg, central DP: the trusted server clips and noises the average (Flower "
    "DifferentialPrivacyServerSideFixedClipping)",
    "local": "DP-FedAvg, local DP: every client clips and noises its own update (Flower LocalDpMod)",
}
#: Sampling labels recorded with every round (short: widgets print "<label> sampling").
ALL_CLIENTS, FIXED_SIZE = "all-clients", "fixed-size"
SAMPLING_NOTES = {
    ALL_CLIENTS: "every client takes part in every round; no amplification by sampling is claimed",
    FIXED_SIZE: (
        "a fixed-size uniform subset of clients per round (Flower's sampler, not Poisson); no "
        "amplification by sampling is claimed, so ε assumes a client may take part in every round"
    ),
}
#: The δ the kit uses when none is given: 1e-5, or smaller for very large federations.
DEFAULT_DELTA = 1e-5
#: Privacy unit of the DP validation releases: the validation rows are the server's, not a client's.
VALIDATION_PRIVACY_UNIT = (
    "one validation row (add-or-remove-one adjacency); the validation rows are held by the server, "
    "apart from the clients' data"
)


def default_delta(clients: int) -> float:
    """1e-5, or the largest power of ten ≤ 1/(10·clients) when that is smaller."""
    return min(DEFAULT_DELTA, per_unit_delta(clients))


def check_mode(mode: Any) -> str:
    if mode not in MODES:
        raise InvalidParameterError(
            f"mode must be 'central' (the server adds the noise) or 'local' (each client adds "
            f"it), got {mode!r}",
            parameter="mode",
        )
    return str(mode)


@dataclass(frozen=True)
class FederatedPlan:
    """Everything decided before round 1; recorded with the release."""

    mode: str
    clients: int
    clients_per_round: int
    rounds: int
    clipping_norm: float
    noise_multiplier: float  # noise standard deviation / clipping norm (Flower's convention)
    delta: float
    accountant: str
    target_epsilon: float | None
    local_epochs: int
    batch_size: int
    learning_rate: float
    planned: EpsilonResult  # the model's (ε, δ); DP validation is charged on top
    validation: str = "none"  # dp | public | none (core/training/validation.py)
    validation_epsilon: float = 0.0  # ε of the DP validation releases over all rounds

    @property
    def total_epsilon(self) -> float:
        """What this training charges the budget: the model's ε plus the DP validation share."""
        return self.planned.epsilon + self.validation_epsilon

    @property
    def sampling(self) -> str:
        return ALL_CLIENTS if self.clients_per_round == self.clients else FIXED_SIZE

    @property
    def sensitivity(self) -> float:
        """How far one client's clipped update can move: 2·C (its data may change arbitrarily)."""
        return 2 * self.clipping_norm

    @property
    def noise_stddev(self) -> float:
        """σ·C: on the sum of the clipped updates (central) or on each client's update (local)."""
        return self.noise_multiplier * self.clipping_norm

    @property
    def setting(self) -> DpSgdSetting:
        return accounting_setting(self.clients, self.noise_multiplier, self.delta, self.rounds)

    def epsilon_after(self, rounds: int) -> EpsilonResult:
        """ε spent once `rounds` rounds are done (the release's ε is `epsilon_after(self.rounds)`)."""
        setting = accounting_setting(self.clients, self.noise_multiplier, self.delta, rounds)
        return relabel(dp_sgd_epsilon(setting, self.accountant), self.sampling)

    def hyper_parameters(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("planned")
        data.update(
            sampling=self.sampling,
            sensitivity=self.sensitivity,
            effective_noise_multiplier=self.noise_multiplier / 2,
            noise_stddev=self.noise_stddev,
            noise_stddev_on_average=(
                self.noise_stddev / self.clients_per_round if self.mode == "central" else None
            ),
        )
        return data

    def describe(self, result: EpsilonResult | None = None) -> str:
        result = result or self.planned
        return (
            f"ε = {result.epsilon:.4g} at δ = {result.delta:g} after {result.compositions} "
            f"round(s) ({result.accountant}; {self.mode} DP; {self.sampling}, no amplification; "
            f"privacy unit: one client's whole dataset)"
        )

    def statement(self) -> str:
        """Multi-paragraph text: what runs, who is protected from whom, ε with its assumptions."""
        subset = (
            f"all {self.clients} clients in every round"
            if self.sampling == ALL_CLIENTS
            else f"{self.clients_per_round} of {self.clients} clients per round"
        )
        noise = (
            f"noise of standard deviation {self.noise_stddev:.4g} on the sum of the clipped "
            f"updates ({self.noise_stddev / self.clients_per_round:.4g} on their average)"
            if self.mode == "central"
            else f"noise of standard deviation {self.noise_stddev:.4g} on each client's update"
        )
        per_client = (
            " for each client's own update (what the server learns from it)"
            if self.mode == "local"
            else ""
        )
        paragraphs = [
            f"Federated averaging over {self.clients} clients for {self.rounds} round(s), "
            f"{subset}; each client trains {self.local_epochs} local epoch(s) and its model update "
            f"is clipped to L2 norm {self.clipping_norm:g}; noise multiplier "
            f"{self.noise_multiplier:.4g}, i.e. {noise}.",
            TRUST[self.mode],
            f"Privacy unit: {PRIVACY_UNIT}. One client's clipped update can move by up to "
            f"{self.sensitivity:g} (twice the clipping norm), so each round is a Gaussian "
            f"mechanism with effective noise multiplier {self.noise_multiplier / 2:.4g}.",
            f"ε = {self.planned.epsilon:.4g} at δ = {self.delta:g} after {self.rounds} round(s) "
            f"({self.planned.accountant}: {self.planned.conversion}); one round alone costs "
            f"ε = {self.epsilon_after(1).epsilon:.4g}{per_client}, and rounds compose by the "
            "accountant (less than their sum). " + SAMPLING_NOTES[self.sampling].capitalize() + ".",
            self._validation_paragraph(),
            "What is not protected: the number of clients and which clients took part, the model "
            "architecture and the training settings (all public).",
        ]
        return "\n\n".join(textwrap.fill(p, 80) for p in paragraphs) + "\n"

    def _validation_paragraph(self) -> str:
        if self.validation == "dp":
            return (
                f"Validation accuracy after every round is released with differential privacy "
                f"({MECHANISM}, ε {self.validation_epsilon / self.rounds:.3g} per round, "
                f"{self.validation_epsilon:.3g} in all, δ 0), charged to the same budget: this "
                f"training spends ε {self.total_epsilon:.4g} in total (basic composition). Its "
                f"privacy unit is {VALIDATION_PRIVACY_UNIT}; the number of validation rows is "
                "treated as public; the validation loss is not released."
            )
        if self.validation == "public":
            return (
                "Validation metrics are computed on data the analyst declared public "
                "(validation_public=True): they are exact and NOT covered by this guarantee."
            )
        return "No validation metrics are released."


def accounting_setting(
    clients: int, noise_multiplier: float, delta: float, rounds: int
) -> DpSgdSetting:
    """`rounds` Gaussian mechanisms of sensitivity 2·C, each client contributing once per round,
    as the DP-SGD accountants' shuffle setting (one pass per round, doubled sensitivity)."""
    return DpSgdSetting(
        dataset_size=clients, batch_size=clients, noise_multiplier=noise_multiplier,
        delta=delta, epochs=float(rounds), sampling="shuffle", microbatching=True,
    )  # fmt: skip


def relabel(result: EpsilonResult, sampling: str) -> EpsilonResult:
    """The accountant's result restated for federated training (unit, sampling, no microbatches)."""
    return replace(
        result, privacy_unit=PRIVACY_UNIT, sampling=sampling,
        sampling_note=SAMPLING_NOTES[sampling], microbatching=False,
    )  # fmt: skip


def plan_federated(
    *, clients: int, clients_per_round: int | None = None, rounds: int, clipping_norm: float,
    noise_multiplier: float | None = None, target_epsilon: float | None = None,
    delta: float | None = None, mode: str = "central", accountant: str = DEFAULT_ACCOUNTANT,
    local_epochs: int = 1, batch_size: int = 32, learning_rate: float = 0.1,
    validation: str = "none", validation_epsilon: float = DEFAULT_VALIDATION_EPSILON,
) -> FederatedPlan:  # fmt: skip
    """Check the settings and compute σ and the planned ε (no Flower or TensorFlow needed).

    `validation` is how held-out accuracy is released (``dp``: an OpenDP release per round,
    `validation_epsilon` over all rounds; ``public``; ``none``). `target_epsilon` is everything
    the training charges: σ is solved for the target minus the DP validation share.
    """
    mode, accountant = check_mode(mode), check_accountant(accountant)
    if validation not in VALIDATION_MODES:
        raise InvalidParameterError(
            f"validation must be one of {', '.join(VALIDATION_MODES)}", parameter="validation"
        )
    validation_epsilon = check_validation_epsilon(validation, validation_epsilon)
    clients = check_positive_int(clients, "clients")
    if clients < 2:
        raise InvalidParameterError(
            "federated training needs at least 2 clients; with one, train it with train_dp_sgd",
            parameter="client_datasets",
        )
    per_round = clients if clients_per_round is None else check_positive_int(
        clients_per_round, "clients_per_round"
    )  # fmt: skip
    if per_round > clients:
        raise InvalidParameterError(
            f"clients_per_round {per_round} is more than the {clients} clients; use at most "
            f"{clients}",
            parameter="clients_per_round",
        )
    rounds = check_positive_int(rounds, "rounds")
    clipping_norm = check_epsilon(clipping_norm, "clipping_norm")
    if (noise_multiplier is None) == (target_epsilon is None):
        raise InvalidParameterError(
            "give exactly one of noise_multiplier (σ) or target_epsilon (σ is then solved for it)"
        )
    delta = default_delta(clients) if delta is None else delta
    if target_epsilon is not None:
        target_epsilon = check_epsilon(target_epsilon, "target_epsilon")
        noise_multiplier = noise_for_target_epsilon(
            model_epsilon_share(target_epsilon, validation_epsilon), dataset_size=clients,
            batch_size=clients, delta=delta,
            epochs=rounds, sampling="shuffle", microbatching=True, accountant=accountant,
        ).noise_multiplier  # fmt: skip
    assert noise_multiplier is not None
    setting = accounting_setting(clients, noise_multiplier, delta, rounds)  # validates σ and δ
    sampling = ALL_CLIENTS if per_round == clients else FIXED_SIZE
    return FederatedPlan(
        mode=mode, clients=clients, clients_per_round=per_round, rounds=rounds,
        clipping_norm=clipping_norm, noise_multiplier=setting.noise_multiplier,
        delta=setting.delta, accountant=accountant, target_epsilon=target_epsilon,
        local_epochs=check_positive_int(local_epochs, "local_epochs"),
        batch_size=check_positive_int(batch_size, "batch_size"),
        learning_rate=check_epsilon(learning_rate, "learning_rate"),
        planned=relabel(dp_sgd_epsilon(setting, accountant), sampling),
        validation=validation, validation_epsilon=validation_epsilon,
    )  # fmt: skip


def recorded_epsilon(details: dict[str, Any]) -> EpsilonResult:
    """Recompute a recorded federated release's ε from the hyper-parameters in its details (the
    accounting check of the pilot's privacy tests)."""
    hp = details.get("hyper_parameters") or {}
    try:
        setting = accounting_setting(
            int(hp["clients"]), float(hp["noise_multiplier"]), float(hp["delta"]), int(hp["rounds"])
        )
        return relabel(dp_sgd_epsilon(setting, str(hp["accountant"])), str(hp["sampling"]))
    except (KeyError, TypeError, ValueError) as error:
        raise InvalidParameterError(
            f"the release does not record the federated hyper-parameters needed to recompute its "
            f"ε ({error}); was it recorded by train_federated?"
        ) from None
