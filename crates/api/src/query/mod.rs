//! Root query, merged from one object per area (as `mutation` is).

mod account;
mod audit;
mod campaign;
mod cluster;
mod commendation;
mod compliance;
mod exemplar;
mod field;
mod leaderboard;
mod node;
mod org_unit;
mod person;
mod programme;
mod progress;
mod report;
mod session;
mod stats;
mod sync;
mod webhook;

use async_graphql::{Context, ID, MergedObject};

use crate::ids;
use crate::types::load_one;
use thidua_domain::id::UnitId;

pub use audit::AuditLogFilter;
pub use campaign::{CampaignFilter, CampaignOrderBy, CampaignOrderField, SortDirection};
pub use commendation::{CommendationFilter, DirectWorkerYear};
pub use compliance::ComplianceGroupBy;
pub use exemplar::ExemplarFilter;
pub use org_unit::OrgUnitFilter;
pub use progress::ProgressGroupBy;
pub use report::{ReportConnection, ReportFilter, readable_report};
pub use stats::{CommendationStatsFilter, ExemplarStatsFilter};

// The order of the parts is the order of the fields in the SDL. They merge in contiguous
// groups because one flat merge of many parts nests its resolver futures deeper than
// rustc's default recursion limit allows; the small dashboard group comes first because a
// fourth group placed last overflows that limit too.
#[derive(MergedObject, Default)]
pub struct Query(
    LookupQuery,
    EmulationQuery,
    RecognitionQuery,
    DashboardQuery,
);

/// Any object, the caller, and the public catalogues and unit tree.
#[derive(MergedObject, Default)]
pub struct LookupQuery(
    node::NodeQuery,
    account::AccountQuery,
    programme::ProgrammeQuery,
    field::FieldQuery,
    org_unit::OrgUnitQuery,
);

/// Campaigns, their reports, the change feed and the rankings.
#[derive(MergedObject, Default)]
pub struct EmulationQuery(
    campaign::CampaignQuery,
    report::ReportQuery,
    sync::SyncQuery,
    leaderboard::LeaderboardQuery,
    cluster::ClusterQuery,
);

/// Exemplary models, commendations and the audit trail.
#[derive(MergedObject, Default)]
pub struct RecognitionQuery(
    exemplar::ExemplarQuery,
    commendation::CommendationQuery,
    person::PersonQuery,
    audit::AuditQuery,
    session::SessionQuery,
);

/// Dashboard figures: counts grouped in the database, reporting compliance, and progress
/// by criterion.
#[derive(MergedObject, Default)]
pub struct DashboardQuery(
    stats::StatsQuery,
    compliance::ComplianceQuery,
    progress::ProgressQuery,
    webhook::WebhookQuery,
);

/// The path of the unit a subtree filter names; an unknown unit gives a path nothing is under.
async fn unit_path(ctx: &Context<'_>, id: &ID, field: &str) -> async_graphql::Result<String> {
    let unit: UnitId = ids::decode(id).map_err(|_| {
        crate::error::bad_input(&thidua_domain::msg!(
            "field-node-id-invalid",
            field = field,
            kind = ids::NodeType::OrgUnit.name()
        ))
    })?;
    Ok(load_one(ctx, unit)
        .await?
        .map(|u| u.path)
        .unwrap_or_else(|| "/nonexistent/".into()))
}
