"""The ε budget as the release publishes it: privacy-budget.json, the DP guarantee, the changelog.

Read from the ledger (the source of truth). Every ε carries its accountant, conversion, sampling
assumption, δ and privacy unit, taken from the release's `details`; anything a release did not
record is listed under `missing` rather than guessed. No digest of the data is published (see
core/ledger/published.py): a release names its data by public metadata only (declared bounds, the
training set's size), unless the caller asks for the keyed digests.
"""

from __future__ import annotations

from typing import Any

from jupyter_privacy.core.errors import InvalidParameterError
from jupyter_privacy.core.ledger import Ledger, Release
from jupyter_privacy.core.ledger.published import published_details
from jupyter_privacy.core.ledger.secret import is_keyed
from jupyter_privacy.core.validation import check_delta, check_epsilon

BUDGET_FORMAT = "jupyter-privacy/privacy-budget@1"
ASSUMPTIONS = ("accountant", "conversion", "sampling", "privacy_unit")
NOT_RECORDED = "not recorded"
#: A DP-SGD release's digest of its stored weights (core.training.replay.WEIGHTS_DIGEST): the card
#: names the exact model file the guarantee is about. Spelled here so reports need no training code.
WEIGHTS_KEY = "weights_sha256"


def release_guarantee(release: Release, budget_unit: str) -> dict[str, Any]:
    details = release.details or {}
    stated = {key: details.get(key) for key in ASSUMPTIONS}
    if not stated["privacy_unit"]:
        stated["privacy_unit"] = budget_unit
    missing = [key for key, value in stated.items() if not value]
    return {
        "release_id": release.id, "created_at": release.created_at, "epsilon": release.epsilon,
        "delta": release.delta, "mechanism": release.mechanism or NOT_RECORDED,
        "description": release.description,
        **{key: value or NOT_RECORDED for key, value in stated.items()},
        "data": public_data(details), "missing": missing,
        **({"weights_sha256": details[WEIGHTS_KEY]} if details.get(WEIGHTS_KEY) else {}),
        **({"validation": validation_text(details["validation"])}
           if details.get("validation") else {}),
    }  # fmt: skip


def validation_text(validation: dict[str, Any]) -> str:
    """How a DP-SGD release's validation metrics were released (its details' `validation`)."""
    mode = validation.get("mode")
    if mode == "dp":
        return (f"accuracy DP-released ({validation.get('mechanism')}), ε "
                f"{validation.get('epsilon_total', 0):g} over {len(validation.get('release_ids', []))}"
                " releases charged to the same budget; loss not released")  # fmt: skip
    if mode == "public":
        return ("validation data declared public by the analyst: exact metrics, not covered by the "
                "(ε, δ) guarantee")  # fmt: skip
    return "no validation metrics released"


def budget_document(ledger: Ledger, name: str) -> dict[str, Any]:
    """privacy-budget.json: the budget's totals and every release with its stated assumptions."""
    budget = ledger.budget(name)
    releases = [release_guarantee(r, budget.privacy_unit) for r in ledger.history(name)]
    return {
        "format": BUDGET_FORMAT,
        "budget": {
            "name": budget.name, "epsilon_total": budget.epsilon_total,
            "delta_total": budget.delta_total, "epsilon_spent": budget.epsilon_spent,
            "delta_spent": budget.delta_spent, "epsilon_remaining": budget.epsilon_remaining,
            "composition": budget.composition, "privacy_unit": budget.privacy_unit,
            "max_contributions": budget.max_contributions, "release_count": budget.release_count,
        },
        "composition_note": _composition_note(budget.composition),
        "releases": releases,
        "ledger": ledger.display_url,
        # The ledger's head when this was written: `ledger verify --anchor privacy-budget.json`
        # later shows whether the ledger's history was rewritten since.
        "anchor": ledger.anchor().to_dict(),
    }  # fmt: skip


def _composition_note(composition: str) -> str:
    if composition == "zcdp":
        return "releases compose under zero-concentrated DP (ρ adds up), converted to (ε, δ)"
    return "basic composition: the budget's ε and δ are the sums over its releases"


def model_guarantee(document: dict[str, Any], release_id: int | None = None) -> dict[str, Any]:
    """The model's (ε, δ): one release (e.g. the DP-SGD training run) or the whole budget."""
    releases = document["releases"]
    budget = document["budget"]
    if release_id is not None:
        for release in releases:
            if release["release_id"] == release_id:
                return {**release, "source": f"ledger release #{release_id} of '{budget['name']}'",
                        "budget": budget["name"]}  # fmt: skip
        ids = ", ".join(str(r["release_id"]) for r in releases) or "none"
        raise InvalidParameterError(
            f"budget '{budget['name']}' has no release {release_id}; its releases: {ids}"
        )
    if not releases:
        raise InvalidParameterError(
            f"budget '{budget['name']}' has no releases yet: train or release first, or state "
            "the guarantee with --epsilon/--delta/--accountant"
        )
    accountants = sorted({r["accountant"] for r in releases})
    return {
        "epsilon": budget["epsilon_spent"], "delta": budget["delta_spent"],
        "accountant": f"{document['composition_note']}; per release: {', '.join(accountants)}",
        "conversion": "; ".join(sorted({r["conversion"] for r in releases})),
        "sampling": "; ".join(sorted({r["sampling"] for r in releases})),
        "privacy_unit": budget["privacy_unit"], "mechanism": "all releases of the budget",
        "source": f"all {len(releases)} releases of budget '{budget['name']}'",
        "budget": budget["name"],
        "missing": sorted({m for r in releases for m in r["missing"]}),
        "data": releases[-1]["data"],
    }  # fmt: skip


