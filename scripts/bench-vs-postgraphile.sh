#!/usr/bin/env bash
# thidua against PostGraphile v5, side by side in one run on the same PostgreSQL database and
# data (issue 15). Prints, per query shape, each server's median requests per second and p99
# over alternated wrk rounds, and the ratio thidua / PostGraphile. Every response is checked.
# A second table splits each request's CPU time between the server, PostgreSQL and wrk (read
# from /proc around each round) and gives the ceiling: the most any server could reach against
# PostGraphile if it cost no CPU itself and sent the cheaper of the two servers' SQL.
#
#   scripts/bench-vs-postgraphile.sh
#
# It builds the release binary (`cargo build --release -p thidua-server --bin thidua`; set
# THIDUA_BIN to use another), creates a scratch database `thidua_vs_pg_<time>_<pid>` (dropped at
# the end unless BENCH_KEEP_DB=1), migrates and seeds it with `thidua`, creates the accounts
# bench.viewer (VIEWER on the province) and bench.reporter (REPORTER on ward 1) with the CLI,
# loads bench-vs-postgraphile/data.sql (100 launched campaigns with 3 criteria and 2 milestones,
# 30 wards, 3,000 approved reports with 9,000 values), rebuilds the progress rollups and runs
# VACUUM ANALYZE. It installs Node 22 and PostGraphile v5 from npm into a temporary folder
# (versions pinned in bench-vs-postgraphile/package.json), adds the leaderboard function for
# PostGraphile (bench-vs-postgraphile/postgraphile.sql, schema bench_pg), starts both servers
# on free ports and runs bench-vs-postgraphile/bench.mjs, which drives wrk (installed with
# apt-get when missing).
#
# Settings: THIDUA_BENCH_POSTGRES_URL (admin URL, default postgres://postgres@127.0.0.1:5432/
# postgres; the role needs CREATEDB), BENCH_ROUNDS (3), BENCH_SECONDS (10),
# BENCH_WARMUP_SECONDS (3), BENCH_CONNECTIONS (32), BENCH_THREADS (2), BENCH_SHAPES (all, or
# names separated by commas: "nested list,home screen,reports page,leaderboard,deep node"),
# BENCH_PROFILE=1 (after the rounds, a 15 s perf profile of thidua under one shape,
# BENCH_PROFILE_SHAPE, default "nested list", written beside the other files and summarised;
# needs `perf`).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
HERE=$ROOT/scripts/bench-vs-postgraphile
ADMIN_URL=${THIDUA_BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}
export THIDUA_ADMIN_PASSWORD=keeper-of-the-bench-2026
export THIDUA_JWT_SECRET=bench-secret-bench-secret-bench-secret-0123
export BENCH_PASSWORD=bench-password-2026

if [ -z "${THIDUA_BIN:-}" ]; then
    (cd "$ROOT" && nice cargo build --release -p thidua-server --bin thidua)
    THIDUA_BIN=$ROOT/target/release/thidua
fi
if ! command -v wrk >/dev/null; then
    apt-get install -y wrk >/dev/null
fi
WRK=$(command -v wrk)

