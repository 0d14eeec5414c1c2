#!/usr/bin/env bash
# Stock SQLCipher 4 (Debian trixie's `sqlcipher` command, built on OpenSSL)
# for the store's interoperability suite (tests/tests/sqlcipher.rs): installed
# into the Debian trixie root scripts/install-swift.sh makes (bookworm's
# package is SQLCipher 3), run there with chroot. Needs root. Prints the
# root's path; exits non-zero when it cannot. Idempotent: quick when done.
set -euo pipefail
root=$(scripts/install-swift.sh)
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if [[ ! -f "$root/.pph-sqlcipher" ]]; then
  {
    chroot "$root" apt-get update -qq
    chroot "$root" env DEBIAN_FRONTEND=noninteractive \
      apt-get install -y -qq --no-install-recommends sqlcipher
    chroot "$root" apt-get clean
  } >"$log" 2>&1 || {
    tail -20 "$log" >&2
    exit 1
  }
  # Only a SQLCipher 4 that answers counts as installed.
  version=$(echo 'PRAGMA cipher_version;' | chroot "$root" sqlcipher ':memory:' 2>&1)
  if [[ $version != 4.* ]]; then
    echo "install-sqlcipher: expected SQLCipher 4, got: $version" >&2
    exit 1
  fi
  touch "$root/.pph-sqlcipher"
fi
echo "$root"
