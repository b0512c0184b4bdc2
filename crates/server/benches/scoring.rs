//! Read latency of the campaign `leaderboard` and of the programme `targets` on PostgreSQL
//! with a province-sized data set (a program that prints numbers, not a timed test).
//!
//! It starts the release `thidua` binary on a scratch database (the server migrates and
//! seeds it), then loads, directly in SQL: 500 units under the root (50 directly under the
//! province, 9 below each), one launched campaign with 20 criteria that all 500 units joined,
//! 12 monthly APPROVED reports per unit with 20 values each (6,000 reports, 120,000 values),
//! 10,000 exemplary models at every stage with their stage history and replications, 8
//! `BENCH-` award types and 50,000 commendations; then `ANALYZE`. Through the HTTP API, as
//! admin, it measures from 1 and 4 keep-alive connections (a warm-up, then 200 requests
//! each): the leaderboard for December 2025 (all 500 ranked; the top 20 with the
//! per-criterion breakdown; all 500 with the compact per-criterion lists — the whole table
//! as 10,000 breakdown objects is refused by the complexity limit), and every target with
//! its progress; and the dashboard queries for the whole province (reporting compliance for
//! December 2025 per child unit, commendations by level × year, exemplary models by stage ×
//! field with the units without models, a page of reports with `totalCount`). The goal is
//! p95 < 100 ms for each.
//!
//! ```sh
//! THIDUA_BENCH_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/postgres \
//!     cargo bench -p thidua-server --bench scoring
//! ```
//!
//! The role needs `CREATEDB`: a database `thidua_bench_<uuid>` is created and dropped
//! afterwards, unless `THIDUA_BENCH_KEEP_DB=1` keeps it for `EXPLAIN ANALYZE`.
//!
//! SQL per request is counted where it happens, in PostgreSQL: the growth of
//! `pg_stat_database.xact_commit + xact_rollback` of the scratch database over sequential
//! requests (each autocommit statement is one transaction there; pool pings are not).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use support::{Api, BIN, PgDatabase, Server, ServerOptions, Summary, sql_exec, sql_ints, verdict};
use tokio::runtime::Runtime;

const UNITS: i64 = 500;
const CRITERIA: usize = 20;
const TARGETS: usize = 4;
const CONNECTIONS: [usize; 2] = [1, 4];
const WARMUP: usize = 20;
const REQUESTS: usize = 200;
/// Requests whose SQL transactions are counted, one at a time.
const COUNTED: usize = 20;
const GOAL_P95_MS: f64 = 100.0;
/// How long PostgreSQL may hold a backend's statistics before publishing them (an idle
/// backend flushes within 10 s), plus a margin.
const STATS_FLUSH: Duration = Duration::from_secs(11);
const CAMPAIGN_CODE: &str = "BENCH-2025";

const LEADERBOARD: &str = "query Leaderboard($c: ID!, $n: Int) { leaderboard(campaignId: $c, \
    periodStart: \"2025-12-01\", periodEnd: \"2025-12-31\", first: $n) { rank score unit { code name } } }";
const LEADERBOARD_BREAKDOWN: &str = "query LeaderboardBreakdown($c: ID!, $n: Int) { leaderboard(\
    campaignId: $c, periodStart: \"2025-12-01\", periodEnd: \"2025-12-31\", first: $n) { rank score \
    unit { code name } breakdown { points achievement actual criterion { title } } } }";
const LEADERBOARD_LISTS: &str = "query LeaderboardLists($c: ID!, $n: Int) { leaderboard(\
    campaignId: $c, periodStart: \"2025-12-01\", periodEnd: \"2025-12-31\", first: $n) { rank score \
    unit { code name } points achievements actuals } }";
/// What a council member's screen shows: the top of the table, each row explained.
const TOP: usize = 20;
const TARGETS_QUERY: &str =
    "query Targets { targets { code progress { value status shareOfTarget note } } }";

/// The data set, in SQL on one connection and one implicit transaction. Ids of rows that
/// others point at are `md5(name)::uuid`, so every statement can find them again without
/// a round trip; `setseed` makes the random values the same on every run.
const GENERATE: &str = r#"
SELECT setseed(0.2025);

-- 50 units directly under the province (what target 2 counts), 9 units below each.
INSERT INTO org_units (id, code, name, kind, parent_id, path, depth, is_active, version, created_at, updated_at)
SELECT u.id, 'BENCH-U' || lpad(u.n::text, 3, '0'),
    CASE WHEN u.n <= 12 THEN 'Sở chuyên ngành số ' || u.n
         WHEN u.n <= 30 THEN 'Phường ' || u.n
         WHEN u.n <= 48 THEN 'Xã ' || u.n
         WHEN u.n <= 50 THEN 'Đặc khu ' || u.n
         ELSE (ARRAY['Thôn', 'Tổ dân phố', 'Trường', 'Doanh nghiệp'])[u.n % 4 + 1] || ' số ' || u.n END,
    CASE WHEN u.n <= 12 THEN 'DEPARTMENT' WHEN u.n <= 30 THEN 'WARD'
         WHEN u.n <= 48 THEN 'COMMUNE' WHEN u.n <= 50 THEN 'SPECIAL_ZONE'
         ELSE (ARRAY['VILLAGE', 'RESIDENTIAL_GROUP', 'SCHOOL', 'ENTERPRISE'])[u.n % 4 + 1] END,
    COALESCE(u.parent, r.id),
    r.path || COALESCE(u.parent::text || '/', '') || u.id::text || '/',
    CASE WHEN u.n <= 50 THEN 1 ELSE 2 END, true, 1, now(), now()
