// The measuring part of scripts/bench-vs-postgraphile.sh (run by Node 22 from npm): signs
// in to thidua, finds the ids each server names its rows by, sends each query shape once to
// each server and checks the answer in full (data, no errors, the same numbers of campaigns,
// criteria, reports... on both sides), then runs alternated wrk rounds per shape and prints
// each server's median req/s, median p99 and the ratio thidua / PostGraphile.
//
// Environment: THIDUA_GRAPHQL, POSTGRAPHILE_GRAPHQL (endpoints), BENCH_PASSWORD (of
// bench.viewer and bench.reporter), WRK (binary), BENCH_ROUNDS (3), BENCH_SECONDS (10),
// BENCH_WARMUP_SECONDS (3), BENCH_CONNECTIONS (32), BENCH_THREADS (2), BENCH_SHAPES (all, or
// a comma-separated list of names), BENCH_WORKDIR (where request bodies are written),
// THIDUA_PID and POSTGRAPHILE_PID (the servers' processes, whose CPU time each round reads).

import { createHash } from "node:crypto";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { cpus, loadavg } from "node:os";

const env = (name, fallback) => process.env[name] ?? fallback;
const THIDUA = env("THIDUA_GRAPHQL");
const POSTGRAPHILE = env("POSTGRAPHILE_GRAPHQL");
const PASSWORD = env("BENCH_PASSWORD");
const WRK = env("WRK", "wrk");
const ROUNDS = Number(env("BENCH_ROUNDS", "3"));
const SECONDS = Number(env("BENCH_SECONDS", "10"));
const WARMUP = Number(env("BENCH_WARMUP_SECONDS", "3"));
const CONNECTIONS = Number(env("BENCH_CONNECTIONS", "32"));
const THREADS = Number(env("BENCH_THREADS", "2"));
const WORKDIR = env("BENCH_WORKDIR", ".");
const CHECK_LUA = new URL("./check.lua", import.meta.url).pathname;

/** `md5(name)::uuid`, as data.sql names its rows. */
const uuidOf = (name) => {
  const h = createHash("md5").update(name).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
};

async function post(url, body, token) {
  const headers = { "content-type": "application/json" };
  if (token) headers.authorization = `Bearer ${token}`;
  // A keep-alive connection the server closed while wrk ran fails once: ask again, once.
  const send = () => fetch(url, { method: "POST", headers, body });
  const resp = await send().catch(() => send());
  const text = await resp.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`${url}: ${resp.status}, not JSON: ${text.slice(0, 300)}`);
  }
  if (resp.status !== 200 || json.errors || !json.data) {
    throw new Error(`${url}: ${resp.status} ${text.slice(0, 600)}`);
  }
  return { json, text, bytes: Buffer.byteLength(text) };
}

const ask = async (url, query, variables = {}, token) =>
  (await post(url, JSON.stringify({ query, variables }), token)).json.data;

async function login(username) {
  const d = await ask(
    THIDUA,
    "mutation($i: LoginInput!) { login(input: $i) { accessToken } }",
    { i: { username, password: PASSWORD } },
  );
  return d.login.accessToken;
}

/** Throws unless `cond`; the message says which shape and server. */
function expect(cond, what) {
  if (!cond) throw new Error(`check failed: ${what}`);
}

const len = (a) => (Array.isArray(a) ? a.length : -1);
const sum = (xs) => xs.reduce((a, b) => a + b, 0);

// ---- The query shapes: the same data asked of each server, as close as the schemas allow.

const NESTED_THIDUA = `query($n: Int) { campaigns(first: $n) { edges { node {
  id code title status startDate endDate
  criteria { id title measure unitLabel targetValue weight }
  milestones { id title dueDate status }
  launchingUnit { id name } } } pageInfo { hasNextPage } } }`;
