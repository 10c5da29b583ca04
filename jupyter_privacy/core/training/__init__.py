"""DP-SGD training of Keras models through TensorFlow Privacy, recorded in the ledger: Poisson
subsampling by default, non-private layers refused, validation metrics released with DP.

TensorFlow is imported only when training starts (the `tf` extra); without it a MissingExtraError
names `jupyter-privacy[tf]`. See docs/training.md.
"""

from jupyter_privacy.core.training.audit import (
    StoredModelCheck,
    StoredModelsReport,
    verify_stored_models,
)
from jupyter_privacy.core.training.fingerprint import data_fingerprint
from jupyter_privacy.core.training.layers import NonPrivateLayerError
from jupyter_privacy.core.training.models import FAST_CLIPPING, PATHS, VECTORIZED_OPTIMIZER
from jupyter_privacy.core.training.plan import TrainingPlan, check_fits_budget, plan_training
from jupyter_privacy.core.training.progress import EpochListener, EpochRecord, TrainingProgress
from jupyter_privacy.core.training.replay import StoredModelModifiedError
from jupyter_privacy.core.training.sampling import BatchPlanner
from jupyter_privacy.core.training.train import TrainingResult, find_training_replay, train_dp_sgd

__all__ = [
    "FAST_CLIPPING",
    "PATHS",
    "VECTORIZED_OPTIMIZER",
    "BatchPlanner",
    "EpochListener",
    "EpochRecord",
    "NonPrivateLayerError",
    "StoredModelCheck",
    "StoredModelModifiedError",
    "StoredModelsReport",
    "TrainingPlan",
    "TrainingProgress",
    "TrainingResult",
    "check_fits_budget",
    "data_fingerprint",
    "find_training_replay",
    "plan_training",
    "train_dp_sgd",
    "verify_stored_models",
]
