#!/bin/sh
# Nightly job (docs/operations.md): check the raw sources, then build, gate, analyse and
# report with `mobility run`, and alert by exit status. Arguments go to `mobility run`,
# e.g.  deploy/nightly.sh --source public --data-dir /srv/ons
# ALERT names a command that takes one message (mail, chat webhook...); default: print it.
set -u
cd "$(dirname "$0")/.." || exit 3
alert() { ${ALERT:-echo} "mobility nightly on $(hostname): $1"; }

# Freshness first, for the sources the run reads: a stale source is a warning (the run goes
# on), a missing one an error (the contracts would refuse it anyway).
if ! .venv/bin/dbt source freshness --selector flows; then
    alert "WARNING: a raw source is stale or missing (dbt source freshness; target/sources.json)"
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
