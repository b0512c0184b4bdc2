// PostGraphile v5 for scripts/bench-vs-postgraphile.sh: the Amber preset (its defaults)
// over the thidua tables in `public` and the leaderboard function in `bench_pg`, as the
// database owner, without authentication, GraphiQL or `explain`.
import { PostGraphileAmberPreset } from "postgraphile/presets/amber";
import { makePgService } from "postgraphile/adaptors/pg";

/** @type {GraphileConfig.Preset} */
const preset = {
  extends: [PostGraphileAmberPreset],
  // By default only indexed columns get `condition` and `orderBy` entries; the home screen
  // asks for registered participations and the latest report by submission time, as
  // thidua does (both unindexed columns, on small row sets).
  disablePlugins: ["PgIndexBehaviorsPlugin"],
  pgServices: [
    makePgService({
      connectionString: process.env.BENCH_PG_URL,
      schemas: ["public", "bench_pg"],
    }),
  ],
  grafserv: {
    port: Number(process.env.BENCH_PG_PORT),
    host: "127.0.0.1",
    graphiql: false,
    watch: false,
  },
  grafast: { explain: false },
};

export default preset;
