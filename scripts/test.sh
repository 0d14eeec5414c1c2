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
log=$(mktemp)
trap 'rm -f "$log"' EXIT
# A service that cannot be had is said once here (and in the closing lines,
# scripts/suite-summary.py); the suites that need it then skip loudly, or
# under CI=true fail (tests/src/service.rs): CI may skip nothing.
unavailable() {
  echo "SERVICE UNAVAILABLE [$1]: $2" | tee -a "$log"
}
# The server's storage suite runs against PostgreSQL too.
if url=$(scripts/start-postgres.sh); then
  export PPH_TEST_DATABASE_URL=$url
  echo "PostgreSQL for the conformance suite: $url"
else
  unavailable PostgreSQL "scripts/start-postgres.sh could not start a cluster"
fi
# Several relays on one PostgreSQL, behind a load balancer (tests/tests/cluster.rs).
if bin=$(scripts/install-haproxy.sh); then
  export PPH_HAPROXY=$bin
  echo "HAProxy for the several-relays suite: $bin"
else
  unavailable HAProxy "scripts/install-haproxy.sh could not install it"
fi
# The iOS state holders build and run in Swift.
if root=$(scripts/install-swift.sh); then
  export PPH_SWIFT_ROOT=$root
  echo "Swift toolchain for the iOS state holders: $root"
else
  unavailable Swift "scripts/install-swift.sh could not install a toolchain"
fi
# The store's files against stock SQLCipher 4, in the same Debian root.
if root=$(scripts/install-sqlcipher.sh); then
  export PPH_SQLCIPHER_ROOT=$root
  echo "Stock SQLCipher for the store's interoperability suite: $root"
else
  unavailable SQLCipher "scripts/install-sqlcipher.sh could not install it"
fi
cargo fmt --all --check
tools=${PPH_TOOLS_DIR:-/var/tmp/pph-tools}
"$tools/bin/cargo-deny" check bans licenses sources
"$tools/bin/typos"
cargo clippy --workspace --all-targets -- -D warnings
# Every test binary, and the debug library the Python, Kotlin and Swift
# suites load, from these sources: `cargo test` alone builds no cdylib for
# pph-ffi (it has no rlib), and the suites refuse a library older than any
# source it is made from (bindings/tests/foreign.rs). Built together so the
# library has the same features as the tests and nothing compiles twice.
cargo build --workspace --lib --tests
export PPH_FFI_LIBRARY=$CARGO_TARGET_DIR/debug/libpph_ffi.so
set +e
cargo test --workspace --no-fail-fast 2>&1 | tee -a "$log"
status=${PIPESTATUS[0]}
# Every test the clinical safety hazard log names must have run and passed.
python3 scripts/check-hazard-log.py "$log" | tee -a "$log"
[[ ${PIPESTATUS[0]} -eq 0 ]] || { status=1; echo "CHECK FAILED [hazard log]" >>"$log"; }
# The library the phones ship stays within its size budget.
scripts/check-library-size.sh 2>&1 | tee -a "$log"
[[ ${PIPESTATUS[0]} -eq 0 ]] || { status=1; echo "CHECK FAILED [library size]" >>"$log"; }
# The closing lines: each suite ran, skipped (why) or failed; the total.
python3 scripts/suite-summary.py "$log" || status=1
exit "$status"
