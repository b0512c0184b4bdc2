//! Emulation clusters and blocs.

use async_graphql::{Context, ID, Object};
use thidua_domain::id::{self, ClusterId};
use thidua_persistence::entities::cluster;

use super::enums::ClusterKind;
use super::load_many;
use super::org_unit::OrgUnit;
use crate::context::loader;
use crate::error::store_error;
use crate::ids;
use crate::loaders::MembersOf;
use thidua_domain::id::UnitId;

#[derive(Clone)]
pub struct Cluster(pub cluster::Model);

/// A cụm (by place) or khối (by sector) thi đua: units that compete with each other; a
/// leaderboard can be scoped to one.
#[Object]
impl Cluster {
    async fn id(&self) -> ID {
        ids::encode(id::ClusterId::from_uuid(self.0.id))
    }

    async fn code(&self) -> &str {
        &self.0.code
    }

    async fn name(&self) -> &str {
        &self.0.name
    }

    async fn kind(&self) -> ClusterKind {
        self.0.kind.into()
    }

    async fn members(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<OrgUnit>> {
        let ids: Vec<UnitId> = load_many(ctx, MembersOf(ClusterId::from_uuid(self.0.id)))
            .await?
            .into_iter()
            .map(|m| UnitId::from_uuid(m.unit_id))
            .collect();
        let units = loader(ctx)
            .load_many(ids.iter().copied())
            .await
            .map_err(|e| store_error(&e))?;
        let mut out: Vec<OrgUnit> = ids
            .iter()
            .filter_map(|k| units.get(k).cloned())
            .map(OrgUnit)
            .collect();
        out.sort_by(|a, b| a.0.code.cmp(&b.0.code));
        Ok(out)
    }
}
