//! Root query, merged from one object per area (as `mutation` is).

mod account;
mod api_client;
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
    api_client::ApiClientQuery,
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

/// The subtree a listing reads: the one its filter names (`asked`), narrowed for a machine
/// client to its own subtree (the client's when none is named, nothing when the two do
/// not meet). People read what they ask for, as before.
async fn confined_subtree(
    ctx: &Context<'_>,
    actor: &thidua_domain::access::Actor,
    asked: Option<&ID>,
    field: &str,
) -> async_graphql::Result<Option<String>> {
    let asked = match asked {
        Some(id) => Some(unit_path(ctx, id, field).await?),
        None => None,
    };
    let Some(own) = actor.client_subtree() else {
        return Ok(asked);
    };
    use thidua_domain::org_unit::is_within;
    Ok(Some(match asked {
        None => own.to_owned(),
        Some(p) if is_within(&p, own) => p,
        Some(p) if is_within(own, &p) => own.to_owned(),
        Some(_) => "/nonexistent/".into(),
    }))
}

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
