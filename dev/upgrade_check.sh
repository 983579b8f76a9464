#!/usr/bin/env bash
# An upgrade from the previous release keeps every evidence digest (issue 28), end to end:
# release 18.0.1.2.0 (its last commit in this repository's history) is installed with its demo
# data in pt_BR in a database of its own; one log is altered there by SQL (as if tampered with
# before the upgrade); every contact log's digest is recorded; the database is upgraded with
# this working tree's code; then the digests are compared, the ledger is checked by SQL, and
# *Verify Evidence* and the dossier run on every debtor (only the altered log's debtor fails).
# Slow (an install and an upgrade): not part of `make test`. Uses the Odoo of `make install`.
#   dev/upgrade_check.sh    # FROM=<commit> DB=<name> KEEP=1 (keep the database and the release's tree)
set -euo pipefail

PYTHON=${PYTHON:-python3}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=$ROOT/.build
CONF=$BUILD/odoo.conf
FROM=${FROM:-d40cc9c}  # the last commit of 18.0.1.2.0 (git log -- __manifest__.py)
DB=${DB:-credit_recovery_upgrade_check}
# Outside the addon's folder: Odoo's term export and the linters would walk the release's tree.
CHECK=${CHECK:-${TMPDIR:-/tmp}/account_credit_recovery_upgrade_check}
RELEASE=$CHECK/release
cd "$ROOT"

[ -f "$CONF" ] || make --no-print-directory "$CONF"
read -r host port user <<< "$(dev/pg.sh "$BUILD/pg")"
psql_db() { psql -h "$host" -p "$port" -U "$user" -d "$DB" -qAt "$@"; }

# The release's tree (a detached git worktree) under its technical name, and a configuration
# that loads it instead of this tree; same data_dir, so the attachments are found after the upgrade.
if [ ! -d "$RELEASE" ]; then
  git worktree add --detach "$RELEASE" "$FROM" >/dev/null
fi
mkdir -p "$CHECK/addons"
ln -sfn "$RELEASE" "$CHECK/addons/account_credit_recovery"
sed -e "s#$BUILD/addons#$CHECK/addons#" "$CONF" > "$CHECK/odoo.conf"
released=$(sed -n 's/.*"version": "\(.*\)".*/\1/p' "$RELEASE/__manifest__.py")

dropdb -h "$host" -p "$port" -U "$user" --if-exists "$DB"
echo "Installing release $released ($FROM) with its demo data in pt_BR in $DB…"
"$PYTHON" -m odoo -c "$CHECK/odoo.conf" -d "$DB" -i account_credit_recovery --load-language=pt_BR \
  --stop-after-init --log-level=warn
altered=$(psql_db -c "SELECT max(id) FROM credit_recovery_contact WHERE evidence_hash IS NOT NULL AND notes <> ''")
psql_db -c "UPDATE credit_recovery_contact SET notes = notes || ' (altered)' WHERE id = $altered"
psql_db -c "SELECT id, evidence_hash FROM credit_recovery_contact WHERE evidence_hash IS NOT NULL ORDER BY id" \
  > "$CHECK/before.txt"

echo "Upgrading $DB with $ROOT…"
"$PYTHON" -m odoo -c "$CONF" -d "$DB" -u account_credit_recovery --stop-after-init --log-level=warn
psql_db -c "SELECT id, evidence_hash FROM credit_recovery_contact WHERE evidence_hash IS NOT NULL ORDER BY id" \
  > "$CHECK/after.txt"

logs=$(wc -l < "$CHECK/before.txt")
kept=$(comm -12 <(sort "$CHECK/before.txt") <(sort "$CHECK/after.txt") | wc -l)
version=$(psql_db -c "SELECT latest_version FROM ir_module_module WHERE name = 'account_credit_recovery'")
ledger=$(psql_db -c "
  SELECT count(*) FILTER (WHERE evidence_sequence IS NOT NULL),
         count(*) FILTER (WHERE evidence_ledger_hash IS DISTINCT FROM encode(sha256(convert_to(
             COALESCE(evidence_previous_hash, '') || evidence_hash || evidence_sequence::text, 'UTF8')), 'hex')),
         string_agg(DISTINCT evidence_version::text, ','),
         string_agg(id::text, ',') FILTER (WHERE evidence_altered_before_upgrade)
    FROM credit_recovery_contact WHERE evidence_hash IS NOT NULL")
IFS='|' read -r chained broken versions flagged <<< "$ledger"

# Verify Evidence and the dossier's values on every debtor, as the application computes them.
verified=$("$PYTHON" -m odoo shell -c "$CONF" -d "$DB" --no-http --log-level=warn 2>/dev/null <<'PY' | tail -1
debtors = env["credit.recovery.debtor"].search([("contact_ids", "!=", False)])
dossiers = env["report.account_credit_recovery.report_dossier"]
failing = [d.id for d in debtors if d.action_verify_evidence()["params"]["type"] != "success"]
marked = sorted(i for d in debtors for i in dossiers._get_dossier(d)["altered"])
print(f"{len(debtors)}|{','.join(map(str, failing))}|{','.join(map(str, marked))}")
PY
)
IFS='|' read -r debtors failing marked <<< "$verified"
failing_expected=$(psql_db -c "SELECT debtor_id FROM credit_recovery_contact WHERE id = $altered")

echo "Release $released -> $version: $logs sealed logs, $kept digests unchanged; $chained chained, $broken ledger" \
  "digests wrong; payload versions: $versions; altered before the upgrade: log $altered, flagged: ${flagged:-none};" \
  "Verify Evidence fails on debtor(s) ${failing:-none} of $debtors (expected $failing_expected);" \
  "dossier marks log(s) ${marked:-none}."
if [ "${KEEP:-}" != 1 ]; then
  dropdb -h "$host" -p "$port" -U "$user" "$DB"
  git worktree remove --force "$RELEASE"
  rm -rf "$CHECK"
fi
if [ "$kept" = "$logs" ] && [ "$chained" = "$logs" ] && [ "$broken" = 0 ] && [ "$flagged" = "$altered" ] \
  && [ "$failing" = "$failing_expected" ] && [ "$marked" = "$altered" ]; then
  echo "OK: every seal kept, chained as it was, the altered log flagged."
else
  echo "FAILED" >&2
  exit 1
fi
