#!/usr/bin/env bash
# Builds the core for Android with cargo-ndk (arm64-v8a, armeabi-v7a,
# x86_64) into core/build/generated/jniLibs, and generates the Kotlin
# bindings from the same library into core/build/generated/uniffi.
# Needs ANDROID_NDK_HOME, the three Rust targets and cargo-ndk:
#   rustup target add aarch64-linux-android armv7-linux-androideabi x86_64-linux-android
#   cargo install cargo-ndk
# The size settings are the ones the CI's size check builds with: the
# release profile (opt-level s, LTO, stripped, panic=unwind) and
# .cargo/config.toml (SQLCipher over the RustCrypto provider, no OpenSSL;
# no unwind tables for C; SQLite's unused parts left out), and
# bindings/build.rs packs the relative relocations (Android's own packing,
# loaded from API 23; minSdk is 26). cc reads the first
# of CFLAGS_<target>, TARGET_CFLAGS and CFLAGS, so a toolchain that sets a
# target's own CFLAGS would drop ours: the sizes printed at the end show it.
set -euo pipefail
android=$(cd "$(dirname "$0")/.." && pwd)
repo=$(cd "$android/.." && pwd)
out="$android/core/build/generated"
profile=${PPH_RUST_PROFILE:-release}
mkdir -p "$out/jniLibs" "$out/uniffi"
cd "$repo"
cargo ndk -t arm64-v8a -t armeabi-v7a -t x86_64 -o "$out/jniLibs" \
  build --profile "$profile" -p pph-ffi --lib
# Stripped release libraries carry no uniffi metadata: read it from the
# static library of one target, as bindings/generate.sh does.
target_dir=${CARGO_TARGET_DIR:-$repo/target}
cargo run -q -p pph-ffi --bin uniffi-bindgen -- generate \
  --library "$target_dir/aarch64-linux-android/$profile/libpph_ffi.a" \
  --language kotlin --out-dir "$out/uniffi"
# What each ABI ships, to set beside docs/PERFORMANCE.md's x86_64 Linux figure.
for so in "$out"/jniLibs/*/libpph_ffi.so; do
  echo "$(wc -c <"$so") B $so"
done
