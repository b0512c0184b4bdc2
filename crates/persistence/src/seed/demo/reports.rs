//! A year (2025) of monthly progress reports for the running demo campaigns, from every
//! registered unit: most approved, one per unit and campaign returned with a reason, the
//! last month of each campaign's first unit left awaiting review. Values are a fixed
//! function of the criterion's target and period aggregation, the unit's position and
//! the month, so units rank differently and improve over the year: a count that adds up
//! over the year (SUM) is reported as the month's events, a level as its current value.
//! Two units of the longest-running campaign also sent the half-year and year reports of
//! 2024.

use rust_decimal::prelude::ToPrimitive;
use sea_orm::ConnectionTrait;
use thidua_domain::criterion::{Direction, Measure, PeriodAggregation};
use thidua_domain::id::{CampaignId, ReportId};
use thidua_domain::report::{Period, PeriodKind, RawValue};
use uuid::Uuid;

use super::{Demo, date};
use crate::campaigns;
use crate::entities::criterion;
use crate::error::StoreError;
use crate::reports::{self, NewReport};

const YEAR: i32 = 2025;

/// (campaign code, reporting units in their order); the units registered for it.
const REPORTING: &[(&str, &[&str])] = &[
    (
        "DEMO-KLDT-2023",
        &[
            "DEMO-SNV",
            "DEMO-P-HA-LONG",
            "DEMO-P-BAI-CHAY",
            "DEMO-DK-VAN-DON",
        ],
    ),
    (
        "DEMO-NTM-2024",
        &["DEMO-X-QUANG-TAN", "DEMO-X-BA-CHE", "DEMO-THON-QT-1"],
    ),
    (
        "DEMO-NSAT-THAN-2025",
        &[
            "DEMO-THAN-HA-LAM",
            "DEMO-THAN-MAO-KHE",
            "DEMO-THAN-VANG-DANH",
        ],
    ),
];

/// (campaign, units) that also sent the 2024 half-year and year reports: units that
/// existed in 2024, before the merger.
const EARLIER_REPORTS: (&str, &[&str]) = ("DEMO-KLDT-2023", &["DEMO-SNV", "DEMO-P-BAI-CHAY"]);

/// Why a reviewer sent a report back, in turn.
const RETURN_REASONS: &[&str] = &[
    "Số liệu chưa khớp với hệ thống thông tin giải quyết thủ tục hành chính; đề nghị rà soát và báo cáo lại.",
    "Thiếu tài liệu minh chứng cho chỉ tiêu đã báo cáo; đề nghị bổ sung.",
    "Số liệu tháng này thấp hơn tháng trước nhưng không có giải trình; đề nghị làm rõ.",
];

/// One returned report per unit and campaign, in a month that differs from unit to unit.
fn is_returned(unit: i64, month: i64) -> bool {
    (7 * month + 3 * unit) % 11 == 0
}

/// The month's share of `total` events spread evenly over the year: the twelve months
/// add up to `total`.
fn spread(total: i64, month: i64) -> i64 {
    month * total / 12 - (month - 1) * total / 12
}

/// The value unit number `u` reports in `month` (1–12), as text; `None` when the
/// criterion has no target to shape it on.
fn value(c: &criterion::Model, u: i64, month: i64) -> Option<String> {
    let target = c.target_value?.to_i64()?;
    let up = c.direction == Direction::HigherIsBetter;
    let sum = c.period_aggregation == PeriodAggregation::Sum;
    // Tenths, for percentages and numbers.
    let tenths = |v: i64| format!("{}.{}", v / 10, v % 10);
    Some(match (c.measure, up) {
        (Measure::Percent, true) => tenths((target * 10 - 80 + 25 * u + 5 * month).clamp(0, 1000)),
        (Measure::Percent, false) => tenths((target * 10 + 40 - 8 * u - 2 * month).max(0)),
        (Measure::Number, true) => tenths(target * (85 + 5 * u + month) / 10),
        (Measure::Number, false) => tenths(target * (115 - 5 * u - month) / 10),
        // Events of the month: over the year ¾ of the target for the first unit, the
        // whole target for the second, and so on.
        (Measure::Count, true) if sum => spread(target * (3 + u) / 4, month).to_string(),
        // Incidents of the month: none in the year for the first unit, one for the second…
        (Measure::Count, false) if sum => spread(u, month).to_string(),
        // A running total.
        (Measure::Count, true) => (target * (month + 3 * u) / 18).min(target * 2).to_string(),
        (Measure::Count, false) => i64::from((month + u) % (u + 3) == 0).to_string(),
        // Yes from the unit's second month on, sooner for better units.
        (Measure::YesNo, _) => i64::from(month > 3 - u.min(2)).to_string(),
    })
}