FROM (SELECT n, md5('bench-unit-' || n)::uuid AS id,
             CASE WHEN n > 50 THEN md5('bench-unit-' || ((n - 51) / 9 + 1))::uuid END AS parent
      FROM generate_series(1, 500) n) u,
     org_units r
WHERE r.code = 'QN'
ORDER BY u.n;

CREATE TEMP TABLE bench_admin AS SELECT id FROM users WHERE username = 'admin';

INSERT INTO campaigns (id, code, title, summary, search_text, kind, status, programme_id,
    launching_unit_id, start_date, end_date, version, created_by, created_at, updated_at, launched_at, closed_at)
SELECT md5('bench-campaign')::uuid, 'BENCH-2025',
    'Phong trào thi đua "Kỷ luật và Đồng tâm" năm 2025',
    'Chấm điểm hằng tháng theo 20 tiêu chí.',
    'bench-2025 phong trao thi dua "ky luat va dong tam" nam 2025 cham diem hang thang theo 20 tieu chi.',
    'REGULAR', 'LAUNCHED', p.id, r.id, DATE '2025-01-01', DATE '2025-12-31', 2, a.id,
    TIMESTAMPTZ '2024-12-20 08:00:00+07', now(), TIMESTAMPTZ '2025-01-02 08:00:00+07', NULL
FROM programmes p, org_units r, bench_admin a
WHERE p.code = 'QN-TDYN-2021-2030' AND r.code = 'QN';

-- 20 criteria cycling PERCENT / COUNT / YES_NO / NUMBER; four are lower-is-better.
INSERT INTO criteria (id, campaign_id, title, measure, direction, unit_label, target_value, weight, sort_order, created_at)
SELECT md5('bench-criterion-' || k)::uuid, md5('bench-campaign')::uuid,
    (ARRAY['Tỷ lệ hồ sơ thủ tục hành chính giải quyết đúng hạn',
           'Số mô hình, điển hình tiên tiến được xây dựng',
           'Hoàn thành chỉ tiêu thu ngân sách',
           'Thu nhập bình quân tăng thêm',
           'Tỷ lệ hộ nghèo',
           'Số sáng kiến được công nhận',
           'Phát động phong trào đúng kế hoạch',
           'Số vụ vi phạm trật tự an toàn giao thông',
           'Tỷ lệ người dân tham gia bảo hiểm y tế',
           'Số công trình, phần việc thanh niên hoàn thành',
           'Không có khiếu nại vượt cấp kéo dài',
           'Vốn huy động xã hội hóa',
           'Tỷ lệ trẻ em suy dinh dưỡng thể thấp còi',
           'Số buổi tuyên truyền, tập huấn',
           'Hoàn thành số hóa hồ sơ một cửa',
           'Diện tích trồng rừng mới',
           'Tỷ lệ rác thải sinh hoạt được thu gom, xử lý',
           'Số gia đình văn hóa tiêu biểu',
           'Đạt chuẩn nông thôn mới nâng cao',
           'Số ngày giải quyết thủ tục đầu tư bình quân'])[k + 1],
    (ARRAY['PERCENT', 'COUNT', 'YES_NO', 'NUMBER'])[k % 4 + 1],
    CASE WHEN k IN (4, 7, 12, 19) THEN 'LOWER_IS_BETTER' ELSE 'HIGHER_IS_BETTER' END,
    (ARRAY['%', 'mô hình', 'có/không', 'triệu đồng', '%', 'sáng kiến', 'có/không', 'vụ/10.000 dân',
           '%', 'công trình', 'có/không', 'tỷ đồng', '%', 'buổi', 'có/không', 'ha',
           '%', 'gia đình', 'có/không', 'ngày'])[k + 1],
    (ARRAY[95, 10, 1, 1.5, 3, 5, 1, 2, 95, 8, 1, 20, 5, 12, 1, 50, 90, 30, 1, 15])[k + 1],
    1 + k % 3, k, now()
FROM generate_series(0, 19) k;

INSERT INTO participations (id, campaign_id, unit_id, pledge, status, registered_at, withdrawn_at, updated_at)
SELECT md5('bench-participation-' || n)::uuid, md5('bench-campaign')::uuid, md5('bench-unit-' || n)::uuid,
    'Đăng ký hoàn thành xuất sắc các tiêu chí thi đua năm 2025', 'REGISTERED',
    TIMESTAMPTZ '2025-01-05 08:00:00+07', NULL, TIMESTAMPTZ '2025-01-05 08:00:00+07'
FROM generate_series(1, 500) n;

