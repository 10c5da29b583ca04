"""Market-by-market compliance checklists for a use case: Markdown, HTML and a JSON status for gates.

The facts live in markets/<code>.yaml, one file per market, each item with its law, source
references, a confidence tag (C1 primary text seen, C2 secondary sources, M from memory,
U unconfirmed) and an as-of date. Only in-force or adopted items backed by C1/C2 sources are shown
as binding; everything else is marked unconfirmed, pending or voluntary. Engineering guidance, not
legal advice.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from jupyter_privacy.core.errors import InvalidParameterError
from jupyter_privacy.core.files import read_json_file, read_yaml_mapping
from jupyter_privacy.core.reports import html
from jupyter_privacy.core.reports.use_cases import USE_CASES

CHECKLIST_FORMAT = "jupyter-privacy/checklist@1"
DISCLAIMER = (
    "Engineering guidance, not legal advice: a starting point for review by counsel. Facts carry "
    "their source, a confidence tag and an as-of date; verify unconfirmed items before relying on them."
)
CONFIDENCE = {
    "C1": "confirmed from the primary text",
    "C2": "confirmed from secondary sources; verify against the primary text",
    "M": "unconfirmed (from memory)",
    "U": "unconfirmed or sources conflict",
}
LEGAL_STATUS = {
    "in_force": "in force",
    "applies_from": "adopted; applies from the date shown",
    "pending": "pending, not law",
    "guidance": "regulator guidance, not binding",
    "voluntary": "voluntary framework",
    "repealed": "not law (died, repealed or vetoed)",
}
ANSWERS = ("open", "done", "n/a")
_BINDING_STATUS = {"in_force", "applies_from"}
_CATEGORIES = ("prohibited", "restricted", "documentation", "transparency", "records", "breach",
               "rights", "evidence")  # fmt: skip
_ITEM_KEYS = {"id", "category", "law", "text", "applies_to", "legal_status", "effective",
              "confidence", "sources"}  # fmt: skip


def _market_files() -> dict[str, Any]:
    folder = resources.files("jupyter_privacy.core.reports") / "markets"
    return {f.name.removesuffix(".yaml"): f for f in folder.iterdir() if f.name.endswith(".yaml")}


@functools.cache
def load_market(code: str) -> dict[str, Any]:
    """One market's data, validated (a broken data file is a bug, reported as such)."""
    files = _market_files()
    canonical = resolve_market(code)
    data = yaml.safe_load(files[canonical].read_text(encoding="utf-8"))
    problems = market_problems(data)
    if problems:
        raise InvalidParameterError(
            f"market file {canonical}.yaml is invalid: {'; '.join(problems)}"
        )
    return data  # type: ignore[no-any-return]


def known_markets() -> dict[str, str]:
    """Market code → name, for help texts and error messages."""
    return dict(_market_names())


@functools.cache
def _market_names() -> tuple[tuple[str, str], ...]:
    return tuple(
        (code, yaml.safe_load(file.read_text(encoding="utf-8"))["name"])
        for code, file in sorted(_market_files().items())
    )


@functools.cache
def _aliases() -> dict[str, str]:
    table = {}
    for code, file in _market_files().items():
        table[code] = code
        for alias in yaml.safe_load(file.read_text(encoding="utf-8")).get("aliases", []):
            table[alias] = code
    return table


def resolve_market(code: str) -> str:
    key = str(code).strip().lower()
    if key not in _aliases():
        known = ", ".join(f"{c} ({n})" for c, n in known_markets().items())
        raise InvalidParameterError(f"unknown market {code!r}; known markets: {known}",
                                    parameter="market")  # fmt: skip
    return _aliases()[key]


def market_problems(data: Any) -> list[str]:
    """Schema check of a market file: every item sourced, tagged and dated."""
    problems: list[str] = []
    for key in ("market", "name", "as_of", "regulators", "items", "key_dates", "sources"):
        if key not in data:
            problems.append(f"missing {key!r}")
    if problems:
        return problems
    sources = data["sources"]
    dt.date.fromisoformat(str(data["as_of"]))
    for item in data["items"]:
        where = f"item {item.get('id')!r}"
        missing = _ITEM_KEYS - set(item)
        if missing:
            problems.append(f"{where} lacks {sorted(missing)}")
            continue
        if item["category"] not in _CATEGORIES:
            problems.append(f"{where}: category {item['category']!r}")
        if item["legal_status"] not in LEGAL_STATUS:
            problems.append(f"{where}: legal_status {item['legal_status']!r}")
        unknown_uses = set(item["applies_to"]) - set(USE_CASES) - {"all"}
        if unknown_uses:
            problems.append(f"{where}: unknown use case(s) {sorted(unknown_uses)}")
        problems += _tag_problems(where, item, sources)
    for entry in data["key_dates"] + data["regulators"]:
        problems += _tag_problems(f"{entry.get('event') or entry.get('name')!r}", entry, sources)
    return problems


