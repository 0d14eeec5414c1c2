#!/usr/bin/env bash
# Installs what the foreign-language tests need and a fresh machine lacks:
# JNA (Debian's libjna-java) and a Kotlin compiler. A `kotlinc` on PATH is
# used when present; otherwise the Kotlin 2.3 compiler is taken from the fat
# jar inside PyPI's kotlin-jupyter-kernel. Also FHIR.js (npm), the R4
# validator exported Bundles are checked with (scripts/fhir/). Idempotent:
# quick when done.
set -euo pipefail
tools=${PPH_TOOLS_DIR:-/var/tmp/pph-tools}
mkdir -p "$tools"

if [[ ! -f /usr/share/java/jna.jar ]]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libjna-java >/dev/null
fi

if ! command -v kotlinc >/dev/null && [[ ! -s "$tools/kotlin-all.jar" ]]; then
  wheel_dir=$(mktemp -d)
  python3 -m pip download -q --no-deps -d "$wheel_dir" 'kotlin-jupyter-kernel==0.19.0.944'
  python3 - "$wheel_dir" "$tools/kotlin-all.jar" <<'PY'
import glob, sys, zipfile
wheel = glob.glob(sys.argv[1] + "/*.whl")[0]
with zipfile.ZipFile(wheel) as z:
    name = next(n for n in z.namelist() if n.endswith("-all.jar"))
    with open(sys.argv[2], "wb") as out:
        out.write(z.read(name))
PY
  rm -rf "$wheel_dir"
fi
# FHIR.js from the committed lock file, reinstalled when the lock changes.
fhir_dir="$tools/fhir"
mkdir -p "$fhir_dir"
if ! cmp -s scripts/fhir/package-lock.json "$fhir_dir/package-lock.json" \
  || [[ ! -d "$fhir_dir/node_modules/fhir" ]]; then
  cp scripts/fhir/package.json scripts/fhir/package-lock.json "$fhir_dir/"
  npm ci --prefix "$fhir_dir" --no-audit --no-fund --loglevel=error >/dev/null
fi
echo "test tools ready in $tools"