/// The value of a report over months `first..=last` of 2024: the sum of the months for a
/// SUM criterion; otherwise the level, six months behind the same month of 2025.
fn value_2024(c: &criterion::Model, u: i64, first: i64, last: i64) -> Option<String> {
    if c.period_aggregation == PeriodAggregation::Sum {
        let mut total = 0_i64;
        for m in first..=last {
            total += value(c, u, m)?.parse::<i64>().ok()?;
        }
        Some(total.to_string())
    } else {
        value(c, u, last - 6)
    }
}

/// Report values for every criterion that has one.
fn values(
    criteria: &[criterion::Model],
    value: impl Fn(&criterion::Model) -> Option<String>,
) -> Vec<RawValue> {
    criteria
        .iter()
        .filter_map(|c| {
            value(c).map(|v| RawValue {
                criterion_id: Some(c.id),
                value: v,
            })
        })
        .collect()
}

fn month_period(month: u32) -> Result<Period, StoreError> {
    let start = date((YEAR, month, 1))?;
    let end = if month == 12 {
        date((YEAR, 12, 31))?
    } else {
        date((YEAR, month + 1, 1))?
            .pred_opt()
            .ok_or_else(|| StoreError::Internal("bad demo date".into()))?
    };
    Ok(Period::parse(PeriodKind::Month, start, end)?)
}

pub(super) async fn load(db: &impl ConnectionTrait, demo: &Demo) -> Result<(), StoreError> {
    let actor = &demo.actor;
    let mut returned = 0usize;
    for &(code, units) in REPORTING {
        let campaign_id = demo.campaign(code)?;
        let criteria = campaigns::criteria_by_campaign_ids(db, &[campaign_id]).await?;
        for (u, unit) in (0_i64..).zip(units.iter()) {
            let unit_id = demo.unit(unit)?;
            if code == EARLIER_REPORTS.0 && EARLIER_REPORTS.1.contains(unit) {
                earlier(db, demo, campaign_id, unit_id, &criteria, u).await?;
            }
            for month in 1..=12_u32 {
                let m = i64::from(month);
                let report = NewReport {
                    id: ReportId::from_uuid(Uuid::now_v7()),
                    campaign_id: CampaignId::from_uuid(campaign_id.uuid()),
                    unit_id,
                    period: month_period(month)?,
                    narrative: Some(format!("Báo cáo kết quả thi đua tháng {month}/{YEAR}.")),
                    location: None,
                    values: values(&criteria, |c| value(c, u, m)),
                    version: None,
                };
                let (_, saved) = reports::submit_in(db, actor, &report).await?;
                let id = ReportId::from_uuid(saved.id);
                if u == 0 && month == 12 {
                    continue; // awaiting review
                }
                if is_returned(u, m) {
                    let reason = RETURN_REASONS[returned % RETURN_REASONS.len()];
                    returned += 1;
                    reports::review(db, actor, id, false, Some(reason.to_owned())).await?;
                } else {
                    reports::review(db, actor, id, true, None).await?;
                }
            }
        }
    }
    Ok(())
}

/// The 2024 reports of one unit: the first half-year, then the whole year (which holds
/// it, so a 2024 leaderboard counts the year report alone), both approved.
async fn earlier(
    db: &impl ConnectionTrait,
    demo: &Demo,
    campaign_id: CampaignId,
    unit_id: thidua_domain::id::UnitId,
    criteria: &[criterion::Model],
    u: i64,
) -> Result<(), StoreError> {
    let spans = [
        (
            PeriodKind::HalfYear,
            (2024, 1, 1),
            (2024, 6, 30),
            1,
            6,
            "6 tháng đầu năm 2024",
        ),
        (
            PeriodKind::Year,
            (2024, 1, 1),
            (2024, 12, 31),
            1,
            12,
            "năm 2024",
        ),
    ];
    for (kind, start, end, first, last, label) in spans {
        let report = NewReport {
            id: ReportId::from_uuid(Uuid::now_v7()),
            campaign_id,
            unit_id,
            period: Period::parse(kind, date(start)?, date(end)?)?,
            narrative: Some(format!("Báo cáo kết quả thi đua {label}.")),
            location: None,
            values: values(criteria, |c| value_2024(c, u, first, last)),
            version: None,
        };
        let (_, saved) = reports::submit_in(db, &demo.actor, &report).await?;
        reports::review(db, &demo.actor, ReportId::from_uuid(saved.id), true, None).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_unit_has_one_returned_month() {
        for u in 0..4 {
            let months: Vec<i64> = (1..=12).filter(|&m| is_returned(u, m)).collect();
            assert_eq!(months.len(), 1, "unit {u}: {months:?}");
        }
    }

    #[test]
    fn a_spread_count_adds_up_to_its_total_over_the_year() {
        for total in 0..30 {
            let months: Vec<i64> = (1..=12).map(|m| spread(total, m)).collect();
            assert_eq!(months.iter().sum::<i64>(), total, "{months:?}");
            assert!(
                months
                    .iter()
                    .all(|&v| v == total / 12 || v == total / 12 + 1)
            );
        }
    }
}
