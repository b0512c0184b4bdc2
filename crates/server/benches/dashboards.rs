//! Dashboard latency of issue 12 on PostgreSQL with a province-sized data set, and the
//! exports' time and memory (a program that prints numbers, not a timed test).
//!
//! It starts the release `thidua` binary on a scratch database (the server migrates and
//! seeds it), then loads, directly in SQL: 599 units under the root in three more levels
//! (14 top-level units → 60 → 525), 20 launched campaigns of 2024–2025 with 20 criteria and
//! monthly reporting deadlines each, about 500 registered units per campaign, an APPROVED
//! report per participant and month 2024-01..2025-12 (about 240,000 reports, 4.8 million
//! values), 10,000 exemplary models with their stages and replications, 100,000
//! commendations and two years of daily target snapshots; then `VACUUM ANALYZE`. Through the HTTP
//! API, as admin, it measures each dashboard query from 1 and 4 keep-alive connections (a
//! warm-up, then `THIDUA_BENCH_REQUESTS`, default 100), for the whole province (goal p95 <
//! 100 ms) and for one ward's subtree (goal p95 < 30 ms); then the CSV and Excel exports
//! (goal: 100,000 rows in < 5 s, server RSS growth < 30 MiB).
//!
//! ```sh
//! THIDUA_BENCH_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/postgres \
//!     cargo bench -p thidua-server --bench dashboards
//! ```
//!
//! Then the same on SQLite (a file database) with a twelfth of the data: 50 units, 1,000
//! models, 10,000 commendations. `THIDUA_BENCH_ONLY=postgres` or `=sqlite` runs one of them.
//!
//! The role needs `CREATEDB`: a database `thidua_bench_<uuid>` is created and dropped
//! afterwards, unless `THIDUA_BENCH_KEEP_DB=1` keeps it for `EXPLAIN ANALYZE` (and the
//! SQLite file, whose path it prints);
//! `THIDUA_BENCH_REUSE_DB=<name>` measures such a kept database again without generating
//! (the server still migrates it, so new indexes apply).
//!
//! SQL per request is counted in PostgreSQL, as in the `scoring` bench: the growth of
//! `pg_stat_database.xact_commit + xact_rollback` over sequential requests.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use support::{
    Api, BIN, PgDatabase, Server, ServerOptions, Summary, sql_exec, sql_ints, thidua, verdict,
};
use tokio::runtime::Runtime;

const CONNECTIONS: [usize; 2] = [1, 4];
const WARMUP: usize = 10;
/// Requests per measured row unless `THIDUA_BENCH_REQUESTS` says otherwise.
const REQUESTS: usize = 100;
/// The fewest requests a row gets, and about how long a row of a slow query may take.
const MIN_REQUESTS: usize = 20;
const ROW_BUDGET: Duration = Duration::from_secs(20);
/// Requests whose SQL transactions are counted, one at a time.
const COUNTED: usize = 10;
const GOAL_PROVINCE_MS: f64 = 100.0;
const GOAL_WARD_MS: f64 = 30.0;
const GOAL_EXPORT_SECS: f64 = 5.0;
const GOAL_EXPORT_MIB: f64 = 30.0;
/// How long PostgreSQL may hold a backend's statistics before publishing them.
const STATS_FLUSH: Duration = Duration::from_secs(11);
/// The campaign measured (one of the 20).
const CAMPAIGN_CODE: &str = "BENCH-C01";

/// The data set, in SQL on one connection. Ids of rows others point at are
/// `md5(name)::uuid`, so each statement finds them again without a round trip;
/// `setseed` makes the random values the same on every run.
const GENERATE: &str = r#"
SELECT setseed(0.2026);

CREATE TEMP TABLE bench_admin AS SELECT id FROM users WHERE username = 'admin';

-- 599 units under the root in three levels: 14 top-level units (departments, wards,
-- communes), 60 below them, 525 below those.
CREATE TEMP TABLE bench_units AS
SELECT n, md5('bench-unit-' || n)::uuid AS id,
    CASE WHEN n <= 14 THEN 1 WHEN n <= 74 THEN 2 ELSE 3 END AS depth,
    CASE WHEN n <= 14 THEN NULL
         WHEN n <= 74 THEN md5('bench-unit-' || ((n - 15) % 14 + 1))::uuid
         ELSE md5('bench-unit-' || ((n - 75) % 60 + 15))::uuid END AS parent
FROM generate_series(1, 599) n;

INSERT INTO org_units (id, code, name, kind, parent_id, path, depth, is_active, version, created_at, updated_at)
SELECT u.id, 'BENCH-U' || lpad(u.n::text, 3, '0'),
    CASE WHEN u.depth = 1 THEN CASE WHEN u.n <= 4 THEN 'Sở chuyên ngành số ' || u.n
                                    WHEN u.n <= 10 THEN 'Phường ' || u.n ELSE 'Xã ' || u.n END
         WHEN u.depth = 2 THEN (ARRAY['Trường', 'Doanh nghiệp'])[u.n % 2 + 1] || ' số ' || u.n
         ELSE (ARRAY['Thôn', 'Tổ dân phố'])[u.n % 2 + 1] || ' số ' || u.n END,
    CASE WHEN u.depth = 1 THEN CASE WHEN u.n <= 4 THEN 'DEPARTMENT' WHEN u.n <= 10 THEN 'WARD' ELSE 'COMMUNE' END
         WHEN u.depth = 2 THEN (ARRAY['SCHOOL', 'ENTERPRISE'])[u.n % 2 + 1]
         ELSE (ARRAY['VILLAGE', 'RESIDENTIAL_GROUP'])[u.n % 2 + 1] END,
    p.id, p.path || u.id::text || '/', u.depth, true, 1, now(), now()
FROM bench_units u JOIN org_units p ON p.id = u.parent OR (u.parent IS NULL AND p.code = 'QN')
WHERE u.depth = 1 ORDER BY u.n;

INSERT INTO org_units (id, code, name, kind, parent_id, path, depth, is_active, version, created_at, updated_at)
SELECT u.id, 'BENCH-U' || lpad(u.n::text, 3, '0'),
    (ARRAY['Trường', 'Doanh nghiệp'])[u.n % 2 + 1] || ' số ' || u.n,
    (ARRAY['SCHOOL', 'ENTERPRISE'])[u.n % 2 + 1],
    p.id, p.path || u.id::text || '/', u.depth, true, 1, now(), now()
FROM bench_units u JOIN org_units p ON p.id = u.parent
WHERE u.depth = 2 ORDER BY u.n;

INSERT INTO org_units (id, code, name, kind, parent_id, path, depth, is_active, version, created_at, updated_at)
SELECT u.id, 'BENCH-U' || lpad(u.n::text, 3, '0'),
    (ARRAY['Thôn', 'Tổ dân phố'])[u.n % 2 + 1] || ' số ' || u.n,
    (ARRAY['VILLAGE', 'RESIDENTIAL_GROUP'])[u.n % 2 + 1],
    p.id, p.path || u.id::text || '/', u.depth, true, 1, now(), now()
FROM bench_units u JOIN org_units p ON p.id = u.parent
WHERE u.depth = 3 ORDER BY u.n;

-- 20 launched campaigns over 2024–2025, launched by the province.
INSERT INTO campaigns (id, code, title, summary, search_text, kind, status, programme_id,
    launching_unit_id, start_date, end_date, version, created_by, created_at, updated_at, launched_at, closed_at)
SELECT md5('bench-campaign-' || k)::uuid, 'BENCH-C' || lpad(k::text, 2, '0'),
    'Phong trào thi đua số ' || k || ' giai đoạn 2024–2025',
    'Chấm điểm hằng tháng theo 20 tiêu chí.',
    'bench-c' || lpad(k::text, 2, '0') || ' phong trao thi dua so ' || k || ' giai doan 2024-2025',
    'REGULAR', 'LAUNCHED', p.id, r.id, DATE '2024-01-01', DATE '2025-12-31', 2, a.id,
    TIMESTAMPTZ '2023-12-20 08:00:00+07', now(), TIMESTAMPTZ '2024-01-02 08:00:00+07', NULL
FROM generate_series(1, 20) k, programmes p, org_units r, bench_admin a
WHERE p.code = 'QN-TDYN-2021-2030' AND r.code = 'QN';

