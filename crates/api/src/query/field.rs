//! The field (lĩnh vực) catalogue (public).

use async_graphql::{Context, Object};
use thidua_persistence::fields;

use crate::context::reads;
use crate::error::query_error;
use crate::types::field::Field;

#[derive(Default)]
pub struct FieldQuery;

#[Object]
impl FieldQuery {
    /// The field (lĩnh vực) catalogue (public).
    async fn fields(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Field>> {
        Ok(fields::all(reads(ctx))
            .await
            .map_err(query_error)?
            .into_iter()
            .map(Field)
            .collect())
    }
}
