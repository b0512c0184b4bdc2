//! Org-unit tree changes (administrators of the subtree).

use async_graphql::{Context, ID, InputObject, Object};
use thidua_domain::id::of;
use thidua_domain::text::{Code, Title};
use thidua_persistence::org_units::{self, NewUnit};

use super::{begin, finish, input_id, payload};
use crate::context::actor;
use crate::types::enums::OrgUnitKind;
use crate::types::org_unit::OrgUnit;

#[derive(Default)]
pub struct OrgUnitMutation;

#[derive(InputObject)]
pub struct CreateOrgUnitInput {
    pub code: String,
    pub name: String,
    pub kind: OrgUnitKind,
    /// Required in practice: the province is one tree under its seeded root, so a unit
    /// without a parent is refused with `SECOND_ROOT`.
    pub parent_id: Option<ID>,
}

#[derive(InputObject)]
pub struct UpdateOrgUnitInput {
    pub id: ID,
    pub name: Option<String>,
    pub kind: Option<OrgUnitKind>,
}

#[derive(InputObject)]
pub struct MoveOrgUnitInput {
    pub id: ID,
    pub parent_id: ID,
}

#[derive(InputObject)]
pub struct DeactivateOrgUnitInput {
    pub id: ID,
}

/// A reorganisation: `id` is continued by `successorId` from `on`.
#[derive(InputObject)]
pub struct RecordUnitSuccessionInput {
    pub id: ID,
    pub successor_id: ID,
    pub on: crate::scalars::Date,
}

payload!(OrgUnitPayload, org_unit: OrgUnit);

#[Object]
impl OrgUnitMutation {
    async fn create_org_unit(
        &self,
        ctx: &Context<'_>,
        input: CreateOrgUnitInput,
    ) -> async_graphql::Result<OrgUnitPayload> {
        let a = actor(ctx)?;
        let res = async {
            let code = Code::parse(&input.code).map_err(|e| e.under("code"));
            let name = Title::parse(&input.name).map_err(|e| e.under("name"));
            let parent_id = input
                .parent_id
                .as_ref()
                .map(|p| input_id::<of::OrgUnit>(p, "parentId"))
                .transpose()?;
            let (code, name) = match (code, name) {
                (Ok(c), Ok(n)) => (c, n),
                (c, n) => {
                    return Err(vec![c.err(), n.err()]
                        .into_iter()
                        .flatten()
                        .collect::<Vec<_>>()
                        .into());
                }
            };
            let txn = begin(ctx).await?;
            let r = org_units::create(
                &txn,
                a,
                NewUnit {
                    code,
                    name,
                    kind: input.kind.into(),
                    parent_id,
                },
            )
            .await;
            finish(txn, r).await.map(OrgUnit)
        }
        .await;
        OrgUnitPayload::from_result(res)
    }

    async fn update_org_unit(
        &self,
        ctx: &Context<'_>,
        input: UpdateOrgUnitInput,
    ) -> async_graphql::Result<OrgUnitPayload> {
        let a = actor(ctx)?;
        let res = async {
            let id = input_id::<of::OrgUnit>(&input.id, "id")?;
            let name = input
                .name
                .as_deref()
                .map(Title::parse)
                .transpose()
                .map_err(|e| e.under("name"))?;
            let txn = begin(ctx).await?;
            let r = org_units::update(&txn, a, id, name, input.kind.map(Into::into)).await;
            finish(txn, r).await.map(OrgUnit)
        }
        .await;
        OrgUnitPayload::from_result(res)
    }

    /// Moves a unit with its whole subtree under another parent (e.g. after a merger).
    async fn move_org_unit(
        &self,
        ctx: &Context<'_>,
        input: MoveOrgUnitInput,
    ) -> async_graphql::Result<OrgUnitPayload> {
        let a = actor(ctx)?;
        let res = async {
            let id = input_id::<of::OrgUnit>(&input.id, "id")?;
            let parent = input_id::<of::OrgUnit>(&input.parent_id, "parentId")?;
            let txn = begin(ctx).await?;
            let r = org_units::move_to(&txn, a, id, parent).await;
            finish(txn, r).await.map(OrgUnit)
        }
        .await;
        OrgUnitPayload::from_result(res)
    }

    /// Deactivates a unit and its subtree; units with history are never deleted.
    async fn deactivate_org_unit(
        &self,
        ctx: &Context<'_>,
        input: DeactivateOrgUnitInput,
    ) -> async_graphql::Result<OrgUnitPayload> {
        let a = actor(ctx)?;
        let res = async {
            let id = input_id::<of::OrgUnit>(&input.id, "id")?;
            let txn = begin(ctx).await?;
            let r = org_units::deactivate(&txn, a, id).await;
            finish(txn, r).await.map(OrgUnit)
        }
        .await;
        OrgUnitPayload::from_result(res)
    }

    /// Records a reorganisation (the 2025 merger): the unit and its subtree become
    /// inactive (never deleted), its people move to the successor, and the successor's
    /// subtree queries include the old unit's honours. Administrators of both units.
    async fn record_unit_succession(
        &self,
        ctx: &Context<'_>,
        input: RecordUnitSuccessionInput,
    ) -> async_graphql::Result<OrgUnitPayload> {
        let a = actor(ctx)?;
        let res = async {
            let id = input_id::<of::OrgUnit>(&input.id, "id")?;
            let successor = input_id::<of::OrgUnit>(&input.successor_id, "successorId")?;
            thidua_domain::person::check_day("on", input.on.0, thidua_domain::calendar::today())?;
            let txn = begin(ctx).await?;
            let r = org_units::record_succession(&txn, a, id, successor, input.on.0).await;
            finish(txn, r).await.map(OrgUnit)
        }
        .await;
        OrgUnitPayload::from_result(res)
    }
}
