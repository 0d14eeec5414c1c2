#!/usr/bin/env bash
# SQLCipher's C part as the app builds it (SQLite with the custom crypto
# provider, whose Rust functions are left undefined here) on aarch64 Linux,
# the nearest stand-in here for Android arm64, and on x86_64 to compare:
# this machine's Rust has no aarch64 standard library, so the whole library
# cannot be cross-built. Each is a shared object exporting only the SQLite
# API, built alike (-Os, no C unwind tables, --gc-sections, stripped, the
# app's SQLite options from .cargo/config.toml). Figures in
# docs/PERFORMANCE.md. Needs Debian's gcc-aarch64-linux-gnu (installed here
# when missing) and the crates' sources (cargo fetch).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
command -v aarch64-linux-gnu-gcc >/dev/null || apt-get install -y -q gcc-aarch64-linux-gnu >/dev/null
(cd "$repo" && cargo fetch -q)
registry=${CARGO_HOME:-$HOME/.cargo}/registry/src
sqlc=$(ls -d "$registry"/*/sqlcipher-src-*/sqlcipher | sort -V | tail -1)
work=${PPH_MEASURE_DIR:-/var/tmp/pph-sqlcipher-c}
mkdir -p "$work"
C="-Os -fPIC -ffunction-sections -fdata-sections -fno-asynchronous-unwind-tables -fno-unwind-tables"
# libsqlite3-sys's own flags for bundled SQLCipher, then ours.
SQL="-DSQLITE_CORE -DSQLITE_DEFAULT_FOREIGN_KEYS=1 -DSQLITE_ENABLE_API_ARMOR -DSQLITE_ENABLE_COLUMN_METADATA
 -DSQLITE_ENABLE_DBSTAT_VTAB -DSQLITE_ENABLE_FTS5 -DSQLITE_ENABLE_JSON1 -DSQLITE_THREADSAFE=1 -DSQLITE_USE_URI
 -DHAVE_USLEEP=1 -DHAVE_ISNAN -DSQLITE_HAS_CODEC -DSQLITE_TEMP_STORE=2 -DSQLITE_EXTRA_INIT=sqlcipher_extra_init
 -DSQLITE_EXTRA_SHUTDOWN=sqlcipher_extra_shutdown -DHAVE_STDINT_H=1
 $(sed -n 's/^LIBSQLITE3_FLAGS = "\(.*\)"$/\1/p' "$repo/.cargo/config.toml")"
echo '{ global: sqlite3_*; local: *; };' >"$work/sqlite.map"
L="-shared -Wl,--gc-sections -Wl,--version-script=$work/sqlite.map -s -lpthread"
for cc in aarch64-linux-gnu-gcc gcc; do
  out="$work/sqlcipher-$($cc -dumpmachine).so"
  # shellcheck disable=SC2086
  $cc $C $SQL "$sqlc/sqlcipher.c" $L -o "$out" 2>/dev/null
  # File sizes move in steps of the segment alignment (64 KiB on aarch64),
  # so the loaded sections' sum is the figure to compare.
  sections=$(size -A "$out" | awk '$1 ~ /^\./ && $3 > 0 {s += $2} END {print s}')
  echo "$(basename "$out"): $sections B in sections, $(wc -c <"$out") B file"
done
