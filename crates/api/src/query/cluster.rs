//! Emulation clusters and blocs.

use async_graphql::{Context, Object};

use crate::context::{reader, reads};
use crate::error::query_error;

#[derive(Default)]
pub struct ClusterQuery;

#[Object]
impl ClusterQuery {
    /// Emulation clusters and blocs.
    async fn clusters(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<crate::types::cluster::Cluster>> {
        reader(ctx)?;
        let rows = thidua_persistence::clusters::all(reads(ctx))
            .await
            .map_err(query_error)?;
        Ok(rows
            .into_iter()
            .map(crate::types::cluster::Cluster)
            .collect())
    }
}
