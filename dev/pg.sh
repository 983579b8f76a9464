#!/usr/bin/env bash
# Print "HOST PORT USER" of a PostgreSQL server Odoo can use.
# Reuses a reachable server (PGHOST/PGPORT, else 127.0.0.1:5432, as the current
# user); otherwise starts a private cluster in $1 (an ignored project folder).
set -euo pipefail
dir=${1:?usage: pg.sh PRIVATE_DIR}
host=${PGHOST:-127.0.0.1}
port=${PGPORT:-5432}
user=${PGUSER:-$(id -un)}

fail() {
  cat >&2 <<MSG
PostgreSQL is missing: no server answers on $host:$port for role '$user', and no
private cluster could be started ($1). Install PostgreSQL (Debian: apt-get install
postgresql) so that initdb and pg_ctl exist, or point PGHOST/PGPORT/PGUSER at a running
server where that role may create databases (Odoo refuses the 'postgres' role).
MSG
  exit 1
}

if [ "$user" = postgres ]; then user=odoo; fi
if psql -h "$host" -p "$port" -U "$user" -d postgres -Atc 'select 1' >/dev/null 2>&1; then
  echo "$host $port $user"; exit 0
fi

# Private cluster: socket and data live in $dir, port 54329.
bindir=$(pg_config --bindir 2>/dev/null || true)
[ -x "$bindir/initdb" ] || bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -n "$bindir" ] && [ -x "$bindir/initdb" ] || fail "initdb not found"
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
port=54329
run=()
if [ "$(id -u)" = 0 ]; then           # initdb refuses root: run the cluster as 'postgres'
  id postgres >/dev/null 2>&1 || fail "running as root and no 'postgres' system user"
  chown postgres "$dir"
  run=(runuser -u postgres --)
fi
pguser=odoo
if [ ! -f "$dir/data/PG_VERSION" ]; then
  "${run[@]}" "$bindir/initdb" -D "$dir/data" -U "$pguser" --auth=trust -E UTF8 >"$dir/initdb.log" 2>&1 \
    || fail "initdb failed, see $dir/initdb.log"
fi
if ! "${run[@]}" "$bindir/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
  "${run[@]}" "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
    -o "-p $port -k $dir -c listen_addresses=''" start >/dev/null || fail "pg_ctl start failed, see $dir/server.log"
fi
echo "$dir $port $pguser"