def stated_guarantee(
    epsilon: float, delta: float, *, accountant: str, conversion: str = "", sampling: str = "",
    privacy_unit: str = "",
) -> dict[str, Any]:  # fmt: skip
    """A guarantee given by the caller (e.g. from a training run not recorded in this ledger)."""
    stated = {"accountant": accountant, "conversion": conversion, "sampling": sampling,
              "privacy_unit": privacy_unit}  # fmt: skip
    return {
        "epsilon": check_epsilon(epsilon), "delta": check_delta(delta),
        **{key: value or NOT_RECORDED for key, value in stated.items()},
        "mechanism": NOT_RECORDED, "source": "stated by the card's author (not from the ledger)",
        "missing": [key for key, value in stated.items() if not value], "data": {},
    }  # fmt: skip


def privacy_changelog(ledger: Ledger, name: str) -> list[dict[str, Any]]:
    """Budget, dataset and label changes, in ledger order, from the hash-chained events.

    A dataset change is noticed by comparing the releases' keyed fingerprints, which are never
    printed; fingerprints of different kinds (unkeyed ones from before keys) are not compared.
    """
    log: list[dict[str, Any]] = []
    last_fingerprint: str | None = None
    last_labels: Any = None
    for event in ledger.events(name):
        when, details = event["created_at"], event.get("details") or {}
        kind = event["kind"]
        if kind == "create":
            log.append(_entry(when, "budget", f"budget created: ε {event['epsilon']:g}, "
                              f"δ {event['delta']:g}", event))  # fmt: skip
        elif kind == "raise":
            log.append(_entry(when, "budget", f"budget raised from ε {details.get('previous_epsilon')}"
                              f" to ε {event['epsilon']:g}: {event['description']}", event))  # fmt: skip
        elif kind == "release":
            log.append(_entry(when, "release", f"release #{event['id']} spent ε {event['epsilon']:g}"
                              f" ({event['mechanism'] or 'unspecified'}): {event['description']}",
                              event))  # fmt: skip
            fingerprint = details.get("data_fingerprint")
            if fingerprint and fingerprint != last_fingerprint:
                if last_fingerprint is None:
                    text = f"dataset first seen (release #{event['id']})"
                elif is_keyed(fingerprint) == is_keyed(last_fingerprint):
                    text = f"dataset changed: release #{event['id']} read different data"
                else:
                    text = ""  # the fingerprint's kind changed (keys introduced), not the data
                if text:
                    log.append(_entry(when, "dataset", text, event))
                last_fingerprint = fingerprint
            labels = details.get("labels")
            if labels is not None and labels != last_labels:
                verb = "labels first seen" if last_labels is None else "labels changed"
                log.append(_entry(when, "labels", f"{verb}: {labels}", event))
                last_labels = labels
    return log


def _entry(when: str, kind: str, text: str, event: dict[str, Any]) -> dict[str, Any]:
    return {"at": when, "kind": kind, "change": text, "actor": event.get("actor", ""),
            "entry_id": event["id"]}  # fmt: skip


def public_data(details: dict[str, Any]) -> dict[str, Any]:
    """What a release may say about its data: the declared (public) bounds and, for a training, its
    size (public to the accountant); never a digest or anything read from the values."""
    public: dict[str, Any] = {}
    if isinstance(details.get("bounds"), dict) and details["bounds"]:
        public["declared_bounds"] = details["bounds"]
    hyper = details.get("hyper_parameters")
    if isinstance(hyper, dict) and isinstance(hyper.get("dataset_size"), int):
        public["rows"] = hyper["dataset_size"]
    return public


def _digests(details: dict[str, Any]) -> dict[str, Any]:
    """Asked for: the keyed data fingerprint (an unkeyed one is withheld)."""
    shown = published_details(details, include_digests=True)
    return {"data_fingerprint": shown["data_fingerprint"]} if "data_fingerprint" in shown else {}


def with_data_digests(document: dict[str, Any], ledger: Ledger) -> dict[str, Any]:
    """`budget_document(...)` for a user who asks for digests: each release gets its keyed data
    fingerprint (an unkeyed one, from before keys, is withheld). Not for publishing by default."""
    by_id = {r.id: r for r in ledger.history(document["budget"]["name"])}
    for release in document["releases"]:
        release.update(_digests(by_id[release["release_id"]].details or {}))
    return document
