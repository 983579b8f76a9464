#!/usr/bin/env bash
# OCA mail_gateway + mail_gateway_whatsapp 18.0 for the tests of the WhatsApp Business bridge
# (bridges/account_credit_recovery_whatsapp), as dev/queue_job.sh does for queue_job: the wheels
# from PyPI are installed into .build/whatsapp (not site-packages: Odoo's odoo.addons namespace
# does not see it) and .build/odoo-whatsapp.conf is .build/odoo.conf plus that folder. Neither is
# a dependency of the addon: the bridge installs itself when mail_gateway_whatsapp is installed.
set -euo pipefail

MAIL_GATEWAY_VERSION=18.0.1.2.0
MAIL_GATEWAY_WHATSAPP_VERSION=18.0.2.2.0
PYTHON=${PYTHON:-python3}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=$ROOT/.build
TARGET=$BUILD/whatsapp
CONF=$BUILD/odoo.conf
WHATSAPP_CONF=$BUILD/odoo-whatsapp.conf
ADDONS=$TARGET/odoo/addons
cd "$ROOT"

[ -f "$CONF" ] || make --no-print-directory "$CONF"

# Their requirement "odoo==18.0.*" cannot be satisfied by the source install: --no-deps. Their one
# other Python dependency, requests_toolbelt (mail_gateway_whatsapp's external_dependencies), comes
# with Odoo's requirements (zeep needs it); installed here only if it is missing.
# Both wheels in one install: pip --target --upgrade replaces the top-level folder (odoo/) they share.
WHEELS=()
MISSING=
for spec in "mail_gateway:$MAIL_GATEWAY_VERSION" "mail_gateway_whatsapp:$MAIL_GATEWAY_WHATSAPP_VERSION"; do
  module=${spec%%:*}
  version=${spec##*:}
  wheel=$TARGET/dist/odoo_addon_$module-$version-py3-none-any.whl
  if [ ! -f "$wheel" ]; then
    "$PYTHON" -m pip download --quiet --no-deps --dest "$TARGET/dist" "odoo-addon-$module==$version"
  fi
  WHEELS+=("$wheel")
  grep -qs "\"version\": \"$version\"" "$ADDONS/$module/__manifest__.py" || MISSING=1
done
if [ -n "$MISSING" ]; then
  "$PYTHON" -m pip install --quiet --root-user-action=ignore --no-deps --upgrade --target "$TARGET" "${WHEELS[@]}"
fi
for module in mail_gateway mail_gateway_whatsapp; do
  [ -f "$ADDONS/$module/__manifest__.py" ] || { echo "$module not in $ADDONS" >&2; exit 1; }
done
"$PYTHON" -c "import requests_toolbelt" 2>/dev/null || "$PYTHON" -m pip install --quiet --root-user-action=ignore \
  -c dev/constraints-odoo18.txt requests_toolbelt

grep -q '^addons_path = ' "$CONF" || { echo "no addons_path in $CONF" >&2; exit 1; }
sed "s|^addons_path = .*|&,$ADDONS|" "$CONF" > "$WHATSAPP_CONF"