-- 20 criteria each, cycling PERCENT / COUNT / YES_NO / NUMBER; four are lower-is-better.
INSERT INTO criteria (id, campaign_id, title, measure, direction, unit_label, target_value, weight, sort_order, created_at)
SELECT md5('bench-criterion-' || k || '-' || j)::uuid, md5('bench-campaign-' || k)::uuid,
    'Tiêu chí ' || (j + 1) || ' của phong trào ' || k,
    (ARRAY['PERCENT', 'COUNT', 'YES_NO', 'NUMBER'])[j % 4 + 1],
    CASE WHEN j IN (4, 7, 12, 19) THEN 'LOWER_IS_BETTER' ELSE 'HIGHER_IS_BETTER' END,
    (ARRAY['%', 'mô hình', 'có/không', 'triệu đồng'])[j % 4 + 1],
    (ARRAY[95, 10, 1, 1.5, 3, 5, 1, 2, 95, 8, 1, 20, 5, 12, 1, 50, 90, 30, 1, 15])[j + 1],
    1 + j % 3, j, now()
FROM generate_series(1, 20) k, generate_series(0, 19) j;

-- A reporting deadline five days after each month.
INSERT INTO milestones (id, campaign_id, programme_id, kind, title, due_date, completed_at, completed_by, note, created_at)
SELECT md5('bench-deadline-' || k || '-' || m)::uuid, md5('bench-campaign-' || k)::uuid, NULL,
    'REPORTING_DEADLINE', 'Hạn báo cáo tháng ' || (m % 12 + 1) || '/' || (2024 + m / 12),
    (DATE '2024-01-01' + (m + 1) * INTERVAL '1 month' + INTERVAL '4 days')::date, NULL, NULL, NULL, now()
FROM generate_series(1, 20) k, generate_series(0, 23) m;

-- Each campaign: 5 units in 6 register (about 500).
INSERT INTO participations (id, campaign_id, unit_id, pledge, status, registered_at, withdrawn_at, updated_at)
SELECT md5('bench-participation-' || k || '-' || n)::uuid, md5('bench-campaign-' || k)::uuid,
    md5('bench-unit-' || n)::uuid, 'Đăng ký hoàn thành xuất sắc các tiêu chí thi đua', 'REGISTERED',
    TIMESTAMPTZ '2024-01-05 08:00:00+07', NULL, TIMESTAMPTZ '2024-01-05 08:00:00+07'
FROM generate_series(1, 20) k, generate_series(1, 599) n
WHERE (n + k) % 6 <> 0;

-- An approved report per participant and month, 2024-01..2025-12, submitted 2–10 days
-- after the month (some late); one unit in 13 has not reported December 2025.
INSERT INTO progress_reports (id, campaign_id, unit_id, period_kind, period_start, period_end, narrative,
    latitude, longitude, status, revision, version, content_hash, submitted_by, submitted_at,
    reviewed_by, reviewed_at, return_reason, updated_at)
SELECT md5('bench-report-' || p.k || '-' || p.n || '-' || m)::uuid, md5('bench-campaign-' || p.k)::uuid,
    md5('bench-unit-' || p.n)::uuid, 'MONTH', s.d, (s.d + INTERVAL '1 month - 1 day')::date,
    'Báo cáo kết quả thi đua tháng ' || to_char(s.d, 'MM/YYYY') || ': tổ chức ' || (p.n % 5 + 1) || ' hội nghị.',
    round((20.9 + random() * 0.5)::numeric, 7), round((106.8 + random() * 0.9)::numeric, 7),
    'APPROVED', 1, 2, md5('bench-report-' || p.k || '-' || p.n || '-' || m) || md5('content-' || p.n || '-' || m),
    a.id, s.d + INTERVAL '1 month' + (1 + p.n % 9) * INTERVAL '1 day',
    a.id, s.d + INTERVAL '1 month 12 days', NULL, s.d + INTERVAL '1 month 12 days'
FROM (SELECT k, n FROM generate_series(1, 20) k, generate_series(1, 599) n WHERE (n + k) % 6 <> 0) p
CROSS JOIN generate_series(0, 23) m
CROSS JOIN LATERAL (SELECT (DATE '2024-01-01' + m * INTERVAL '1 month')::date AS d) s
CROSS JOIN bench_admin a
WHERE NOT (m = 23 AND (p.n * 7 + p.k) % 13 = 0)
ORDER BY m, p.k, p.n;

-- One value per report and criterion, valid for the criterion's measure.
INSERT INTO report_values (report_id, criterion_id, value)
SELECT r.id, c.id,
    CASE c.measure
        WHEN 'PERCENT' THEN round((60 + random() * 40)::numeric, 2)
        WHEN 'COUNT' THEN floor(random() * 2 * c.target_value)::numeric
        WHEN 'YES_NO' THEN CASE WHEN random() < 0.85 THEN 1::numeric ELSE 0::numeric END
        ELSE round((c.target_value * (0.3 + random() * 1.5))::numeric, 2)
    END
FROM progress_reports r JOIN criteria c ON c.campaign_id = r.campaign_id
WHERE r.campaign_id IN (SELECT id FROM campaigns WHERE code LIKE 'BENCH-C%')
ORDER BY r.period_start, r.campaign_id, r.unit_id, c.sort_order;

-- 10,000 models; units whose number ends in 0 have none (unitsWithoutModels).
CREATE TEMP TABLE bench_exemplars AS
SELECT i, md5('bench-exemplar-' || i)::uuid AS id,
    md5('bench-unit-' || (CASE WHEN (i * 7) % 599 % 10 = 9 THEN (i * 7) % 599 ELSE (i * 7) % 599 + 1 END))::uuid AS home,
    CASE WHEN i % 10 < 4 THEN 0 WHEN i % 10 < 7 THEN 1 WHEN i % 10 < 9 THEN 2 ELSE 3 END AS stage,
    DATE '2022-01-01' + (i * 37) % 1300 AS identified_on
FROM generate_series(1, 10000) i;

INSERT INTO exemplars (id, name, kind, home_unit_id, field_id, campaign_id, description, is_direct_worker,
    stage, version, created_by, created_at, updated_at)
SELECT e.id,
    CASE WHEN e.i % 3 = 0 THEN 'Cá nhân điển hình số ' || e.i ELSE 'Mô hình "Dân vận khéo" số ' || e.i END,
    CASE WHEN e.i % 3 = 0 THEN 'INDIVIDUAL' ELSE 'COLLECTIVE' END,
    e.home, f.id, CASE WHEN e.i % 5 = 0 THEN md5('bench-campaign-' || (e.i % 20 + 1))::uuid END,
    'Cách làm hay, hiệu quả, có khả năng nhân rộng trên địa bàn.',
    e.i % 3 = 0 AND e.i % 2 = 0,
    (ARRAY['IDENTIFIED', 'NURTURED', 'RECOGNISED', 'REPLICATED'])[e.stage + 1], e.stage + 1, a.id,
    e.identified_on::timestamptz, (e.identified_on + e.stage * 60)::timestamptz
FROM bench_exemplars e
CROSS JOIN bench_admin a
LEFT JOIN (SELECT id, row_number() OVER (ORDER BY sort_order) - 1 AS r FROM fields) f
    ON f.r = e.i % 16;

INSERT INTO exemplar_stage_events (id, exemplar_id, from_stage, to_stage, on_date, reason, by_user, at)
SELECT md5('bench-stage-' || e.i || '-' || s)::uuid, e.id,
    (ARRAY['IDENTIFIED', 'NURTURED', 'RECOGNISED', 'REPLICATED'])[s],
    (ARRAY['IDENTIFIED', 'NURTURED', 'RECOGNISED', 'REPLICATED'])[s + 1],
    e.identified_on + s * 60, NULL, a.id, (e.identified_on + s * 60)::timestamptz
FROM bench_exemplars e CROSS JOIN LATERAL generate_series(0, e.stage) s CROSS JOIN bench_admin a;

-- Replicated models: 3 units each; one recognised model in four: 1 unit (never a unit
-- whose number ends in 0).
INSERT INTO replications (id, exemplar_id, unit_id, on_date, note, created_by, created_at)
SELECT md5('bench-replication-' || e.i || '-' || k)::uuid, e.id,
    md5('bench-unit-' || (CASE WHEN (e.i * 31 + k * 97) % 599 % 10 = 9 THEN (e.i * 31 + k * 97) % 599
        ELSE (e.i * 31 + k * 97) % 599 + 1 END))::uuid,
    e.identified_on + 150 + k * 20, 'Nhân rộng tại đơn vị bạn.', a.id, (e.identified_on + 150 + k * 20)::timestamptz
FROM bench_exemplars e
CROSS JOIN LATERAL generate_series(1, CASE WHEN e.stage = 3 THEN 3 WHEN e.stage = 2 AND e.i % 4 = 0 THEN 1 ELSE 0 END) k
CROSS JOIN bench_admin a
ON CONFLICT DO NOTHING;

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

