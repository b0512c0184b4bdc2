#!/usr/bin/env bash
# Peak resident memory of a running thidua server while it receives 20 concurrent 9 MiB
# evidence uploads: first 20 anonymous ones, then 20 authorised ones.
#
#   scripts/upload-rss.sh URL PID
#
# URL is the server's base URL (e.g. http://127.0.0.1:8080), PID its process id (the same
# machine: memory is read from /proc/PID/status). Authorised uploads need a token:
# THIDUA_TOKEN=<access token>, or THIDUA_USERNAME and THIDUA_PASSWORD to sign in first.
# THIDUA_REPORT_ID names a report to attach to (any id will do to measure memory: the body
# is received before the mutation looks the report up). N (default 20) and SIZE_MIB
# (default 9) change the load. Needs bash and curl; works against old and new binaries.
set -euo pipefail

url=${1:?usage: $0 URL PID}
pid=${2:?usage: $0 URL PID}
n=${N:-20}
size_mib=${SIZE_MIB:-9}
status_file=/proc/$pid/status
[ -r "$status_file" ] || { echo "no process $pid" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"; [ -n "${sampler:-}" ] && kill "$sampler" 2>/dev/null || true' EXIT

# A JPEG as far as the server's sniffer can tell, padded with random bytes.
file=$work/evidence.jpg
{ printf '\xff\xd8\xff\xe0\x00\x10JFIF\x00'; head -c $((size_mib * 1024 * 1024 - 11)) /dev/urandom; } >"$file"

rss_kib() { awk '/^VmRSS:/ {print $2}' "$status_file"; }
hwm_kib() { awk '/^VmHWM:/ {print $2}' "$status_file"; }

# Samples VmRSS every 10 ms until killed; the highest value seen ends up in $1.
sample() {
  local out=$1 peak=0 v
  trap 'echo "$peak" >"$out"; exit 0' TERM
  while :; do
    v=$(rss_kib 2>/dev/null || echo 0)
    [ "${v:-0}" -gt "$peak" ] && peak=$v
    sleep 0.01
  done
}

token=${THIDUA_TOKEN:-}
if [ -z "$token" ] && [ -n "${THIDUA_USERNAME:-}" ]; then
  login=$(curl -sS "$url/graphql" -H 'Content-Type: application/json' \
    --data "{\"query\":\"mutation(\$i: LoginInput!) { login(input: \$i) { accessToken } }\",\"variables\":{\"i\":{\"username\":\"$THIDUA_USERNAME\",\"password\":\"$THIDUA_PASSWORD\"}}}")
  token=$(printf '%s' "$login" | sed -n 's/.*"accessToken":"\([^"]*\)".*/\1/p')
  [ -n "$token" ] || { echo "sign-in failed: $login" >&2; exit 1; }
fi
report=${THIDUA_REPORT_ID:-UHJvZ3Jlc3NSZXBvcnQ6MDE5MDAwMDAtMDAwMC03MDAwLTgwMDAtMDAwMDAwMDAwMDAw}
ops="{\"query\":\"mutation(\$i: AttachEvidenceInput!) { attachEvidence(input: \$i) { attachment { sha256 } userErrors { code } } }\",\"variables\":{\"i\":{\"reportId\":\"$report\",\"file\":null}}}"

# Sends $n uploads at once (with `Authorization` when $1 is a token); prints status counts.
burst() {
  local auth=() i
  [ -n "$1" ] && auth=(-H "Authorization: Bearer $1")
  for i in $(seq "$n"); do
    curl -s -o /dev/null -w '%{http_code}\n' --max-time 120 "$url/graphql" \
      -H 'Apollo-Require-Preflight: true' "${auth[@]}" \
      -F "operations=$ops" -F 'map={"0":["variables.i.file"]}' \
      -F "0=@$file;type=image/jpeg" >"$work/status.$i" &
  done
  wait
  cat "$work"/status.* | sort | uniq -c | awk '{printf "%s×HTTP %s ", $1, $2}'
  rm -f "$work"/status.*
}

phase() {
  local name=$1 tok=$2 before
  before=$(rss_kib)
  sample "$work/peak" &
  sampler=$!
  local answers
  answers=$(burst "$tok")
  kill "$sampler"; wait "$sampler" 2>/dev/null || true
  sampler=
  printf '%-11s %d uploads of %d MiB: RSS before %d MiB, peak %d MiB (+%d MiB); answers: %s\n' \
    "$name" "$n" "$size_mib" $((before / 1024)) $(($(cat "$work/peak") / 1024)) \
    $((($(cat "$work/peak") - before) / 1024)) "$answers"
}

echo "server $pid at $url; RSS now $(($(rss_kib) / 1024)) MiB (peak so far, VmHWM: $(($(hwm_kib) / 1024)) MiB)"
phase anonymous ""
if [ -n "$token" ]; then
  phase authorised "$token"
else
  echo "authorised: skipped (set THIDUA_TOKEN, or THIDUA_USERNAME and THIDUA_PASSWORD)"
fi
echo "VmHWM (peak since the process started): $(($(hwm_kib) / 1024)) MiB"
