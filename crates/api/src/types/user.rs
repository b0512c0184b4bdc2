//! Users and their role grants.

use async_graphql::{Context, ID, Object, SimpleObject};
use thidua_domain::access::Grant;
use thidua_domain::id;
use thidua_persistence::entities::user::Model;

use super::enums::Role;
use crate::ids;

#[derive(Clone)]
pub struct User(pub Model);

#[Object]
impl User {
    async fn id(&self) -> ID {
        ids::encode(id::UserId::from_uuid(self.0.id))
    }

    async fn username(&self) -> &str {
        &self.0.username
    }

    async fn display_name(&self) -> &str {
        &self.0.display_name
    }
}

/// The signed-in caller and what they may do.
pub struct Me {
    pub user: Model,
    pub grants: Vec<Grant>,
}

/// A role held on the subtree of a unit.
#[derive(SimpleObject, Clone)]
pub struct RoleGrant {
    pub role: Role,
    /// The unit at the top of the subtree the role covers.
    pub unit: super::org_unit::OrgUnit,
}

#[Object]
impl Me {
    async fn user(&self) -> User {
        User(self.user.clone())
    }

    /// The units at the top of the caller's grants (deduplicated).
    async fn units(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<super::org_unit::OrgUnit>> {
        let mut ids: Vec<_> = self
            .grants
            .iter()
            .filter_map(|g| thidua_domain::org_unit::unit_id_of(&g.unit_path))
            .collect();
        ids.sort();
        ids.dedup();
        let units = crate::context::loader(ctx)
            .load_many(ids.iter().copied().map(id::UnitId::from_uuid))
            .await
            .map_err(|e| crate::error::store_error(&e))?;
        Ok(ids
            .into_iter()
            .filter_map(|id| {
                units
                    .get(&thidua_domain::id::UnitId::from_uuid(id))
                    .cloned()
            })
            .map(super::org_unit::OrgUnit)
            .collect())
    }

    /// Launched campaigns a unit under the caller's grants is registered for: the
    /// reporter's home screen, with `criteria`, `nextMilestone` and `myLastReport` on each.
    async fn open_campaigns(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<super::campaign::Campaign>> {
        let paths: Vec<String> = self.grants.iter().map(|g| g.unit_path.clone()).collect();
        let rows = thidua_persistence::campaigns::open_for_units(
            &crate::context::state(ctx).db.conn,
            &paths,
        )
        .await
        .map_err(crate::error::query_error)?;
        Ok(rows.into_iter().map(super::campaign::Campaign).collect())
    }

    async fn grants(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<RoleGrant>> {
        let ids: Vec<_> = self
            .grants
            .iter()
            .filter_map(|g| thidua_domain::org_unit::unit_id_of(&g.unit_path))
            .collect();
        let units = crate::context::loader(ctx)
            .load_many(ids.iter().copied().map(id::UnitId::from_uuid))
            .await
            .map_err(|e| crate::error::store_error(&e))?;
        Ok(self
            .grants
            .iter()
            .zip(ids)
            .filter_map(|(g, id)| {
                units
                    .get(&thidua_domain::id::UnitId::from_uuid(id))
                    .map(|u| RoleGrant {
                        role: g.role.into(),
                        unit: super::org_unit::OrgUnit(u.clone()),
                    })
            })
            .collect())
    }
}