-- 100,000 commendations: 35 % to models, 25 % to units, 40 % to people; 5 % central,
-- 35 % provincial, 60 % grassroots; 90 % conferred, decided 2022–2030.
CREATE TEMP TABLE bench_commendations AS
SELECT j,
    CASE WHEN j % 20 < 7 THEN 'EXEMPLAR' WHEN j % 20 < 12 THEN 'UNIT' ELSE 'PERSON' END AS recipient,
    (j * 7) % 10000 + 1 AS x,
    CASE WHEN j % 100 < 5 THEN 'CENTRAL' WHEN j % 100 < 40 THEN 'PROVINCIAL' ELSE 'GRASSROOTS' END AS level,
    (j / 100) % 10 <> 9 AS conferred,
    DATE '2022-01-01' + (j * 7919) % 3287 AS decided_on
FROM generate_series(1, 100000) j;

INSERT INTO commendations (id, award_type_id, kind, status, recipient_type, unit_id, exemplar_id, person_name,
    person_position, recipient_key, is_individual, is_direct_worker, nominating_unit_id, campaign_id, award_year,
    citation, session_id, votes_present, votes_in_writing, votes_yes, votes_no, votes_abstain, decision_note,
    decision_number, decision_key, decision_date, decision_year, issuing_authority, authority_key,
    conferred_by, conferred_at, version, created_by, created_at, updated_at)
SELECT md5('bench-commendation-' || c.j)::uuid,
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
    -- Keys carry the row number: the generated honours are not one recipient's history.
    CASE WHEN c.recipient = 'PERSON' THEN 'PERSON:nguyễn văn người ' || c.j || '|' || c.unit_id::text
         WHEN c.recipient = 'EXEMPLAR' THEN 'EXEMPLAR:' || c.exemplar_id::text || '/' || c.j
         ELSE 'UNIT:' || c.unit_id::text || '/' || c.j END,
    c.individual, c.individual AND c.j % 3 = 0, u.parent_id,
    CASE WHEN c.j % 10 = 8 THEN md5('bench-campaign-' || (c.j % 20 + 1))::uuid END,
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
             WHEN b.recipient = 'UNIT' THEN md5('bench-unit-' || ((b.j * 13) % 599 + 1))::uuid
             ELSE md5('bench-unit-' || ((b.j * 17) % 599 + 1))::uuid END AS unit_id,
        CASE WHEN b.recipient = 'PERSON' THEN true WHEN b.recipient = 'UNIT' THEN false ELSE b.x % 3 = 0 END AS individual,
        CASE WHEN b.level = 'CENTRAL' THEN 'Thủ tướng Chính phủ'
             WHEN b.level = 'PROVINCIAL' THEN 'Chủ tịch UBND tỉnh Quảng Ninh'
             ELSE 'Thủ trưởng đơn vị' END AS authority
    FROM bench_commendations b JOIN bench_exemplars e ON e.i = b.x
) c
JOIN org_units u ON u.id = c.unit_id
CROSS JOIN bench_admin a;

-- A daily snapshot of every target over the two years (the line Target.history draws).
INSERT INTO target_snapshots (id, target_id, taken_on, value, note, taken_at)
SELECT gen_random_uuid(), t.id, d::date, round((random() * 100)::numeric, 4), '', d + INTERVAL '23 hours'
FROM targets t, generate_series(TIMESTAMPTZ '2024-01-01 00:00:00+07', TIMESTAMPTZ '2025-12-31 00:00:00+07', INTERVAL '1 day') d
ON CONFLICT DO NOTHING;

DROP TABLE bench_commendations;
DROP TABLE bench_exemplars;
DROP TABLE bench_units;
DROP TABLE bench_admin;
"#;

/// The SQLite data set, a twelfth of the province: 49 units under the root (4 top-level
/// units → 10 → 35), the same 20 campaigns × 20 criteria and 24 months, 1,000 models and
/// 10,000 commendations. SQLite has no `generate_series` or `md5`: a recursive CTE numbers
/// the rows and ids are random 16-byte blobs (as the server stores UUIDs), kept in
/// temporary tables so later statements find them.
const GENERATE_SQLITE: &str = r#"
CREATE TEMP TABLE bench_nums AS
WITH RECURSIVE s(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM s WHERE n < 9999) SELECT n FROM s;

CREATE TEMP TABLE bench_admin AS SELECT id FROM users WHERE username = 'admin';

-- Ids are random 16-byte blobs, as the server stores UUIDs; `t` is the text form paths use.
CREATE TEMP TABLE bench_units AS
SELECT n, id, lower(substr(h, 1, 8) || '-' || substr(h, 9, 4) || '-' || substr(h, 13, 4) || '-' ||
    substr(h, 17, 4) || '-' || substr(h, 21, 12)) AS t,
    CASE WHEN n <= 4 THEN 1 WHEN n <= 14 THEN 2 ELSE 3 END AS depth,
    CASE WHEN n <= 4 THEN NULL WHEN n <= 14 THEN (n - 5) % 4 + 1 ELSE (n - 15) % 10 + 5 END AS parent
FROM (SELECT n, id, hex(id) AS h FROM (SELECT n, randomblob(16) AS id FROM bench_nums WHERE n BETWEEN 1 AND 49));

INSERT INTO org_units (id, code, name, kind, parent_id, path, depth, is_active, version, created_at, updated_at)
SELECT u.id, 'BENCH-U' || substr('000' || u.n, -3),
    CASE WHEN u.n = 1 THEN 'Sở chuyên ngành số 1' WHEN u.n <= 3 THEN 'Phường ' || u.n ELSE 'Xã ' || u.n END,
    CASE WHEN u.n = 1 THEN 'DEPARTMENT' WHEN u.n <= 3 THEN 'WARD' ELSE 'COMMUNE' END,
    r.id, r.path || u.t || '/', 1, 1, 1, '2024-01-01T00:00:00+00:00', '2024-01-01T00:00:00+00:00'
FROM bench_units u, org_units r WHERE u.depth = 1 AND r.code = 'QN' ORDER BY u.n;

INSERT INTO org_units (id, code, name, kind, parent_id, path, depth, is_active, version, created_at, updated_at)
SELECT u.id, 'BENCH-U' || substr('000' || u.n, -3),
    CASE WHEN u.n % 2 = 0 THEN 'Trường số ' ELSE 'Doanh nghiệp số ' END || u.n,
    CASE WHEN u.n % 2 = 0 THEN 'SCHOOL' ELSE 'ENTERPRISE' END,
    p.id, p.path || u.t || '/', u.depth, 1, 1, '2024-01-01T00:00:00+00:00', '2024-01-01T00:00:00+00:00'
FROM bench_units u JOIN bench_units pu ON pu.n = u.parent JOIN org_units p ON p.id = pu.id
WHERE u.depth = 2 ORDER BY u.n;

INSERT INTO org_units (id, code, name, kind, parent_id, path, depth, is_active, version, created_at, updated_at)
SELECT u.id, 'BENCH-U' || substr('000' || u.n, -3),
    CASE WHEN u.n % 2 = 0 THEN 'Thôn số ' ELSE 'Tổ dân phố số ' END || u.n,
    CASE WHEN u.n % 2 = 0 THEN 'VILLAGE' ELSE 'RESIDENTIAL_GROUP' END,
    p.id, p.path || u.t || '/', u.depth, 1, 1, '2024-01-01T00:00:00+00:00', '2024-01-01T00:00:00+00:00'
FROM bench_units u JOIN bench_units pu ON pu.n = u.parent JOIN org_units p ON p.id = pu.id
WHERE u.depth = 3 ORDER BY u.n;

CREATE TEMP TABLE bench_campaigns AS
SELECT n AS k, randomblob(16) AS id FROM bench_nums WHERE n BETWEEN 1 AND 20;

INSERT INTO campaigns (id, code, title, summary, search_text, kind, status, programme_id,
    launching_unit_id, start_date, end_date, version, created_by, created_at, updated_at, launched_at, closed_at)
SELECT c.id, 'BENCH-C' || substr('00' || c.k, -2),
    'Phong trào thi đua số ' || c.k || ' giai đoạn 2024–2025', 'Chấm điểm hằng tháng theo 20 tiêu chí.',
    'bench-c' || substr('00' || c.k, -2) || ' phong trao thi dua so ' || c.k || ' giai doan 2024-2025',
    'REGULAR', 'LAUNCHED', p.id, r.id, '2024-01-01', '2025-12-31', 2, a.id,
    '2023-12-20T01:00:00+00:00', '2024-01-02T01:00:00+00:00', '2024-01-02T01:00:00+00:00', NULL
FROM bench_campaigns c, programmes p, org_units r, bench_admin a
WHERE p.code = 'QN-TDYN-2021-2030' AND r.code = 'QN';

CREATE TEMP TABLE bench_criteria AS
SELECT c.k, j.n AS j, randomblob(16) AS id, c.id AS campaign_id
FROM bench_campaigns c, bench_nums j WHERE j.n < 20;

