//! sea-orm entities, one per table.

pub mod api_client;
pub mod api_client_secret;
pub mod attachment;
pub mod audit_entry;
pub mod award_type;
pub mod campaign;
pub mod campaign_field;
pub mod change_entry;
pub mod cluster;
pub mod cluster_member;
pub mod commendation;
pub mod commendation_correction;
pub mod council_member;
pub mod council_session;
pub mod criterion;
pub mod exemplar;
pub mod exemplar_stage_event;
pub mod field;
pub mod milestone;
pub mod org_unit;
pub mod participation;
pub mod persisted_query;
pub mod person;
pub mod person_unit;
pub mod programme;
pub mod progress_report;
pub mod refresh_token;
pub mod replication;
pub mod report_revision;
pub mod report_value;
pub mod role_grant;
pub mod session;
pub mod target;
pub mod target_snapshot;
pub mod target_value;
pub mod unit_authority;
pub mod user;

#[cfg(test)]
mod tests {
    use sea_orm::{ActiveEnum, DbErr};
    use thidua_domain::{
        access, award, campaign, commendation, criterion, exemplar, milestone, org_unit,
        participation, report, target,
    };

    /// Every stored closed set keeps the text it always had (no data migration), and a
    /// value outside it is a database error, never a default.
    macro_rules! stored_as_before {
        ($($t:ty),+ $(,)?) => {$(
            for v in <$t>::ALL {
                assert_eq!(v.to_value(), v.as_str(), "{}", stringify!($t));
                assert_eq!(<$t>::try_from_value(&v.as_str().to_owned()), Ok(*v));
            }
            assert!(matches!(
                <$t>::try_from_value(&"NOT_A_VALUE".to_owned()),
                Err(DbErr::Type(_))
            ));
            // Lower case is another value, not a spelling of a known one.
            let lower = <$t>::ALL[0].as_str().to_lowercase();
            assert!(<$t>::try_from_value(&lower).is_err(), "{}", stringify!($t));
        )+};
    }

    #[test]
    fn stored_enums_read_and_write_the_same_text_and_refuse_unknown_values() {
        stored_as_before!(
            access::Role,
            award::AwardCategory,
            award::AwardLevel,
            award::PrerequisiteKind,
            award::RecipientKind,
            campaign::CampaignKind,
            campaign::CampaignStatus,
            commendation::CommendationKind,
            commendation::CommendationStatus,
            commendation::RecipientType,
            criterion::Direction,
            criterion::Measure,
            criterion::PeriodAggregation,
            exemplar::ExemplarKind,
            exemplar::ExemplarStage,
            milestone::MilestoneKind,
            org_unit::ClusterKind,
            org_unit::OrgUnitKind,
            participation::ParticipationStatus,
            report::PeriodKind,
            report::ReportStatus,
            target::Comparator,
            target::TargetSource,
        );
    }
}
