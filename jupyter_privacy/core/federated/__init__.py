"""DP federated learning with Flower, recorded in the ledger (see docs/federated.md).

Flower (the `federated` extra) and TensorFlow (the `tf` extra) are imported only when a training
starts; planning and accounting need neither. A missing one raises MissingExtraError naming it.
"""

from jupyter_privacy.core.federated.plan import (
    MODES,
    PRIVACY_UNIT,
    TRUST,
    FederatedPlan,
    default_delta,
    plan_federated,
    recorded_epsilon,
)
from jupyter_privacy.core.federated.simulation import FederatedRunError
from jupyter_privacy.core.federated.train import (
    ENGINES,
    FederatedResult,
    check_fits_budget,
    train_federated,
)

__all__ = [
    "ENGINES",
    "MODES",
    "PRIVACY_UNIT",
    "TRUST",
    "FederatedPlan",
    "FederatedResult",
    "FederatedRunError",
    "check_fits_budget",
    "default_delta",
    "plan_federated",
    "recorded_epsilon",
    "train_federated",
]
