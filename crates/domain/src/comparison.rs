//! Comparisons on the dashboards (issue 12, points 3 and 7): a unit beside the clusters it
//! competes in, and progress over every campaign of a field.
//!
//! - **Cluster figures** aggregate the whole cluster (every registered unit in the subtree
//!   of a member), whatever the caller may read: comparing with the cluster is what
//!   emulation clusters exist for. Only the aggregate leaves the database, and it is hidden
//!   ([`disclose`]) when fewer than [`MIN_CLUSTER_UNITS`] units stand behind it, since with
//!   one or two peers besides the caller's own unit the figure would reveal a peer's own.
//! - **By field**: `criterionProgress` takes exactly one of a campaign and a field
//!   ([`CampaignOrField`]); a field stands for its launched and closed campaigns that overlap
//!   the range, at most [`MAX_FIELD_CAMPAIGNS`] of them ([`check_campaign_count`]).

use crate::error::{FieldError, UserErrorCode as C};
use crate::msg;

/// The fewest units a cluster figure may stand for and still be shown.
pub const MIN_CLUSTER_UNITS: u64 = 3;

/// The most campaigns one field query aggregates.
pub const MAX_FIELD_CAMPAIGNS: u64 = 50;

/// `value` when at least [`MIN_CLUSTER_UNITS`] units stand behind it, else none.
pub fn disclose<T>(value: Option<T>, units: u64) -> Option<T> {
    if units >= MIN_CLUSTER_UNITS {
        value
    } else {
        None
    }
}

/// What `criterionProgress` aggregates: one campaign, or the campaigns of one field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CampaignOrField<C, F> {
    Campaign(C),
    Field(F),
}

impl<Ca, Fi> CampaignOrField<Ca, Fi> {
    /// Exactly one of the two: neither is `REQUIRED` (on `campaignId`), both is
    /// `NOT_APPLICABLE` (on `fieldId`).
    pub fn parse(campaign: Option<Ca>, field: Option<Fi>) -> Result<Self, FieldError> {
        match (campaign, field) {
            (Some(c), None) => Ok(Self::Campaign(c)),
            (None, Some(f)) => Ok(Self::Field(f)),
            (None, None) => Err(FieldError::new(
                "campaignId",
                C::Required,
                msg!("progress-campaign-or-field"),
            )),
            (Some(_), Some(_)) => Err(FieldError::new(
                "fieldId",
                C::NotApplicable,
                msg!("progress-campaign-or-field"),
            )),
        }
    }
}

/// A field's campaigns found (the store is asked for one more than the limit): more than
/// [`MAX_FIELD_CAMPAIGNS`] is `OUT_OF_RANGE` on `fieldId` (narrow the range).
pub fn check_campaign_count(found: usize) -> Result<(), FieldError> {
    if u64::try_from(found).unwrap_or(u64::MAX) > MAX_FIELD_CAMPAIGNS {
        return Err(FieldError::new(
            "fieldId",
            C::OutOfRange,
            msg!("progress-field-too-many", max = MAX_FIELD_CAMPAIGNS),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cluster_figure_needs_three_units_behind_it() {
        assert_eq!(disclose(Some(5), 0), None);
        assert_eq!(disclose(Some(5), 2), None);
        assert_eq!(disclose(Some(5), 3), Some(5));
        assert_eq!(disclose(None::<i32>, 10), None);
    }

    #[test]
    fn exactly_one_of_campaign_and_field() {
        assert_eq!(
            CampaignOrField::<u8, u8>::parse(Some(1), None),
            Ok(CampaignOrField::Campaign(1))
        );
        assert_eq!(
            CampaignOrField::<u8, u8>::parse(None, Some(2)),
            Ok(CampaignOrField::Field(2))
        );
        let e = CampaignOrField::<u8, u8>::parse(None, None).unwrap_err();
        assert_eq!((e.code, e.field.as_str()), (C::Required, "campaignId"));
        let e = CampaignOrField::<u8, u8>::parse(Some(1), Some(2)).unwrap_err();
        assert_eq!((e.code, e.field.as_str()), (C::NotApplicable, "fieldId"));
    }

    #[test]
    fn at_most_fifty_campaigns_per_field() {
        assert!(check_campaign_count(0).is_ok());
        assert!(check_campaign_count(50).is_ok());
        let e = check_campaign_count(51).unwrap_err();
        assert_eq!((e.code, e.field.as_str()), (C::OutOfRange, "fieldId"));
    }
}