const NESTED_PG = `query($n: Int) { allCampaigns(first: $n, condition: { status: "LAUNCHED" },
  orderBy: [START_DATE_ASC, PRIMARY_KEY_ASC]) { nodes {
  id code title status startDate endDate
  criteriaByCampaignId(orderBy: [SORT_ORDER_ASC, PRIMARY_KEY_ASC]) { nodes { id title measure unitLabel targetValue weight } }
  milestonesByCampaignId(orderBy: [DUE_DATE_ASC, PRIMARY_KEY_ASC]) { nodes { id title dueDate completedAt } }
  orgUnitByLaunchingUnitId { id name } } pageInfo { hasNextPage } } }`;

const HOME_THIDUA = `{ me { user { displayName } units { name } openCampaigns { title
  criteria { title measure unitLabel } nextMilestone { title dueDate status }
  myLastReport { status returnReason } } } }`;
const HOME_PG = `query($user: UUID!) { userByRowId(rowId: $user) { displayName
  orgUnitByUnitId { name participationsByUnitId(condition: { status: "REGISTERED" },
    orderBy: [PRIMARY_KEY_ASC]) { nodes { campaignByCampaignId { title
    criteriaByCampaignId(orderBy: [SORT_ORDER_ASC, PRIMARY_KEY_ASC]) { nodes { title measure unitLabel } }
    milestonesByCampaignId(first: 1, orderBy: [DUE_DATE_ASC, PRIMARY_KEY_ASC]) { nodes { title dueDate completedAt } }
    progressReportsByCampaignId(first: 1, condition: { submittedBy: $user },
      orderBy: [SUBMITTED_AT_DESC, PRIMARY_KEY_DESC]) { nodes { status returnReason } } } } } } } }`;

const REPORTS_THIDUA = `query($n: Int) { reports(first: $n) { edges { node {
  id status period { kind start end } submittedAt narrative
  campaign { title } unit { name }
  values { value criterion { title } } } } pageInfo { hasNextPage } } }`;
const REPORTS_PG = `query($n: Int) { allProgressReports(first: $n, orderBy: [PRIMARY_KEY_DESC]) { nodes {
  id status periodKind periodStart periodEnd submittedAt narrative
  campaignByCampaignId { title } orgUnitByUnitId { name }
  reportValuesByReportId { nodes { value criterionByCriterionId { title } } } } pageInfo { hasNextPage } } }`;

const BOARD_THIDUA = `query($c: ID!) { leaderboard(campaignId: $c, periodStart: "2026-01-01",
  periodEnd: "2026-12-31") { rank score unit { name }
  breakdown { criterion { title } actual achievement points } } }`;
const BOARD_PG = `query($c: UUID!) { benchPgLeaderboard(campaign: $c, periodStart: "2026-01-01",
  periodEnd: "2026-12-31") { nodes { rank score unitName breakdown } } }`;

const NODE_THIDUA = `query($id: ID!) { node(id: $id) { ... on ProgressReport {
  id status period { start end } narrative
  campaign { title launchingUnit { name parent { name } }
    criteria { title targetValue } milestones { title dueDate } }
  unit { name parent { name } }
  values { value criterion { title campaign { title } } } } } }`;
const NODE_PG = `query($id: ID!) { node(id: $id) { ... on ProgressReport {
  id status periodStart periodEnd narrative
  campaignByCampaignId { title orgUnitByLaunchingUnitId { name orgUnitByParentId { name } }
    criteriaByCampaignId(orderBy: [SORT_ORDER_ASC, PRIMARY_KEY_ASC]) { nodes { title targetValue } }
    milestonesByCampaignId(orderBy: [DUE_DATE_ASC, PRIMARY_KEY_ASC]) { nodes { title dueDate } } }
  orgUnitByUnitId { name orgUnitByParentId { name } }
  reportValuesByReportId { nodes { value criterionByCriterionId { title campaignByCampaignId { title } } } } } } }`;

/** Builds the shapes once the ids each server uses are known. Each `count` reduces an
 * answer to the numbers both servers must agree on. */
