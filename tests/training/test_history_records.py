"""The history file beside a trained model never holds the exact training loss or accuracy (no
TensorFlow needed): records are stored as `releasable()`, and a history written by an earlier
version, which did hold them, is read back without them while its bytes (and digest) stay as they
were."""

from __future__ import annotations

import hashlib
import json

from jupyter_privacy.core.training import EpochRecord
from jupyter_privacy.core.training.replay import history_path, load_history, save_history

EXACT_LOSS, EXACT_ACCURACY = 145.06910156, 0.13333333


def record(epoch: int, **extra: object) -> EpochRecord:
    return EpochRecord(epoch=epoch, epochs=2, loss=EXACT_LOSS, accuracy=EXACT_ACCURACY,
                       val_loss=None, val_accuracy=0.54, epsilon=1.1 * epoch, delta=1e-5,
                       accountant="rdp", sampling="poisson", seconds=0.5,
                       validation_epsilon=0.125 * epoch, private_metrics=True, **extra)  # fmt: skip


def test_stored_histories_never_hold_exact_training_figures(tmp_path) -> None:
    shown = [record(1), record(2)]  # what show_private_metrics=True gave the analyst
    staged = save_history(shown, history_path(tmp_path, "dpsgd2:k"))
    text = staged.read_text()
    assert "145.069" not in text and "0.13333" not in text
    assert [row["loss"] for row in json.loads(text)] == [None, None]
    assert all(not row["private_metrics"] for row in json.loads(text))
    kept = shown[0].releasable()
    assert (kept.loss, kept.accuracy, kept.private_metrics) == (None, None, False)
    assert (kept.val_accuracy, kept.epsilon) == (0.54, 1.1)


def test_an_older_history_replays_without_its_exact_figures_and_stays_verifiable(tmp_path) -> None:
    path = history_path(tmp_path, "dpsgd2:old")
    path.write_text(json.dumps([{k: v for k, v in record(e).to_dict().items()
                                 if k != "private_metrics"} for e in (1, 2)]))  # fmt: skip
    before = path.read_bytes()
    replayed = load_history(tmp_path, "dpsgd2:old", hashlib.sha256(before).hexdigest())
    assert [r.epoch for r in replayed] == [1, 2] and all(r.replayed for r in replayed)
    assert all(r.loss is None and r.accuracy is None for r in replayed)
    assert [r.val_accuracy for r in replayed] == [0.54, 0.54]
    assert path.read_bytes() == before  # unchanged: the digest recorded with its release matches
