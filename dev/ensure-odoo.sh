#!/usr/bin/env bash
# Make sure $PYTHON imports Odoo 18, installing it if needed:
#   1. the Odoo that $PYTHON already imports;
#   2. else the source tree in $ODOO_SRC;
#   3. else a shallow clone of Odoo's official 18.0 branch ($ODOO_GIT, into $2).
# Dependencies are pinned by dev/constraints-odoo18.txt (the versions we test with).
set -euo pipefail
PYTHON=${1:?usage: ensure-odoo.sh PYTHON CLONE_DIR}
clone_dir=${2:?usage: ensure-odoo.sh PYTHON CLONE_DIR}
here=$(cd "$(dirname "$0")" && pwd)
ODOO_GIT=${ODOO_GIT:-https://github.com/odoo/odoo.git}

has_odoo() {
  "$PYTHON" -c 'import odoo.release as r, sys; sys.exit(r.version_info[0] != 18)' >/dev/null 2>&1
}
has_odoo && exit 0

src=${ODOO_SRC:-}
if [ -z "$src" ]; then
  if [ -f "$clone_dir/odoo/release.py" ] || \
     git clone --quiet --depth 1 --branch 18.0 "$ODOO_GIT" "$clone_dir" 2>/dev/null; then
    src=$clone_dir
  fi
fi
if [ -z "$src" ] || [ ! -f "$src/odoo/release.py" ]; then
  cat >&2 <<MSG
Odoo 18 is missing: '$PYTHON' cannot import odoo 18.0, ODOO_SRC is ${ODOO_SRC:-not set}, and Odoo's
official source could not be cloned from $ODOO_GIT. Provide an Odoo 18.0 source tree with
'make install ODOO_SRC=/path/to/odoo' (a checkout of branch 18.0, the folder holding odoo-bin),
or install Odoo 18 into $PYTHON yourself; build dependencies on Debian: libpq-dev libldap2-dev
libsasl2-dev gcc python3-dev.
MSG
  exit 1
fi
echo "Installing Odoo 18 from $src into $PYTHON"
"$PYTHON" -m pip install --quiet -r "$here/constraints-odoo18.txt"
"$PYTHON" -m pip install --quiet -c "$here/constraints-odoo18.txt" \
  --config-settings editable_mode=compat -e "$src"
has_odoo || { echo "Odoo was installed from $src but '$PYTHON' still cannot import odoo 18" >&2; exit 1; }
