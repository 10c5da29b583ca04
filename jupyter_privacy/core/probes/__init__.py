"""Membership-inference probes: how much a trained model leaks about who was in its training set.

Ours, on numpy/scipy statistics (TF Privacy 0.9.0 no longer ships its membership-inference module).
"""

from jupyter_privacy.core.probes.attacks import (
    calibrated_attack,
    lira_offline_scores,
    loss_attack,
    probe_model,
    train_reference_models,
)
from jupyter_privacy.core.probes.gate import ProbeLimit, parse_tpr_at_fpr, probe_gate
from jupyter_privacy.core.probes.inputs import load_pair, load_values, probability_losses
from jupyter_privacy.core.probes.metrics import dp_ceiling, empirical_epsilon, roc
from jupyter_privacy.core.probes.report import ProbeReport

__all__ = [
    "ProbeLimit",
    "ProbeReport",
    "calibrated_attack",
    "dp_ceiling",
    "empirical_epsilon",
    "lira_offline_scores",
    "load_pair",
    "load_values",
    "loss_attack",
    "parse_tpr_at_fpr",
    "probability_losses",
    "probe_gate",
    "probe_model",
    "roc",
    "train_reference_models",
]