-- One approved report per unit and month of 2025, stored month by month as they arrive.
INSERT INTO progress_reports (id, campaign_id, unit_id, period_kind, period_start, period_end, narrative,
    latitude, longitude, status, revision, version, content_hash, submitted_by, submitted_at,
    reviewed_by, reviewed_at, return_reason, updated_at)
SELECT md5('bench-report-' || n || '-' || m)::uuid, md5('bench-campaign')::uuid, md5('bench-unit-' || n)::uuid,
    'MONTH', make_date(2025, m, 1), (make_date(2025, m, 1) + INTERVAL '1 month - 1 day')::date,
    'Báo cáo kết quả thi đua tháng ' || m || '/2025: tổ chức ' || (n % 5 + 1) || ' hội nghị, ra quân vệ sinh môi trường.',
    round((20.9 + random() * 0.5)::numeric, 7), round((106.8 + random() * 0.9)::numeric, 7),
    'APPROVED', 1, 2, md5('bench-report-' || n || '-' || m) || md5('content-' || n || '-' || m),
    a.id, make_date(2025, m, 1) + INTERVAL '1 month 2 days',
    a.id, make_date(2025, m, 1) + INTERVAL '1 month 6 days', NULL, make_date(2025, m, 1) + INTERVAL '1 month 6 days'
FROM generate_series(1, 12) m, generate_series(1, 500) n, bench_admin a
ORDER BY m, n;

-- One value per report and criterion, valid for the criterion's measure; a report's values
-- are stored together, as a submission writes them.
INSERT INTO report_values (report_id, criterion_id, value)
SELECT r.id, c.id,
    CASE c.measure
        WHEN 'PERCENT' THEN CASE WHEN c.direction = 'HIGHER_IS_BETTER'
            THEN round((60 + random() * 40)::numeric, 2) ELSE round((random() * 2 * c.target_value)::numeric, 2) END
        WHEN 'COUNT' THEN floor(random() * 2 * c.target_value)::numeric
        WHEN 'YES_NO' THEN CASE WHEN random() < 0.85 THEN 1::numeric ELSE 0::numeric END
        ELSE round((c.target_value * (0.3 + random() * 1.5))::numeric, 2)
    END
FROM progress_reports r CROSS JOIN criteria c
WHERE r.campaign_id = md5('bench-campaign')::uuid AND c.campaign_id = r.campaign_id
ORDER BY r.period_start, r.unit_id, c.sort_order;

-- 10,000 models at home in the subtrees of 40 of the 50 top units (target 2 below 100 %):
-- 40 % identified, 30 % nurtured, 20 % recognised, 10 % replicated.
CREATE TEMP TABLE bench_exemplars AS
SELECT i, md5('bench-exemplar-' || i)::uuid AS id,
    md5('bench-unit-' || CASE WHEN (i / 400) % 10 = 9 THEN (i / 10) % 40 + 1
                              ELSE 51 + ((i / 10) % 40) * 9 + (i / 400) % 10 END)::uuid AS home,
    CASE WHEN i % 10 < 4 THEN 0 WHEN i % 10 < 7 THEN 1 WHEN i % 10 < 9 THEN 2 ELSE 3 END AS stage,
    DATE '2022-01-01' + (i * 37) % 1300 AS identified_on
FROM generate_series(1, 10000) i;

INSERT INTO exemplars (id, name, kind, home_unit_id, field_id, campaign_id, description, is_direct_worker,
    stage, version, created_by, created_at, updated_at)
SELECT e.id,
    CASE WHEN e.i % 3 = 0 THEN 'Cá nhân điển hình số ' || e.i ELSE 'Mô hình "Dân vận khéo" số ' || e.i END,
    CASE WHEN e.i % 3 = 0 THEN 'INDIVIDUAL' ELSE 'COLLECTIVE' END,
    e.home, f.id, CASE WHEN e.i % 5 = 0 THEN md5('bench-campaign')::uuid END,
    'Cách làm hay, hiệu quả, có khả năng nhân rộng trên địa bàn.',
    e.i % 3 = 0 AND e.i % 2 = 0,
    (ARRAY['IDENTIFIED', 'NURTURED', 'RECOGNISED', 'REPLICATED'])[e.stage + 1], e.stage + 1, a.id,
    e.identified_on::timestamptz, (e.identified_on + e.stage * 60)::timestamptz
FROM bench_exemplars e
CROSS JOIN bench_admin a
LEFT JOIN (SELECT id, row_number() OVER (ORDER BY sort_order) - 1 AS r FROM fields) f
    ON f.r = e.i % 16;

-- Every step each model took, 60 days apart.
INSERT INTO exemplar_stage_events (id, exemplar_id, from_stage, to_stage, on_date, reason, by_user, at)
SELECT gen_random_uuid(), e.id,
    (ARRAY['IDENTIFIED', 'NURTURED', 'RECOGNISED', 'REPLICATED'])[s],
    (ARRAY['IDENTIFIED', 'NURTURED', 'RECOGNISED', 'REPLICATED'])[s + 1],
    e.identified_on + s * 60, NULL, a.id, (e.identified_on + s * 60)::timestamptz
