#!/usr/bin/env bash
# OCA queue_job 18.0 for the tests of the optional queue_job integration (tests/test_queue_job.py).
# As dev/bench_oca.sh does for account_credit_control: the wheel from PyPI is installed into
# .build/queue_job (not site-packages: Odoo is installed in compat editable mode, its odoo.addons
# namespace does not see site-packages) and .build/odoo-queue-job.conf is .build/odoo.conf plus
# that folder. queue_job is NOT a dependency of this addon's manifest: see README, Configuration.
set -euo pipefail

QUEUE_JOB_VERSION=18.0.4.1.2.2
PYTHON=${PYTHON:-python3}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=$ROOT/.build
TARGET=$BUILD/queue_job
CONF=$BUILD/odoo.conf
QUEUE_JOB_CONF=$BUILD/odoo-queue-job.conf
WHEEL=$TARGET/dist/odoo_addon_queue_job-$QUEUE_JOB_VERSION-py3-none-any.whl
ADDONS=$TARGET/odoo/addons
cd "$ROOT"

[ -f "$CONF" ] || make --no-print-directory "$CONF"

# Its requirement "odoo==18.0.*" cannot be satisfied by the source install: --no-deps (its one
# Python dependency, requests, comes with Odoo).
if [ ! -f "$WHEEL" ]; then
  "$PYTHON" -m pip download --quiet --no-deps --dest "$TARGET/dist" "odoo-addon-queue_job==$QUEUE_JOB_VERSION"
fi
if [ ! -f "$ADDONS/queue_job/__manifest__.py" ]; then
  "$PYTHON" -m pip install --quiet --root-user-action=ignore --no-deps --upgrade --target "$TARGET" "$WHEEL"
fi
[ -f "$ADDONS/queue_job/__manifest__.py" ] || { echo "queue_job not in $ADDONS" >&2; exit 1; }

grep -q '^addons_path = ' "$CONF" || { echo "no addons_path in $CONF" >&2; exit 1; }
# No job runner thread in the test process (queue_job starts one in Odoo's threaded HTTP server,
# which pytest-odoo's --odoo-http runs): the tests play the runners themselves.
{ sed "s|^addons_path = .*|&,$ADDONS|" "$CONF"; printf '\n[queue_job]\nchannels = root:0\n'; } > "$QUEUE_JOB_CONF"
