//! Progress reports (báo cáo kết quả): their period, values, location, content identity
//! and the submit / review state machine that makes offline retries safe.

use crate::error::Message;
use crate::msg;
use std::collections::HashSet;

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::criterion::Measure;
use crate::error::{FieldError, UserErrorCode as C};

string_enum!(
    /// Submitted → Approved (locked), or Returned (with a reason) → resubmitted as a new revision.
    ReportStatus {
        Submitted => "SUBMITTED",
        Approved => "APPROVED",
        Returned => "RETURNED",
    }
);

string_enum!(
    /// Calendar periods (báo cáo tháng, quý, 6 tháng, năm) or any range (CUSTOM).
    PeriodKind {
        Month => "MONTH",
        Quarter => "QUARTER",
        HalfYear => "HALF_YEAR",
        Year => "YEAR",
        Custom => "CUSTOM",
    }
);

/// A reporting period: a calendar month, quarter, half-year (1 Jan–30 Jun or 1 Jul–31 Dec)
/// or year, each from its first to its last day, or any range with start ≤ end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub kind: PeriodKind,
    pub start: NaiveDate,
    pub end: NaiveDate,
}

fn last_day_of_month(year: i32, month: u32) -> Option<NaiveDate> {
    let (y, m) = if month == 12 {
        (year + 1, 1)
    } else {
        (year, month + 1)
    };
    NaiveDate::from_ymd_opt(y, m, 1)?.pred_opt()
}

impl Period {
    pub fn parse(kind: PeriodKind, start: NaiveDate, end: NaiveDate) -> Result<Self, FieldError> {
        let bad = |m: Message| Err(FieldError::new("period", C::InvalidPeriod, m));
        let ok = match kind {
            PeriodKind::Month => {
                start.day() == 1 && last_day_of_month(start.year(), start.month()) == Some(end)
            }
            PeriodKind::Quarter => {
                start.day() == 1
                    && matches!(start.month(), 1 | 4 | 7 | 10)
                    && last_day_of_month(start.year(), start.month() + 2) == Some(end)
            }
            PeriodKind::HalfYear => {
                start.day() == 1
                    && matches!(start.month(), 1 | 7)
                    && last_day_of_month(start.year(), start.month() + 5) == Some(end)
            }
            PeriodKind::Year => {
                start.day() == 1
                    && start.month() == 1
                    && NaiveDate::from_ymd_opt(start.year(), 12, 31) == Some(end)
            }
            PeriodKind::Custom => start <= end,
        };
        if !ok {
            return match kind {
                PeriodKind::Month => bad(msg!("period-month")),
                PeriodKind::Quarter => bad(msg!("period-quarter")),
                PeriodKind::HalfYear => bad(msg!("period-half-year")),
                PeriodKind::Year => bad(msg!("period-year")),
                PeriodKind::Custom => bad(msg!("period-order")),
            };
        }
        Ok(Self { kind, start, end })
    }

    /// A report's period must lie inside its campaign's dates.
    pub fn check_within(
        &self,
        campaign_start: NaiveDate,
        campaign_end: NaiveDate,
    ) -> Result<(), FieldError> {
        if self.start < campaign_start || self.end > campaign_end {
            return Err(FieldError::new(
                "period",
                C::PeriodOutsideCampaign,
                msg!(
                    "period-outside-campaign",
                    start = campaign_start.to_string(),
                    end = campaign_end.to_string()
                ),
            ));
        }
        Ok(())
    }
}

/// Where a report was made: latitude −90…90, longitude −180…180.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Location {
    pub latitude: Decimal,
    pub longitude: Decimal,
}

impl Location {
    /// Coordinates are plain decimal text (see [`crate::number`]); they are rounded to 7
    /// decimals (about 1 cm) before anything is stored or hashed, so what is acknowledged
    /// is what is kept, and GPS readings with 15 decimals still fit.
    pub fn parse(latitude: &str, longitude: &str) -> Result<Self, FieldError> {
        let bad = |f: &str| FieldError::new(f, C::InvalidLocation, msg!("location-invalid"));
        let coord = |raw: &str| crate::number::parse_decimal_within(raw, 3, 20);
        let lat = coord(latitude).map_err(|_| bad("location.latitude"))?;
        let lon = coord(longitude).map_err(|_| bad("location.longitude"))?;
        if lat.abs() > Decimal::from(90) {
            return Err(bad("location.latitude"));
        }
        if lon.abs() > Decimal::from(180) {
            return Err(bad("location.longitude"));
        }
        Ok(Self {
            latitude: lat.round_dp(7),
            longitude: lon.round_dp(7),
        })
    }
}

/// One value as sent by the client: the criterion id and the number as text, so that a
/// malformed number fails this item only, with its own code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawValue {
    pub criterion_id: Option<Uuid>,
    pub value: String,
}

