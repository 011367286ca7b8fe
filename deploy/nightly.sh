#!/bin/sh
# Nightly job (docs/operations.md): check the raw sources, then build, gate, analyse and
# report with `mobility run`, and alert by exit status. Arguments go to `mobility run`,
# e.g.  deploy/nightly.sh --source public --data-dir /srv/ons
# ALERT names a command that takes one message (mail, chat webhook...); default: print it.
set -u
cd "$(dirname "$0")/.." || exit 3
alert() { ${ALERT:-echo} "mobility nightly on $(hostname): $1"; }

# Freshness first, for the sources the run reads: a stale source (older than warn_after) is
# a warning and the run goes on; a missing or very stale one (error_after) is an error,
# alerted as such (a missing file will also stop the run at its contract, with exit 2).
freshness=$(.venv/bin/dbt --no-use-colors source freshness --selector flows 2>&1)
freshness_status=$?
printf '%s\n' "$freshness"
if [ "$freshness_status" -ne 0 ]; then
    alert "SOURCE MISSING OR STALE (error): $(printf '%s\n' "$freshness" | grep -E 'ERROR|Error' | head -3)"
elif printf '%s\n' "$freshness" | grep -q 'WARN freshness'; then
    alert "SOURCE STALE (warning): $(printf '%s\n' "$freshness" | grep 'WARN freshness' | head -3)"
fi

.venv/bin/mobility run "$@"
status=$?
case $status in
    0) ;;
    1) alert "DATA QUALITY (exit 1): a dbt test or the Great Expectations gate failed; nothing was analysed from the new data. Look at the gate report under reports/gate/ and the dbt log in warehouse/logs/." ;;
    2) alert "BAD INPUT (exit 2): a raw file broke its contract or a file is missing; the previous warehouse is untouched. The message above names the file, column and row." ;;
    *) alert "FAILED (exit $status): not a data problem (warehouse in use, disk, bug); see the log." ;;
esac
exit $status
