#!/usr/bin/env bash
# Benchmark of the WhatsApp Business bridge (dev/bench_whatsapp.py): the delivery of the bench's
# messages with WhatsApp on as well, against without it, in the same run. The database holds the
# addon and OCA mail_gateway_whatsapp (dev/whatsapp.sh: PyPI wheels, .build/odoo-whatsapp.conf), so
# the bridge; Meta is the simulated Graph API of the bridge's tests, in a process of its own on
# loopback. BENCH_INVOICES, BENCH_DEBTORS and BENCH_MISSES_FILE are read by dev/bench_whatsapp.py;
# BENCH_WHATSAPP_DB names the database.
set -euo pipefail

PYTHON=${PYTHON:-python3}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=$ROOT/.build
WHATSAPP_CONF=$BUILD/odoo-whatsapp.conf
DB=${BENCH_WHATSAPP_DB:-credit_recovery_bench_whatsapp}
cd "$ROOT"

PYTHON=$PYTHON dev/whatsapp.sh
pg=$(dev/pg.sh "$BUILD/pg")
read -r host port user <<< "$pg"
drop_db() { psql -h "$host" -p "$port" -U "$user" -d postgres -qAt -c "drop database if exists \"$DB\""; }
export GRAPH_TOKEN=bench-token GRAPH_PHONE_NUMBER_ID=106540352242922
simulator=
cleanup() { rc=$?; [ -n "$simulator" ] && kill "$simulator" 2>/dev/null; drop_db || rc=1; exit $rc; }
drop_db
trap cleanup EXIT

"$PYTHON" -m odoo -c "$WHATSAPP_CONF" -d "$DB" -i account_credit_recovery,mail_gateway_whatsapp --without-demo=all \
  --stop-after-init --log-level=warn
coproc GRAPH { exec "$PYTHON" bridges/account_credit_recovery_whatsapp/tests/graph_simulator.py \
  "$GRAPH_TOKEN" "$GRAPH_PHONE_NUMBER_ID"; }
simulator=$GRAPH_PID
read -r -t 30 GRAPH_URL <&"${GRAPH[0]}" || { echo "the simulated Graph API did not start" >&2; exit 1; }
export GRAPH_URL
"$PYTHON" -m odoo shell -c "$WHATSAPP_CONF" -d "$DB" --no-http --log-level=warn < dev/bench_whatsapp.py
