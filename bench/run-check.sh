#!/usr/bin/env bash
# Domain-check benchmark (issue 3 item 4), side by side with mailauth (npm) in one run: N
# generated domains (default 500) in the test world, `mtasts check` with SMTP probing vs
# mailauth's getPolicy + validateMx against the same DNS server and CA. Needs root (private
# network and mount namespaces); only loopback traffic, `.test` names.
# Usage: [BUILD_DIR=build/release] bash bench/run-check.sh [--domains N] [--concurrency C]
# BUILD_DIR (relative to the source root) is configured with the release preset and built there.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR="${BUILD_DIR:-build/release}"
cmake --preset release -B "$BUILD_DIR" >/dev/null
cmake --build "$BUILD_DIR" --target mtasts >/dev/null
cmake --build "$BUILD_DIR" --target bench_check >/dev/null
(cd bench/mailauth && [ -d node_modules/mailauth ] || npm install --silent --no-audit --no-fund >/dev/null)
exec "$BUILD_DIR/bench/bench_check" --mtasts "$PWD/$BUILD_DIR/mtasts" \
  --mailauth-script "$PWD/bench/mailauth/check.js" "$@"
