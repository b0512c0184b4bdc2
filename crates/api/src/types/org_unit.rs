//! Org units and their tree.

use async_graphql::{Context, ID, Object};
use chrono::{DateTime, Utc};
use thidua_domain::id;
use thidua_persistence::entities::org_unit::Model;
use thidua_persistence::org_units::{self, UnitFilter};

use super::enums::OrgUnitKind;
use super::{load_many, load_one};
use crate::context::{loader, reads};
use crate::cursor;
use crate::error::{query_error, store_error};
use crate::ids;
use crate::loaders::{ChildrenOf, PredecessorsOf};
use thidua_domain::id::UnitId;

#[derive(Clone)]
pub struct OrgUnit(pub Model);

pub type OrgUnitConnection = crate::cursor::CountedConnection<OrgUnit>;

/// A page of units as a Relay connection, cursors keyed on the materialised path.
pub fn unit_connection(page: thidua_persistence::page::Page<Model>) -> OrgUnitConnection {
    let key = |m: &Model| thidua_persistence::page::KeyCursor {
        value: m.path.clone(),
        id: m.id,
    };
    cursor::connection(page, key, OrgUnit)
}

/// A unit of the province's administration: the province, a department, a ward,
/// commune or special zone, a village, a school, an enterprise…
#[Object]
impl OrgUnit {
    pub async fn id(&self) -> ID {
        ids::encode(id::UnitId::from_uuid(self.0.id))
    }

    /// Short unique code, upper-case.
    async fn code(&self) -> &str {
        &self.0.code
    }

    async fn name(&self) -> &str {
        &self.0.name
    }

    async fn kind(&self) -> OrgUnitKind {
        self.0.kind.into()
    }

    /// 0 for the province, 1 for units directly under it, and so on.
    async fn depth(&self) -> i32 {
        self.0.depth
    }

    /// Deactivated units keep their history but take no new work.
    async fn is_active(&self) -> bool {
        self.0.is_active
    }

    /// The unit that continues this one after a reorganisation (the 2025 merger); a
    /// unit with a successor is inactive and keeps its history.
    async fn successor(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<OrgUnit>> {
        match self.0.successor_id {
            Some(s) => Ok(load_one(ctx, UnitId::from_uuid(s)).await?.map(OrgUnit)),
            None => Ok(None),
        }
    }

    /// The day the successor took over.
    async fn succeeded_on(&self) -> Option<chrono::NaiveDate> {
        self.0.succeeded_on
    }

    /// Units this one continues (merged into it), by name.
    async fn predecessors(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<OrgUnit>> {
        Ok(load_many(ctx, PredecessorsOf(UnitId::from_uuid(self.0.id)))
            .await?
            .into_iter()
            .map(OrgUnit)
            .collect())
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }

    async fn parent(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<OrgUnit>> {
        match self.0.parent_id {
            Some(p) => Ok(load_one(ctx, UnitId::from_uuid(p)).await?.map(OrgUnit)),
            None => Ok(None),
        }
    }

    /// Active units directly below this one, by name.
    async fn children(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<OrgUnit>> {
        Ok(load_many(ctx, ChildrenOf(UnitId::from_uuid(self.0.id)))
            .await?
            .into_iter()
            .map(OrgUnit)
            .collect())
    }

    /// From the root down to this unit's parent.
    async fn ancestors(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<OrgUnit>> {
        let ids = thidua_domain::org_unit::ancestor_ids(&self.0.path);
        let found = loader(ctx)
            .load_many(ids.iter().copied().map(UnitId::from_uuid))
            .await
            .map_err(|e| store_error(&e))?;
        Ok(ids
            .into_iter()
            .filter_map(|id| found.get(&UnitId::from_uuid(id)).cloned().map(OrgUnit))
            .collect())
    }

    /// This unit and everything below it, parents before children.
    #[graphql(complexity = "crate::cursor::page_cost(first, child_complexity)")]
    async fn subtree(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, at most 100 (default 20).")] first: Option<i32>,
        after: Option<String>,
        #[graphql(default = false)] include_inactive: bool,
    ) -> async_graphql::Result<OrgUnitConnection> {
        let page = cursor::page_request(first, after)?;
        let filter = UnitFilter {
            subtree_path: Some(self.0.path.clone()),
            kind: None,
            include_inactive,
            search: None,
        };
        let rows = org_units::list(reads(ctx), &filter, &page)
            .await
            .map_err(query_error)?;
        Ok(unit_connection(rows))
    }
}