INSERT INTO criteria (id, campaign_id, title, measure, direction, unit_label, target_value, weight, sort_order, created_at)
SELECT id, campaign_id, 'Tiêu chí ' || (j + 1) || ' của phong trào ' || k,
    CASE j % 4 WHEN 0 THEN 'PERCENT' WHEN 1 THEN 'COUNT' WHEN 2 THEN 'YES_NO' ELSE 'NUMBER' END,
    CASE WHEN j IN (4, 7, 12, 19) THEN 'LOWER_IS_BETTER' ELSE 'HIGHER_IS_BETTER' END,
    CASE j % 4 WHEN 0 THEN '%' WHEN 1 THEN 'mô hình' WHEN 2 THEN 'có/không' ELSE 'triệu đồng' END,
    CASE j % 4 WHEN 0 THEN 95 WHEN 1 THEN 10 WHEN 2 THEN 1 ELSE 1.5 END,
    1 + j % 3, j, '2023-12-20T01:00:00+00:00'
FROM bench_criteria;

CREATE TEMP TABLE bench_months AS
SELECT n AS m, date('2024-01-01', '+' || n || ' months') AS d FROM bench_nums WHERE n < 24;

INSERT INTO milestones (id, campaign_id, programme_id, kind, title, due_date, completed_at, completed_by, note, created_at)
SELECT randomblob(16), c.id, NULL, 'REPORTING_DEADLINE', 'Hạn báo cáo tháng ' || strftime('%m/%Y', m.d),
    date(m.d, '+1 month', '+4 days'), NULL, NULL, NULL, '2023-12-20T01:00:00+00:00'
FROM bench_campaigns c, bench_months m;

INSERT INTO participations (id, campaign_id, unit_id, pledge, status, registered_at, withdrawn_at, updated_at)
SELECT randomblob(16), c.id, u.id, 'Đăng ký hoàn thành xuất sắc các tiêu chí thi đua', 'REGISTERED',
    '2024-01-05T01:00:00+00:00', NULL, '2024-01-05T01:00:00+00:00'
FROM bench_campaigns c, bench_units u WHERE (u.n + c.k) % 6 <> 0;

CREATE TEMP TABLE bench_reports AS
SELECT randomblob(16) AS id, c.id AS campaign_id, u.id AS unit_id, u.n, c.k, m.m, m.d
FROM bench_campaigns c, bench_units u, bench_months m
WHERE (u.n + c.k) % 6 <> 0 AND NOT (m.m = 23 AND (u.n * 7 + c.k) % 13 = 0)
ORDER BY m.m, c.k, u.n;

INSERT INTO progress_reports (id, campaign_id, unit_id, period_kind, period_start, period_end, narrative,
    latitude, longitude, status, revision, version, content_hash, submitted_by, submitted_at,
    reviewed_by, reviewed_at, return_reason, updated_at)
SELECT r.id, r.campaign_id, r.unit_id, 'MONTH', r.d, date(r.d, '+1 month', '-1 day'),
    'Báo cáo kết quả thi đua tháng ' || strftime('%m/%Y', r.d) || ': tổ chức ' || (r.n % 5 + 1) || ' hội nghị.',
    20.9 + (abs(random()) % 5000000) / 1e7, 106.8 + (abs(random()) % 9000000) / 1e7,
    'APPROVED', 1, 2, lower(hex(r.id)) || lower(hex(r.id)), a.id,
    date(r.d, '+1 month', '+' || (1 + r.n % 9) || ' days') || 'T00:00:00+00:00',
    a.id, date(r.d, '+1 month', '+12 days') || 'T00:00:00+00:00', NULL,
    date(r.d, '+1 month', '+12 days') || 'T00:00:00+00:00'
FROM bench_reports r, bench_admin a;

INSERT INTO report_values (report_id, criterion_id, value)
SELECT r.id, c.id,
    CASE c.j % 4
        WHEN 0 THEN round(60 + (abs(random()) % 4000) / 100.0, 2)
        WHEN 1 THEN abs(random()) % 20
        WHEN 2 THEN CASE WHEN abs(random()) % 100 < 85 THEN 1 ELSE 0 END
        ELSE round(1.5 * (0.3 + (abs(random()) % 1500) / 1000.0), 2)
    END
FROM bench_reports r JOIN bench_criteria c ON c.campaign_id = r.campaign_id
ORDER BY r.m, r.k, r.n, c.j;

-- 1,000 models; units whose number ends in 0 have none.
CREATE TEMP TABLE bench_exemplars AS
SELECT e.n AS i, randomblob(16) AS id, u.id AS home,
    CASE WHEN e.n % 10 < 4 THEN 0 WHEN e.n % 10 < 7 THEN 1 WHEN e.n % 10 < 9 THEN 2 ELSE 3 END AS stage,
    date('2022-01-01', '+' || ((e.n * 37) % 1300) || ' days') AS identified_on
FROM bench_nums e JOIN bench_units u
    ON u.n = CASE WHEN (e.n * 7) % 49 % 10 = 9 THEN (e.n * 7) % 49 ELSE (e.n * 7) % 49 + 1 END
WHERE e.n BETWEEN 1 AND 1000;

INSERT INTO exemplars (id, name, kind, home_unit_id, field_id, campaign_id, description, is_direct_worker,
    stage, version, created_by, created_at, updated_at)
SELECT e.id,
    CASE WHEN e.i % 3 = 0 THEN 'Cá nhân điển hình số ' || e.i ELSE 'Mô hình "Dân vận khéo" số ' || e.i END,
    CASE WHEN e.i % 3 = 0 THEN 'INDIVIDUAL' ELSE 'COLLECTIVE' END,
    e.home, f.id, CASE WHEN e.i % 5 = 0 THEN (SELECT id FROM bench_campaigns WHERE k = e.i % 20 + 1) END,
    'Cách làm hay, hiệu quả, có khả năng nhân rộng trên địa bàn.',
    e.i % 3 = 0 AND e.i % 2 = 0,
    CASE e.stage WHEN 0 THEN 'IDENTIFIED' WHEN 1 THEN 'NURTURED' WHEN 2 THEN 'RECOGNISED' ELSE 'REPLICATED' END,
    e.stage + 1, a.id, e.identified_on || 'T00:00:00+00:00',
    date(e.identified_on, '+' || (e.stage * 60) || ' days') || 'T00:00:00+00:00'
FROM bench_exemplars e
CROSS JOIN bench_admin a
LEFT JOIN (SELECT id, row_number() OVER (ORDER BY sort_order) - 1 AS r FROM fields) f ON f.r = e.i % 16;

INSERT INTO exemplar_stage_events (id, exemplar_id, from_stage, to_stage, on_date, reason, by_user, at)
SELECT randomblob(16), e.id,
    CASE s.n WHEN 0 THEN NULL WHEN 1 THEN 'IDENTIFIED' WHEN 2 THEN 'NURTURED' ELSE 'RECOGNISED' END,
    CASE s.n WHEN 0 THEN 'IDENTIFIED' WHEN 1 THEN 'NURTURED' WHEN 2 THEN 'RECOGNISED' ELSE 'REPLICATED' END,
    date(e.identified_on, '+' || (s.n * 60) || ' days'), NULL, a.id,
    date(e.identified_on, '+' || (s.n * 60) || ' days') || 'T00:00:00+00:00'
FROM bench_exemplars e JOIN bench_nums s ON s.n <= e.stage CROSS JOIN bench_admin a;

INSERT OR IGNORE INTO replications (id, exemplar_id, unit_id, on_date, note, created_by, created_at)
SELECT randomblob(16), e.id, u.id, date(e.identified_on, '+' || (150 + k.n * 20) || ' days'),
    'Nhân rộng tại đơn vị bạn.', a.id, date(e.identified_on, '+' || (150 + k.n * 20) || ' days') || 'T00:00:00+00:00'
FROM bench_exemplars e
JOIN bench_nums k ON k.n BETWEEN 1 AND CASE WHEN e.stage = 3 THEN 3 WHEN e.stage = 2 AND e.i % 4 = 0 THEN 1 ELSE 0 END
JOIN bench_units u ON u.n = CASE WHEN (e.i * 31 + k.n * 97) % 49 % 10 = 9 THEN (e.i * 31 + k.n * 97) % 49
    ELSE (e.i * 31 + k.n * 97) % 49 + 1 END
CROSS JOIN bench_admin a;

