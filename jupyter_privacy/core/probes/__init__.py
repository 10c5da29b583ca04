"""Privacy probes: how much a trained model leaks about who was in its training set (membership
inference: ours, on numpy/scipy statistics, since TF Privacy 0.9.0 no longer ships its module) and
about the people in it (attribute inference and model inversion: the Adversarial Robustness
Toolbox's attacks, loaded lazily from the `probes` extra).
"""

from jupyter_privacy.core.probes.attacks import (
    calibrated_attack,
    lira_offline_scores,
    loss_attack,
    probe_model,
    train_reference_models,
)
from jupyter_privacy.core.probes.attribute import attribute_inference_probe
from jupyter_privacy.core.probes.gate import ProbeLimit, parse_tpr_at_fpr, probe_gate
from jupyter_privacy.core.probes.inputs import load_pair, load_values, probability_losses
from jupyter_privacy.core.probes.inversion import (
    class_inversion_probe,
    class_representatives,
    feature_reconstruction_probe,
)
from jupyter_privacy.core.probes.leakage import LeakageReport, leakage_gate, load_report
from jupyter_privacy.core.probes.metrics import dp_ceiling, empirical_epsilon, roc
from jupyter_privacy.core.probes.report import ProbeReport

__all__ = [
    "LeakageReport",
    "ProbeLimit",
    "ProbeReport",
    "attribute_inference_probe",
    "calibrated_attack",
    "class_inversion_probe",
    "class_representatives",
    "dp_ceiling",
    "empirical_epsilon",
    "feature_reconstruction_probe",
    "leakage_gate",
    "lira_offline_scores",
    "load_pair",
    "load_report",
    "load_values",
    "loss_attack",
    "parse_tpr_at_fpr",
    "probability_losses",
    "probe_gate",
    "probe_model",
    "roc",
    "train_reference_models",
]