FROM bench_exemplars e CROSS JOIN LATERAL generate_series(0, e.stage) s CROSS JOIN bench_admin a;

-- Replicated models: 3 units each; one recognised model in four: 1 unit.
INSERT INTO replications (id, exemplar_id, unit_id, on_date, note, created_by, created_at)
SELECT gen_random_uuid(), e.id, md5('bench-unit-' || ((e.i * 31 + k * 97) % 500 + 1))::uuid,
    e.identified_on + 150 + k * 20, 'Nhân rộng tại đơn vị bạn.', a.id, (e.identified_on + 150 + k * 20)::timestamptz
FROM bench_exemplars e
CROSS JOIN LATERAL generate_series(1, CASE WHEN e.stage = 3 THEN 3 WHEN e.stage = 2 AND e.i % 4 = 0 THEN 1 ELSE 0 END) k
CROSS JOIN bench_admin a;

INSERT INTO award_types (id, code, name, category, level, recipient_kind, approval_threshold, conferring_authority,
    legal_basis, effective_from, effective_to, prerequisite_award_type_id, prerequisite_years, sort_order, version,
    created_at, updated_at)
SELECT md5('bench-award-' || t.code)::uuid, t.code, t.name, t.category, t.level, t.recipient_kind, t.threshold,
    t.authority, 'Luật Thi đua, khen thưởng số 06/2022/QH15; Nghị định 98/2023/NĐ-CP', DATE '2018-01-01', NULL,
    NULL, NULL, t.sort_order, 1, now(), now()
FROM (VALUES
    ('BENCH-HCLD3', 'Huân chương Lao động hạng Ba', 'ORDER', 'CENTRAL', 'BOTH', 90.00, 'Chủ tịch nước', 1),
    ('BENCH-BKTTG', 'Bằng khen của Thủ tướng Chính phủ', 'CERTIFICATE_OF_MERIT', 'CENTRAL', 'BOTH', 90.00, 'Thủ tướng Chính phủ', 2),
    ('BENCH-CSTDTQ', 'Chiến sĩ thi đua toàn quốc', 'EMULATION_TITLE', 'CENTRAL', 'INDIVIDUAL', 90.00, 'Thủ tướng Chính phủ', 3),
    ('BENCH-BKUBND', 'Bằng khen của Chủ tịch UBND tỉnh', 'CERTIFICATE_OF_MERIT', 'PROVINCIAL', 'BOTH', 70.00, 'Chủ tịch UBND tỉnh Quảng Ninh', 4),
    ('BENCH-CSTDT', 'Chiến sĩ thi đua cấp tỉnh', 'EMULATION_TITLE', 'PROVINCIAL', 'INDIVIDUAL', 70.00, 'Chủ tịch UBND tỉnh Quảng Ninh', 5),
    ('BENCH-CTDT', 'Cờ thi đua của UBND tỉnh', 'EMULATION_TITLE', 'PROVINCIAL', 'COLLECTIVE', 70.00, 'Chủ tịch UBND tỉnh Quảng Ninh', 6),
    ('BENCH-GK', 'Giấy khen', 'CERTIFICATE', 'GRASSROOTS', 'BOTH', 50.00, 'Thủ trưởng đơn vị', 7),
    ('BENCH-LDTT', 'Lao động tiên tiến', 'EMULATION_TITLE', 'GRASSROOTS', 'INDIVIDUAL', 50.00, 'Thủ trưởng đơn vị', 8)
) AS t(code, name, category, level, recipient_kind, threshold, authority, sort_order);

-- 50,000 commendations: 35 % to models, 25 % to units, 40 % to people; 5 % central,
-- 35 % provincial, 60 % grassroots; 90 % conferred, decided 2022–2030, one decision each.
CREATE TEMP TABLE bench_commendations AS
SELECT j,
    CASE WHEN j % 20 < 7 THEN 'EXEMPLAR' WHEN j % 20 < 12 THEN 'UNIT' ELSE 'PERSON' END AS recipient,
    (j * 7) % 10000 + 1 AS x,
    CASE WHEN j % 100 < 5 THEN 'CENTRAL' WHEN j % 100 < 40 THEN 'PROVINCIAL' ELSE 'GRASSROOTS' END AS level,
    -- Independent of the level (a `j % 50` test would never confer a central one).
    (j / 100) % 10 <> 9 AS conferred,
    DATE '2022-01-01' + (j * 7919) % 3287 AS decided_on
FROM generate_series(1, 50000) j;

INSERT INTO commendations (id, award_type_id, kind, status, recipient_type, unit_id, exemplar_id, person_name,
    person_position, recipient_key, is_individual, is_direct_worker, nominating_unit_id, campaign_id, award_year,
    citation, session_id, votes_present, votes_in_writing, votes_yes, votes_no, votes_abstain, decision_note,
    decision_number, decision_key, decision_date, decision_year, issuing_authority, authority_key,
    conferred_by, conferred_at, version, created_by, created_at, updated_at)
