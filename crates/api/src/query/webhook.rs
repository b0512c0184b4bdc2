//! Webhook endpoints and their deliveries (administrators over the endpoint's owner unit).

use async_graphql::{Context, ID, Object};
use thidua_domain::id::of;
use thidua_persistence::webhooks;

use crate::context::{actor, reads};
use crate::cursor;
use crate::error::query_error;
use crate::ids;
use crate::types::webhook::{
    WebhookDeliveryConnection, WebhookDeliveryStatus, WebhookEndpointConnection,
    delivery_connection, endpoint_connection,
};

#[derive(Default)]
pub struct WebhookQuery;

#[Object]
impl WebhookQuery {
    /// The webhook endpoints the caller manages, oldest first (empty for a caller who
    /// manages none).
    #[graphql(complexity = "crate::cursor::page_cost(first, child_complexity)")]
    async fn webhook_endpoints(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, at most 100 (default 20).")] first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<WebhookEndpointConnection> {
        let a = actor(ctx)?;
        let page = cursor::page_request(first, after)?;
        Ok(endpoint_connection(
            webhooks::list(reads(ctx), a, &page)
                .await
                .map_err(query_error)?,
        ))
    }

    /// One endpoint's deliveries, newest first, optionally of one status: attempts,
    /// response codes, errors and times.
    #[graphql(complexity = "crate::cursor::page_cost(first, child_complexity)")]
    async fn webhook_deliveries(
        &self,
        ctx: &Context<'_>,
        endpoint_id: ID,
        status: Option<WebhookDeliveryStatus>,
        #[graphql(desc = "Page size, at most 100 (default 20).")] first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<WebhookDeliveryConnection> {
        let a = actor(ctx)?;
        let id = ids::decode::<of::WebhookEndpoint>(&endpoint_id)?;
        let page = cursor::page_request(first, after)?;
        let db = reads(ctx);
        webhooks::manageable(db, a, id.uuid())
            .await
            .map_err(query_error)?;
        Ok(delivery_connection(
            webhooks::deliveries(db, id.uuid(), status.map(Into::into), &page)
                .await
                .map_err(query_error)?,
        ))
    }
}
