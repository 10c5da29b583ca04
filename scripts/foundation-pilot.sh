#!/usr/bin/env bash
# The end-to-end job until the pilot notebooks land: a fresh ledger, a budget, releases, the status.
set -euo pipefail
out=${1:-build/pilot}
rm -rf "$out"; mkdir -p "$out"
jp() { .venv/bin/jupyter-privacy "$@" --ledger "sqlite:///$PWD/$out/ledger.db"; }
jp budget create census-2026 --epsilon 1.0 --delta 1e-6 --unit "one person" --max-contributions 1
jp budget spend census-2026 --epsilon 0.25 --mechanism laplace --description "count of respondents"
jp budget spend census-2026 --epsilon 0.25 --mechanism laplace --description "count of respondents" \
  --replay-key demo-count  # first run spends …
jp budget spend census-2026 --epsilon 0.25 --mechanism laplace --description "count of respondents" \
  --replay-key demo-count  # … a re-run replays and spends nothing
jp budget show census-2026
jp ledger verify
jp ledger export --out "$out/ledger-export.json"
