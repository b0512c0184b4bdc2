//! Advanced exemplary models (điển hình tiên tiến): built, nurtured, recognised and
//! replicated — "proactively, early, from afar and from the grassroots".

use crate::error::{FieldError, UserErrorCode as C};
use crate::msg;

string_enum!(
    /// The stages a model moves through, in order.
    ExemplarStage {
        Identified => "IDENTIFIED",
        Nurtured => "NURTURED",
        Recognised => "RECOGNISED",
        Replicated => "REPLICATED",
    }
);

string_enum!(
    /// Tập thể (collective) or cá nhân (individual).
    ExemplarKind {
        Collective => "COLLECTIVE",
        Individual => "INDIVIDUAL",
    }
);

impl ExemplarStage {
    fn order(self) -> u8 {
        match self {
            Self::Identified => 0,
            Self::Nurtured => 1,
            Self::Recognised => 2,
            Self::Replicated => 3,
        }
    }

    /// At least nurtured: what target 2 counts as "built and nurtured".
    pub fn is_nurtured_or_beyond(self) -> bool {
        self.order() >= Self::Nurtured.order()
    }
}

/// Moves forward one stage at a time; going back is allowed but needs a reason.
pub fn check_stage_change(
    from: ExemplarStage,
    to: ExemplarStage,
    reason: Option<&str>,
) -> Result<(), FieldError> {
    let (a, b) = (from.order(), to.order());
    if b == a {
        return Err(FieldError::new(
            "stage",
            C::InvalidTransition,
            msg!(
                "exemplar-already-at-stage",
                stage = crate::error::MessageArg::word("exemplar-stage", to.as_str())
            ),
        ));
    }
    if b > a + 1 {
        return Err(FieldError::new(
            "stage",
            C::StageSkipped,
            msg!(
                "exemplar-stage-skipped",
                stage = crate::error::MessageArg::word("exemplar-stage", from.as_str())
            ),
        ));
    }
    if b < a && reason.is_none_or(|r| r.trim().is_empty()) {
        return Err(FieldError::new(
            "reason",
            C::Required,
            msg!("exemplar-reason-required"),
        ));
    }
    Ok(())
}

/// Replication means another unit takes the model up.
pub fn check_replication(home_unit: uuid::Uuid, target_unit: uuid::Uuid) -> Result<(), FieldError> {
    if home_unit == target_unit {
        return Err(FieldError::new(
            "unitId",
            C::SelfReplication,
            msg!("exemplar-self-replication"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ExemplarStage::*;

    #[test]
    fn stages_advance_one_at_a_time() {
        assert!(check_stage_change(Identified, Nurtured, None).is_ok());
        assert!(check_stage_change(Recognised, Replicated, None).is_ok());
        assert_eq!(
            check_stage_change(Identified, Recognised, None)
                .unwrap_err()
                .code,
            C::StageSkipped
        );
        assert_eq!(
            check_stage_change(Nurtured, Nurtured, None)
                .unwrap_err()
                .code,
            C::InvalidTransition
        );
    }

    #[test]
    fn going_back_needs_a_reason() {
        assert_eq!(
            check_stage_change(Recognised, Nurtured, None)
                .unwrap_err()
                .code,
            C::Required
        );
        assert_eq!(
            check_stage_change(Recognised, Nurtured, Some("  "))
                .unwrap_err()
                .code,
            C::Required
        );
        assert!(
            check_stage_change(Recognised, Identified, Some("Không duy trì được kết quả")).is_ok()
        );
    }

    #[test]
    fn a_model_is_not_replicated_in_its_own_unit() {
        let u = uuid::Uuid::now_v7();
        assert_eq!(
            check_replication(u, u).unwrap_err().code,
            C::SelfReplication
        );
        assert!(check_replication(u, uuid::Uuid::now_v7()).is_ok());
        assert!(Nurtured.is_nurtured_or_beyond() && !Identified.is_nurtured_or_beyond());
    }
}
