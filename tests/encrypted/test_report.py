"""The encrypted-inference report: its arithmetic, its gates, its chart and its model-card section."""

from __future__ import annotations

import json

import numpy as np
import pytest

from jupyter_privacy.core.encrypted import (
    AccuracyCheck,
    EncryptedInferenceReport,
    EncryptedModel,
    PackingCost,
    PeakMemory,
    card_section_from,
    choose_parameters,
    he_error_gate,
    he_latency_gate,
)
from jupyter_privacy.core.errors import InvalidParameterError

COLUMN = PackingCost("column", rows=500, slots=4096, encrypt_seconds=0.2, score_seconds=0.06,
                     decrypt_seconds=0.002, upload_bytes=7_000_000, download_bytes=130_000,
                     server_seconds=0.04)  # fmt: skip
ROW = PackingCost("row", rows=20, slots=4096, encrypt_seconds=0.2, score_seconds=0.6,
                  decrypt_seconds=0.04, upload_bytes=20 * 235_000, download_bytes=20 * 131_000)  # fmt: skip


def _report(error: float = 2e-7) -> EncryptedInferenceReport:
    model = EncryptedModel.linear(np.ones(30), 0.0, name="lr")
    model.notes["release_id"] = 3
    accuracy = AccuracyCheck(1000, error, error / 3, 0.999, 0.0)
    return EncryptedInferenceReport.build(
        model, choose_parameters(1), accuracy, [COLUMN, ROW], 2e-5,
        peak_memory={"client_increase_bytes": 5 * 2**20, "server_peak_bytes": 150 * 2**20},
        transport="HTTP on 127.0.0.1",
    )  # fmt: skip


def test_costs_scale_by_chunks_for_columns_and_by_rows_for_rows() -> None:
    column = COLUMN.per_1000()  # 500 and 1,000 rows both fit one chunk of 4,096: the same cost
    assert column["total_seconds"] == pytest.approx(0.262) and column["extrapolated"]
    assert column["upload_bytes"] == 7_000_000 and column["server_seconds"] == 0.04
    assert COLUMN.scaled(5000)["upload_bytes"] == 14_000_000  # two chunks
    row = ROW.per_1000()
    assert row["score_seconds"] == pytest.approx(30.0) and row["upload_bytes"] == 235_000_000
    assert row["server_seconds"] is None
    assert ROW.per_row()["upload_bytes"] == 235_000 and not ROW.per_row()["extrapolated"]
    assert COLUMN.per_row()["upload_bytes"] == 14_000  # a chunk's bytes shared by its rows


def test_accuracy_check_compares_scores_and_decisions() -> None:
    check = AccuracyCheck.compare([1.0, -1.0, 0.5, -1e-9], [1.0 + 1e-6, -1.0, 0.5, 1e-9])
    assert check.rows == 4 and check.max_abs_error == pytest.approx(2e-9, abs=1e-6)
    assert check.label_agreement == 0.75  # the row on the boundary flipped
    with pytest.raises(InvalidParameterError, match="compare"):
        AccuracyCheck.compare([1.0], [1.0, 2.0])


def test_report_round_trip_and_summary(tmp_path) -> None:
    report = _report()
    loaded = EncryptedInferenceReport.load(report.save(tmp_path / "he_report.json"))
    assert loaded.to_dict() == report.to_dict()
    assert report.slowdown(COLUMN) == pytest.approx(0.04 / 2e-5)
    summary = report.summary()
    assert "max |decrypted − plaintext score| 2e-07" in summary and "128-bit" in summary
    assert "measured on 20 rows, scaled to 1,000" in summary
    assert card_section_from(tmp_path / "he_report.json", release_id=3) is not None
    assert card_section_from(tmp_path / "he_report.json", release_id=4) is None  # another model
    assert card_section_from(tmp_path / "missing.json") is None


def test_gates_pass_and_fail_with_reasons() -> None:
    passed = he_error_gate(_report(), 1e-3)
    assert passed.passed and passed.gate == "he_max_abs_error" and "within" in passed.reason
    failed = he_error_gate(_report(error=0.01), 1e-3)
    assert not failed.passed and "EXCEEDS" in failed.reason and "scale_bits" in failed.reason
    latency = he_latency_gate(_report(), 1.0)
    assert latency.passed and latency.gate == "he_latency[column]" and latency.observed == 0.262
    slow = he_latency_gate(_report(), 5.0, packing="row")
    assert not slow.passed and "OVER the budget of 5 s" in slow.reason and "scaled" in slow.reason
    report = _report()
    report.costs = [ROW]
    with pytest.raises(InvalidParameterError, match="no column-packed measurement"):
        he_latency_gate(report, 1.0)


def test_model_card_shows_the_encrypted_inference_section(tmp_path) -> None:
    import jsonschema

    from jupyter_privacy.core.reports.model_card import build_card, load_schema
    from jupyter_privacy.core.reports.privacy_budget import stated_guarantee

    guarantee = stated_guarantee(4.0, 1e-5, accountant="rdp", sampling="shuffle",
                                 privacy_unit="one person")  # fmt: skip
    card = build_card({"name": "lr"}, guarantee=guarantee,
                      encrypted_inference=_report().card_section())  # fmt: skip
    paths = card.write(tmp_path)
    privacy = json.loads(paths["privacy_card_json"].read_text())
    jsonschema.validate(privacy, load_schema("privacy-card"))
    assert privacy["encrypted_inference"]["accuracy"]["max_abs_error"] == 2e-7
    markdown = paths["markdown"].read_text()
    assert "## Encrypted inference" in markdown and "| column | 0.524 ms |" in markdown
    assert "secret key never leaves the client" in markdown
    html = paths["html"].read_text()
    assert "Encrypted inference" in html and "scaled to 1,000" in html
    plain = build_card({"name": "lr"}, guarantee=guarantee)  # no section without a report
    assert "encrypted_inference" not in plain.privacy_card()
    assert "Encrypted inference" not in plain.write(tmp_path / "plain")["markdown"].read_text()


def test_chart_data_and_chart() -> None:
    from jupyter_privacy.charts.encrypted import (
        encrypted_cost_chart,
        encrypted_cost_data,
        encrypted_size_data,
    )

    report = _report()
    costs = encrypted_cost_data(report)
    assert set(costs["packing"]) == {"column", "row", "plaintext"}
    row_score = costs[(costs.packing == "row") & (costs.phase == "score round trip")]
    assert row_score["seconds_per_1000"].item() == pytest.approx(30.0)
    assert row_score["extrapolated"].item()
    sizes = encrypted_size_data(report)
    assert sizes[sizes.packing == "column"]["mib_per_1000"].sum() == pytest.approx(
        (7_000_000 + 130_000) / 2**20
    )
    spec = encrypted_cost_chart(report).to_dict()
    assert "label agreement 99.90%" in spec["title"]["subtitle"]


def test_peak_memory_sees_native_allocations() -> None:
    with PeakMemory() as peak:
        block = np.ones(40 * 2**20 // 8)  # 40 MiB outside Python objects' small heap
        block += 1
    assert peak.increase_bytes >= 30 * 2**20 and peak.peak_bytes >= peak.start_bytes
    from jupyter_privacy.core.encrypted.measure import peak_rss_bytes

    assert peak_rss_bytes() >= peak.peak_bytes - 2**20  # the kernel's high-water mark saw it too
