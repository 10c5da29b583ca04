"""DP federated training with Flower: `train_federated(model_fn, client_datasets, budget=…)`.

The public front door of `jupyter_privacy.core.federated` (needs the `federated` and `tf` extras
when a training runs; planning works without them). See docs/federated.md.
"""

from jupyter_privacy.core.federated import (
    ENGINES,
    MODES,
    PRIVACY_UNIT,
    TRUST,
    FederatedPlan,
    FederatedResult,
    FederatedRunError,
    plan_federated,
    recorded_epsilon,
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
    "plan_federated",
    "recorded_epsilon",
    "train_federated",
]
