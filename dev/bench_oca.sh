#!/usr/bin/env bash
# Benchmark of OCA account_credit_control 18.0 on the data of `make bench` (dev/bench_oca.py).
# The OCA wheel is installed into .build/oca (not site-packages: Odoo is installed in
# compat editable mode, its odoo.addons namespace does not see site-packages), Odoo runs
# with .build/odoo-oca.conf (.build/odoo.conf + that folder) on a throwaway database that
# holds account_credit_control and not this addon. BENCH_INVOICES, BENCH_DEBTORS and
# BENCH_RESULT_FILE are read by dev/bench_oca.py; BENCH_OCA_DB names the database.
set -euo pipefail

OCA_VERSION=18.0.2.0.2.6
PYTHON=${PYTHON:-python3}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=$ROOT/.build
OCA=$BUILD/oca
CONF=$BUILD/odoo.conf
OCA_CONF=$BUILD/odoo-oca.conf
DB=${BENCH_OCA_DB:-credit_recovery_bench_oca}
WHEEL=$OCA/dist/odoo_addon_account_credit_control-$OCA_VERSION-py3-none-any.whl
ADDONS=$OCA/odoo/addons
cd "$ROOT"

[ -f "$CONF" ] || make --no-print-directory "$CONF"

# Its requirement "odoo==18.0.*" cannot be satisfied by the source install: --no-deps.
if [ ! -f "$WHEEL" ]; then
  "$PYTHON" -m pip download --quiet --no-deps --dest "$OCA/dist" "odoo-addon-account_credit_control==$OCA_VERSION"
fi
"$PYTHON" -m pip install --quiet --root-user-action=ignore --no-deps --upgrade --target "$OCA" "$WHEEL"
[ -f "$ADDONS/account_credit_control/__manifest__.py" ] || { echo "account_credit_control not in $ADDONS" >&2; exit 1; }

grep -q '^addons_path = ' "$CONF" || { echo "no addons_path in $CONF" >&2; exit 1; }
sed "s|^addons_path = .*|&,$ADDONS|" "$CONF" > "$OCA_CONF"

pg=$(dev/pg.sh "$BUILD/pg")
read -r host port user <<< "$pg"
drop_db() { psql -h "$host" -p "$port" -U "$user" -d postgres -qAt -c "drop database if exists \"$DB\""; }
drop_db
trap 'rc=$?; drop_db || rc=1; exit $rc' EXIT

"$PYTHON" -m odoo -c "$OCA_CONF" -d "$DB" -i account_credit_control --without-demo=all --stop-after-init --log-level=warn
"$PYTHON" -m odoo shell -c "$OCA_CONF" -d "$DB" --no-http --log-level=warn < dev/bench_oca.py