WORK=$(mktemp -d /tmp/thidua-vs-postgraphile.XXXXXX)
DB=thidua_vs_pg_$(date +%s)_$$
base=${ADMIN_URL%%\?*}
query=${ADMIN_URL#"$base"}
DB_URL=${base%/*}/$DB$query
PIDS=()

cleanup() {
    for pid in "${PIDS[@]}"; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    for pid in "${PIDS[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
    if [ "${BENCH_KEEP_DB:-0}" != 1 ]; then
        psql -q "$ADMIN_URL" -c "DROP DATABASE IF EXISTS \"$DB\" WITH (FORCE)" >/dev/null || true
    else
        echo "kept database $DB" >&2
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Waits until `curl` gets a 200 from $1 (at most 120 s), or fails.
wait_for() {
    for _ in $(seq 1200); do
        if curl -fsS -o /dev/null "$@" 2>/dev/null; then
            return 0
        fi
        sleep 0.1
    done
    echo "no answer from $1" >&2
    return 1
}

thidua() {
    env -i PATH="$PATH" DATABASE_URL="$DB_URL" THIDUA_ADMIN_PASSWORD="$THIDUA_ADMIN_PASSWORD" \
        THIDUA_JWT_SECRET="$THIDUA_JWT_SECRET" THIDUA_LOG=warn "$@"
}

echo "[set-up] database $DB: migrate, seed, accounts, data set…" >&2
psql -q "$ADMIN_URL" -c "CREATE DATABASE \"$DB\"" >/dev/null
thidua "$THIDUA_BIN" migrate >/dev/null
thidua "$THIDUA_BIN" seed >/dev/null
for who in viewer reporter; do
    thidua THIDUA_NEW_USER_PASSWORD="$BENCH_PASSWORD" "$THIDUA_BIN" user create "bench.$who" \
        --display-name "Bench $who" >/dev/null
done
thidua "$THIDUA_BIN" user grant bench.viewer VIEWER --unit QN >/dev/null
psql -q -v ON_ERROR_STOP=1 "$DB_URL" -f "$HERE/data.sql" >/dev/null
thidua "$THIDUA_BIN" user grant bench.reporter REPORTER --unit BENCH-W01 >/dev/null
thidua "$THIDUA_BIN" progress-rollups rebuild >/dev/null
psql -q -v ON_ERROR_STOP=1 "$DB_URL" -f "$HERE/postgraphile.sql" >/dev/null
psql -q "$DB_URL" -c "VACUUM ANALYZE" >/dev/null

echo "[set-up] Node 22 and PostGraphile v5 from npm into $WORK/npm…" >&2
mkdir -p "$WORK/npm" "$WORK/bodies"
cp "$HERE/package.json" "$HERE/graphile.config.mjs" "$WORK/npm/"
(cd "$WORK/npm" && npm install --no-audit --no-fund --loglevel=error >/dev/null)
NODE=$WORK/npm/node_modules/.bin/node
"$NODE" --version | grep -q '^v22\.' || { echo "npm's node is not Node 22" >&2; exit 1; }

THIDUA_PORT=$(free_port)
env -i PATH="$PATH" DATABASE_URL="$DB_URL" THIDUA_ADMIN_PASSWORD="$THIDUA_ADMIN_PASSWORD" \
    THIDUA_JWT_SECRET="$THIDUA_JWT_SECRET" THIDUA_LOG=warn THIDUA_BUDGET_USER_POINTS=0 \
    THIDUA_BUDGET_ANONYMOUS_POINTS=0 THIDUA_DATA_DIR="$WORK/data" \
    "$THIDUA_BIN" serve --port "$THIDUA_PORT" >"$WORK/thidua.log" 2>&1 &
THIDUA_PID=$!
PIDS+=("$THIDUA_PID")

PG_PORT=$(free_port)
(cd "$WORK/npm" && exec env NODE_ENV=production GRAPHILE_ENV=production BENCH_PG_URL="$DB_URL" \
    BENCH_PG_PORT="$PG_PORT" "$NODE" node_modules/postgraphile/dist/cli-run.js \
    -C graphile.config.mjs >"$WORK/postgraphile.log" 2>&1) &
POSTGRAPHILE_PID=$!
PIDS+=("$POSTGRAPHILE_PID")

wait_for "http://127.0.0.1:$THIDUA_PORT/readyz"
wait_for -X POST -H 'content-type: application/json' -d '{"query":"{ __typename }"}' \
    "http://127.0.0.1:$PG_PORT/graphql"
echo "[set-up] thidua $("$THIDUA_BIN" --version 2>/dev/null || echo '') on :$THIDUA_PORT (pid $THIDUA_PID)," \
    "PostGraphile $(cd "$WORK/npm" && "$NODE" -p 'require("./node_modules/postgraphile/package.json").version')" \
    "on Node $("$NODE" --version) on :$PG_PORT; wrk $("$WRK" -v 2>&1 | head -1 | cut -d' ' -f2)" >&2

export THIDUA_GRAPHQL=http://127.0.0.1:$THIDUA_PORT/graphql
export POSTGRAPHILE_GRAPHQL=http://127.0.0.1:$PG_PORT/graphql
export WRK BENCH_WORKDIR=$WORK/bodies THIDUA_PID POSTGRAPHILE_PID
"$NODE" "$HERE/bench.mjs"

if [ "${BENCH_PROFILE:-0}" = 1 ]; then
    shape=${BENCH_PROFILE_SHAPE:-nested list}
    echo "[profile] perf record of thidua (499 Hz) during 15 s of the $shape…" >&2
    nested=$WORK/bodies/${shape// /-}.thidua.json
    BENCH_AUTH=$(cat "$nested.auth") BENCH_BODY=$nested BENCH_LENGTH=$(stat -c %s "$nested.answer") \
        "$WRK" -t2 -c32 -d15s --timeout 30s -s "$HERE/check.lua" "$THIDUA_GRAPHQL" >"$WORK/profile-wrk.txt" &
    WRK_PID=$!
    sleep 2
    perf record -F 499 -p "$THIDUA_PID" -o "$WORK/perf.data" -- sleep 10 2>/dev/null
    wait "$WRK_PID"
    grep -E '^(RESULT|FIRST_BAD)' "$WORK/profile-wrk.txt" >&2
    OUT=${BENCH_PROFILE_OUT:-$ROOT/target/bench-vs-postgraphile-profile.txt}
    perf report -i "$WORK/perf.data" --no-children --sort dso,symbol --stdio 2>/dev/null \
        | grep -E '^ +[0-9.]+%' | sed -E 's/[[:space:]]+$//' >"$OUT"
    echo "[profile] flat profile in $OUT; self time by crate (the symbol's first path segment):" >&2
    # "  5.32%  libc.so.6  [.] __memmove…" or "  1.4%  thidua  [.] <pest::…>::f" → crate or library.
    awk '{ pct = $1; sub(/%/, "", pct); dso = $2; sym = $0; sub(/^.*\] /, "", sym);
           gsub(/^([<&*]|dyn |impl |mut )+/, "", sym); sub(/^[A-Za-z_]+ as /, "", sym);
           crate = (dso == "thidua") ? sym : dso; sub(/::.*$/, "", crate); sub(/[<(].*$/, "", crate);
           t[crate] += pct }
         END { for (c in t) printf "%7.2f%%  %s\n", t[c], c }' "$OUT" | sort -rn | head -25 >&2
    echo "[profile] the top symbols (self time):" >&2
    awk 'NR <= 30' "$OUT" | cut -c1-160 >&2
fi
