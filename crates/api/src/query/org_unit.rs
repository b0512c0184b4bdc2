//! Org units and their tree.

use async_graphql::{Context, ID, InputObject, Object};
use thidua_domain::id::of;
use thidua_persistence::org_units::{self, UnitFilter};

use super::unit_path;
use crate::context::{reader, reads};
use crate::cursor;
use crate::error::query_error;
use crate::ids;
use crate::types::enums::OrgUnitKind;
use crate::types::load_one;
use crate::types::org_unit::{OrgUnit, OrgUnitConnection, unit_connection};

#[derive(Default)]
pub struct OrgUnitQuery;

#[derive(InputObject, Default)]
pub struct OrgUnitFilter {
    /// This unit and everything below it.
    pub subtree_of: Option<ID>,
    pub kind: Option<OrgUnitKind>,
    #[graphql(default = false)]
    pub include_inactive: bool,
    /// Words to find, in any order, in the code or name; accents and case are ignored ("Ha Long" finds "Hạ Long", "d" finds "đ"). At most 200 characters and 8 words.
    pub search: Option<String>,
}

#[Object]
impl OrgUnitQuery {
    /// A unit by global ID or by code.
    async fn org_unit(
        &self,
        ctx: &Context<'_>,
        id: Option<ID>,
        code: Option<String>,
    ) -> async_graphql::Result<Option<OrgUnit>> {
        reader(ctx)?;
        match (id, code) {
            (Some(id), _) => Ok(load_one(ctx, ids::decode::<of::OrgUnit>(&id)?)
                .await?
                .map(OrgUnit)),
            (None, Some(code)) => Ok(org_units::by_code(
                reads(ctx),
                &crate::args::text(&code, "code", 100)?,
            )
            .await
            .map_err(query_error)?
            .map(OrgUnit)),
            (None, None) => Err(crate::error::bad_input(&thidua_domain::msg!("id-or-code"))),
        }
    }

    /// Units, parents before children.
    #[graphql(complexity = "crate::cursor::page_cost(first, child_complexity)")]
    async fn org_units(
        &self,
        ctx: &Context<'_>,
        filter: Option<OrgUnitFilter>,
        #[graphql(desc = "Page size, at most 100 (default 20).")] first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<OrgUnitConnection> {
        reader(ctx)?;
        let f = filter.unwrap_or_default();
        let page = cursor::page_request(first, after)?;
        let subtree_path = match &f.subtree_of {
            Some(id) => Some(unit_path(ctx, id, "subtreeOf").await?),
            None => None,
        };
        let uf = UnitFilter {
            subtree_path,
            kind: f.kind.map(Into::into),
            include_inactive: f.include_inactive,
            search: crate::args::search(f.search, "filter.search")?,
        };
        Ok(unit_connection(
            org_units::list(reads(ctx), &uf, &page)
                .await
                .map_err(query_error)?,
        ))
    }
}
