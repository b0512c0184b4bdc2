-- wrk script of scripts/bench-vs-postgraphile.sh: posts one GraphQL request (the JSON body in
-- the file BENCH_BODY, with BENCH_AUTH as the Authorization header when set) and checks every
-- response: status 200, a body that starts with {"data": and holds no "errors", and exactly
-- BENCH_LENGTH bytes (the length of the reference answer checked in full beforehand), so a
-- partial, empty or refused answer is counted as bad. Prints one RESULT line at the end.
local f = assert(io.open(os.getenv("BENCH_BODY"), "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/json"
local auth = os.getenv("BENCH_AUTH")
if auth and auth ~= "" then
  wrk.headers["Authorization"] = auth
end
local expected = tonumber(os.getenv("BENCH_LENGTH"))

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  good = 0
  bad = 0
  first_bad = ""
end

function response(status, headers, body)
  if status == 200 and body and #body == expected and body:sub(1, 8) == '{"data":'
      and not body:find('"errors"', 1, true) then
    good = good + 1
  else
    bad = bad + 1
    if first_bad == "" then
      first_bad = status .. " " .. tostring(body and #body) .. " bytes: " .. tostring(body and body:sub(1, 200))
    end
  end
end

function done(summary, latency, requests)
  local g, b, first = 0, 0, ""
  for _, t in ipairs(threads) do
    g = g + t:get("good")
    b = b + t:get("bad")
    if first == "" then first = t:get("first_bad") or "" end
  end
  local e = summary.errors
  io.write(string.format(
    "RESULT requests=%d good=%d bad=%d socket_errors=%d seconds=%.3f rps=%.2f p50_ms=%.3f p99_ms=%.3f max_ms=%.3f\n",
    summary.requests, g, b, e.connect + e.read + e.write + e.timeout, summary.duration / 1e6,
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000))
  if first ~= "" then
    io.write("FIRST_BAD " .. first:gsub("\n", " ") .. "\n")
  end
end
