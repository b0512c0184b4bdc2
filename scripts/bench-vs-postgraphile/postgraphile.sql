-- What PostGraphile gets besides the tables of `public`: the leaderboard, which thidua
-- computes in its server, as a SQL function in a schema of its own (`bench_pg`, never
-- read by thidua). The body is thidua's own two statements (crates/persistence/src/
-- leaderboard.rs: `standings` and `breakdown`, PostgreSQL flavour, no cluster filter)
-- run as one: every registered unit scored and ranked, each with its per-criterion
-- breakdown as JSON (criterion title, actual, achievement, points), best first.
CREATE SCHEMA IF NOT EXISTS bench_pg;

CREATE OR REPLACE FUNCTION bench_pg.leaderboard(campaign uuid, period_start date, period_end date)
RETURNS TABLE (rank bigint, score numeric, unit_name text, breakdown jsonb)
LANGUAGE sql STABLE AS $$
WITH units AS (
    SELECT p.unit_id FROM participations p
    WHERE p.campaign_id = campaign AND p.status = 'REGISTERED'),
crit AS (
    SELECT c.id, c.title, c.sort_order, c.measure, c.direction, c.period_aggregation,
        COALESCE(c.target_value, 0) AS target, c.weight, SUM(c.weight) OVER () AS total_weight
    FROM criteria c WHERE c.campaign_id = campaign),
inside AS (
    SELECT r.id, r.unit_id, r.period_start, r.period_end
    FROM units u JOIN progress_reports r ON r.campaign_id = campaign AND r.unit_id = u.unit_id
        AND r.status = 'APPROVED' AND r.period_start >= leaderboard.period_start
        AND r.period_end <= leaderboard.period_end),
counted AS (
    SELECT i.id, i.unit_id, i.period_end FROM inside i
    WHERE NOT EXISTS (
        SELECT 1 FROM inside o
        WHERE o.unit_id = i.unit_id AND o.period_start <= i.period_start
            AND o.period_end >= i.period_end
            AND (o.period_start < i.period_start OR o.period_end > i.period_end OR o.id > i.id))),
vals AS (
    SELECT k.unit_id, v.criterion_id, v.value,
        ROW_NUMBER() OVER (PARTITION BY k.unit_id, v.criterion_id
            ORDER BY k.period_end DESC, k.id DESC) AS recency
    FROM counted k JOIN report_values v ON v.report_id = k.id),
combined AS (
    SELECT x.unit_id, x.criterion_id, ROUND(CASE MAX(c.period_aggregation)
            WHEN 'SUM' THEN SUM(x.value)
            WHEN 'AVERAGE' THEN AVG(x.value)
            WHEN 'MAX' THEN MAX(x.value)
            WHEN 'MIN' THEN MIN(x.value)
            ELSE MAX(CASE WHEN x.recency = 1 THEN x.value END) END, 4) AS actual
    FROM vals x JOIN crit c ON c.id = x.criterion_id
    GROUP BY x.unit_id, x.criterion_id),
achieved AS (
    SELECT k.unit_id, c.id AS criterion_id, c.weight, c.total_weight, k.actual,
        CASE
            WHEN c.measure = 'YES_NO' THEN CASE WHEN k.actual = 1 THEN 1 ELSE 0 END
            WHEN c.direction <> 'LOWER_IS_BETTER' THEN CASE
                WHEN k.actual >= c.target THEN 1
                WHEN c.target <= 0 OR k.actual <= 0 THEN 0
                ELSE k.actual * 1.0 / c.target END
            WHEN k.actual <= c.target THEN 1
            WHEN c.target <= 0 OR k.actual <= 0 THEN 0
            ELSE c.target * 1.0 / k.actual
        END AS achievement
    FROM combined k JOIN crit c ON c.id = k.criterion_id),
points AS (
    SELECT unit_id, criterion_id, actual,
        CAST(ROUND(achievement * 10000) AS BIGINT) AS achievement_e4,
        COALESCE(CAST(ROUND(achievement * weight * 1000000.0 / NULLIF(total_weight, 0))
            AS BIGINT), 0) AS points_e4
    FROM achieved),
totals AS (
    SELECT unit_id, (CAST(SUM(points_e4) AS BIGINT) + 50) / 100 AS score_e2
    FROM points GROUP BY unit_id),
board AS (
    SELECT u.unit_id, o.code, o.name, COALESCE(t.score_e2, 0) AS score_e2
    FROM units u JOIN org_units o ON o.id = u.unit_id
    LEFT JOIN totals t ON t.unit_id = u.unit_id),
ranked AS (
    SELECT b.*, RANK() OVER (ORDER BY b.score_e2 DESC) AS standing FROM board b)
SELECT r.standing, round(r.score_e2 / 100.0, 2), r.name::text,
    (SELECT jsonb_agg(jsonb_build_object('criterion', c.title, 'actual', p.actual,
            'achievement', round(COALESCE(p.achievement_e4, 0) / 10000.0, 4),
            'points', round(COALESCE(p.points_e4, 0) / 10000.0, 4)) ORDER BY c.sort_order, c.id)
        FROM crit c LEFT JOIN points p ON p.unit_id = r.unit_id AND p.criterion_id = c.id)
FROM ranked r
ORDER BY r.score_e2 DESC, r.code COLLATE "C", r.unit_id
$$;
