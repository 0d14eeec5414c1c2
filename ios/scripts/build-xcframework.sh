#!/usr/bin/env bash
# Builds libpph_ffi.a for iOS devices (aarch64-apple-ios) and the simulators
# (aarch64-apple-ios-sim and x86_64-apple-ios, joined with lipo), generates
# the Swift bindings into Sources/PphCore, and wraps the libraries with the
# generated C header and module map into build/PphFFI.xcframework.
# Needs Xcode and: rustup target add aarch64-apple-ios aarch64-apple-ios-sim x86_64-apple-ios
# The size settings are the ones the CI's size check builds with: the
# release profile and .cargo/config.toml (SQLCipher over the RustCrypto
# provider as on every platform, no OpenSSL; no unwind tables for C;
# SQLite's unused parts left out).
set -euo pipefail
ios=$(cd "$(dirname "$0")/.." && pwd)
repo=$(cd "$ios/.." && pwd)
target_dir=${CARGO_TARGET_DIR:-$repo/target}
profile=${PPH_RUST_PROFILE:-release}
cd "$repo"
for target in aarch64-apple-ios aarch64-apple-ios-sim x86_64-apple-ios; do
  cargo build --profile "$profile" -p pph-ffi --lib --target "$target"
done
build="$ios/build"
rm -rf "$build" && mkdir -p "$build/headers" "$build/sim"
cargo run -q -p pph-ffi --bin uniffi-bindgen -- generate \
  --library "$target_dir/aarch64-apple-ios/$profile/libpph_ffi.a" \
  --language swift --out-dir "$build/generated"
cp "$build/generated/pph.swift" "$ios/Sources/PphCore/pph.swift"
cp "$build/generated/pphFFI.h" "$build/headers/"
cp "$build/generated/pphFFI.modulemap" "$build/headers/module.modulemap"
lipo -create \
  "$target_dir/aarch64-apple-ios-sim/$profile/libpph_ffi.a" \
  "$target_dir/x86_64-apple-ios/$profile/libpph_ffi.a" \
  -output "$build/sim/libpph_ffi.a"
xcodebuild -create-xcframework \
  -library "$target_dir/aarch64-apple-ios/$profile/libpph_ffi.a" -headers "$build/headers" \
  -library "$build/sim/libpph_ffi.a" -headers "$build/headers" \
  -output "$build/PphFFI.xcframework"
echo "built $build/PphFFI.xcframework"
