#!/usr/bin/env bash
# Regenerates the ONNX classifier fixtures in test/fixtures/models with the reference Python tools.
#
# Usage: scripts/model-fixtures.sh        (from anywhere; PYTHON=python3.11 to pick the interpreter)
#
# Creates (or reuses) the venv .venv-fixtures/ in the repo root, installs the pinned
# scripts/model-fixtures/requirements.txt, backfills data/candles into a temporary Parquet dataset,
# and runs scripts/model-fixtures/make_model_fixtures.py on it. Safe to run again: it rewrites the
# same files with the same contents.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
. scripts/python-tools.sh

venv="$root/.venv-fixtures"
python_venv "$venv" scripts/model-fixtures/requirements.txt

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

. scripts/node24.sh
node cli/candlestream.ts backfill --fresh --quiet \
  --source data/candles \
  --external data/external/fear_and_greed_index_daily.csv \
  --sink "parquet:$work/features" \
  --dead-letter "jsonl:$work/dead-letter.jsonl" \
  --state-dir "$work/state"

"$venv/bin/python" scripts/model-fixtures/make_model_fixtures.py \
  --features "$work/features" --out test/fixtures/models
