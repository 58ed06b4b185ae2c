#!/bin/sh
# test/bounded-run.sh LIMIT COMMAND...: runs COMMAND with a bound on the whole run (LIMIT in timeout(1)'s syntax, e.g.
# 40m), so that a hang the per-test and per-hook timeouts do not catch (the global setup or teardown, a worker that
# never returns) cannot use up CI's 90 minutes. At LIMIT every process of the run gets SIGTERM (timeout(1) signals its
# whole process group), SIGKILL a minute later; timeout --verbose names the signal it sent.
limit=$1
shift
timeout --verbose --kill-after=1m "$limit" "$@"
status=$?
if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then
  echo "bounded-run: '$*' stopped: it ran over $limit, the bound on the whole run (a hang the per-test timeouts missed?)" >&2
fi
exit "$status"