async function shapes() {
  const viewer = await login("bench.viewer");
  const reporter = await login("bench.reporter");
  const campaign1 = uuidOf("bench-campaign-1");
  const report = uuidOf("bench-report-1-1-9"); // ward 1, campaign 1, October 2026
  const reporterRow = (await ask(POSTGRAPHILE,
    `{ allUsers(condition: { username: "bench.reporter" }) { nodes { rowId } } }`)).allUsers.nodes[0].rowId;
  const boardCampaign = (await ask(THIDUA, `{ campaign(code: "BENCH-C001") { id } }`, {}, viewer)).campaign.id;
  const reportPg = (await ask(POSTGRAPHILE,
    `query($r: UUID!) { progressReportByRowId(rowId: $r) { id } }`, { r: report })).progressReportByRowId.id;
  const ward1 = (await ask(THIDUA, `{ orgUnit(code: "BENCH-W01") { id } }`, {}, viewer)).orgUnit.id;
  const ward1Reports = (await ask(THIDUA,
    `query($c: ID!, $u: ID!) { reports(filter: { campaignId: $c, unitSubtree: $u }, first: 20) { edges { node { id clientId } } } }`,
    { c: boardCampaign, u: ward1 }, viewer)).reports.edges.map((e) => e.node);
  const reportThidua = ward1Reports.find((n) => n.clientId === report)?.id;
  expect(reportThidua, `report ${report} readable in thidua`);

  return [
    {
      name: "nested list",
      what: "100 campaigns, each with its 3 criteria, 2 milestones and launching unit (viewer)",
      thidua: { query: NESTED_THIDUA, variables: { n: 100 }, token: viewer },
      pg: { query: NESTED_PG, variables: { n: 100 } },
      count: {
        thidua: (d) => {
          const c = d.campaigns.edges.map((e) => e.node);
          return [c.length, sum(c.map((x) => len(x.criteria))), sum(c.map((x) => len(x.milestones))),
            c.filter((x) => x.launchingUnit?.name).length];
        },
        pg: (d) => {
          const c = d.allCampaigns.nodes;
          return [c.length, sum(c.map((x) => len(x.criteriaByCampaignId.nodes))),
            sum(c.map((x) => len(x.milestonesByCampaignId.nodes))), c.filter((x) => x.orgUnitByLaunchingUnitId?.name).length];
        },
      },
      expected: [100, 300, 200, 100],
    },
    {
      name: "home screen",
      what: "the reporter's open campaigns with criteria, next milestone and last report",
      thidua: { query: HOME_THIDUA, variables: {}, token: reporter },
      pg: { query: HOME_PG, variables: { user: reporterRow } },
      count: {
        thidua: (d) => {
          const c = d.me.openCampaigns;
          return [c.length, sum(c.map((x) => len(x.criteria))), c.filter((x) => x.nextMilestone).length,
            c.filter((x) => x.myLastReport).length];
        },
        pg: (d) => {
          const c = d.userByRowId.orgUnitByUnitId.participationsByUnitId.nodes.map((p) => p.campaignByCampaignId);
          return [c.length, sum(c.map((x) => len(x.criteriaByCampaignId.nodes))),
            c.filter((x) => x.milestonesByCampaignId.nodes.length).length,
            c.filter((x) => x.progressReportsByCampaignId.nodes.length).length];
        },
      },
      expected: [10, 30, 10, 10],
    },
    {
      name: "reports page",
      what: "50 reports, newest id first, with campaign, unit and values (viewer)",
      thidua: { query: REPORTS_THIDUA, variables: { n: 50 }, token: viewer },
      pg: { query: REPORTS_PG, variables: { n: 50 } },
      count: {
        thidua: (d) => {
          const r = d.reports.edges.map((e) => e.node);
          return [r.length, sum(r.map((x) => len(x.values))), r.filter((x) => x.unit?.name && x.campaign?.title).length];
        },
        pg: (d) => {
          const r = d.allProgressReports.nodes;
          return [r.length, sum(r.map((x) => len(x.reportValuesByReportId.nodes))),
            r.filter((x) => x.orgUnitByUnitId?.name && x.campaignByCampaignId?.title).length];
        },
      },
      expected: [50, 150, 50],
    },
    {
      name: "leaderboard",
      what: "campaign 1's 30 units over 2026 with the per-criterion breakdown (viewer)",
      thidua: { query: BOARD_THIDUA, variables: { c: boardCampaign }, token: viewer },
      pg: { query: BOARD_PG, variables: { c: campaign1 } },
      count: {
        thidua: (d) => [d.leaderboard.length, sum(d.leaderboard.map((x) => len(x.breakdown))),
          d.leaderboard[0]?.rank, Number(d.leaderboard[0]?.score)],
        pg: (d) => {
          const n = d.benchPgLeaderboard.nodes;
          return [n.length, sum(n.map((x) => len(x.breakdown))), Number(n[0]?.rank), Number(n[0]?.score)];
        },
      },
      expected: null, // the rank and score of the leader come from the data: both must agree
      minimum: [30, 90],
    },
    {
      name: "deep node",
      what: "one report by global id: campaign (launching unit and parent, criteria, milestones), unit and parent, values with criterion and campaign (viewer)",
      thidua: { query: NODE_THIDUA, variables: { id: reportThidua }, token: viewer },
      pg: { query: NODE_PG, variables: { id: reportPg } },
      count: {
        thidua: (d) => [d.node ? 1 : 0, len(d.node?.values), len(d.node?.campaign?.criteria),
          len(d.node?.campaign?.milestones), d.node?.unit?.parent?.name ? 1 : 0,
          d.node?.values?.filter((v) => v.criterion?.campaign?.title).length],
        pg: (d) => [d.node ? 1 : 0, len(d.node?.reportValuesByReportId?.nodes),
          len(d.node?.campaignByCampaignId?.criteriaByCampaignId?.nodes),
          len(d.node?.campaignByCampaignId?.milestonesByCampaignId?.nodes),
          d.node?.orgUnitByUnitId?.orgUnitByParentId?.name ? 1 : 0,
          d.node?.reportValuesByReportId?.nodes?.filter((v) => v.criterionByCriterionId?.campaignByCampaignId?.title).length],
      },
      expected: [1, 3, 3, 2, 1, 3],
    },
  ];
}

