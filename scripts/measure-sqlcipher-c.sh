#!/usr/bin/env bash
# SQLCipher's C part (SQLite and its crypto provider) on aarch64 Linux, the
# nearest stand-in here for Android arm64 (this machine's Rust has no
# aarch64 standard library, so the whole library cannot be cross-built):
# each provider linked alone into a shared object that exports only the
# SQLite API, built alike (-Os, no C unwind tables, --gc-sections,
# stripped, the app's SQLite options). Providers: OpenSSL as openssl-src
# configures it, OpenSSL with scripts/openssl-min-configure's options too,
# and the libtomcrypt sources the sqlcipher-src crate ships.
# Figures in docs/PERFORMANCE.md. Needs Debian's gcc-aarch64-linux-gnu
# (installed here when missing) and the crates' sources (cargo fetch).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
command -v aarch64-linux-gnu-gcc >/dev/null || apt-get install -y -q gcc-aarch64-linux-gnu >/dev/null
(cd "$repo" && cargo fetch -q)
registry=${CARGO_HOME:-$HOME/.cargo}/registry/src
ossl=$(ls -d "$registry"/*/openssl-src-300.*/openssl | sort -V | tail -1)
sqlc=$(ls -d "$registry"/*/sqlcipher-src-*/sqlcipher | sort -V | tail -1)
work=${PPH_MEASURE_DIR:-/var/tmp/pph-sqlcipher-c}
mkdir -p "$work"
cc=aarch64-linux-gnu-gcc
C="-Os -fPIC -ffunction-sections -fdata-sections -fno-asynchronous-unwind-tables -fno-unwind-tables"
SQL="-DSQLITE_CORE -DSQLITE_DEFAULT_FOREIGN_KEYS=1 -DSQLITE_ENABLE_API_ARMOR -DSQLITE_ENABLE_COLUMN_METADATA
 -DSQLITE_ENABLE_DBSTAT_VTAB -DSQLITE_ENABLE_FTS5 -DSQLITE_ENABLE_JSON1 -DSQLITE_THREADSAFE=1 -DSQLITE_USE_URI
 -DHAVE_USLEEP=1 -DHAVE_ISNAN -DSQLITE_HAS_CODEC -DSQLITE_TEMP_STORE=2 -DSQLITE_EXTRA_INIT=sqlcipher_extra_init
 -DSQLITE_EXTRA_SHUTDOWN=sqlcipher_extra_shutdown -DHAVE_STDINT_H=1 -DSQLITE_OMIT_DEPRECATED
 -DSQLITE_OMIT_SHARED_CACHE -DSQLITE_OMIT_LOAD_EXTENSION -DSQLITE_DEFAULT_MEMSTATUS=0"
echo '{ global: sqlite3_*; local: *; };' >"$work/sqlite.map"
L="-shared -Wl,--gc-sections -Wl,--version-script=$work/sqlite.map -s -lpthread"
# openssl-src's own options, as it passes them for this target.
own="no-shared no-module no-tests no-comp no-zlib no-zlib-dynamic no-legacy no-ssl3 no-md2 no-rc5
 no-weak-ssl-ciphers no-camellia no-idea no-seed no-dso"
for kind in full min; do
  dir="$work/openssl-$kind"
  if [ ! -f "$dir/libcrypto.a" ]; then
    rm -rf "$dir" && cp -r "$ossl" "$dir"
    perl=perl
    [ "$kind" = min ] && perl="$repo/scripts/openssl-min-configure"
    (cd "$dir" && CC=$cc AR=aarch64-linux-gnu-ar RANLIB=aarch64-linux-gnu-ranlib CFLAGS="$C" \
      $perl ./Configure linux-aarch64 $own >/dev/null && make -j"$(nproc)" build_libs >/dev/null 2>&1)
  fi
  # shellcheck disable=SC2086
  $cc $C $SQL -DSQLCIPHER_CRYPTO_OPENSSL -I"$dir/include" "$sqlc/sqlcipher.c" "$dir/libcrypto.a" $L \
    -o "$work/sqlcipher-openssl-$kind.so" 2>/dev/null
done
objs="$work/libtomcrypt"
if [ ! -d "$objs" ]; then
  mkdir -p "$objs"
  i=0
  for src in $(grep -o '"[^"]*"' "$(dirname "$sqlc")/src/libtomcrypt_sources.rs" | tr -d '"'); do
    i=$((i + 1))
    # shellcheck disable=SC2086
    $cc $C -DLTC_SOURCE -I"$sqlc/libtomcrypt/headers" -c "$sqlc/$src" -o "$objs/$i.o" 2>/dev/null
  done
fi
# shellcheck disable=SC2086
$cc $C $SQL -DSQLCIPHER_CRYPTO_LIBTOMCRYPT -I"$sqlc" -I"$sqlc/libtomcrypt/headers" "$sqlc/sqlcipher.c" \
  "$objs"/*.o $L -o "$work/sqlcipher-libtomcrypt.so" 2>/dev/null
for f in "$work"/sqlcipher-*.so; do
  echo "$(wc -c <"$f") B $(basename "$f") (aarch64)"
done
