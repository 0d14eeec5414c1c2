#!/usr/bin/env bash
# Starts (or finds running) a throwaway PostgreSQL cluster on loopback for
# the server's conformance suite, and prints its URL. Uses Debian's
# postgresql package, installing it if missing. Exits non-zero, printing
# nothing on stdout, when no cluster can be started.
set -euo pipefail
dir=${PPH_PG_DIR:-/var/tmp/pph-pg}
port=${PPH_PG_PORT:-54329}
url="postgres://pph@127.0.0.1:$port/pph_test"

if ! ls -d /usr/lib/postgresql/*/bin >/dev/null 2>&1; then
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null 2>&1
fi
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)

as_owner() {
  if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

if ! "$bin/pg_isready" -q -h 127.0.0.1 -p "$port"; then
  rm -rf "$dir"
  mkdir -p "$dir"
  [[ $(id -u) -eq 0 ]] && chown postgres "$dir"
  as_owner "$bin/initdb" -D "$dir/data" -A trust -U pph -E UTF8 >/dev/null
  as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1" start >/dev/null
  as_owner "$bin/createdb" -h 127.0.0.1 -p "$port" -U pph pph_test
fi
echo "$url"
