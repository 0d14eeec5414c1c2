#!/usr/bin/env bash
# The cost of crossing the boundary, from Python and from Kotlin on the JVM,
# on the release library the phones ship (figures in docs/PERFORMANCE.md).
# Needs the tools scripts/install-test-tools.sh installs (JNA, the Kotlin
# compiler jar).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-/var/tmp/pph-target}
tools=${PPH_TOOLS_DIR:-/var/tmp/pph-tools}
cargo build --quiet --release -p pph-ffi --lib
lib_dir="$CARGO_TARGET_DIR/release"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for language in python kotlin; do
  # The stripped cdylib has no uniffi metadata; the staticlib beside it does.
  cargo run --quiet -p pph-ffi --bin uniffi-bindgen -- generate \
    --library "$lib_dir/libpph_ffi.a" --language "$language" --out-dir "$out/$language"
done
cp "$lib_dir/libpph_ffi.so" "$out/python/"
PYTHONPATH="$out/python" PYTHONDONTWRITEBYTECODE=1 python3 bindings/benches/ffi_cost.py
jar="$tools/kotlin-all.jar"
jna=/usr/share/java/jna.jar
java -cp "$jar" org.jetbrains.kotlin.cli.jvm.K2JVMCompiler -no-stdlib -nowarn \
  -cp "$jar:$jna" "$out"/kotlin/uniffi/pph/*.kt bindings/benches/FfiCost.kt -d "$out/classes"
java -Djna.library.path="$lib_dir" -cp "$jar:$jna:$out/classes" FfiCostKt
