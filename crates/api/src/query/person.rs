//! People honoured.

use async_graphql::{Context, ID, InputObject, Object};
use thidua_domain::id::of;
use thidua_persistence::persons::{self, PersonFilter as StoreFilter};

use super::unit_path;
use crate::context::{reader, reads};
use crate::cursor;
use crate::error::query_error;
use crate::ids;
use crate::types::load_one;
use crate::types::person::{Person, PersonConnection, person_connection};

#[derive(Default)]
pub struct PersonQuery;

#[derive(InputObject, Default)]
pub struct PersonFilter {
    /// People whose current unit is this unit or below it.
    pub unit_subtree: Option<ID>,
    /// Words of the name, ignoring diacritics and case, in any order (at most 200 characters).
    pub search: Option<String>,
    /// true: only foreign recipients; false: only people of the units.
    pub foreign: Option<bool>,
}

#[Object]
impl PersonQuery {
    async fn person(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<Person>> {
        reader(ctx)?;
        Ok(load_one(ctx, ids::decode::<of::Person>(&id)?)
            .await?
            .map(Person))
    }

    /// People by name (diacritics and case folded), then id.
    #[graphql(complexity = "crate::cursor::page_cost(first, child_complexity)")]
    async fn people(
        &self,
        ctx: &Context<'_>,
        filter: Option<PersonFilter>,
        #[graphql(desc = "Page size, at most 100 (default 20).")] first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<PersonConnection> {
        reader(ctx)?;
        let f = filter.unwrap_or_default();
        let page = cursor::page_request(first, after)?;
        let subtree_path = match &f.unit_subtree {
            Some(id) => Some(unit_path(ctx, id, "unitSubtree").await?),
            None => None,
        };
        let sf = StoreFilter {
            subtree_path,
            search: crate::args::optional_text(f.search, "filter.search", 200)?,
            foreign: f.foreign,
        };
        Ok(person_connection(
            persons::list(reads(ctx), &sf, &page)
                .await
                .map_err(query_error)?,
        ))
    }
}
