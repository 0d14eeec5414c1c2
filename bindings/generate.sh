#!/usr/bin/env bash
# Builds libpph_ffi and generates the Kotlin, Swift and Python bindings
# (namespace `pph`) from it into bindings/generated/<language>/.
#   bindings/generate.sh            # from a debug build (fast)
#   bindings/generate.sh --release  # from the release build the shells ship
set -euo pipefail
cd "$(dirname "$0")/.."
profile_flag=""
profile_dir=debug
if [[ "${1:-}" == "--release" ]]; then
  profile_flag="--release"
  profile_dir=release
fi
target_dir=${CARGO_TARGET_DIR:-$PWD/target}
case "$(uname -s)" in
  Darwin) lib_file=libpph_ffi.dylib ;;
  *) lib_file=libpph_ffi.so ;;
esac
cargo build -p pph-ffi --lib $profile_flag
lib="$target_dir/$profile_dir/$lib_file"
# The release cdylib is stripped, which removes uniffi's metadata symbols; the
# staticlib built beside it keeps them and describes the same interface.
metadata="$lib"
[[ "$profile_dir" == release ]] && metadata="$target_dir/release/libpph_ffi.a"
out=bindings/generated
for language in kotlin swift python; do
  rm -rf "$out/$language"
  cargo run -q -p pph-ffi --bin uniffi-bindgen -- \
    generate --library "$metadata" --language "$language" --out-dir "$out/$language"
done
cp "$lib" "$out/python/"
echo "bindings in $out/{kotlin,swift,python} from $metadata"