CREATE TEMP TABLE bench_awards AS
SELECT randomblob(16) AS id, code, name, category, level, recipient_kind, threshold, authority, sort_order
FROM (SELECT 'BENCH-HCLD3' AS code, 'Huân chương Lao động hạng Ba' AS name, 'ORDER' AS category, 'CENTRAL' AS level, 'BOTH' AS recipient_kind, 90.0 AS threshold, 'Chủ tịch nước' AS authority, 1 AS sort_order
    UNION ALL SELECT 'BENCH-BKTTG', 'Bằng khen của Thủ tướng Chính phủ', 'CERTIFICATE_OF_MERIT', 'CENTRAL', 'BOTH', 90.0, 'Thủ tướng Chính phủ', 2
    UNION ALL SELECT 'BENCH-CSTDTQ', 'Chiến sĩ thi đua toàn quốc', 'EMULATION_TITLE', 'CENTRAL', 'INDIVIDUAL', 90.0, 'Thủ tướng Chính phủ', 3
    UNION ALL SELECT 'BENCH-BKUBND', 'Bằng khen của Chủ tịch UBND tỉnh', 'CERTIFICATE_OF_MERIT', 'PROVINCIAL', 'BOTH', 70.0, 'Chủ tịch UBND tỉnh Quảng Ninh', 4
    UNION ALL SELECT 'BENCH-CSTDT', 'Chiến sĩ thi đua cấp tỉnh', 'EMULATION_TITLE', 'PROVINCIAL', 'INDIVIDUAL', 70.0, 'Chủ tịch UBND tỉnh Quảng Ninh', 5
    UNION ALL SELECT 'BENCH-CTDT', 'Cờ thi đua của UBND tỉnh', 'EMULATION_TITLE', 'PROVINCIAL', 'COLLECTIVE', 70.0, 'Chủ tịch UBND tỉnh Quảng Ninh', 6
    UNION ALL SELECT 'BENCH-GK', 'Giấy khen', 'CERTIFICATE', 'GRASSROOTS', 'BOTH', 50.0, 'Thủ trưởng đơn vị', 7
    UNION ALL SELECT 'BENCH-LDTT', 'Lao động tiên tiến', 'EMULATION_TITLE', 'GRASSROOTS', 'INDIVIDUAL', 50.0, 'Thủ trưởng đơn vị', 8);

INSERT INTO award_types (id, code, name, category, level, recipient_kind, approval_threshold, conferring_authority,
    legal_basis, effective_from, effective_to, prerequisite_award_type_id, prerequisite_years, sort_order, version,
    created_at, updated_at)
SELECT id, code, name, category, level, recipient_kind, threshold, authority,
    'Luật Thi đua, khen thưởng số 06/2022/QH15; Nghị định 98/2023/NĐ-CP', '2018-01-01', NULL, NULL, NULL,
    sort_order, 1, '2023-12-20T01:00:00+00:00', '2023-12-20T01:00:00+00:00'
FROM bench_awards;

-- 10,000 commendations in the proportions of the PostgreSQL set.
CREATE TEMP TABLE bench_commendations AS
SELECT b.j, b.recipient, b.level, b.conferred, b.decided_on, b.individual,
    CASE WHEN b.recipient = 'EXEMPLAR' THEN e.id END AS exemplar_id,
    CASE WHEN b.recipient = 'EXEMPLAR' THEN e.home ELSE u.id END AS unit_id,
    CASE WHEN b.level = 'CENTRAL' THEN 'Thủ tướng Chính phủ'
         WHEN b.level = 'PROVINCIAL' THEN 'Chủ tịch UBND tỉnh Quảng Ninh' ELSE 'Thủ trưởng đơn vị' END AS authority
FROM (SELECT n AS j,
        CASE WHEN n % 20 < 7 THEN 'EXEMPLAR' WHEN n % 20 < 12 THEN 'UNIT' ELSE 'PERSON' END AS recipient,
        (n * 7) % 1000 + 1 AS x,
        CASE WHEN n % 100 < 5 THEN 'CENTRAL' WHEN n % 100 < 40 THEN 'PROVINCIAL' ELSE 'GRASSROOTS' END AS level,
        (n / 100) % 10 <> 9 AS conferred,
        date('2022-01-01', '+' || ((n * 7919) % 3287) || ' days') AS decided_on,
        CASE WHEN n % 20 >= 12 THEN 1 WHEN n % 20 >= 7 THEN 0 ELSE ((n * 7) % 1000 + 1) % 3 = 0 END AS individual,
        CASE WHEN n % 20 < 12 THEN (n * 13) % 49 + 1 ELSE (n * 17) % 49 + 1 END AS un
      FROM bench_nums WHERE n < 10000) b
JOIN bench_exemplars e ON e.i = b.x
JOIN bench_units u ON u.n = b.un;

INSERT INTO commendations (id, award_type_id, kind, status, recipient_type, unit_id, exemplar_id, person_name,
    person_position, recipient_key, is_individual, is_direct_worker, nominating_unit_id, campaign_id, award_year,
    citation, session_id, votes_present, votes_in_writing, votes_yes, votes_no, votes_abstain, decision_note,
    decision_number, decision_key, decision_date, decision_year, issuing_authority, authority_key,
    conferred_by, conferred_at, version, created_by, created_at, updated_at)
SELECT randomblob(16),
    (SELECT id FROM bench_awards WHERE code = CASE
        WHEN c.level = 'CENTRAL' THEN CASE WHEN c.j % 2 = 0 THEN 'BENCH-HCLD3'
            WHEN c.individual THEN 'BENCH-CSTDTQ' ELSE 'BENCH-BKTTG' END
        WHEN c.level = 'PROVINCIAL' THEN CASE WHEN c.j % 2 = 0 THEN 'BENCH-BKUBND'
            WHEN c.individual THEN 'BENCH-CSTDT' ELSE 'BENCH-CTDT' END
        ELSE CASE WHEN c.individual AND c.j % 2 = 0 THEN 'BENCH-LDTT' ELSE 'BENCH-GK' END END),
    CASE WHEN c.j % 10 = 8 THEN 'PHONG_TRAO_THI_DUA' WHEN c.j % 10 = 7 THEN 'DOT_XUAT' ELSE 'CONG_TRANG' END,
    CASE WHEN c.conferred THEN 'CONFERRED'
        ELSE CASE c.j % 5 WHEN 1 THEN 'UNDER_REVIEW' WHEN 2 THEN 'APPROVED' WHEN 3 THEN 'REJECTED' ELSE 'NOMINATED' END END,
    c.recipient, c.unit_id, c.exemplar_id,
    CASE WHEN c.recipient = 'PERSON' THEN 'Nguyễn Văn Người ' || c.j END,
    CASE WHEN c.recipient = 'PERSON' THEN CASE c.j % 4 WHEN 0 THEN 'Công nhân' WHEN 1 THEN 'Chuyên viên' WHEN 2 THEN 'Giáo viên' ELSE 'Trưởng thôn' END END,
    c.recipient || ':' || lower(hex(coalesce(c.exemplar_id, c.unit_id))) || '/' || c.j,
    c.individual, c.individual AND c.j % 3 = 0, u.parent_id,
    CASE WHEN c.j % 10 = 8 THEN (SELECT id FROM bench_campaigns WHERE k = c.j % 20 + 1) END,
    CASE WHEN c.conferred THEN CAST(strftime('%Y', c.decided_on) AS INTEGER) - 1 ELSE 2025 END,
    'Đã có thành tích xuất sắc trong phong trào thi đua.',
    NULL, NULL, NULL, NULL, NULL, NULL, NULL,
    CASE WHEN c.conferred THEN c.j || '/QĐ-BENCH' END,
    CASE WHEN c.conferred THEN c.j || '/qđ-bench' END,
    CASE WHEN c.conferred THEN c.decided_on END,
    CASE WHEN c.conferred THEN CAST(strftime('%Y', c.decided_on) AS INTEGER) END,
    CASE WHEN c.conferred THEN c.authority END,
    CASE WHEN c.conferred THEN lower(c.authority) END,
    CASE WHEN c.conferred THEN a.id END,
    CASE WHEN c.conferred THEN c.decided_on || 'T00:00:00+00:00' END,
    CASE WHEN c.conferred THEN 4 ELSE 1 END, a.id, date(c.decided_on, '-30 days') || 'T00:00:00+00:00',
    c.decided_on || 'T00:00:00+00:00'
FROM bench_commendations c
JOIN org_units u ON u.id = c.unit_id
CROSS JOIN bench_admin a;

INSERT OR IGNORE INTO target_snapshots (id, target_id, taken_on, value, note, taken_at)
SELECT randomblob(16), t.id, date('2024-01-01', '+' || d.n || ' days'), round((abs(random()) % 1000000) / 10000.0, 4), '',
    date('2024-01-01', '+' || d.n || ' days') || 'T16:00:00+00:00'
FROM targets t, bench_nums d WHERE d.n < 731;