// ---- CPU time, read from /proc, so that each request's cost can be split between the server,
// PostgreSQL and the load generator (all on the same cores).

const TICKS_PER_MS = Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout.trim() || "100") / 1000;
const SERVER_PIDS = { thidua: env("THIDUA_PID"), pg: env("POSTGRAPHILE_PID") };
// A missing pid would read as a server costing nothing and lower every ceiling.
for (const [server, pid] of Object.entries(SERVER_PIDS)) {
  if (!/^\d+$/.test(pid ?? "")) throw new Error(`no process id for ${server} (THIDUA_PID / POSTGRAPHILE_PID)`);
}

/** utime + stime of one process, in clock ticks (0 once it is gone). */
function ticks(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
}

/** Ticks of every PostgreSQL process (postmaster, backends, background workers), by pid. */
function postgresTicks() {
  const byPid = new Map();
  for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    try {
      if (readFileSync(`/proc/${pid}/comm`, "utf8").trim() === "postgres") byPid.set(pid, ticks(pid));
    } catch {
      // The process ended while the list was read.
    }
  }
  return byPid;
}

/** Ticks PostgreSQL spent between two readings (a backend started meanwhile counts whole). */
const postgresSpent = (before, after) =>
  sum([...after].map(([pid, t]) => t - (before.get(pid) ?? 0)).filter((d) => d > 0));

/** One wrk run; returns its RESULT fields and the CPU milliseconds per request of the
 * server, of PostgreSQL and of wrk itself. */