SELECT gen_random_uuid(),
    md5('bench-award-' || CASE
        WHEN c.level = 'CENTRAL' THEN CASE WHEN c.j % 2 = 0 THEN 'BENCH-HCLD3'
            WHEN c.individual THEN 'BENCH-CSTDTQ' ELSE 'BENCH-BKTTG' END
        WHEN c.level = 'PROVINCIAL' THEN CASE WHEN c.j % 2 = 0 THEN 'BENCH-BKUBND'
            WHEN c.individual THEN 'BENCH-CSTDT' ELSE 'BENCH-CTDT' END
        ELSE CASE WHEN c.individual AND c.j % 2 = 0 THEN 'BENCH-LDTT' ELSE 'BENCH-GK' END END)::uuid,
    CASE WHEN c.j % 10 = 8 THEN 'PHONG_TRAO_THI_DUA' WHEN c.j % 10 = 7 THEN 'DOT_XUAT' ELSE 'CONG_TRANG' END,
    CASE WHEN c.conferred THEN 'CONFERRED'
        ELSE (ARRAY['NOMINATED', 'UNDER_REVIEW', 'APPROVED', 'REJECTED', 'NOMINATED'])[c.j % 5 + 1] END,
    c.recipient, c.unit_id, c.exemplar_id,
    CASE WHEN c.recipient = 'PERSON' THEN 'Nguyễn Văn Người ' || c.j END,
    CASE WHEN c.recipient = 'PERSON' THEN (ARRAY['Công nhân', 'Chuyên viên', 'Giáo viên', 'Trưởng thôn'])[c.j % 4 + 1] END,
    -- Recipient keys carry the row number: the generated honours are not one recipient's
    -- real history (that would break the one-live-nomination rule), and the measured reads
    -- do not use them.
    CASE WHEN c.recipient = 'PERSON' THEN 'PERSON:nguyễn văn người ' || c.j || '|' || c.unit_id::text
         WHEN c.recipient = 'EXEMPLAR' THEN 'EXEMPLAR:' || c.exemplar_id::text || '/' || c.j
         ELSE 'UNIT:' || c.unit_id::text || '/' || c.j END,
    c.individual, c.individual AND c.j % 3 = 0, u.parent_id,
    CASE WHEN c.j % 10 = 8 THEN md5('bench-campaign')::uuid END,
    CASE WHEN c.conferred THEN extract(year FROM c.decided_on)::int - 1 ELSE 2025 END,
    'Đã có thành tích xuất sắc trong phong trào thi đua.',
    NULL, NULL, NULL, NULL, NULL, NULL, NULL,
    CASE WHEN c.conferred THEN c.j || '/QĐ-BENCH' END,
    CASE WHEN c.conferred THEN c.j || '/qđ-bench' END,
    CASE WHEN c.conferred THEN c.decided_on END,
    CASE WHEN c.conferred THEN extract(year FROM c.decided_on)::int END,
    CASE WHEN c.conferred THEN c.authority END,
    CASE WHEN c.conferred THEN lower(c.authority) END,
    CASE WHEN c.conferred THEN a.id END,
    CASE WHEN c.conferred THEN c.decided_on::timestamptz END,
    CASE WHEN c.conferred THEN 4 ELSE 1 END, a.id, c.decided_on - 30, c.decided_on::timestamptz
FROM (
    SELECT b.j, b.recipient, b.level, b.conferred, b.decided_on,
        CASE WHEN b.recipient = 'EXEMPLAR' THEN md5('bench-exemplar-' || b.x)::uuid END AS exemplar_id,
        CASE WHEN b.recipient = 'EXEMPLAR' THEN e.home
             WHEN b.recipient = 'UNIT' THEN md5('bench-unit-' || ((b.j * 13) % 500 + 1))::uuid
             ELSE md5('bench-unit-' || ((b.j * 17) % 500 + 1))::uuid END AS unit_id,
        CASE WHEN b.recipient = 'PERSON' THEN true WHEN b.recipient = 'UNIT' THEN false ELSE b.x % 3 = 0 END AS individual,
        CASE WHEN b.level = 'CENTRAL' THEN 'Thủ tướng Chính phủ'
             WHEN b.level = 'PROVINCIAL' THEN 'Chủ tịch UBND tỉnh Quảng Ninh'
             ELSE 'Thủ trưởng đơn vị' END AS authority
    FROM bench_commendations b JOIN bench_exemplars e ON e.i = b.x
) c
JOIN org_units u ON u.id = c.unit_id
CROSS JOIN bench_admin a;

DROP TABLE bench_commendations;
DROP TABLE bench_exemplars;
DROP TABLE bench_admin;
"#;

/// Tables whose row counts the report shows, read back from the database, with the count
/// the issue asks for where it names one (the root unit `QN` comes with the seed).
const TABLES: [(&str, Option<i64>); 11] = [
    ("org_units", Some(UNITS + 1)),
    ("campaigns", Some(1)),
    ("criteria", Some(CRITERIA as i64)),
    ("participations", Some(UNITS)),
    ("progress_reports", Some(UNITS * 12)),
    ("report_values", Some(UNITS * 12 * CRITERIA as i64)),
    ("exemplars", Some(10_000)),
    ("exemplar_stage_events", None),
    ("replications", None),
    // The seeded catalogue plus the 8 `BENCH-` rows.
    ("award_types", None),
    ("commendations", Some(50_000)),
];

