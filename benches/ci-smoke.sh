#!/usr/bin/env bash
# CI smoke test for the comparison harness: a tiny workload (corpus S and a ~1 MB
# corpus M, short drafts only, no L) through benches/compare.py. It fails if the
# harness crashes or if quoteline gets fewer than 90% of the planted quotes right.
#
# Usage: benches/ci-smoke.sh path/to/quoteline
set -euo pipefail

bin="${1:?usage: benches/ci-smoke.sh path/to/quoteline}"
if [[ ! -x "$bin" ]]; then
  echo "ci-smoke: $bin is not an executable; build it first (cargo build --release)" >&2
  exit 2
fi
bin="$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")"

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="$repo/bench-out/ci-smoke"
venv="$repo/bench-out/venv"
mkdir -p "$out"

# The venv is reused across runs on the same machine; pip makes the second install a no-op.
if [[ ! -x "$venv/bin/python" ]]; then
  python3 -m venv "$venv"
fi
"$venv/bin/pip" install --quiet --disable-pip-version-check -r "$repo/benches/requirements.txt"

if ! command -v rg >/dev/null 2>&1; then
  echo "ci-smoke: rg not found; the ripgrep column will be skipped (apt-get install ripgrep)" >&2
fi

# Four short drafts per corpus give 20 quotes each, enough that one wrong verdict does not sink the 0.9 bar alone.
"$venv/bin/python" "$repo/benches/workloads.py" \
  --out "$out/workloads" --sizes S,M --m-bytes 1000000 --drafts short --short-drafts 4

"$venv/bin/python" "$repo/benches/compare.py" \
  --workloads "$out/workloads" --out "$out" --sizes S,M \
  --quoteline "$bin" --require-quoteline \
  --query-drafts short --drafts short --min-accuracy 0.9
