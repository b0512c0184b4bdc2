//! Clusters and blocs (province-wide administrators).

use async_graphql::{Context, ID, InputObject, Object};
use thidua_domain::id::of;
use thidua_domain::text::{Code, Title};
use thidua_persistence::clusters;

use super::{begin, finish, input_id, payload};
use crate::context::actor;
use crate::types::cluster::Cluster;
use crate::types::enums::ClusterKind;

#[derive(Default)]
pub struct ClusterMutation;

#[derive(InputObject)]
pub struct CreateClusterInput {
    pub code: String,
    pub name: String,
    pub kind: ClusterKind,
}

#[derive(InputObject)]
pub struct SetClusterMembersInput {
    pub id: ID,
    /// The complete new member list.
    pub unit_ids: Vec<ID>,
}

payload!(ClusterPayload, cluster: Cluster);

#[Object]
impl ClusterMutation {
    async fn create_cluster(
        &self,
        ctx: &Context<'_>,
        input: CreateClusterInput,
    ) -> async_graphql::Result<ClusterPayload> {
        let a = actor(ctx)?;
        let res = async {
            let code = Code::parse(&input.code).map_err(|e| e.under("code"))?;
            let name = Title::parse(&input.name).map_err(|e| e.under("name"))?;
            let kind: thidua_domain::org_unit::ClusterKind = input.kind.into();
            let txn = begin(ctx).await?;
            let r = clusters::create(&txn, a, code, name, kind).await;
            finish(txn, r).await.map(Cluster)
        }
        .await;
        ClusterPayload::from_result(res)
    }

    async fn set_cluster_members(
        &self,
        ctx: &Context<'_>,
        input: SetClusterMembersInput,
    ) -> async_graphql::Result<ClusterPayload> {
        let a = actor(ctx)?;
        let res = async {
            let id = input_id::<of::Cluster>(&input.id, "id")?;
            let units = input
                .unit_ids
                .iter()
                .enumerate()
                .map(|(i, u)| input_id::<of::OrgUnit>(u, &format!("unitIds.{i}")))
                .collect::<Result<Vec<_>, _>>()?;
            let txn = begin(ctx).await?;
            let r = clusters::set_members(&txn, a, id, &units).await;
            finish(txn, r).await.map(Cluster)
        }
        .await;
        ClusterPayload::from_result(res)
    }
}
