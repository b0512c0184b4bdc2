-- The data set of scripts/bench-vs-postgraphile.sh, loaded after `thidua migrate` and
-- `thidua seed` and after the accounts `bench.viewer` and `bench.reporter` exist:
-- 30 wards under the root, 100 launched campaigns (3 criteria and 2 reporting deadlines
-- each), all 30 wards registered for the first 10 campaigns, and an approved monthly report
-- (with a value per criterion) per ward, campaign and month 2026-01..2026-10: 3,000 reports,
-- 9,000 values. Ward 1's reports are the reporter's. Ids are md5(name)::uuid and the
-- random values are seeded, so every run measures the same rows.
SELECT setseed(0.2026);

CREATE TEMP TABLE bench_admin AS SELECT id FROM users WHERE username = 'admin';
CREATE TEMP TABLE bench_reporter AS SELECT id FROM users WHERE username = 'bench.reporter';

INSERT INTO org_units (id, code, name, search_text, kind, parent_id, path, depth, is_active,
    version, created_at, updated_at)
SELECT md5('bench-ward-' || n)::uuid, 'BENCH-W' || lpad(n::text, 2, '0'), 'Phường số ' || n,
    'bench-w' || lpad(n::text, 2, '0') || ' phuong so ' || n, 'WARD', r.id,
    r.path || md5('bench-ward-' || n)::uuid::text || '/', r.depth + 1, true, 1, now(), now()
FROM generate_series(1, 30) n, org_units r WHERE r.code = 'QN';

-- The reporter belongs to ward 1 (the CLI cannot name a home unit that does not exist yet).
UPDATE users SET unit_id = md5('bench-ward-1')::uuid WHERE username = 'bench.reporter';

-- Launched by the province (k divisible by 31) or by one of the wards.
INSERT INTO campaigns (id, code, title, summary, search_text, kind, status, programme_id,
    launching_unit_id, start_date, end_date, version, created_by, created_at, updated_at,
    launched_at, closed_at)
SELECT md5('bench-campaign-' || k)::uuid, 'BENCH-C' || lpad(k::text, 3, '0'),
    'Phong trào thi đua số ' || k || ' giai đoạn 2026–2027',
    'Chấm điểm hằng tháng theo 3 tiêu chí.',
    'bench-c' || lpad(k::text, 3, '0') || ' phong trao thi dua so ' || k,
    (ARRAY['REGULAR', 'THEMATIC'])[k % 2 + 1], 'LAUNCHED', p.id,
    CASE WHEN k % 31 = 0 THEN r.id ELSE md5('bench-ward-' || (k % 31))::uuid END,
    DATE '2026-01-01', DATE '2027-12-31', 2, a.id,
    TIMESTAMPTZ '2025-12-20 08:00:00+07', now(), TIMESTAMPTZ '2026-01-02 08:00:00+07', NULL
FROM generate_series(1, 100) k, programmes p, org_units r, bench_admin a
WHERE p.code = 'QN-TDYN-2021-2030' AND r.code = 'QN';

INSERT INTO criteria (id, campaign_id, title, measure, direction, unit_label, target_value,
    weight, sort_order, created_at, period_aggregation)
SELECT md5('bench-criterion-' || k || '-' || j)::uuid, md5('bench-campaign-' || k)::uuid,
    (ARRAY['Tỷ lệ hộ gia đình văn hóa', 'Số mô hình mới', 'Hoàn thành kế hoạch năm'])[j + 1],
    (ARRAY['PERCENT', 'COUNT', 'YES_NO'])[j + 1], 'HIGHER_IS_BETTER',
    (ARRAY['%', 'mô hình', 'có/không'])[j + 1], (ARRAY[95, 120, 1])[j + 1],
    (ARRAY[1, 2, 1])[j + 1], j, now(), (ARRAY['LATEST', 'SUM', 'LATEST'])[j + 1]
FROM generate_series(1, 100) k, generate_series(0, 2) j;

-- Two reporting deadlines, both ahead of the run's date (so `nextMilestone` is the first).
INSERT INTO milestones (id, campaign_id, programme_id, kind, title, due_date, completed_at,
    completed_by, note, created_at)
SELECT md5('bench-deadline-' || k || '-' || m)::uuid, md5('bench-campaign-' || k)::uuid, NULL,
    'REPORTING_DEADLINE', 'Hạn báo cáo ' || (ARRAY['năm 2027', 'tổng kết'])[m],
    (ARRAY[DATE '2027-01-31', DATE '2027-12-31'])[m], NULL, NULL, NULL, now()
FROM generate_series(1, 100) k, generate_series(1, 2) m;

INSERT INTO participations (id, campaign_id, unit_id, pledge, status, registered_at,
    withdrawn_at, updated_at)
SELECT md5('bench-participation-' || k || '-' || n)::uuid, md5('bench-campaign-' || k)::uuid,
    md5('bench-ward-' || n)::uuid, 'Đăng ký hoàn thành xuất sắc', 'REGISTERED',
    TIMESTAMPTZ '2026-01-05 08:00:00+07', NULL, TIMESTAMPTZ '2026-01-05 08:00:00+07'
FROM generate_series(1, 10) k, generate_series(1, 30) n;

INSERT INTO progress_reports (id, campaign_id, unit_id, period_kind, period_start, period_end,
    narrative, latitude, longitude, status, revision, version, content_hash, submitted_by,
    submitted_at, reviewed_by, reviewed_at, return_reason, updated_at)
SELECT md5('bench-report-' || k || '-' || n || '-' || m)::uuid, md5('bench-campaign-' || k)::uuid,
    md5('bench-ward-' || n)::uuid, 'MONTH', s.d, (s.d + INTERVAL '1 month - 1 day')::date,
    'Báo cáo kết quả thi đua tháng ' || to_char(s.d, 'MM/YYYY') || '.',
    round((20.9 + random() * 0.5)::numeric, 7), round((106.8 + random() * 0.9)::numeric, 7),
    'APPROVED', 1, 2, md5('bench-report-' || k || '-' || n || '-' || m) || md5('content-' || n || '-' || m),
    CASE WHEN n = 1 THEN rp.id ELSE a.id END,
    s.d + INTERVAL '1 month' + (1 + n % 9) * INTERVAL '1 day',
    a.id, s.d + INTERVAL '1 month 12 days', NULL, s.d + INTERVAL '1 month 12 days'
FROM generate_series(1, 10) k, generate_series(1, 30) n, generate_series(0, 9) m,
    LATERAL (SELECT (DATE '2026-01-01' + m * INTERVAL '1 month')::date AS d) s,
    bench_admin a, bench_reporter rp;

INSERT INTO report_values (report_id, criterion_id, value)
SELECT r.id, c.id,
    CASE c.measure
        WHEN 'PERCENT' THEN round((60 + random() * 40)::numeric, 2)
        WHEN 'COUNT' THEN floor(random() * 20)::numeric
        ELSE CASE WHEN random() < 0.85 THEN 1::numeric ELSE 0::numeric END
    END
FROM progress_reports r JOIN criteria c ON c.campaign_id = r.campaign_id
ORDER BY r.period_start, r.campaign_id, r.unit_id, c.sort_order;
