#!/usr/bin/env bash
# A Swift toolchain for the iOS state holders' tests: Debian bookworm has no
# Swift package, so this bootstraps a minimal Debian trixie root (which ships
# swiftlang 6.0) under /var/tmp and installs Swift there; the tests build and
# run inside it with chroot. Needs root (debootstrap, chroot, mounting /proc).
# Prints the root's path; exits non-zero when it cannot. Idempotent: quick
# when done (a marker file says the root is complete).
set -euo pipefail
root=${PPH_SWIFT_ROOT:-${PPH_TOOLS_DIR:-/var/tmp/pph-tools}/trixie}
mirror=${PPH_DEBIAN_MIRROR:-http://deb.debian.org/debian}
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if [[ $(id -u) != 0 ]]; then
  echo "install-swift: needs root for debootstrap and chroot" >&2
  exit 1
fi
if [[ ! -f "$root/.pph-ready" ]]; then
  {
    if mountpoint -q "$root/proc"; then umount "$root/proc"; fi
    rm -rf "$root"
    command -v debootstrap >/dev/null || {
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap
    }
    debootstrap --variant=minbase trixie "$root" "$mirror"
    chroot "$root" apt-get update -qq
    chroot "$root" env DEBIAN_FRONTEND=noninteractive \
      apt-get install -y -qq --no-install-recommends swiftlang libc6-dev
    chroot "$root" apt-get clean # the downloaded packages: 0.6 GB
    touch "$root/.pph-ready"
  } >"$log" 2>&1 || {
    tail -20 "$log" >&2
    exit 1
  }
fi
# swift finds its own libraries through /proc/self/exe.
mountpoint -q "$root/proc" || mount -t proc proc "$root/proc"
# Only a toolchain that compiles and runs a program here counts as installed.
if [[ ! -f "$root/.pph-works" ]]; then
  probe=$(mktemp -d "$root/tmp/probe.XXXXXX")
  echo 'print("ok")' >"$probe/probe.swift"
  inside=/tmp/$(basename "$probe")
  if ! chroot "$root" sh -c "cd $inside && swiftc probe.swift -o probe && ./probe" >"$log" 2>&1; then
    rm -rf "$probe"
    tail -20 "$log" >&2
    exit 1
  fi
  rm -rf "$probe"
  touch "$root/.pph-works"
fi
echo "$root"