DROP TABLE bench_commendations;
DROP TABLE bench_awards;
DROP TABLE bench_exemplars;
DROP TABLE bench_reports;
DROP TABLE bench_months;
DROP TABLE bench_criteria;
DROP TABLE bench_campaigns;
DROP TABLE bench_units;
DROP TABLE bench_admin;
DROP TABLE bench_nums;
"#;

/// What differs between the two data sets.
struct DataSet {
    backend: &'static str,
    generate: &'static str,
    /// Units (with the root), models and commendations, as generated.
    units: i64,
    exemplars: i64,
    commendations: i64,
    /// The ward: a top-level unit and its subtree.
    ward_code: &'static str,
    /// A unit one level below the ward: the long reports export of its subtree.
    subunit_code: &'static str,
    /// How the database's size is read.
    size_sql: &'static str,
    analyze: &'static str,
}

const POSTGRES: DataSet = DataSet {
    backend: "PostgreSQL",
    generate: GENERATE,
    units: 600,
    exemplars: 10_000,
    commendations: 100_000,
    ward_code: "BENCH-U005",
    subunit_code: "BENCH-U019",
    size_sql: "pg_database_size(current_database())",
    // As autovacuum leaves a table in steady state: statistics and the visibility map
    // (which index-only scans need).
    analyze: "VACUUM ANALYZE",
};

const SQLITE: DataSet = DataSet {
    backend: "SQLite",
    generate: GENERATE_SQLITE,
    units: 50,
    exemplars: 1_000,
    commendations: 10_000,
    ward_code: "BENCH-U002",
    subunit_code: "BENCH-U006",
    size_sql: "(SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size())",
    analyze: "ANALYZE",
};

/// Tables whose row counts the report shows.
const TABLES: [&str; 13] = [
    "org_units",
    "campaigns",
    "criteria",
    "participations",
    "progress_reports",
    "report_values",
    "progress_rollups",
    "progress_subtree_totals",
    "exemplars",
    "replications",
    "milestones",
    "commendations",
    "target_snapshots",
];

/// Counts each table in one statement, with the database size.
fn count_sql(set: &DataSet) -> String {
    let parts: Vec<String> = TABLES
        .iter()
        .map(|t| format!("(SELECT COUNT(*) FROM {t})"))
        .collect();
    format!("SELECT {}, {}", parts.join(", "), set.size_sql)
}

/// Where a measured query is asked.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Scope {
    Province,
    Ward,
}

impl Scope {
    fn goal_ms(self) -> f64 {
        match self {
            Self::Province => GOAL_PROVINCE_MS,
            Self::Ward => GOAL_WARD_MS,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::Province => "province",
            Self::Ward => "ward",
        }
    }
}

/// A measured query: its name, scope, request body and the JSON pointer that must hold a
/// number in a good answer.
struct Probe {
    name: &'static str,
    scope: Scope,
    body: String,
    figure: &'static str,
}

const COMPLIANCE: &str = "query Compliance($c: ID!, $u: ID) { reportingCompliance(campaignId: $c, \
    period: \"2025-12\", unitId: $u, groupBy: CHILD_UNIT) { deadline expected submitted onTime late \
    approved returned missing submittedShare rows { unit { code } expected submitted onTime missing } \
    missingUnits(first: 20) { totalCount nodes { unit { code } } } } }";
const PROGRESS_UNITS: &str = "query ProgressUnits($c: ID!, $u: ID) { criterionProgress(campaignId: $c, \
    unitId: $u, groupBy: CHILD_UNIT) { from to criteria { criterion { title } target value reports \
    groups { value reports unit { code } } } } }";
const PROGRESS_MONTHS: &str = "query ProgressMonths($c: ID!, $u: ID) { criterionProgress(campaignId: $c, \
    unitId: $u, from: \"2025-01-01\", to: \"2025-12-31\", groupBy: PERIOD_MONTH) { from to criteria { \
    criterion { title } target value reports groups { period value reports } } } }";
const COMMENDATIONS_LEVEL_YEAR: &str = "query CommendationsLevelYear($u: ID) { commendationStats(filter: \
    {unitId: $u, fromYear: 2021, toYear: 2030}, groupBy: [LEVEL, YEAR]) { total truncated groups { count \
    level year } directWorkerShare { individualCommendations directWorkers share byYear { year share } } } }";
const COMMENDATIONS_TOP: &str = "query CommendationsTop($u: ID) { commendationStats(filter: \
    {unitId: $u, fromYear: 2021, toYear: 2030}, groupBy: [TOP_LEVEL_UNIT]) { total groups { count \
    topLevelUnit { code } } directWorkerShare { share } } }";
const EXEMPLARS: &str = "query Exemplars($u: ID) { exemplarStats(filter: {unitId: $u}, groupBy: \
    [STAGE, FIELD]) { total groups { count stage field { name } } mostReplicated(first: 10) { \
    replications exemplar { name } } unitsWithoutModels(first: 50) { totalCount units { code } } } }";
const TARGET_HISTORY: &str = "query TargetHistory { targets { code history(from: \"2024-01-01\", \
    to: \"2025-12-31\", interval: MONTH) { on value } } }";
const TARGET_HISTORY_DAYS: &str = "query TargetHistoryDays { targets { code history(from: \
    \"2025-01-01\", to: \"2025-12-31\") { on value } } }";
const REPORTS: &str = "query Reports($u: ID) { reports(first: 50, filter: {unitSubtree: $u}) { \
    totalCount edges { node { id } } } }";

/// Every query for the province (no unit: the admin's whole reach, or the campaign's
/// launching unit) and for the ward.
fn probes(campaign: &str, ward: &str) -> Vec<Probe> {
    let body = |q: &str, vars: Value| json!({"query": q, "variables": vars}).to_string();
    let mut out = vec![];
    for scope in [Scope::Province, Scope::Ward] {
        let u = match scope {
            Scope::Province => Value::Null,
            Scope::Ward => Value::from(ward),
        };
        let cu = json!({"c": campaign, "u": u});
        let only_u = json!({"u": u});
        out.extend([
            Probe {
                name: "reportingCompliance 2025-12, CHILD_UNIT + missingUnits",
                scope,
                body: body(COMPLIANCE, cu.clone()),
                figure: "/data/reportingCompliance/expected",
            },
            Probe {
                name: "criterionProgress, CHILD_UNIT",
                scope,
                body: body(PROGRESS_UNITS, cu.clone()),
                figure: "/data/criterionProgress/criteria/0/reports",
            },
            Probe {
                name: "criterionProgress 2025, PERIOD_MONTH",
                scope,
                body: body(PROGRESS_MONTHS, cu.clone()),
                figure: "/data/criterionProgress/criteria/0/reports",
            },
            Probe {
                name: "commendationStats [LEVEL, YEAR] + directWorkerShare",
                scope,
                body: body(COMMENDATIONS_LEVEL_YEAR, only_u.clone()),
                figure: "/data/commendationStats/total",
            },
            Probe {
                name: "commendationStats [TOP_LEVEL_UNIT] + directWorkerShare",
                scope,
                body: body(COMMENDATIONS_TOP, only_u.clone()),
                figure: "/data/commendationStats/total",
            },
            Probe {
                name: "exemplarStats [STAGE, FIELD] + mostReplicated + unitsWithoutModels",
                scope,
                body: body(EXEMPLARS, only_u.clone()),
                figure: "/data/exemplarStats/total",
            },
            Probe {
                name: "reports(first: 50) + totalCount",
                scope,
                body: body(REPORTS, only_u.clone()),
                figure: "/data/reports/totalCount",
            },
        ]);
        if scope == Scope::Province {
            // A target has no unit: its history is the province's only.
            out.extend([
                Probe {
                    name: "targets { history 2024–2025, MONTH }",
                    scope,
                    body: body(TARGET_HISTORY, json!({})),
                    figure: "/data/targets/0/history/0/value",
                },
                Probe {
                    name: "targets { history 2025, DAY }",
                    scope,
                    body: body(TARGET_HISTORY_DAYS, json!({})),
                    figure: "/data/targets/0/history/0/value",
                },
            ]);
        }
    }
    out
}

/// A 200 without `errors` that holds something at `figure`.
fn check(status: reqwest::StatusCode, answer: &Value, figure: &str) -> Result<(), String> {
    let present = answer.pointer(figure).is_some_and(|v| !v.is_null());
    if status == 200 && answer.get("errors").is_none() && present {
        Ok(())
    } else {
        let cut: String = answer.to_string().chars().take(400).collect();
        Err(format!("bad answer ({status}), nothing at {figure}: {cut}"))
    }
}

