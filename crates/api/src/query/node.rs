//! Any object by its global ID.

use async_graphql::{Context, ID, Object};

use crate::types::node::{self, Node};

#[derive(Default)]
pub struct NodeQuery;

#[Object]
impl NodeQuery {
    /// Any object by its global ID.
    async fn node(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<Node>> {
        node::resolve(ctx, &id).await
    }
}