def _tag_problems(where: str, entry: dict[str, Any], sources: dict[str, str]) -> list[str]:
    problems = []
    if entry.get("confidence") not in CONFIDENCE:
        problems.append(f"{where}: confidence must be one of {', '.join(CONFIDENCE)}")
    cited = entry.get("sources", [])
    if entry.get("confidence") in ("C1", "C2") and not cited:
        problems.append(f"{where}: a C1/C2 fact needs at least one source")
    problems += [f"{where}: source {s} is not listed" for s in cited if s not in sources]
    return problems


def is_binding(item: dict[str, Any]) -> bool:
    """Shown as a requirement only when it is law (in force or adopted) AND sourced (C1/C2)."""
    return item["legal_status"] in _BINDING_STATUS and item["confidence"] in ("C1", "C2")


def status_label(item: dict[str, Any]) -> str:
    if item["confidence"] in ("M", "U"):
        return "UNCONFIRMED: not binding until verified"
    if item["legal_status"] not in _BINDING_STATUS:
        return LEGAL_STATUS[item["legal_status"]].upper() if item["legal_status"] in (
            "pending", "repealed") else LEGAL_STATUS[item["legal_status"]]  # fmt: skip
    when = item.get("effective_note") or item.get("effective")
    label = "binding"
    if item["legal_status"] == "applies_from" and when:
        label = f"binding from {when}"
    if item["confidence"] == "C2":
        label += " (secondary sources: verify against the primary text)"
    return label


def check_use_cases(use_cases: list[str]) -> list[str]:
    if not use_cases:
        raise InvalidParameterError(
            f"name at least one use case; known: {', '.join(USE_CASES)}", parameter="use_case"
        )
    for use in use_cases:
        if use not in USE_CASES:
            raise InvalidParameterError(
                f"unknown use case {use!r}; known: {', '.join(USE_CASES)}", parameter="use_case"
            )
    return list(dict.fromkeys(use_cases))


@dataclass
class Checklist:
    markets: list[dict[str, Any]]
    use_cases: list[str]
    items: list[dict[str, Any]]
    generated_on: str = field(default_factory=lambda: dt.date.today().isoformat())

    def to_dict(self) -> dict[str, Any]:
        counts = {a: sum(1 for i in self.items if i["answer"] == a) for a in ANSWERS}
        open_binding = [i["id"] for i in self.items if i["binding"] and i["answer"] == "open"]
        return {
            "format": CHECKLIST_FORMAT, "disclaimer": DISCLAIMER, "generated_on": self.generated_on,
            "markets": [{"code": m["market"], "name": m["name"], "as_of": str(m["as_of"])}
                        for m in self.markets],
            "use_cases": self.use_cases, "items": self.items,
            "key_dates": [{**d, "market": m["market"]} for m in self.markets for d in m["key_dates"]],
            "summary": {**counts, "total": len(self.items),
                        "binding": sum(1 for i in self.items if i["binding"]),
                        "open_binding": open_binding},
        }  # fmt: skip

    def to_markdown(self) -> str:
        out = [f"# Compliance checklist: {', '.join(m['name'] for m in self.markets)}", "",
               f"> {DISCLAIMER}", "", f"Use case: {', '.join(self.use_cases)}. Generated "
               f"{self.generated_on}.", ""]  # fmt: skip
        for market in self.markets:
            out += [f"## {market['name']} (facts as of {market['as_of']})", "", "Regulators:"]
            out += [
                f"- {r['name']}: {r['scope']} [{r['confidence']}]" for r in market["regulators"]
            ]
            out += ["", html.markdown_table(_HEADERS, _rows(self._of(market)))]
            out += ["Key dates:", ""]
            out.append(html.markdown_table(["date", "event", "confidence", "sources"],
                                           _date_rows(market)))  # fmt: skip
            out += ["Sources:", *[f"- {k}: {v}" for k, v in market["sources"].items()], ""]
        out += ["Confidence tags: " + "; ".join(f"{k} = {v}" for k, v in CONFIDENCE.items())]
        return "\n".join(out) + "\n"

    def to_html(self) -> str:
        body = [html.paragraph(DISCLAIMER, "banner"),
                html.paragraph(f"Use case: {', '.join(self.use_cases)}. Generated {self.generated_on}.")]  # fmt: skip
        for market in self.markets:
            body.append(html.heading(f"{market['name']} (facts as of {market['as_of']})"))
            body.append(html.bullet_list(f"{r['name']}: {r['scope']} [{r['confidence']}]"
                                         for r in market["regulators"]))  # fmt: skip
            body.append(html.table(_HEADERS, _rows(self._of(market))))
            body.append(html.heading("Key dates", 3))
            body.append(html.table(["date", "event", "confidence", "sources"], _date_rows(market)))
            body.append(html.heading("Sources", 3))
            body.append(html.bullet_list(f"{k}: {v}" for k, v in market["sources"].items()))
        body.append(
            html.paragraph(
                "Confidence tags: " + "; ".join(f"{k} = {v}" for k, v in CONFIDENCE.items())
            )
        )
        title = f"Compliance checklist: {', '.join(m['name'] for m in self.markets)}"
        return html.page(title, "".join(body))

    def _of(self, market: dict[str, Any]) -> list[dict[str, Any]]:
        return [i for i in self.items if i["market"] == market["market"]]


