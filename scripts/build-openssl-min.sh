#!/usr/bin/env bash
# Builds the smallest OpenSSL libcrypto SQLCipher needs (AES, SHA-1/256/512,
# HMAC, PBKDF2, the random generator; assembly kept, so AES-NI and the ARMv8
# crypto extensions still run) from the source the openssl-src crate ships,
# into $PPH_OPENSSL_MIN (default /var/tmp/pph-tools/openssl-min). The
# measurement of what it saves is in docs/PERFORMANCE.md; the shipped build
# still uses rusqlite's bundled-sqlcipher-vendored-openssl until this is
# built for every target by the build itself.
#
#   bash scripts/build-openssl-min.sh [openssl-target]   # default linux-x86_64
#   then, in a checkout whose rusqlite feature is bundled-sqlcipher:
#   OPENSSL_LIB_DIR=$PPH_OPENSSL_MIN/lib OPENSSL_INCLUDE_DIR=$PPH_OPENSSL_MIN/include \
#     cargo build --release -p pph-ffi --lib
set -euo pipefail
target=${1:-linux-x86_64}
prefix=${PPH_OPENSSL_MIN:-/var/tmp/pph-tools/openssl-min}
src=$(ls -d "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/openssl-src-300.*/openssl | sort -V | tail -1)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r "$src" "$work/openssl"
cd "$work/openssl"
./Configure "$target" --prefix="$prefix" --libdir=lib \
  no-shared no-module no-tests no-apps no-docs no-legacy no-engine no-dso no-async \
  no-comp no-zlib no-ssl no-tls no-dtls no-quic no-http no-sock no-ui-console \
  no-ocsp no-ct no-cms no-ts no-cmp no-srp no-srtp no-psk \
  no-ec no-ecx no-ecdh no-ecdsa no-ec2m no-dh no-dsa no-sm2 no-sm3 no-sm4 no-gost \
  no-ml-dsa no-ml-kem no-slh-dsa no-lms no-chacha no-poly1305 no-des no-rc2 no-rc4 \
  no-rc5 no-bf no-cast no-idea no-seed no-aria no-camellia no-md2 no-md4 no-mdc2 \
  no-rmd160 no-whirlpool no-blake2 no-siphash no-siv no-ocb no-scrypt no-argon2 \
  no-cmac no-rfc3779 no-deprecated no-filenames no-err no-autoerrinit \
  no-autoload-config no-thread-pool no-default-thread-pool no-multiblock \
  no-nextprotoneg no-weak-ssl-ciphers no-ssl-trace no-trace no-ktls no-afalgeng \
  no-padlockeng no-capieng no-winstore no-loadereng no-devcryptoeng no-uplink -Os >/dev/null
make -j"$(nproc)" build_libs >/dev/null
make install_dev >/dev/null
echo "$prefix"