function wrk(target, seconds) {
  const serverBefore = ticks(target.pid);
  const postgresBefore = postgresTicks();
  // `times` prints the shell's children's user and system time on its second line.
  const out = spawnSync("sh", ["-c", '"$@"; s=$?; times; exit $s', "wrk",
    WRK, `-t${THREADS}`, `-c${CONNECTIONS}`, `-d${seconds}s`, "--timeout", "30s", "-s", CHECK_LUA, target.url,
  ], { env: { ...process.env, ...target.env }, encoding: "utf8" });
  const serverMs = (ticks(target.pid) - serverBefore) / TICKS_PER_MS;
  const postgresMs = postgresSpent(postgresBefore, postgresTicks()) / TICKS_PER_MS;
  if (out.status !== 0) throw new Error(`wrk failed (${out.status}): ${out.stderr}`);
  const lines = out.stdout.split("\n");
  const line = lines.find((l) => l.startsWith("RESULT "));
  if (!line) throw new Error(`no RESULT from wrk: ${out.stdout}\n${out.stderr}`);
  const r = Object.fromEntries(line.slice(7).split(" ").map((kv) => kv.split("=")).map(([k, v]) => [k, Number(v)]));
  r.firstBad = lines.find((l) => l.startsWith("FIRST_BAD ")) ?? "";
  // "0m1.234s 0m0.567s": minutes and seconds of user, then system time.
  const children = lines.filter((l) => /^\d+m[\d.]+s \d+m[\d.]+s$/.test(l.trim())).at(-1) ?? "0m0s 0m0s";
  const wrkMs = sum(children.trim().split(" ").map((t) => {
    const [, m, sec] = t.match(/^(\d+)m([\d.]+)s$/);
    return (Number(m) * 60 + Number(sec)) * 1000;
  }));
  const n = Math.max(r.requests, 1);
  r.cpu = { server: serverMs / n, postgres: postgresMs / n, wrk: wrkMs / n };
  return r;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

async function main() {
  const only = env("BENCH_SHAPES", "all");
  const loadBefore = loadavg().map((l) => l.toFixed(2)).join(", ");
  const all = await shapes();
  const selected = only === "all" ? all : all.filter((s) => only.split(",").includes(s.name));
  const rows = [];
  const cpuRows = [];
  let failures = 0;
  for (const shape of selected) {
    const targets = {};
    for (const server of ["thidua", "pg"]) {
      const spec = shape[server];
      const body = JSON.stringify({ query: spec.query, variables: spec.variables });
      const url = server === "thidua" ? THIDUA : POSTGRAPHILE;
      const { json, text, bytes } = await post(url, body, spec.token);
      const counts = shape.count[server](json.data);
      const file = join(WORKDIR, `${shape.name.replace(/ /g, "-")}.${server}.json`);
      writeFileSync(file, body);
      writeFileSync(`${file}.answer`, text);
      const auth = spec.token ? `Bearer ${spec.token}` : "";
      writeFileSync(`${file}.auth`, auth);
      targets[server] = {
        url, bytes, counts, pid: SERVER_PIDS[server],
        env: { BENCH_BODY: file, BENCH_LENGTH: String(bytes), BENCH_AUTH: auth },
      };
    }
    const [t, p] = [targets.thidua.counts, targets.pg.counts];
    console.error(`[${shape.name}] counts thidua ${JSON.stringify(t)}, PostGraphile ${JSON.stringify(p)}; ` +
      `${targets.thidua.bytes} and ${targets.pg.bytes} bytes`);
    expect(JSON.stringify(t) === JSON.stringify(p), `${shape.name}: both servers return the same numbers`);
    if (shape.expected) expect(JSON.stringify(t) === JSON.stringify(shape.expected), `${shape.name}: ${JSON.stringify(shape.expected)} expected`);
    if (shape.minimum) shape.minimum.forEach((m, i) => expect(t[i] >= m, `${shape.name}: at least ${m} (item ${i})`));

    for (const server of ["thidua", "pg"]) {
      const w = wrk(targets[server], WARMUP);
      console.error(`[${shape.name}] warm-up ${server}: ${w.rps.toFixed(0)} req/s, bad ${w.bad}`);
    }
    const runs = { thidua: [], pg: [] };
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? ["thidua", "pg"] : ["pg", "thidua"];
      for (const server of order) {
        const r = wrk(targets[server], SECONDS);
        runs[server].push(r);
        console.error(`[${shape.name}] round ${round + 1} ${server}: ${r.rps.toFixed(1)} req/s, p50 ${r.p50_ms.toFixed(1)} ms, ` +
          `p99 ${r.p99_ms.toFixed(1)} ms, ${r.requests} requests, bad ${r.bad}, socket errors ${r.socket_errors}${r.firstBad ? ` ${r.firstBad}` : ""}`);
      }
    }
    const stat = (server) => {
      const rs = runs[server];
      const bad = sum(rs.map((r) => r.bad + r.socket_errors));
      const checked = sum(rs.map((r) => r.good));
      return { rps: median(rs.map((r) => r.rps)), p99: median(rs.map((r) => r.p99_ms)),
        p50: median(rs.map((r) => r.p50_ms)), bad, checked,
        cpu: Object.fromEntries(["server", "postgres", "wrk"].map((k) => [k, median(rs.map((r) => r.cpu[k]))])) };
    };
    const [a, b] = [stat("thidua"), stat("pg")];
    const ratio = a.rps / b.rps;
    const bad = a.bad + b.bad;
    failures += bad;
    const goal = bad ? "FAIL (bad responses)" : ratio >= 2 && a.p99 <= b.p99 ? "PASS" : "not yet";
    rows.push(`| ${shape.name} | ${(targets.thidua.bytes / 1024).toFixed(1)} / ${(targets.pg.bytes / 1024).toFixed(1)} | ` +
      `${a.rps.toFixed(0)} | ${b.rps.toFixed(0)} | **${ratio.toFixed(2)}×** | ${a.p50.toFixed(1)} / ${b.p50.toFixed(1)} | ` +
      `${a.p99.toFixed(1)} | ${b.p99.toFixed(1)} | ${a.checked + b.checked} / ${bad} | ${goal} |`);
    // The most any server could reach against PostGraphile here if it cost no CPU itself and
    // sent the cheaper of the two servers' SQL: the cores PostGraphile's requests use, over
    // what PostgreSQL and wrk alone would still use.
    const ms = (c) => [c.server, c.postgres, c.wrk].map((x) => x.toFixed(3)).join(" / ");
    const whole = b.cpu.server + b.cpu.postgres + b.cpu.wrk;
    const ceiling = whole / (Math.min(a.cpu.postgres, b.cpu.postgres) + Math.min(a.cpu.wrk, b.cpu.wrk));
    cpuRows.push(`| ${shape.name} | ${ms(a.cpu)} | ${ms(b.cpu)} | ${ceiling.toFixed(2)}× |`);
  }
  console.log(`\n## thidua vs PostGraphile v5, same PostgreSQL database and data\n`);
  console.log(`wrk ${THREADS} threads, ${CONNECTIONS} connections; per shape a ${WARMUP} s warm-up of each ` +
    `server, then ${ROUNDS} alternated rounds of ${SECONDS} s each; medians over the rounds.\n`);
  console.log("| shape | answer KiB thidua / PG | thidua req/s | PostGraphile req/s | ratio | p50 ms thidua / PG | thidua p99 ms | PostGraphile p99 ms | responses checked / bad | goal ≥ 2×, p99 ≤ |");
  console.log("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |");
  console.log(rows.join("\n"));
  console.log("\nCPU milliseconds per request (medians over the rounds; /proc of the server process, of every " +
    "`postgres` process and of wrk), and the most any server could reach against PostGraphile if it cost " +
    "no CPU itself and sent the cheaper of the two servers' SQL (PostGraphile's CPU per request, all three " +
    "parts, over the cheaper PostgreSQL part plus wrk's):\n");
  console.log("| shape | thidua: server / PostgreSQL / wrk | PostGraphile: server / PostgreSQL / wrk | ceiling |");
  console.log("| --- | ---: | ---: | ---: |");
  console.log(cpuRows.join("\n"));
  console.log(`\nLoad average (1, 5, 15 min) on the ${cpus().length} cores: ${loadBefore} before the checks, ` +
    `${loadavg().map((l) => l.toFixed(2)).join(", ")} after the rounds: anything above the two servers, PostgreSQL and ` +
    "wrk (other builds) takes CPU from both alike, as rounds alternate, but it lowers both figures.");
  console.log(`\nShapes: ${selected.map((s) => `${s.name}: ${s.what}`).join("; ")}.`);
  if (failures) {
    console.error(`${failures} responses failed their check`);
    process.exit(1);
  }
}

main().catch((e) => {
  console.error(e.stack ?? e);
  process.exit(1);
});
