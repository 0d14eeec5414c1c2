#!/usr/bin/env bash
# HAProxy (Debian's `haproxy`) for the suite that runs several relays on one
# PostgreSQL behind a load balancer (tests/tests/cluster.rs), installed if
# missing (root needed for that), and prints the binary's path. Exits
# non-zero, printing nothing on stdout, when it cannot be had. Idempotent:
# quick when installed.
set -euo pipefail
found() { command -v haproxy || { [[ -x /usr/sbin/haproxy ]] && echo /usr/sbin/haproxy; }; }
if ! bin=$(found); then
  log=$(mktemp)
  trap 'rm -f "$log"' EXIT
  {
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends haproxy
  } >"$log" 2>&1 || {
    tail -20 "$log" >&2
    exit 1
  }
  bin=$(found) || { echo "install-haproxy: installed, but no haproxy binary found" >&2; exit 1; }
fi
# Only a binary that answers counts as installed.
"$bin" -v >/dev/null 2>&1 || { echo "install-haproxy: $bin does not run" >&2; exit 1; }
echo "$bin"