/// One load run's table row, and whether its p95 met the goal (`None`: errors).
fn load_row(
    rt: &Runtime,
    server: &Server,
    token: &str,
    probe: &Probe,
    clients: usize,
    requests: usize,
) -> (String, Option<bool>) {
    let bodies = vec![probe.body.clone(); requests];
    let figure = probe.figure;
    let started = Instant::now();
    let samples = rt.block_on(support::drive(
        &server.graphql_url(),
        token,
        &bodies,
        clients,
        move |s, a| check(s, a, figure),
    ));
    let wall = started.elapsed();
    let summary = Summary::of(probe.name, &samples);
    let Summary {
        errors,
        p50,
        p95,
        max,
        kib,
        ..
    } = summary;
    let rps = samples.len() as f64 / wall.as_secs_f64();
    let goal = probe.scope.goal_ms();
    let pass = summary.pass(goal);
    let verdict = verdict(pass);
    let row = format!(
        "| {} | {} | {clients} | {} | {errors} | {rps:.1} | {p50:.1} | {p95:.1} | {max:.1} | {kib:.0} | {goal:.0} | {verdict} |",
        probe.name,
        probe.scope.name(),
        samples.len(),
    );
    (row, pass)
}

/// SQL transactions per request of `probe`: `COUNTED` sequential requests, each side read
/// after the statistics flush; what reading itself costs (`idle_cost`) is taken off.
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
    let figure = probe.figure;
    let samples = rt.block_on(support::drive(
        &server.graphql_url(),
        token,
        &bodies,
        1,
        move |s, a| check(s, a, figure),
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

/// A `/proc/<pid>/status` figure of the server in MiB (`VmRSS`, `VmHWM`).
fn proc_mib(pid: u32, field: &str) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let kib: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| {
            v.trim_start_matches(':')
                .trim()
                .trim_end_matches("kB")
                .trim()
                .parse()
                .ok()
        })
        .unwrap_or(f64::NAN);
    kib / 1024.0
}

/// One export: seconds to the last byte, MiB and lines received, the server's RSS before
/// and its peak during the download (the larger of `VmHWM`, reset before the download
/// through `clear_refs`, and `VmRSS` sampled every 5 ms).
struct Exported {
    secs: f64,
    mib: f64,
    lines: u64,
    status: u16,
    rss_before: f64,
    rss_peak: f64,
}

fn export(rt: &Runtime, server: &Server, token: &str, path: &str) -> Exported {
    let pid = server.pid();
    // Resets the peak (VmHWM) to the current RSS; needs the same owner, which we are.
    let _ = std::fs::write(format!("/proc/{pid}/clear_refs"), "5");
    let rss_before = proc_mib(pid, "VmRSS");
    let running = Arc::new(AtomicBool::new(true));
    let sampler = {
        let running = running.clone();
        std::thread::spawn(move || {
            let mut peak = 0f64;
            while running.load(Ordering::Relaxed) {
                peak = peak.max(proc_mib(pid, "VmRSS"));
                std::thread::sleep(Duration::from_millis(5));
            }
            peak
        })
    };
    let url = format!("{}{path}", server.base());
    let started = Instant::now();
    let (status, bytes, lines) = rt.block_on(async {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(600))
            .build()
            .expect("an HTTP client");
        let mut resp = client
            .get(&url)
            .bearer_auth(token)
            .send()
            .await
            .expect("an export answer");
        let status = resp.status().as_u16();
        let (mut bytes, mut lines) = (0u64, 0u64);
        while let Some(chunk) = resp.chunk().await.expect("an export chunk") {
            bytes += chunk.len() as u64;
            lines += chunk.iter().filter(|b| **b == b'\n').count() as u64;
        }
        (status, bytes, lines)
    });
    let secs = started.elapsed().as_secs_f64();
    running.store(false, Ordering::Relaxed);
    let sampled = sampler.join().unwrap_or(f64::NAN);
    let hwm = proc_mib(pid, "VmHWM");
    Exported {
        secs,
        mib: bytes as f64 / (1024.0 * 1024.0),
        lines,
        status,
        rss_before,
        rss_peak: sampled.max(hwm),
    }
}