_HEADERS = ["id", "answer", "status", "category", "law", "what to do", "effective", "confidence",
            "as of", "sources"]  # fmt: skip


def _rows(items: list[dict[str, Any]]) -> list[list[str]]:
    return [[i["id"], i["answer"] + (f" ({i['note']})" if i.get("note") else ""), i["status"],
             i["category"], i["law"], i["text"], i.get("effective_note") or i["effective"] or "-",
             i["confidence"], i["as_of"], ", ".join(i["sources"]) or "-"]
            for i in items]  # fmt: skip


def _date_rows(market: dict[str, Any]) -> list[list[str]]:
    return [[d["date"], d["event"], d["confidence"], ", ".join(d["sources"])]
            for d in market["key_dates"]]  # fmt: skip


def build_checklist(
    markets: list[str], use_cases: list[str], answers: dict[str, Any] | None = None
) -> Checklist:
    """Items of the chosen markets that apply to the use cases, with the team's answers merged."""
    if not markets:
        raise InvalidParameterError(
            f"name at least one market; known: {', '.join(known_markets())}"
        )
    codes = list(dict.fromkeys(resolve_market(m) for m in markets))
    uses = check_use_cases(use_cases)
    loaded = [load_market(code) for code in codes]
    answers = _check_answers(answers or {}, loaded)
    items = []
    for market in loaded:
        for item in market["items"]:
            if "all" not in item["applies_to"] and not set(item["applies_to"]) & set(uses):
                continue
            answer = answers.get(item["id"], {})
            items.append({
                **item, "market": market["market"], "as_of": str(market["as_of"]),
                "binding": is_binding(item), "status": status_label(item),
                "confidence_meaning": CONFIDENCE[item["confidence"]],
                "answer": answer.get("answer", "open"), "note": answer.get("note", ""),
            })  # fmt: skip
    return Checklist(loaded, uses, items)


def _check_answers(answers: dict[str, Any], markets: list[dict[str, Any]]) -> dict[str, Any]:
    """Answers file: {item id: done | n/a | open, or {answer:, note:}}; unknown ids are errors."""
    ids = {item["id"] for m in markets for item in m["items"]}
    out = {}
    for key, value in answers.items():
        if key not in ids:
            raise InvalidParameterError(
                f"answers: unknown checklist item {key!r} for these markets"
            )
        entry = value if isinstance(value, dict) else {"answer": value}
        if entry.get("answer") not in ANSWERS:
            raise InvalidParameterError(
                f"answers: {key}: answer must be one of {', '.join(ANSWERS)}, got {entry.get('answer')!r}"
            )
        out[key] = entry
    return out


def load_answers(path: str | Path) -> dict[str, Any]:
    return read_yaml_mapping(path, "answers file", "item ids to done, n/a or open")


def load_checklist_status(path: str | Path) -> dict[str, Any]:
    """A checklist JSON written by `jupyter privacy checklist --json --out`, for gates and cards."""
    file = Path(path)
    data = read_json_file(file, "checklist status")
    if data.get("format") != CHECKLIST_FORMAT:
        raise InvalidParameterError(f"{file} is not a checklist status (format {CHECKLIST_FORMAT})")
    return data  # type: ignore[no-any-return]
