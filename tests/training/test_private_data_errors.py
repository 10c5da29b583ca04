"""Item 2 of #13 for training: a label TensorFlow would refuse is not quoted back (TF's message
and its C++ log line list the label values); the kit refuses it first, and nothing is spent."""

from __future__ import annotations

import traceback

import pytest

from jupyter_privacy.core.errors import PrivacyError
from jupyter_privacy.core.training import train_dp_sgd

SENTINEL_LABEL = 4242  # a class index the 10-way model does not have


@pytest.mark.tf
@pytest.mark.slow
def test_out_of_range_label_is_not_quoted(ledger, digits_task, tmp_path, capfd) -> None:
    x, y = digits_task(64, hidden=4)
    y = y.copy()
    y[17] = SENTINEL_LABEL
    ledger.create_budget("m", 10.0, 1e-3)
    with pytest.raises(PrivacyError) as caught:
        train_dp_sgd(digits_task(64, hidden=4).model(), x, y, budget="m", ledger=ledger,
                     epochs=1, batch_size=16, noise_multiplier=1.0, clip_norm=1.0,
                     model_store=tmp_path / "models")  # fmt: skip
    said = "".join(traceback.format_exception(caught.value)) + repr(caught.value.to_dict())
    assert str(SENTINEL_LABEL) not in said
    assert "y data row 18 is not a class index in [0, 10)" in caught.value.message
    assert ledger.budget("m").epsilon_spent == 0
    assert str(SENTINEL_LABEL) not in "".join(capfd.readouterr())  # nor TensorFlow's C++ log
