"""Pilot tracks: which template notebooks a pilot runs, in which order.

The playbook's pilot has one shape (threat model → a pilot → privacy tests → release artifacts →
community summary) with several possible pilots in the middle. A track names the steps by their
two-digit template prefix; a registry rather than an if-chain, so a new pilot adds one line.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from jupyter_privacy.core.errors import InvalidParameterError
from jupyter_privacy.core.templates import Template

DEFAULT_TRACK = "central"

#: track name → (template prefixes in run order, one-line description)
TRACKS: dict[str, tuple[tuple[str, ...], str]] = {
    "central": (
        ("01", "02", "03", "04", "05", "06"),
        "DP analytics (OpenDP) and DP-SGD training (TF Privacy) on central data",
    ),
    "federated": (
        ("01", "07", "04", "05", "06"),
        "DP federated averaging (Flower) over clients split by a public attribute",
    ),
    "he": (
        ("01", "08", "04", "05", "06"),
        "encrypted scoring (TenSEAL CKKS) of a DP-SGD logistic regression through a local service",
    ),
}

#: track name → parameter defaults the track's steps share (user values from -f and -p win).
#: federated: steps 04–06 test and publish the federated model; its utility is reported against
#: the threat model's bar but does not fail the pilot, because a handful of clients protected at
#: the client level leave little signal (docs/federated.md): -p require_utility true gates it.
TRACK_PARAMETERS: dict[str, dict[str, Any]] = {
    "federated": {"pilot_kind": "federated", "require_utility": False},
    "he": {"pilot_kind": "dpsgd", "model_budget": "pilot-he-model"},
}


def track_names() -> list[str]:
    return sorted(TRACKS)


def track_parameters(track: str | None) -> dict[str, Any]:
    """Defaults a track sets for its steps, e.g. the he track's steps 04–06 work on its model."""
    return dict(TRACK_PARAMETERS.get(track or "", {}))


def templates_for_track(templates: Sequence[Template], track: str | None) -> list[Template]:
    """The track's templates in its order. Without a track every template runs in name order
    (a team's own templates folder); with one, each of its steps must be present."""
    if track is None:
        return list(templates)
    if track not in TRACKS:
        raise InvalidParameterError(
            f"unknown pilot track {track!r}; choose one of: {', '.join(track_names())}"
        )
    by_prefix = {t.name[:2]: t for t in templates}
    prefixes, _ = TRACKS[track]
    missing = [p for p in prefixes if p not in by_prefix]
    if missing:
        raise InvalidParameterError(
            f"track {track!r} needs the template steps {', '.join(missing)}, which the templates "
            "folder does not have; run another track or add those notebooks"
        )
    return [by_prefix[p] for p in prefixes]
