#!/usr/bin/env bash
# The phone library cross-built for aarch64 Linux, the nearest stand-in here
# for Android arm64, measured stripped; with --test, the store's and the
# crypto provider's tests run on it under qemu-user (ARMv8's AES and SHA-2
# instructions are the code paths an arm64 phone takes).
#
#   bash scripts/measure-aarch64.sh [--test] [--breakdown]
#
# The rustup toolchain here has no aarch64 standard library and cannot
# fetch one, so this builds with Debian's rustc-web and its arm64 standard
# library (libstd-rust-web-dev:arm64, through dpkg's multiarch), a compiler
# of the same series as the one CI uses. It links with LLVM's lld, the
# NDK's linker, taken from the rustup toolchain, with the NDK build's
# settings (bindings/build.rs): packed relative relocations (DT_RELR here,
# Android's own packing there) and identical code folded. Debian 12's GNU
# ld writes no RELR for aarch64 and folds nothing. Installs what it needs
# (as root) on first use. Figures in docs/PERFORMANCE.md. Not run by CI:
# a cold arm64 build takes about 5 minutes, and as long again for each of
# --breakdown and --test.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
test=0
breakdown=0
for arg in "$@"; do
  case $arg in
    --test) test=1 ;;
    --breakdown) breakdown=1 ;;
    *) echo "usage: $0 [--test] [--breakdown]" >&2; exit 2 ;;
  esac
done

needed=(rustc-web libstd-rust-web-dev:arm64 libc6:arm64 gcc-aarch64-linux-gnu libc6-dev-arm64-cross)
[ $test = 1 ] && needed+=(qemu-user)
missing=()
for pkg in "${needed[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  dpkg --print-foreign-architectures | grep -qx arm64 || dpkg --add-architecture arm64
  apt-get update -qq
  apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
fi

target=aarch64-unknown-linux-gnu
sysroot=$(rustc --print sysroot)
lld_dir="$sysroot/lib/rustlib/x86_64-unknown-linux-gnu/bin/gcc-ld"
[ -x "$lld_dir/ld.lld" ] || { echo "no rust-lld in $lld_dir" >&2; exit 1; }
export RUSTC=/usr/bin/rustc
export CARGO_TARGET_DIR=${PPH_AARCH64_TARGET_DIR:-/var/tmp/pph-target-aarch64}
export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc
export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUSTFLAGS="-C link-arg=-fuse-ld=lld -C link-arg=-B$lld_dir -C link-arg=-Wl,--icf=all"
# The arm64 C library from multiarch (libc6:arm64, which the standard
# library's package brings), at the paths the binaries name: with the
# cross toolchain's older copy (-L /usr/aarch64-linux-gnu) every thread
# start hangs under qemu-user.
export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUNNER=qemu-aarch64
export CC_aarch64_unknown_linux_gnu=aarch64-linux-gnu-gcc
export AR_aarch64_unknown_linux_gnu=aarch64-linux-gnu-ar
echo "compiler: $($RUSTC --version) for $target, linker: lld ($lld_dir)"

cd "$repo"
cargo build --release -p pph-ffi --lib --target "$target"
lib="$CARGO_TARGET_DIR/$target/release/libpph_ffi.so"
# File sizes move in steps of the segment alignment (64 KiB on aarch64),
# so the loaded sections' sum is given beside the file's size.
sections=$(aarch64-linux-gnu-size -A "$lib" | awk '$1 ~ /^\./ && $3 > 0 {s += $2} END {print s}')
echo "libpph_ffi.so ($target, stripped): $(stat -c %s "$lib") B file, $sections B in sections"
aarch64-linux-gnu-readelf -d "$lib" | grep -E '\((RELR|RELA)SZ\)' || true

if [ $breakdown = 1 ]; then
  cargo build --profile release-symbols -p pph-ffi --lib --target "$target"
  NM=aarch64-linux-gnu-nm SIZE=aarch64-linux-gnu-size python3 scripts/library-size-breakdown.py "$CARGO_TARGET_DIR/$target/release-symbols"
fi

if [ $test = 1 ]; then
  cargo test --target "$target" -p pph-sqlcipher-crypto -p pph-core --lib --tests
fi