/// Counts each table in one statement.
fn count_sql() -> String {
    let parts: Vec<String> = TABLES
        .iter()
        .map(|(t, _)| format!("(SELECT COUNT(*) FROM {t})"))
        .collect();
    format!(
        "SELECT {}, pg_database_size(current_database())",
        parts.join(", ")
    )
}

/// A leaderboard answer: a 200 without `errors`, `units` rows; with the breakdown, 20
/// criteria per unit.
fn check_leaderboard(
    status: reqwest::StatusCode,
    answer: &Value,
    units: usize,
    breakdown: bool,
) -> Result<(), String> {
    let rows = answer["data"]["leaderboard"].as_array();
    let units_ok = rows.is_some_and(|r| r.len() == units);
    let parts_ok = !breakdown
        || rows.is_some_and(|r| {
            r.iter().all(|e| {
                e["breakdown"]
                    .as_array()
                    .is_some_and(|b| b.len() == CRITERIA)
            })
        });
    if status == 200 && answer.get("errors").is_none() && units_ok && parts_ok {
        Ok(())
    } else {
        Err(format!(
            "bad leaderboard answer ({status}): {}",
            cut(answer)
        ))
    }
}

/// A leaderboard answer with the compact lists: every unit, 20 points each.
fn check_lists(status: reqwest::StatusCode, answer: &Value) -> Result<(), String> {
    let rows = answer["data"]["leaderboard"].as_array();
    let ok = rows.is_some_and(|r| {
        r.len() == UNITS as usize
            && r.iter()
                .all(|e| e["points"].as_array().is_some_and(|p| p.len() == CRITERIA))
    });
    if status == 200 && answer.get("errors").is_none() && ok {
        Ok(())
    } else {
        Err(format!(
            "bad leaderboard answer ({status}): {}",
            cut(answer)
        ))
    }
}

/// A targets answer: a 200 without `errors`, the 4 targets, each with a progress status,
/// and the three computed ones with a value.
fn check_targets(status: reqwest::StatusCode, answer: &Value) -> Result<(), String> {
    let rows = answer["data"]["targets"].as_array();
    let ok = rows.is_some_and(|r| {
        r.len() == TARGETS
            && r.iter().all(|t| t["progress"]["status"].is_string())
            && r.iter()
                .filter(|t| t["progress"]["value"].is_string())
                .count()
                >= TARGETS - 1
    });
    if status == 200 && answer.get("errors").is_none() && ok {
        Ok(())
    } else {
        Err(format!("bad targets answer ({status}): {}", cut(answer)))
    }
}

/// The start of an answer, for an error message.
fn cut(answer: &Value) -> String {
    answer.to_string().chars().take(400).collect()
}

/// The dashboard queries of issue 12 over the same data, for the whole province.
const COMPLIANCE: &str = "query Compliance($c: ID!) { reportingCompliance(campaignId: $c, \
    period: \"2025-12\") { expected submitted onTime late approved returned missing submittedShare \
    rows { unit { code } expected submitted missing } missingUnits(first: 20) { totalCount } } }";
const COMMENDATION_STATS: &str = "query CommendationStats { commendationStats(filter: \
    {fromYear: 2021, toYear: 2030}, groupBy: [LEVEL, YEAR]) { total groups { count level year } \
    directWorkerShare { share } } }";
const EXEMPLAR_STATS: &str = "query ExemplarStats { exemplarStats(groupBy: [STAGE, FIELD]) { total \
    groups { count stage field { name } } unitsWithoutModels(first: 50) { totalCount } } }";
const REPORTS_COUNT: &str =
    "query ReportsCount { reports(first: 20) { totalCount edges { node { id } } } }";

/// A 200 without `errors` whose `data.<root>.<field>` is the number `expected` (or any
/// positive number when `None`).
fn check_figure(
    status: reqwest::StatusCode,
    answer: &Value,
    root: &str,
    field: &str,
    expected: Option<i64>,
) -> Result<(), String> {
    let n = answer["data"][root][field].as_i64();
    let ok = match expected {
        Some(e) => n == Some(e),
        None => n.is_some_and(|n| n > 0),
    };
    if status == 200 && answer.get("errors").is_none() && ok {
        Ok(())
    } else {
        Err(format!("bad {root} answer ({status}): {}", cut(answer)))
    }
}

/// A measured query: its name, request body and answer check.
struct Probe {
    name: &'static str,
    body: String,
    check: fn(reqwest::StatusCode, &Value) -> Result<(), String>,
}

