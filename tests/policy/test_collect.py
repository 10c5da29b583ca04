"""Data collection toggles on pandas and polars: what each market may collect, the report of what
was removed and why, and the chained ledger event that never carries a data value."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from jupyter_privacy.core.errors import InvalidParameterError
from jupyter_privacy.core.ledger import Ledger
from jupyter_privacy.core.policy import PolicyBlockedError, load_policy
from jupyter_privacy.core.policy.enforce import frame_columns

from .conftest import SENTINEL


def columns(frame: Any) -> list[str]:
    return [str(c) for c in frame_columns(frame)]


def ledger_text(ledger: Ledger) -> str:
    return json.dumps(ledger.export(), default=str)


def test_eu_drops_special_category_identifiers_and_unknown_fields(
    policy_path: Path, ledger: Ledger, frame: Any
) -> None:
    policy = load_policy(policy_path, ledger=ledger)
    collected = policy.collect(frame, market="eu")
    assert columns(collected.frame) == ["wage", "education", "region"]
    assert type(collected.frame) is type(frame)
    why = {d.subject: d for d in collected.removed}
    assert set(why) == {"ethnicity", "email", "shoe_size"}
    assert why["ethnicity"].items == ("eu-gdpr-lawful-basis",)
    assert "Art. 9(2)" in why["ethnicity"].reason
    assert "data dictionary" in why["shoe_size"].reason
    assert "ethnicity" in collected.report() and "eu-gdpr-lawful-basis" in collected.report()
    [event] = ledger.event_log("policy")
    assert event.event == "policy.stripped"
    assert event.details["market"] == "eu" and event.details["items"] == ["eu-gdpr-lawful-basis"]
    assert [d["subject"] for d in event.details["decisions"]] == ["ethnicity", "email"]
    assert event.details["unlisted_fields"] == 1  # counted, not named
    assert "shoe_size" not in ledger_text(ledger)
    assert ledger.verify().ok


def test_markets_differ_on_the_same_frame(policy_path: Path, ledger: Ledger, frame: Any) -> None:
    policy = load_policy(policy_path, ledger=ledger)
    us = policy.collect(frame, market="us")
    india = policy.collect(frame, market="India")  # an alias of a policy market
    assert columns(us.frame) == ["wage", "education", "ethnicity", "region"]
    assert columns(india.frame) == ["wage", "education", "ethnicity", "region"]
    assert india.market == "in"


def test_refuse_mode_returns_nothing_and_records_the_refusal(
    policy_path: Path, ledger: Ledger, frame: Any
) -> None:
    policy = load_policy(policy_path, ledger=ledger)
    with pytest.raises(PolicyBlockedError, match="ethnicity, email") as raised:
        policy.collect(frame, market="eu", on_violation="refuse")
    assert raised.value.fields["items"] == ["eu-gdpr-lawful-basis"]
    [event] = ledger.event_log("policy.refused")
    assert event.details["mode"] == "refuse"


def test_unknown_market_is_refused_and_logged(policy_path: Path, ledger: Ledger,
                                              frame: Any) -> None:  # fmt: skip
    policy = load_policy(policy_path, ledger=ledger)
    for market in ("br", "atlantis"):  # a real market without a section, and no market at all
        with pytest.raises(PolicyBlockedError, match="unknown markets are denied"):
            policy.collect(frame, market=market)
    assert [e.details["market"] for e in ledger.event_log("policy.refused")] == ["atlantis", "br"]


def test_nothing_blocked_records_nothing(policy_path: Path, ledger: Ledger) -> None:
    import polars as pl

    policy = load_policy(policy_path, ledger=ledger)
    collected = policy.collect(pl.DataFrame({"wage": [1.0], "region": ["x"]}), market="eu")
    assert collected.removed == [] and ledger.event_log("policy") == []


def test_no_data_value_reaches_ledger_report_or_output(
    policy_path: Path, ledger: Ledger, frame: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    policy = load_policy(policy_path, ledger=ledger)
    collected = policy.collect(frame, market="eu")
    print(collected.report(), json.dumps(collected.to_dict()))
    with pytest.raises(PolicyBlockedError) as raised:
        policy.collect(frame, market="eu", on_violation="refuse")
    out = capsys.readouterr()
    for text in (ledger_text(ledger), out.out, out.err, str(raised.value),
                 json.dumps(raised.value.to_dict())):  # fmt: skip
        assert SENTINEL not in text


def test_unknown_column_names_stay_out_of_the_ledger(policy_path: Path, ledger: Ledger) -> None:
    """A wide frame's column could be a person (a pivot by name): only counted in the ledger."""
    import pandas as pd

    policy = load_policy(policy_path, ledger=ledger)
    wide = pd.DataFrame({"wage": [1.0], SENTINEL: [2.0]})
    collected = policy.collect(wide, market="us")
    assert columns(collected.frame) == ["wage"]
    assert SENTINEL not in ledger_text(ledger)


def test_bad_input_is_a_clear_error(policy_path: Path, ledger: Ledger) -> None:
    policy = load_policy(policy_path, ledger=ledger)
    with pytest.raises(InvalidParameterError, match="pandas or polars"):
        policy.collect([{"wage": 1}], market="eu")
    import polars as pl

    with pytest.raises(InvalidParameterError, match="'drop' or 'refuse'"):
        policy.collect(pl.DataFrame({"wage": [1.0]}), market="eu", on_violation="ignore")
    assert ledger.event_log() == []