/// Parses a reported number: plain decimal text only (see [`crate::number`]), so "1_000",
/// "1e3", "NaN" or "12.34567" are refused instead of being read or rounded.
pub fn parse_number(raw: &str) -> Result<Decimal, crate::number::NumberError> {
    crate::number::parse_decimal(raw)
}

/// Checks one value against its criterion's measure, with a code per kind of mistake.
pub fn check_measured(measure: Measure, v: Decimal) -> Result<(), (C, Message)> {
    match measure {
        Measure::Percent if v < Decimal::ZERO || v > Decimal::ONE_HUNDRED => {
            Err((C::PercentOutOfRange, msg!("percent-range")))
        }
        Measure::Count if v < Decimal::ZERO || !v.fract().is_zero() => {
            Err((C::InvalidCount, msg!("count-whole")))
        }
        Measure::YesNo if v != Decimal::ZERO && v != Decimal::ONE => {
            Err((C::NotYesNo, msg!("yes-no-value")))
        }
        _ => Ok(()),
    }
}

/// Checks that `values` answer every criterion of the campaign exactly once, each within
/// its measure. Returns the values in the campaign's criterion order, or every problem.
pub fn check_values(
    criteria: &[(Uuid, Measure)],
    values: &[RawValue],
) -> Result<Vec<(Uuid, Decimal)>, Vec<FieldError>> {
    let mut errors = vec![];
    let mut seen = HashSet::new();
    let mut out = vec![];
    for (i, v) in values.iter().enumerate() {
        let field = |f: &str| format!("values.{i}.{f}");
        let Some(id) = v.criterion_id else {
            errors.push(FieldError::new(
                field("criterionId"),
                C::UnknownCriterion,
                msg!("criterion-id-invalid"),
            ));
            continue;
        };
        let Some((_, measure)) = criteria.iter().find(|(c, _)| *c == id) else {
            errors.push(FieldError::new(
                field("criterionId"),
                C::UnknownCriterion,
                msg!("criterion-not-in-campaign", id = id.to_string()),
            ));
            continue;
        };
        if !seen.insert(id) {
            errors.push(FieldError::new(
                field("criterionId"),
                C::DuplicateCriterion,
                msg!("criterion-answered-twice", id = id.to_string()),
            ));
            continue;
        }
        match parse_number(&v.value) {
            // NOT_A_NUMBER is this field's code for malformed text since the first release.
            Err(crate::number::NumberError::Format) => errors.push(FieldError::new(
                field("value"),
                C::NotANumber,
                msg!(
                    "not-a-number",
                    value = v.value.chars().take(40).collect::<String>()
                ),
            )),
            Err(e @ crate::number::NumberError::Range) => {
                errors.push(FieldError::new(field("value"), e.code(), e.message()))
            }
            Ok(d) => match check_measured(*measure, d) {
                Ok(()) => out.push((id, d)),
                Err((code, msg)) => errors.push(FieldError::new(field("value"), code, msg)),
            },
        }
    }
    for (id, _) in criteria {
        if !seen.contains(id) {
            errors.push(FieldError::new(
                "values",
                C::MissingCriterion,
                msg!("criterion-missing", id = id.to_string()),
            ));
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    out.sort_by_key(|(id, _)| criteria.iter().position(|(c, _)| c == id));
    Ok(out)
}

/// Everything that makes up a report's content; two submissions with the same content
/// have the same hash, whatever order the values came in or how the numbers were written.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportContent {
    pub campaign_id: Uuid,
    pub unit_id: Uuid,
    pub period: Period,
    pub narrative: Option<String>,
    pub location: Option<Location>,
    pub values: Vec<(Uuid, Decimal)>,
}

impl ReportContent {
    pub fn hash(&self) -> String {
        let mut values: Vec<String> = self
            .values
            .iter()
            .map(|(c, v)| format!("{c}={}", v.normalize()))
            .collect();
        values.sort();
        let loc = self
            .location
            .map(|l| format!("{},{}", l.latitude.normalize(), l.longitude.normalize()));
        let canonical = format!(
            "v1|{}|{}|{}|{}|{}|{}|{}|{}",
            self.campaign_id,
            self.unit_id,
            self.period.kind,
            self.period.start,
            self.period.end,
            self.narrative.as_deref().unwrap_or(""),
            loc.unwrap_or_default(),
            values.join(";"),
        );
        Sha256::digest(canonical.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

/// What a submission with a known id does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Submission {
    /// A new report.
    Create,
    /// The same content again (a retry): nothing changes.
    Duplicate,
    /// New content for a report still awaiting review.
    Update,
    /// New content for a returned report: a new revision.
    Resubmit,
}

/// The stored state a resubmission is judged against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    pub campaign_id: Uuid,
    pub unit_id: Uuid,
    pub status: ReportStatus,
    pub version: i32,
    pub content_hash: String,
}

/// Decides what a submission of `content` (with the `version` the client last saw) does
/// to the stored report, following ODK's rule: identical resend = no-op; same id with
/// different content = conflict unless it is a legitimate edit of the current version.
pub fn decide(
    stored: Option<&Stored>,
    content: &ReportContent,
    version: Option<i32>,
) -> Result<Submission, FieldError> {
    let Some(s) = stored else {
        return Ok(Submission::Create);
    };
    if s.campaign_id != content.campaign_id || s.unit_id != content.unit_id {
        return Err(FieldError::new("id", C::Conflict, msg!("report-id-taken")));
    }
    if s.content_hash == content.hash() {
        return Ok(Submission::Duplicate);
    }
    if s.status == ReportStatus::Approved {
        return Err(FieldError::new("id", C::Locked, msg!("report-locked")));
    }
    if version != Some(s.version) {
        return Err(FieldError::new(
            "version",
            C::Conflict,
            msg!("report-stale-version", version = s.version),
        ));
    }
    Ok(if s.status == ReportStatus::Returned {
        Submission::Resubmit
    } else {
        Submission::Update
    })
}

/// Approving or returning needs a report awaiting review; returning needs a reason.
pub fn check_review(
    status: ReportStatus,
    approve: bool,
    reason: Option<&str>,
) -> Result<(), FieldError> {
    if status != ReportStatus::Submitted {
        let code = if status == ReportStatus::Approved {
            C::Locked
        } else {
            C::InvalidTransition
        };
        return Err(FieldError::new(
            "id",
            code,
            msg!(
                "report-cannot-review",
                status = crate::error::MessageArg::word("report-status", status.as_str())
            ),
        ));
    }
    if !approve && reason.is_none_or(|r| r.trim().is_empty()) {
        return Err(FieldError::new(
            "reason",
            C::Required,
            msg!("report-return-reason"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn months_and_quarters_are_calendar_periods() {
        assert!(Period::parse(PeriodKind::Month, d(2025, 2, 1), d(2025, 2, 28)).is_ok());
        assert!(Period::parse(PeriodKind::Month, d(2024, 2, 1), d(2024, 2, 29)).is_ok());
        assert!(Period::parse(PeriodKind::Month, d(2025, 2, 1), d(2025, 3, 1)).is_err());
        assert!(Period::parse(PeriodKind::Quarter, d(2025, 10, 1), d(2025, 12, 31)).is_ok());
        assert!(Period::parse(PeriodKind::Quarter, d(2025, 2, 1), d(2025, 4, 30)).is_err());
        assert_eq!(
            Period::parse(PeriodKind::Custom, d(2025, 2, 2), d(2025, 2, 1))
                .unwrap_err()
                .code,
            C::InvalidPeriod
        );
        let p = Period::parse(PeriodKind::Custom, d(2025, 1, 1), d(2025, 1, 31)).unwrap();
        assert_eq!(
            p.check_within(d(2025, 1, 2), d(2025, 12, 31))
                .unwrap_err()
                .code,
            C::PeriodOutsideCampaign
        );
    }

    #[test]
    fn half_years_and_years_are_calendar_periods() {
        use PeriodKind::{HalfYear, Year};
        assert!(Period::parse(HalfYear, d(2025, 1, 1), d(2025, 6, 30)).is_ok());
        assert!(Period::parse(HalfYear, d(2025, 7, 1), d(2025, 12, 31)).is_ok());
        assert!(Period::parse(Year, d(2024, 1, 1), d(2024, 12, 31)).is_ok());
        let bad = [
            // A "third half": starts in the wrong month.
            (HalfYear, d(2025, 4, 1), d(2025, 9, 30)),
            (HalfYear, d(2025, 1, 1), d(2025, 7, 31)),
            (HalfYear, d(2025, 7, 1), d(2026, 6, 30)),
            (HalfYear, d(2025, 1, 2), d(2025, 6, 30)),
            (Year, d(2025, 1, 1), d(2025, 12, 30)),
            (Year, d(2025, 7, 1), d(2026, 6, 30)),
            (Year, d(2025, 1, 1), d(2026, 12, 31)),
            (Year, d(2025, 12, 31), d(2025, 1, 1)),
        ];
        for (kind, start, end) in bad {
            let e = Period::parse(kind, start, end).unwrap_err();
            assert_eq!(e.code, C::InvalidPeriod, "{kind} {start} {end}");
            assert_eq!(e.field, "period");
        }
    }

    #[test]
    fn each_bad_value_kind_has_its_own_code() {
        let (p, c, y, n) = (
            Uuid::now_v7(),
            Uuid::now_v7(),
            Uuid::now_v7(),
            Uuid::now_v7(),
        );
        let criteria = [
            (p, Measure::Percent),
            (c, Measure::Count),
            (y, Measure::YesNo),
            (n, Measure::Number),
        ];
        let raw = |id, v: &str| RawValue {
            criterion_id: Some(id),
            value: v.into(),
        };
        let codes = |vals: Vec<RawValue>| -> Vec<C> {
            check_values(&criteria, &vals)
                .unwrap_err()
                .into_iter()
                .map(|e| e.code)
                .collect()
        };
        let good = || vec![raw(p, "50"), raw(c, "3"), raw(y, "1"), raw(n, "-2.5")];
        assert!(check_values(&criteria, &good()).is_ok());
        let mut v = good();
        v[0] = raw(p, "101");
        assert_eq!(codes(v), vec![C::PercentOutOfRange]);
        for bad in ["-1", "2.5"] {
            let mut v = good();
            v[1] = raw(c, bad);
            assert_eq!(codes(v), vec![C::InvalidCount]);
        }
        let mut v = good();
        v[2] = raw(y, "7");
        assert_eq!(codes(v), vec![C::NotYesNo]);
        for bad in ["NaN", "inf", "", "12abc"] {
            let mut v = good();
            v[3] = raw(n, bad);
            assert_eq!(codes(v), vec![C::NotANumber], "{bad}");
        }
        let mut v = good();
        v.push(raw(Uuid::now_v7(), "1"));
        assert_eq!(codes(v), vec![C::UnknownCriterion]);
        let mut v = good();
        v.push(raw(p, "1"));
        assert_eq!(codes(v), vec![C::DuplicateCriterion]);
        let mut v = good();
        v.pop();
        assert_eq!(codes(v), vec![C::MissingCriterion]);
    }

    fn content(v: &str) -> ReportContent {
        ReportContent {
            campaign_id: Uuid::nil(),
            unit_id: Uuid::nil(),
            period: Period::parse(PeriodKind::Month, d(2025, 1, 1), d(2025, 1, 31)).unwrap(),
            narrative: Some("ok".into()),
            location: None,
            values: vec![(Uuid::nil(), Decimal::from_str(v).unwrap())],
        }
    }

    #[test]
    fn the_hash_ignores_how_numbers_are_written() {
        assert_eq!(content("5").hash(), content("5.000").hash());
        assert_ne!(content("5").hash(), content("6").hash());
    }

    #[test]
    fn resends_are_duplicates_and_edits_need_the_current_version() {
        let c = content("5");
        let stored = Stored {
            campaign_id: Uuid::nil(),
            unit_id: Uuid::nil(),
            status: ReportStatus::Submitted,
            version: 2,
            content_hash: c.hash(),
        };
        assert_eq!(decide(None, &c, None).unwrap(), Submission::Create);
        assert_eq!(
            decide(Some(&stored), &c, None).unwrap(),
            Submission::Duplicate
        );
        let edit = content("6");
        assert_eq!(
            decide(Some(&stored), &edit, Some(2)).unwrap(),
            Submission::Update
        );
        assert_eq!(
            decide(Some(&stored), &edit, Some(1)).unwrap_err().code,
            C::Conflict
        );
        assert_eq!(
            decide(Some(&stored), &edit, None).unwrap_err().code,
            C::Conflict
        );
        let returned = Stored {
            status: ReportStatus::Returned,
            ..stored.clone()
        };
        assert_eq!(
            decide(Some(&returned), &edit, Some(2)).unwrap(),
            Submission::Resubmit
        );
        let approved = Stored {
            status: ReportStatus::Approved,
            ..stored.clone()
        };
        assert_eq!(
            decide(Some(&approved), &edit, Some(2)).unwrap_err().code,
            C::Locked
        );
        assert_eq!(
            decide(Some(&approved), &c, None).unwrap(),
            Submission::Duplicate
        );
        let other = Stored {
            unit_id: Uuid::now_v7(),
            ..stored
        };
        assert_eq!(
            decide(Some(&other), &c, None).unwrap_err().code,
            C::Conflict
        );
    }

    #[test]
    fn reviews_need_a_submitted_report_and_returns_a_reason() {
        assert!(check_review(ReportStatus::Submitted, true, None).is_ok());
        assert_eq!(
            check_review(ReportStatus::Submitted, false, Some(" "))
                .unwrap_err()
                .code,
            C::Required
        );
        assert_eq!(
            check_review(ReportStatus::Approved, true, None)
                .unwrap_err()
                .code,
            C::Locked
        );
        assert_eq!(
            check_review(ReportStatus::Returned, true, None)
                .unwrap_err()
                .code,
            C::InvalidTransition
        );
    }
}
