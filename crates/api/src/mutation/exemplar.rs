//! Exemplary models: record, advance (or step back) and replicate.

use async_graphql::{Context, ID, InputObject, Object};
use thidua_domain::id::of;
use thidua_domain::text::{LongText, Title};
use thidua_persistence::exemplars::{self, NewExemplar};

use super::{begin, finish, input_id, payload};
use crate::context::actor;
use crate::types::enums::{ExemplarKind, ExemplarStage};
use crate::types::exemplar::Exemplar;

#[derive(Default)]
pub struct ExemplarMutation;

#[derive(InputObject)]
pub struct CreateExemplarInput {
    pub name: String,
    pub kind: ExemplarKind,
    pub home_unit_id: ID,
    pub field_id: Option<ID>,
    pub campaign_id: Option<ID>,
    pub description: Option<String>,
    /// For an individual: a direct (front-line) worker.
    #[graphql(default)]
    pub is_direct_worker: bool,
    /// When the model was identified.
    pub identified_on: crate::scalars::Date,
}

#[derive(InputObject)]
pub struct ChangeExemplarStageInput {
    pub id: ID,
    /// The next stage, or an earlier one with a `reason`.
    pub stage: ExemplarStage,
    pub on_date: crate::scalars::Date,
    pub reason: Option<String>,
}

#[derive(InputObject)]
pub struct ReplicateExemplarInput {
    pub id: ID,
    /// The unit taking the model up (not its home unit).
    pub unit_id: ID,
    pub on_date: crate::scalars::Date,
    pub note: Option<String>,
}

payload!(ExemplarPayload, exemplar: Exemplar);

#[Object]
impl ExemplarMutation {
    /// Records a model at stage IDENTIFIED (managers of its home unit or above).
    async fn create_exemplar(
        &self,
        ctx: &Context<'_>,
        input: CreateExemplarInput,
    ) -> async_graphql::Result<ExemplarPayload> {
        let a = actor(ctx)?;
        let res = async {
            let name = Title::parse(&input.name).map_err(|e| e.under("name"))?;
            let description = LongText::parse_optional(input.description.as_deref())
                .map_err(|e| e.under("description"))?;
            let home = input_id::<of::OrgUnit>(&input.home_unit_id, "homeUnitId")?;
            let field = input
                .field_id
                .as_ref()
                .map(|f| input_id::<of::Field>(f, "fieldId"))
                .transpose()?;
            let campaign = input
                .campaign_id
                .as_ref()
                .map(|c| input_id::<of::Campaign>(c, "campaignId"))
                .transpose()?;
            let txn = begin(ctx).await?;
            let r = exemplars::create(
                &txn,
                a,
                NewExemplar {
                    name,
                    kind: input.kind.into(),
                    home_unit_id: home,
                    field_id: field,
                    campaign_id: campaign,
                    description,
                    is_direct_worker: input.is_direct_worker,
                    identified_on: input.identified_on.0,
                },
            )
            .await;
            finish(txn, r).await.map(Exemplar)
        }
        .await;
        ExemplarPayload::from_result(res)
    }

    /// Moves a model one stage forward (STAGE_SKIPPED if it would skip one), or back with a reason.
    async fn change_exemplar_stage(
        &self,
        ctx: &Context<'_>,
        input: ChangeExemplarStageInput,
    ) -> async_graphql::Result<ExemplarPayload> {
        let a = actor(ctx)?;
        let res = async {
            let id = input_id::<of::Exemplar>(&input.id, "id")?;
            let reason =
                LongText::parse_optional(input.reason.as_deref()).map_err(|e| e.under("reason"))?;
            let txn = begin(ctx).await?;
            let r = exemplars::change_stage(
                &txn,
                a,
                id,
                input.stage.into(),
                input.on_date.0,
                reason.map(LongText::into_inner),
            )
            .await;
            finish(txn, r).await.map(Exemplar)
        }
        .await;
        ExemplarPayload::from_result(res)
    }

    /// Records that another unit took the model up (SELF_REPLICATION for its own unit).
    async fn replicate_exemplar(
        &self,
        ctx: &Context<'_>,
        input: ReplicateExemplarInput,
    ) -> async_graphql::Result<ExemplarPayload> {
        let a = actor(ctx)?;
        let res = async {
            let id = input_id::<of::Exemplar>(&input.id, "id")?;
            let unit = input_id::<of::OrgUnit>(&input.unit_id, "unitId")?;
            let note =
                LongText::parse_optional(input.note.as_deref()).map_err(|e| e.under("note"))?;
            let txn = begin(ctx).await?;
            let r = async {
                exemplars::replicate(
                    &txn,
                    a,
                    id,
                    unit,
                    input.on_date.0,
                    note.map(LongText::into_inner),
                )
                .await?;
                exemplars::by_ids(&txn, &[id]).await
            }
            .await;
            let rows = finish(txn, r).await?;
            rows.into_iter()
                .next()
                .map(Exemplar)
                .ok_or_else(|| crate::error::Failure::Request(crate::error::not_found("exemplar")))
        }
        .await;
        ExemplarPayload::from_result(res)
    }
}
