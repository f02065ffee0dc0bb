#!/usr/bin/env bash
# Domain-check benchmark (issue 3 item 4), side by side with mailauth (npm) in one run: N
# generated domains (default 500) in the test world, `mtasts check` with SMTP probing vs
# mailauth's getPolicy + validateMx against the same DNS server and CA. Needs root (private
# network and mount namespaces); only loopback traffic, `.test` names.
# Usage: bash bench/run-check.sh [--domains N] [--concurrency C]
set -euo pipefail
cd "$(dirname "$0")/.."
cmake --preset release >/dev/null
cmake --build --preset release --target mtasts >/dev/null
cmake --build --preset release --target bench_check >/dev/null
(cd bench/mailauth && [ -d node_modules/mailauth ] || npm install --silent --no-audit --no-fund >/dev/null)
exec build/release/bench/bench_check --mtasts "$PWD/build/release/mtasts" \
  --mailauth-script "$PWD/bench/mailauth/check.js" "$@"
