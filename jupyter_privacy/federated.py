"""DP federated training with Flower: `train_federated(model_fn, client_datasets, budget=…)`.

The public front door of `jupyter_privacy.core.federated` (needs the `federated` and `tf` extras
when a training runs; planning works without them). See docs/federated.md.
"""

from jupyter_privacy.core import federated as _core
from jupyter_privacy.core.federated import *  # noqa: F403

__all__ = list(_core.__all__)
