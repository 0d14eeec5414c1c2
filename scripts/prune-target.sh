#!/usr/bin/env bash
# Keeps a shared target directory from filling the disk over many runs:
# every change to the core relinks each test binary under a new name, and
# the old ones (hundreds of MB each with debug info) are never read again.
# Deletes all but the newest build of each test and binary in debug/deps,
# and the incremental caches once they pass 8 GB. Cargo rebuilds whatever
# it still needs. Usage: scripts/prune-target.sh [TARGET_DIR]
set -euo pipefail
target=${1:-${CARGO_TARGET_DIR:-/var/tmp/pph-target}}
deps="$target/debug/deps"
[[ -d "$deps" ]] || exit 0
python3 - "$deps" <<'PY'
import collections, os, re, sys
deps = sys.argv[1]
builds = collections.defaultdict(list)
for name in os.listdir(deps):
    m = re.fullmatch(r"(.+)-([0-9a-f]{16})", name)
    path = os.path.join(deps, name)
    if not (m and os.path.isfile(path) and os.access(path, os.X_OK)):
        continue
    # The target's own source file, from cargo's dep-info: two tests may
    # share a name (each crate's tests/architecture.rs).
    try:
        with open(path + ".d") as d:
            source = d.readline().split(": ", 1)[1].split(" ", 1)[0].strip()
    except (OSError, IndexError):
        source = ""
    builds[(m.group(1), source)].append((os.path.getmtime(path), path))
for stale in (sorted(found)[:-1] for found in builds.values()):
    for _, path in stale:
        for old in (path, path + ".d"):
            if os.path.exists(old):
                os.remove(old)
PY
incremental="$target/debug/incremental"
if [[ -d "$incremental" ]] && (( $(du -s -B1G "$incremental" | cut -f1) > 8 )); then
  rm -rf "$incremental"
fi
