//! Milestones (of campaigns and programmes) and manual target values.

use async_graphql::{Context, ID, InputObject, Object};
use thidua_domain::id::of;
use thidua_domain::text::{LongText, Title};
use thidua_domain::{FieldError, UserErrorCode};
use thidua_persistence::milestones::{self, Owner};
use thidua_persistence::programme;

use super::{begin, finish, input_id, payload};
use crate::context::actor;
use crate::error::Failure;
use crate::types::enums::MilestoneKind;
use crate::types::milestone::Milestone;
use crate::types::programme::Target;

#[derive(Default)]
pub struct ProgrammeMutation;

#[derive(InputObject)]
pub struct AddMilestoneInput {
    /// Give exactly one of `campaignId` and `programmeId`.
    pub campaign_id: Option<ID>,
    pub programme_id: Option<ID>,
    pub kind: MilestoneKind,
    pub title: String,
    pub due_date: crate::scalars::Date,
}

#[derive(InputObject)]
pub struct CompleteMilestoneInput {
    pub id: ID,
    pub note: Option<String>,
}

#[derive(InputObject)]
pub struct RecordTargetValueInput {
    pub target_id: ID,
    pub value: crate::scalars::Dec,
    /// The date the value describes; not in the future.
    pub as_of: crate::scalars::Date,
    /// Where the value comes from (report, decision, survey…). Required.
    pub source_note: String,
}

payload!(MilestonePayload, milestone: Milestone);
payload!(TargetPayload, target: Target);

#[Object]
impl ProgrammeMutation {
    async fn add_milestone(
        &self,
        ctx: &Context<'_>,
        input: AddMilestoneInput,
    ) -> async_graphql::Result<MilestonePayload> {
        let a = actor(ctx)?;
        let res = async {
            let owner = match (&input.campaign_id, &input.programme_id) {
                (Some(c), None) => Owner::Campaign(input_id::<of::Campaign>(c, "campaignId")?),
                (None, Some(p)) => Owner::Programme(input_id::<of::Programme>(p, "programmeId")?),
                _ => {
                    return Err(Failure::from(FieldError::new(
                        "campaignId",
                        UserErrorCode::Required,
                        thidua_domain::msg!("campaign-or-programme"),
                    )));
                }
            };
            let title = Title::parse(&input.title).map_err(|e| e.under("title"))?;
            let txn = begin(ctx).await?;
            let r =
                milestones::add(&txn, a, owner, input.kind.into(), title, input.due_date.0).await;
            finish(txn, r).await.map(Milestone)
        }
        .await;
        MilestonePayload::from_result(res)
    }

    async fn complete_milestone(
        &self,
        ctx: &Context<'_>,
        input: CompleteMilestoneInput,
    ) -> async_graphql::Result<MilestonePayload> {
        let a = actor(ctx)?;
        let res = async {
            let id = input_id::<of::Milestone>(&input.id, "id")?;
            let note =
                LongText::parse_optional(input.note.as_deref()).map_err(|e| e.under("note"))?;
            let txn = begin(ctx).await?;
            let r = milestones::complete(&txn, a, id, note).await;
            finish(txn, r).await.map(Milestone)
        }
        .await;
        MilestonePayload::from_result(res)
    }

    /// Enters the value of a MANUAL target with its source (programme administrators).
    async fn record_target_value(
        &self,
        ctx: &Context<'_>,
        input: RecordTargetValueInput,
    ) -> async_graphql::Result<TargetPayload> {
        let a = actor(ctx)?;
        let res = async {
            let id = input_id::<of::Target>(&input.target_id, "targetId")?;
            let txn = begin(ctx).await?;
            let r = async {
                programme::record_value(
                    &txn,
                    a,
                    id,
                    input.value.0,
                    input.as_of.0,
                    &input.source_note,
                )
                .await?;
                programme::targets_by_ids(&txn, &[id]).await
            }
            .await;
            let rows = finish(txn, r).await?;
            rows.into_iter()
                .next()
                .map(Target)
                .ok_or_else(|| Failure::Request(crate::error::not_found("target")))
        }
        .await;
        TargetPayload::from_result(res)
    }
}
