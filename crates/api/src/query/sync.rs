//! The change feed that keeps offline apps in step.

use async_graphql::{Context, Object};

use crate::context::{reader, reads};
use crate::error::query_error;
use crate::types::sync::{Change, ChangeFeed, decode_token, encode_token};

#[derive(Default)]
pub struct SyncQuery;

#[Object]
impl SyncQuery {
    /// Everything the caller's app must know that changed since `since` (omit it on a
    /// fresh install): launched campaigns with their criteria and milestones, the
    /// participations of units under the caller's grants, and the caller's own reports,
    /// with tombstones for what was cancelled, withdrawn or removed. Page with
    /// `nextToken` while `hasMore`; a change written while you page is never skipped.
    async fn changes(
        &self,
        ctx: &Context<'_>,
        since: Option<String>,
        #[graphql(desc = "Changes per page, at most 500 (default 200).")] first: Option<i32>,
    ) -> async_graphql::Result<ChangeFeed> {
        let a = reader(ctx)?;
        let since = since
            .as_deref()
            .map(decode_token)
            .transpose()?
            .unwrap_or_default();
        let limit = thidua_domain::bounds::PageSize::parse(first, 1, 200, 500)
            .map_err(crate::args::field_error)?
            .get();
        let audience = thidua_persistence::changes::Audience {
            unit_paths: a.grants.iter().map(|g| g.unit_path.clone()).collect(),
            user_id: a.user_id.unwrap_or_default(),
        };
        let (rows, next, more) =
            thidua_persistence::changes::read(reads(ctx), since, limit, &audience)
                .await
                .map_err(query_error)?;
        // Within a page only the latest change of each object matters.
        let mut seen = std::collections::HashSet::new();
        let mut latest: Vec<_> = rows
            .into_iter()
            .rev()
            .filter(|r| seen.insert((r.entity, r.entity_id)))
            .collect();
        latest.reverse();
        Ok(ChangeFeed {
            changes: latest.into_iter().map(Change).collect(),
            next_token: encode_token(next),
            has_more: more,
        })
    }
}