/// The measured queries; the leaderboards are for `campaign` (a global ID).
fn probes(campaign: &str) -> Vec<Probe> {
    let body = |q: &str, vars: Value| json!({"query": q, "variables": vars}).to_string();
    vec![
        Probe {
            name: "leaderboard, all 500 ranked",
            body: body(LEADERBOARD, json!({"c": campaign, "n": UNITS})),
            check: |s, a| check_leaderboard(s, a, UNITS as usize, false),
        },
        Probe {
            name: "leaderboard, top 20 + breakdown",
            body: body(LEADERBOARD_BREAKDOWN, json!({"c": campaign, "n": TOP})),
            check: |s, a| check_leaderboard(s, a, TOP, true),
        },
        Probe {
            name: "leaderboard, all 500 + points lists",
            body: body(LEADERBOARD_LISTS, json!({"c": campaign, "n": UNITS})),
            check: |s, a| check_lists(s, a),
        },
        Probe {
            name: "targets + progress",
            body: body(TARGETS_QUERY, json!({})),
            check: check_targets,
        },
        Probe {
            name: "reportingCompliance 2025-12, per child unit",
            body: body(COMPLIANCE, json!({"c": campaign})),
            check: |s, a| check_figure(s, a, "reportingCompliance", "expected", Some(UNITS)),
        },
        Probe {
            name: "commendationStats by level × year",
            body: body(COMMENDATION_STATS, json!({})),
            check: |s, a| check_figure(s, a, "commendationStats", "total", None),
        },
        Probe {
            name: "exemplarStats by stage × field",
            body: body(EXEMPLAR_STATS, json!({})),
            check: |s, a| check_figure(s, a, "exemplarStats", "total", Some(10_000)),
        },
        Probe {
            name: "reports page + totalCount",
            body: body(REPORTS_COUNT, json!({})),
            check: |s, a| {
                let n = a["data"]["reports"]["totalCount"].as_i64();
                if s == 200 && a.get("errors").is_none() && n == Some(UNITS * 12) {
                    Ok(())
                } else {
                    Err(format!("bad reports answer ({s}): {}", cut(a)))
                }
            },
        },
    ]
}

/// One load run's table row, and whether its p95 met the goal (`None`: not measurable).
fn load_row(
    rt: &Runtime,
    server: &Server,
    token: &str,
    probe: &Probe,
    clients: usize,
) -> (String, Option<bool>) {
    let bodies = vec![probe.body.clone(); REQUESTS];
    let cpu = server.cpu();
    let started = Instant::now();
    let samples = rt.block_on(support::drive(
        &server.graphql_url(),
        token,
        &bodies,
        clients,
        probe.check,
    ));
    let (wall, cpu) = (started.elapsed(), server.cpu() - cpu);
    let summary = Summary::of(probe.name, &samples);
    let Summary {
        errors,
        p50,
        p95,
        p99,
        max,
        kib,
    } = summary;
    let rps = samples.len() as f64 / wall.as_secs_f64();
    let cpu_ms = cpu.as_secs_f64() * 1e3 / samples.len() as f64;
    let pass = summary.pass(GOAL_P95_MS);
    let verdict = verdict(pass);
    let row = format!(
        "| {} | {clients} | {} | {errors} | {rps:.1} | {p50:.1} | {p95:.1} | {p99:.1} | {max:.1} | {kib:.0} | {cpu_ms:.1} | {verdict} |",
        probe.name,
        samples.len()
    );
    (row, pass)
}

/// SQL transactions per request of `probe`: `COUNTED` sequential requests, each side
/// read after the statistics flush; what reading itself costs is measured with no
/// request and taken off.
fn statements_per_request(
    rt: &Runtime,
    db: &PgDatabase,
    server: &Server,
    token: &str,
    probe: &Probe,
    idle_cost: i64,
) -> f64 {
    let before = db.transactions(rt);
    let bodies = vec![probe.body.clone(); COUNTED];
    let samples = rt.block_on(support::drive(
        &server.graphql_url(),
        token,
        &bodies,
        1,
        probe.check,
    ));
    assert!(
        samples.iter().all(|s| s.error.is_none()),
        "[{}] a counted request failed",
        probe.name
    );
    std::thread::sleep(STATS_FLUSH);
    let after = db.transactions(rt);
    (after - before - idle_cost) as f64 / COUNTED as f64
}