fn env_or(key: &str, default: usize) -> usize {
    std::env::var(key)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Generates `set` on the database at `url` (unless `reuse`), starts the server on it and
/// measures; returns the report's markdown. `pg` counts SQL per request on PostgreSQL.
fn run(
    rt: &Runtime,
    set: &DataSet,
    url: &str,
    pg: Option<&PgDatabase>,
    reuse: bool,
    requests: usize,
) -> String {
    let mut out = vec![];
    eprintln!(
        "[{}] starting the server (it migrates and seeds)…",
        set.backend
    );
    let (server, _) = Server::start(url, &ServerOptions::default());

    let started = Instant::now();
    if !reuse {
        eprintln!("[{}] generating the data in SQL…", set.backend);
        rt.block_on(sql_exec(url, set.generate))
            .expect("generating the bench data");
    }
    let generated = started.elapsed();
    // Reports loaded in SQL bypass the approvals that keep the progress rollups.
    let started = Instant::now();
    if !reuse {
        eprintln!("[{}] rebuilding the progress rollups…", set.backend);
        let said = thidua(url, &["progress-rollups", "rebuild"]);
        eprintln!("[{}] {}", set.backend, said.trim());
        // Commendations loaded in SQL bypass the writes that keep their totals.
        let said = thidua(url, &["commendation-totals", "rebuild"]);
        eprintln!("[{}] {}", set.backend, said.trim());
    }
    let rolled_up = started.elapsed();
    let started = Instant::now();
    rt.block_on(sql_exec(url, set.analyze)).expect(set.analyze);
    let analyzed = started.elapsed();
    let counts = rt
        .block_on(sql_ints(url, &count_sql(set), TABLES.len() + 1))
        .expect("counting the rows");
    let fixed = [
        ("org_units", set.units),
        ("exemplars", set.exemplars),
        ("commendations", set.commendations),
    ];
    for (table, n) in TABLES.iter().zip(&counts) {
        if let Some((_, want)) = fixed.iter().find(|(t, _)| t == table) {
            assert_eq!(n, want, "{table}: {n} rows, not {want}");
        }
    }

    let api = rt.block_on(Api::admin(server.graphql_url()));
    let d = rt.block_on(api.run(
        "query($c: String!, $w: String!, $s: String!) { campaign(code: $c) { id } \
         ward: orgUnit(code: $w) { id } sub: orgUnit(code: $s) { id } }",
        json!({"c": CAMPAIGN_CODE, "w": set.ward_code, "s": set.subunit_code}),
    ));
    let campaign = support::text(&d, "/campaign/id");
    let ward = support::text(&d, "/ward/id");
    let subunit = support::text(&d, "/sub/id");
    let probes = probes(&campaign, &ward);

    // The figures the API answers, against the same counts made directly in SQL.
    let (ward_code, c) = (set.ward_code, CAMPAIGN_CODE);
    let expected_sql = format!(
        "SELECT \
           (SELECT COUNT(*) FROM participations p JOIN campaigns c ON c.id = p.campaign_id \
              WHERE c.code = '{c}'), \
           (SELECT COUNT(*) FROM participations p JOIN campaigns c ON c.id = p.campaign_id \
              JOIN org_units o ON o.id = p.unit_id JOIN org_units w ON w.code = '{ward_code}' \
              WHERE c.code = '{c}' AND o.path LIKE w.path || '%'), \
           (SELECT COUNT(*) FROM commendations WHERE award_year BETWEEN 2021 AND 2030), \
           (SELECT COUNT(*) FROM commendations m JOIN org_units o ON o.id = m.unit_id \
              JOIN org_units w ON w.code = '{ward_code}' \
              WHERE m.award_year BETWEEN 2021 AND 2030 AND o.path LIKE w.path || '%'), \
           (SELECT COUNT(*) FROM progress_reports), \
           (SELECT COUNT(*) FROM progress_reports r JOIN org_units o ON o.id = r.unit_id \
              JOIN org_units w ON w.code = '{ward_code}' WHERE o.path LIKE w.path || '%')"
    );
    let expected = rt
        .block_on(sql_ints(url, &expected_sql, 6))
        .expect("counting the expected figures");
    let figure = |probe: &Probe| -> i64 {
        let answer = rt.block_on(api.run_body(&probe.body));
        if let Err(e) = check(reqwest::StatusCode::OK, &answer, probe.figure) {
            panic!("[{}] {e}", probe.name);
        }
        answer
            .pointer(probe.figure)
            .and_then(Value::as_i64)
            .unwrap_or(-1)
    };
    let find = |name: &str, scope: Scope| {
        probes
            .iter()
            .find(|p| p.name.starts_with(name) && p.scope == scope)
            .expect("a probe")
    };
    let checks = [
        ("reportingCompliance", Scope::Province, expected[0]),
        ("reportingCompliance", Scope::Ward, expected[1]),
        ("commendationStats [LEVEL", Scope::Province, expected[2]),
        ("commendationStats [LEVEL", Scope::Ward, expected[3]),
        ("reports", Scope::Province, expected[4]),
        ("reports", Scope::Ward, expected[5]),
    ];
    let mut checked = vec![];
    for (name, scope, want) in checks {
        let got = figure(find(name, scope));
        assert_eq!(
            got,
            want,
            "{name} ({}): the API says {got}, SQL {want}",
            scope.name()
        );
        checked.push(format!("- {name} ({}): {got} (SQL: {want})", scope.name()));
    }

    let (mut rows, mut passes) = (vec![], vec![]);
    for probe in &probes {
        eprintln!(
            "[{}] {} / {}: warm-up…",
            set.backend,
            probe.name,
            probe.scope.name()
        );
        let warm = vec![probe.body.clone(); WARMUP];
        let figure = probe.figure;
        let samples = rt.block_on(support::drive(
            &server.graphql_url(),
            &api.token,
            &warm,
            1,
            move |s, a| check(s, a, figure),
        ));
        if let Some(e) = samples.iter().find_map(|s| s.error.as_deref()) {
            panic!("[{}] warm-up failed: {e}", probe.name);
        }
        // A slow query gets fewer requests (at least MIN_REQUESTS): about ROW_BUDGET each.
        let mean = samples.iter().map(|s| s.latency).sum::<Duration>() / WARMUP as u32;
        let affordable = (ROW_BUDGET.as_secs_f64() / mean.as_secs_f64().max(1e-6)) as usize;
        let count = requests.min(affordable.max(MIN_REQUESTS));
        for clients in CONNECTIONS {
            let (row, pass) = load_row(rt, &server, &api.token, probe, clients, count);
            eprintln!("{row}");
            rows.push(row);
            passes.push((probe.name, probe.scope.name(), clients, pass));
        }
    }

    eprintln!("[{}] exports…", set.backend);
    let exports = [
        ("/exports/commendations.csv".to_owned(), "none", true),
        ("/exports/commendations.xlsx".to_owned(), "none", true),
        (
            format!("/exports/reports.csv?campaignId={campaign}"),
            "campaignId (one line per report)",
            false,
        ),
        (
            format!("/exports/reports.csv?unitSubtree={subunit}"),
            "unitSubtree (one line per value)",
            false,
        ),
    ];
    let mut export_rows = vec![];
    for (path, filter, goal) in &exports {
        let e = export(rt, &server, &api.token, path);
        let growth = e.rss_peak - e.rss_before;
        let verdict = if e.status != 200 {
            "FAIL (status)"
        } else if !goal {
            "—"
        } else if e.secs < GOAL_EXPORT_SECS && growth < GOAL_EXPORT_MIB {
            "PASS"
        } else {
            "FAIL"
        };
        let row = format!(
            "| `{}` | {filter} | {} | {:.1} | {:.2} | {:.1} | {:.1} | {growth:.1} | {verdict} |",
            path.split('?').next().unwrap_or(path),
            e.lines,
            e.mib,
            e.secs,
            e.rss_before,
            e.rss_peak,
        );
        eprintln!("{row}");
        export_rows.push(row);
    }

    let statements: Vec<String> = match pg {
        Some(db) if std::env::var("THIDUA_BENCH_SKIP_COUNT").is_err() => {
            eprintln!("counting SQL per request (waiting for statistics)…");
            std::thread::sleep(STATS_FLUSH);
            let before = db.transactions(rt);
            std::thread::sleep(STATS_FLUSH);
            let idle_cost = db.transactions(rt) - before;
            probes
                .iter()
                .filter(|p| p.scope == Scope::Province)
                .map(|p| {
                    let n = statements_per_request(rt, db, &server, &api.token, p, idle_cost);
                    format!("| {} | {n:.1} |", p.name)
                })
                .collect()
        }
        _ => vec![],
    };
    drop(server);

    out.push(format!("\n## thidua dashboards on {}\n", set.backend));
    out.push(format!(
        "Data generated in SQL in {:.0} s, progress rollups rebuilt in {:.1} s, then {} in \
         {:.1} s ({:.0} MiB):\n",
        generated.as_secs_f64(),
        rolled_up.as_secs_f64(),
        set.analyze,
        analyzed.as_secs_f64(),
        counts[TABLES.len()] as f64 / (1024.0 * 1024.0)
    ));
    out.push("| table | rows |\n| --- | ---: |".into());
    for (t, n) in TABLES.iter().zip(&counts) {
        out.push(format!("| {t} | {n} |"));
    }
    out.push(format!(
        "\nFigures the API answered, against the same count in SQL:\n\n{}",
        checked.join("\n")
    ));
    out.push(format!(
        "\n### Latency through HTTP, as admin\n\nUp to {requests} requests per row (a slow \
         query: about {} s of them, at least {MIN_REQUESTS}) after a {WARMUP}-request warm-up. \
         Campaign {CAMPAIGN_CODE}; the ward is {} (a top-level unit) and its subtree.\n",
        ROW_BUDGET.as_secs(),
        set.ward_code
    ));
    out.push(
        "| query | scope | connections | requests | errors | req/s | p50 ms | p95 ms | max ms | answer KiB | goal p95 ms | verdict |\n\
         | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"
            .into(),
    );
    out.push(rows.join("\n"));
    out.push(format!(
        "\n### Exports\n\nGoal for the commendation register: < {GOAL_EXPORT_SECS:.0} s and server \
         RSS growth < {GOAL_EXPORT_MIB:.0} MiB (peak during the download − RSS before).\n"
    ));
    out.push(
        "| export | filter | lines | MiB | seconds | RSS before MiB | RSS peak MiB | growth MiB | verdict |\n\
         | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |"
            .into(),
    );
    out.push(export_rows.join("\n"));
    if !statements.is_empty() {
        out.push(format!(
            "\n### SQL per request\n\nPostgreSQL transactions per request (pg_stat_database, \
             {COUNTED} sequential requests each; an autocommit statement is one transaction):\n"
        ));
        out.push("| query | statements / request |\n| --- | ---: |".into());
        out.push(statements.join("\n"));
    }
    let failed: Vec<String> = passes
        .iter()
        .filter(|(_, _, _, p)| *p != Some(true))
        .map(|(name, scope, c, _)| format!("{name} ({scope}, {c} conn.)"))
        .collect();
    if failed.is_empty() {
        out.push("\nLatency goals: met by every query.".into());
    } else {
        out.push(format!(
            "\nLatency goals NOT met by: {}.",
            failed.join("; ")
        ));
    }
    out.join("\n")
}

fn main() {
    let keep = std::env::var("THIDUA_BENCH_KEEP_DB").is_ok_and(|v| v == "1");
    let requests = env_or("THIDUA_BENCH_REQUESTS", REQUESTS);
    let only = std::env::var("THIDUA_BENCH_ONLY").unwrap_or_default();
    let rt = Runtime::new().expect("a tokio runtime");
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    eprintln!("thidua dashboards: {BIN}");

    if only != "sqlite" {
        let Some(admin_url) = support::pg_url() else {
            eprintln!(
                "the dashboards bench needs PostgreSQL: set THIDUA_BENCH_POSTGRES_URL, e.g.\n  \
                 THIDUA_BENCH_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/postgres \
                 cargo bench -p thidua-server --bench dashboards\n\
                 (THIDUA_BENCH_ONLY=sqlite measures SQLite alone)"
            );
            std::process::exit(2);
        };
        // THIDUA_BENCH_REUSE_DB names a database an earlier run kept: no generating again.
        let reuse = std::env::var("THIDUA_BENCH_REUSE_DB")
            .ok()
            .filter(|v| !v.is_empty());
        let mut db = match &reuse {
            Some(name) => PgDatabase::existing(&rt, &admin_url, name),
            None => PgDatabase::create(&rt, &admin_url),
        };
        if keep {
            db.keep();
        }
        let report = run(
            &rt,
            &POSTGRES,
            &db.url(),
            Some(&db),
            reuse.is_some(),
            requests,
        );
        println!("{report}");
        if keep {
            println!("\nTHIDUA_BENCH_KEEP_DB=1: database {} kept.", db.name());
        }
    }
    if only != "postgres" {
        let dir = support::TempDir::new();
        let url = dir.sqlite_url();
        let report = run(&rt, &SQLITE, &url, None, false, requests);
        println!("{report}");
        if keep {
            // Left on disk for `EXPLAIN QUERY PLAN`; the temporary folder is not removed.
            std::mem::forget(dir);
            println!("\nTHIDUA_BENCH_KEEP_DB=1: SQLite database {url} kept.");
        }
    }
    println!(
        "\nThe clients, the server and the database share this {cores}-core machine; the server \
         runs with its default pool and workers."
    );
}
