#!/usr/bin/env bash
# Benchmark of several Odoo servers (`make bench-servers`): the bench's messages delivered through
# OCA queue_job by one server, then by two (dev/bench_servers.py), on copies of one template database
# where the addon and queue_job are installed (dev/queue_job.sh: its PyPI wheel in .build/queue_job)
# and the data generated and the day's run done (dev/bench_servers_data.py). BENCH_INVOICES and
# BENCH_DEBTORS set the size (100,000 / 20,000), BENCH_SERVERS_DB the template's name,
# BENCH_SERVERS_PORTS the two servers' HTTP ports and the load balancer's (8069 8070 8071),
# BENCH_SERVERS_WORKERS the HTTP workers per server (2), BENCH_SERVERS_COUNTS the rounds (1 2).
# Every server started is stopped and every database dropped on exit, whatever happened.
set -euo pipefail

PYTHON=${PYTHON:-python3}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=$ROOT/.build
QUEUE_JOB_CONF=$BUILD/odoo-queue-job.conf
CONF=$BUILD/odoo-bench-servers.conf
DB=${BENCH_SERVERS_DB:-credit_recovery_bench_servers}
PORTS=${BENCH_SERVERS_PORTS:-8069 8070 8071}
cd "$ROOT"

for port in $PORTS; do
  "$PYTHON" -c 'import socket, sys; socket.create_server(("0.0.0.0", int(sys.argv[1])))' "$port" 2>/dev/null || {
    echo "bench-servers: port $port is in use; choose others with BENCH_SERVERS_PORTS=\"A B C\"" >&2; exit 1; }
done
PYTHON=$PYTHON dev/queue_job.sh
read -r host port user <<< "$(dev/pg.sh "$BUILD/pg")"
export PGHOST=$host PGPORT=$port PGUSER=$user
# queue_job's configuration for servers: loaded server-wide (its job runner), and no [queue_job]
# section: each round sets the runner by environment variables (dev/bench_servers.py).
{ sed '/^\[queue_job\]/,$d' "$QUEUE_JOB_CONF"; printf 'server_wide_modules = base,web,queue_job\n'; } > "$CONF"

drop_dbs() {
  for db in "$DB" "${DB}_run"; do
    psql -h "$host" -p "$port" -U "$user" -d postgres -qAt -c "drop database if exists \"$db\" with (force)" || return 1
  done
}
bench=
cleanup() {
  rc=$?
  set +e
  # dev/bench_servers.py stops its servers itself; on an interruption it gets the signal first.
  [ -n "$bench" ] && kill "$bench" 2>/dev/null && wait "$bench"
  # Its servers, had it died without stopping them (each is a process group of its own).
  if [ -f "$BUILD/bench-servers/servers.pid" ]; then
    while read -r pid; do kill -KILL -- "-$pid" 2>/dev/null; done < "$BUILD/bench-servers/servers.pid"
    rm -f "$BUILD/bench-servers/servers.pid"
  fi
  drop_dbs || rc=1
  exit $rc
}
drop_dbs
trap cleanup EXIT
trap 'exit 130' INT TERM

"$PYTHON" -m odoo -c "$CONF" -d "$DB" -i account_credit_recovery,queue_job --without-demo=all \
  --stop-after-init --log-level=warn
"$PYTHON" -m odoo shell -c "$CONF" -d "$DB" --no-http --log-level=warn < dev/bench_servers_data.py
BENCH_SERVERS_CONF=$CONF BENCH_SERVERS_DB=$DB BENCH_SERVERS_PORTS=$PORTS PYTHON=$PYTHON \
  "$PYTHON" dev/bench_servers.py &
bench=$!
wait "$bench"
bench=