fn main() {
    let Some(admin_url) = support::pg_url() else {
        eprintln!(
            "the scoring bench runs on PostgreSQL only: set THIDUA_BENCH_POSTGRES_URL, e.g.\n  \
             THIDUA_BENCH_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/postgres \
             cargo bench -p thidua-server --bench scoring"
        );
        std::process::exit(2);
    };
    let keep = std::env::var("THIDUA_BENCH_KEEP_DB").is_ok_and(|v| v == "1");
    let rt = Runtime::new().expect("a tokio runtime");
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    eprintln!("thidua scoring: {BIN}");
    let mut db = PgDatabase::create(&rt, &admin_url);
    if keep {
        db.keep();
    }
    let url = db.url();

    eprintln!("starting the server (it migrates and seeds {})…", db.name());
    let (server, _) = Server::start(&url, &ServerOptions::default());

    eprintln!("generating the data in SQL…");
    let started = Instant::now();
    rt.block_on(sql_exec(&url, GENERATE))
        .expect("generating the bench data");
    let generated = started.elapsed();
    let started = Instant::now();
    rt.block_on(sql_exec(&url, "ANALYZE")).expect("ANALYZE");
    let analyzed = started.elapsed();
    let counts = rt
        .block_on(sql_ints(&url, &count_sql(), TABLES.len() + 1))
        .expect("counting the rows");
    for ((table, expected), n) in TABLES.iter().zip(&counts) {
        assert!(
            expected.is_none_or(|e| e == *n),
            "{table}: {n} rows, not {expected:?}"
        );
    }

    let api = rt.block_on(Api::admin(server.graphql_url()));
    let query = "query($code: String!) { campaign(code: $code) { id criteria { id } } }";
    let d = rt.block_on(api.run(query, json!({"code": CAMPAIGN_CODE})));
    let campaign = support::text(&d, "/campaign/id");
    let criteria = d["campaign"]["criteria"].as_array().map_or(0, Vec::len);
    assert_eq!(criteria, CRITERIA, "the API reads {criteria} criteria");
    let probes = probes(&campaign);
    let d = rt.block_on(api.run(TARGETS_QUERY, json!({})));
    let answered: Vec<String> = (d["targets"].as_array().into_iter().flatten())
        .map(|t| {
            let p = &t["progress"];
            format!(
                "- {}: {} ({}): {}",
                t["code"], p["value"], p["status"], p["note"]
            )
        })
        .collect();

    let (mut rows, mut passes) = (vec![], vec![]);
    for probe in &probes {
        eprintln!("[{}] warm-up: {WARMUP} requests…", probe.name);
        let warm = vec![probe.body.clone(); WARMUP];
        let samples = rt.block_on(support::drive(
            &server.graphql_url(),
            &api.token,
            &warm,
            1,
            probe.check,
        ));
        if let Some(e) = samples.iter().find_map(|s| s.error.as_deref()) {
            panic!("[{}] warm-up failed: {e}", probe.name);
        }
        for clients in CONNECTIONS {
            eprintln!(
                "[{}] {clients} connection(s): {REQUESTS} requests…",
                probe.name
            );
            let (row, pass) = load_row(&rt, &server, &api.token, probe, clients);
            rows.push(row);
            passes.push((probe.name, clients, pass));
        }
    }

    eprintln!("counting SQL per request (about a minute of waiting for statistics)…");
    std::thread::sleep(STATS_FLUSH);
    let before = db.transactions(&rt);
    std::thread::sleep(STATS_FLUSH);
    let idle_cost = db.transactions(&rt) - before;
    let statements: Vec<String> = probes
        .iter()
        .map(|p| {
            let n = statements_per_request(&rt, &db, &server, &api.token, p, idle_cost);
            format!("| {} | {n:.1} |", p.name)
        })
        .collect();
    drop(server);

    println!("\n## thidua scoring reads on PostgreSQL\n");
    println!(
        "Data generated in SQL in {:.1} s, then ANALYZE in {:.1} s; rows read back from the \
         database ({:.0} MiB):\n",
        generated.as_secs_f64(),
        analyzed.as_secs_f64(),
        counts[TABLES.len()] as f64 / (1024.0 * 1024.0)
    );
    println!("| table | rows |\n| --- | ---: |");
    for ((t, _), n) in TABLES.iter().zip(&counts) {
        println!("| {t} | {n} |");
    }
    println!(
        "\n### Latency through HTTP: {REQUESTS} requests per row after a {WARMUP}-request \
         warm-up, as admin\n"
    );
    println!(
        "Leaderboard: campaign {CAMPAIGN_CODE}, period 2025-12-01..2025-12-31, {UNITS} units."
    );
    println!(
        "Server CPU = the server process's user + system time per request (PostgreSQL's own \
         time is not in it).\n"
    );
    println!(
        "| query | connections | requests | errors | req/s | p50 ms | p95 ms | p99 ms | max ms | answer KiB | server CPU ms/req | p95 < {GOAL_P95_MS:.0} ms |"
    );
    println!("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |");
    println!("{}", rows.join("\n"));
    println!(
        "\n### SQL per request\n\nPostgreSQL transactions of the scratch database per request \
         (pg_stat_database, {COUNTED} sequential requests each; an autocommit statement is one \
         transaction):\n"
    );
    println!("| query | statements / request |\n| --- | ---: |");
    println!("{}", statements.join("\n"));
    println!(
        "\n### What the targets query answered\n\n{}",
        answered.join("\n")
    );
    let failed: Vec<String> = passes
        .iter()
        .filter(|(_, _, p)| *p != Some(true))
        .map(|(name, c, _)| format!("{name} ({c} conn.)"))
        .collect();
    if failed.is_empty() {
        println!("\nGoal p95 < {GOAL_P95_MS:.0} ms: met by every query.");
    } else {
        println!(
            "\nGoal p95 < {GOAL_P95_MS:.0} ms: NOT met by {}.",
            failed.join(", ")
        );
    }
    println!(
        "\nThe clients, the server and PostgreSQL share this {cores}-core machine; the server \
         runs with its default pool and workers."
    );
    if keep {
        println!("\nTHIDUA_BENCH_KEEP_DB=1: database {} kept.", db.name());
    }
}
