//! The machine clients an administrator manages.

use async_graphql::{Context, Object};
use thidua_persistence::api_clients;

use crate::context::{actor, reads};
use crate::cursor;
use crate::error::{forbidden, query_error};
use crate::types::api_client::ApiClient;

#[derive(Default)]
pub struct ApiClientQuery;

pub type ApiClientConnection = crate::cursor::CountedConnection<ApiClient>;

#[Object]
impl ApiClientQuery {
    /// The machine clients whose owner unit the caller administers, oldest first. Never
    /// their secrets. People only: a machine client's token is FORBIDDEN here.
    #[graphql(complexity = "crate::cursor::page_cost(first, child_complexity)")]
    async fn api_clients(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, at most 100 (default 20).")] first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<ApiClientConnection> {
        let a = actor(ctx)?;
        if a.is_client() {
            return Err(forbidden());
        }
        let page = cursor::page_request(first, after)?;
        let rows = api_clients::list(reads(ctx), a, &page)
            .await
            .map_err(query_error)?;
        Ok(cursor::connection(
            rows,
            |m| cursor::id_only(m.id),
            ApiClient,
        ))
    }
}
