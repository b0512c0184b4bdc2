//! Progress reports the caller may read.

use async_graphql::{Context, ID, InputObject, Object};
use thidua_domain::id::UserId;
use thidua_domain::id::of;

use super::unit_path;
use crate::context::{reader_of, reads};
use crate::cursor;
use crate::error::query_error;
use crate::ids;
use crate::types::load_one;
use crate::types::report::ProgressReport;
use thidua_domain::access::Resource;
use thidua_domain::id::UnitId;

#[derive(Default)]
pub struct ReportQuery;

/// A report if the caller may read it: their own, or one of a unit under any of their grants.
pub async fn readable_report(
    ctx: &Context<'_>,
    id: thidua_domain::id::ReportId,
) -> async_graphql::Result<Option<ProgressReport>> {
    let a = reader_of(ctx, Resource::Reports)?;
    let Some(r) = load_one(ctx, id).await? else {
        return Ok(None);
    };
    let unit = load_one(ctx, UnitId::from_uuid(r.unit_id)).await?;
    let readable = a.may_read_report(
        unit.map(|u| u.path).as_deref().unwrap_or("/"),
        r.submitted_by,
    );
    Ok(readable.then_some(ProgressReport(r)))
}

#[derive(InputObject, Default)]
pub struct ReportFilter {
    pub campaign_id: Option<ID>,
    /// Reports of this unit or any unit below it.
    pub unit_subtree: Option<ID>,
    pub status: Option<crate::types::enums::ReportStatus>,
}

pub type ReportConnection = crate::cursor::CountedConnection<ProgressReport>;

#[Object]
impl ReportQuery {
    /// A progress report, if the caller may read it (their own, or of a unit under one of
    /// their grants).
    async fn report(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<Option<ProgressReport>> {
        readable_report(ctx, ids::decode(&id)?).await
    }

    /// Progress reports the caller may read, newest first.
    #[graphql(complexity = "crate::cursor::page_cost(first, child_complexity)")]
    async fn reports(
        &self,
        ctx: &Context<'_>,
        filter: Option<ReportFilter>,
        #[graphql(desc = "Page size, at most 100 (default 20).")] first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<ReportConnection> {
        let a = reader_of(ctx, Resource::Reports)?;
        let f = filter.unwrap_or_default();
        let page = cursor::page_request(first, after)?;
        let subtree_path = match &f.unit_subtree {
            Some(id) => Some(unit_path(ctx, id, "unitSubtree").await?),
            None => None,
        };
        let rf = thidua_persistence::reports::ReportFilter {
            campaign_id: f
                .campaign_id
                .as_ref()
                .map(ids::decode::<of::Campaign>)
                .transpose()?,
            subtree_path,
            status: f.status.map(Into::into),
            readable_paths: a.read_paths(Resource::Reports),
            reader_id: a.user_id.map(UserId::from_uuid),
        };
        let rows = thidua_persistence::reports::list(reads(ctx), &rf, &page)
            .await
            .map_err(query_error)?;
        Ok(cursor::connection(
            rows,
            |m| cursor::id_only(m.id),
            ProgressReport,
        ))
    }
}
