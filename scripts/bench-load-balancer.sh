#!/usr/bin/env bash
# thidua behind a real load balancer (issue 15): the release binary started 1, 2 and 3 times
# on one scratch PostgreSQL database (evidence in the database), HAProxy in front (round
# robin, health checks on /readyz), and THIDUA_BENCH_SECS (60) s of mixed traffic through it
# for each count: reads, report batches with retries, uploads downloaded back from every
# process, approvals heard over WebSocket and SSE. Every answer and, afterwards, the database
# are checked; then it prints requests/s, p50/p99 and each process's CPU time per request.
#
#   scripts/bench-load-balancer.sh
#   THIDUA_BENCH_SECS=20 THIDUA_BENCH_PROCESSES=1,3 scripts/bench-load-balancer.sh
#
# It installs HAProxy from Debian's packages when missing, then runs
# `cargo bench -p thidua-server --bench load_balancer` (crates/server/benches/load_balancer.rs),
# which builds the release binary. THIDUA_BENCH_POSTGRES_URL is the admin URL (default
# postgres://postgres@127.0.0.1:5432/postgres; the role needs CREATEDB): each count gets its
# own database thidua_bench_<uuid>, dropped afterwards.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)

if ! command -v haproxy >/dev/null; then
    echo "[set-up] installing haproxy (apt-get)…" >&2
    apt-get install -y -q haproxy >/dev/null \
        || { apt-get update -q >/dev/null && apt-get install -y -q haproxy >/dev/null; }
fi
echo "[set-up] $(haproxy -v | head -1)" >&2

export THIDUA_BENCH_POSTGRES_URL=${THIDUA_BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}
cd "$ROOT"
exec nice cargo bench -p thidua-server --bench load_balancer
