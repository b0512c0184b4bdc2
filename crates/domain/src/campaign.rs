//! Campaign (phong trào thi đua) lifecycle: Draft → Launched → Closed, or Cancelled.

use crate::msg;
use chrono::NaiveDate;

use crate::criterion::CriterionSpec;
use crate::error::{FieldError, UserErrorCode};

string_enum!(
    /// Where a campaign is in its life.
    CampaignStatus {
        Draft => "DRAFT",
        Launched => "LAUNCHED",
        Closed => "CLOSED",
        Cancelled => "CANCELLED",
    }
);

string_enum!(
    /// Thường xuyên (ongoing) or theo đợt / chuyên đề (time-boxed, thematic).
    CampaignKind {
        Regular => "REGULAR",
        Thematic => "THEMATIC",
    }
);

/// A start and end date with start ≤ end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateRange {
    start: NaiveDate,
    end: NaiveDate,
}

impl DateRange {
    pub fn parse(start: NaiveDate, end: NaiveDate) -> Result<Self, FieldError> {
        if end < start {
            return Err(FieldError::new(
                "endDate",
                UserErrorCode::EndBeforeStart,
                msg!("end-before-start"),
            ));
        }
        Ok(Self { start, end })
    }

    pub fn start(&self) -> NaiveDate {
        self.start
    }

    pub fn end(&self) -> NaiveDate {
        self.end
    }

    pub fn contains(&self, day: NaiveDate) -> bool {
        self.start <= day && day <= self.end
    }
}

/// Criteria can only change while the campaign is a draft: once launched, units have
/// pledged against them.
pub fn ensure_editable(status: CampaignStatus) -> Result<(), FieldError> {
    if status == CampaignStatus::Draft {
        Ok(())
    } else {
        Err(FieldError::new(
            "",
            UserErrorCode::NotDraft,
            msg!(
                "campaign-not-draft",
                status = crate::error::MessageArg::word("campaign-status", status.as_str())
            ),
        ))
    }
}

/// Launch needs a draft with valid dates and at least one concrete criterion.
pub fn check_launch(
    status: CampaignStatus,
    dates: (NaiveDate, NaiveDate),
    criteria: &[CriterionSpec],
) -> Result<(), FieldError> {
    if status != CampaignStatus::Draft {
        return Err(FieldError::new(
            "",
            UserErrorCode::InvalidTransition,
            msg!(
                "campaign-cannot-launch",
                status = crate::error::MessageArg::word("campaign-status", status.as_str())
            ),
        ));
    }
    DateRange::parse(dates.0, dates.1)?;
    if !criteria.iter().any(CriterionSpec::is_concrete) {
        return Err(FieldError::new(
            "criteria",
            UserErrorCode::NoConcreteCriterion,
            msg!("campaign-no-concrete-criterion"),
        ));
    }
    Ok(())
}

/// Closing ends a launched campaign; cancelling stops a draft or a launched one.
pub fn check_transition(from: CampaignStatus, to: CampaignStatus) -> Result<(), FieldError> {
    use CampaignStatus::*;
    let ok = matches!(
        (from, to),
        (Launched, Closed) | (Draft, Cancelled) | (Launched, Cancelled)
    );
    if ok {
        Ok(())
    } else {
        Err(FieldError::new(
            "",
            UserErrorCode::InvalidTransition,
            msg!(
                "campaign-invalid-transition",
                from = crate::error::MessageArg::word("campaign-status", from.as_str()),
                to = crate::error::MessageArg::word("campaign-status", to.as_str())
            ),
        ))
    }
}

/// Campaigns are edited by several people; a stale `version` means someone else saved first.
pub fn check_version(expected: Option<i32>, actual: i32) -> bool {
    expected.is_none_or(|v| v == actual)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::criterion::{Direction, Measure};
    use rust_decimal::Decimal;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn criterion(target: Option<i64>, unit: Option<&str>, weight: i64) -> CriterionSpec {
        CriterionSpec {
            measure: Measure::Percent,
            direction: Direction::HigherIsBetter,
            target_value: target.map(Decimal::from),
            unit_label: unit.map(str::to_owned),
            weight: Decimal::from(weight),
        }
    }

    #[test]
    fn launch_requires_a_concrete_criterion() {
        let dates = (d(2025, 1, 1), d(2025, 12, 31));
        let vague = [criterion(None, Some("%"), 1), criterion(Some(90), None, 1)];
        let err = check_launch(CampaignStatus::Draft, dates, &vague).unwrap_err();
        assert_eq!(err.code, UserErrorCode::NoConcreteCriterion);
        let good = [criterion(None, None, 1), criterion(Some(90), Some("%"), 2)];
        assert!(check_launch(CampaignStatus::Draft, dates, &good).is_ok());
    }

    #[test]
    fn launch_refuses_end_before_start_and_non_drafts() {
        let good = [criterion(Some(90), Some("%"), 2)];
        let err =
            check_launch(CampaignStatus::Draft, (d(2025, 2, 1), d(2025, 1, 1)), &good).unwrap_err();
        assert_eq!(err.code, UserErrorCode::EndBeforeStart);
        let err = check_launch(
            CampaignStatus::Launched,
            (d(2025, 1, 1), d(2025, 2, 1)),
            &good,
        )
        .unwrap_err();
        assert_eq!(err.code, UserErrorCode::InvalidTransition);
    }

    #[test]
    fn only_the_documented_transitions_are_allowed() {
        use CampaignStatus::*;
        assert!(check_transition(Launched, Closed).is_ok());
        assert!(check_transition(Draft, Cancelled).is_ok());
        assert!(check_transition(Draft, Closed).is_err());
        assert!(check_transition(Closed, Cancelled).is_err());
        assert!(check_transition(Cancelled, Launched).is_err());
    }

    #[test]
    fn editing_is_for_drafts_only() {
        assert!(ensure_editable(CampaignStatus::Draft).is_ok());
        assert_eq!(
            ensure_editable(CampaignStatus::Launched).unwrap_err().code,
            UserErrorCode::NotDraft
        );
    }
}
