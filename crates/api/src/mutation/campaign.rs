//! Campaign lifecycle, criteria and participation.

use async_graphql::{Context, ID, InputObject, Object};
use thidua_domain::FieldError;
use thidua_domain::campaign::{CampaignStatus, DateRange};
use thidua_domain::criterion::NewCriterion;
use thidua_domain::id::{FieldId, of};
use thidua_domain::text::{Code, LongText, Title};
use thidua_persistence::campaigns::{self, CampaignPatch, NewCampaign};
use thidua_persistence::participations;

use super::{begin, finish, input_id, payload, version};
use crate::context::actor;
use crate::error::Failure;
use crate::types::campaign::{Campaign, Criterion};
use crate::types::enums::{CampaignKind, Direction, Measure, PeriodAggregation};
use crate::types::participation::Participation;

#[derive(Default)]
pub struct CampaignMutation;

#[derive(InputObject, Clone)]
pub struct CriterionInput {
    pub title: String,
    pub measure: Measure,
    #[graphql(default_with = "Direction::HigherIsBetter")]
    pub direction: Direction,
    /// E.g. "%", "hộ", "km". Needed for the criterion to be concrete.
    pub unit_label: Option<String>,
    /// The value to reach. Needed for the criterion to be concrete; checked against the measure.
    pub target_value: Option<crate::scalars::Dec>,
    /// Relative weight, greater than 0 and at most 1000.
    pub weight: crate::scalars::Dec,
    /// How the unit's reports in a leaderboard's period combine. Default: SUM for COUNT,
    /// LATEST otherwise. PERCENT refuses SUM, YES_NO refuses SUM and AVERAGE
    /// (AGGREGATION_NOT_ALLOWED).
    pub period_aggregation: Option<PeriodAggregation>,
}

fn parse_criterion(c: &CriterionInput) -> Result<NewCriterion, Vec<FieldError>> {
    NewCriterion::parse_with(
        &c.title,
        c.measure.into(),
        c.direction.into(),
        c.unit_label.as_deref(),
        c.target_value.map(Into::into),
        c.weight.0,
        c.period_aggregation.map(Into::into),
    )
}

#[derive(InputObject)]
pub struct CreateCampaignInput {
    pub code: String,
    pub title: String,
    pub summary: Option<String>,
    pub kind: CampaignKind,
    /// The programme the campaign serves; target 1 counts the programme's campaigns.
    pub programme_id: Option<ID>,
    pub launching_unit_id: ID,
    pub start_date: crate::scalars::Date,
    pub end_date: crate::scalars::Date,
    #[graphql(default)]
    pub field_ids: Vec<ID>,
    #[graphql(default)]
    pub criteria: Vec<CriterionInput>,
}

#[derive(InputObject)]
pub struct UpdateCampaignInput {
    pub id: ID,
    /// The version you read; a stale one is refused with CONFLICT.
    pub version: i32,
    pub title: Option<String>,
    pub summary: Option<String>,
    pub kind: Option<CampaignKind>,
    pub start_date: Option<crate::scalars::Date>,
    pub end_date: Option<crate::scalars::Date>,
    /// Replaces the campaign's fields.
    pub field_ids: Option<Vec<ID>>,
}

#[derive(InputObject)]
pub struct AddCriterionInput {
    pub campaign_id: ID,
    /// The campaign version you read (optional; when given, a stale one is refused).
    pub version: Option<i32>,
    pub criterion: CriterionInput,
}

#[derive(InputObject)]
pub struct UpdateCriterionInput {
    pub id: ID,
    pub version: Option<i32>,
    pub criterion: CriterionInput,
}

#[derive(InputObject)]
pub struct RemoveCriterionInput {
    pub id: ID,
    pub version: Option<i32>,
}

#[derive(InputObject)]
pub struct CampaignTransitionInput {
    pub id: ID,
    pub version: Option<i32>,
    /// Why (kept in the audit trail); useful when cancelling.
    pub reason: Option<String>,
}

#[derive(InputObject)]
pub struct ParticipationInput {
    pub campaign_id: ID,
    pub unit_id: ID,
    /// The unit's pledge (giao ước thi đua), when registering.
    pub pledge: Option<String>,
}

payload!(CampaignPayload, campaign: Campaign);
payload!(CriterionPayload, criterion: Criterion);
payload!(ParticipationPayload, participation: Participation);

fn field_ids(ids: &[ID]) -> Result<Vec<FieldId>, Failure> {
    ids.iter()
        .enumerate()
        .map(|(i, id)| input_id(id, &format!("fieldIds.{i}")))
        .collect()
}

#[Object]
impl CampaignMutation {
    /// Creates a draft campaign, optionally with its criteria.
    async fn create_campaign(
        &self,
        ctx: &Context<'_>,
        input: CreateCampaignInput,
    ) -> async_graphql::Result<CampaignPayload> {
        let a = actor(ctx)?;
        let res = async {
            let mut errs: Vec<FieldError> = vec![];
            let code = Code::parse(&input.code)
                .map_err(|e| errs.push(e.under("code")))
                .ok();
            let title = Title::parse(&input.title)
                .map_err(|e| errs.push(e.under("title")))
                .ok();
            let summary = LongText::parse_optional(input.summary.as_deref())
                .map_err(|e| errs.push(e.under("summary")))
                .ok();
            let dates = DateRange::parse(input.start_date.0, input.end_date.0)
                .map_err(|e| errs.push(e))
                .ok();
            if input.criteria.len() > 100 {
                errs.push(FieldError::new(
                    "criteria",
                    thidua_domain::UserErrorCode::OutOfRange,
                    thidua_domain::msg!("campaign-too-many-criteria", max = 100),
                ));
            }
            let mut criteria = vec![];
            for (i, c) in input.criteria.iter().enumerate().take(100) {
                match parse_criterion(c) {
                    Ok(c) => criteria.push(c),
                    Err(es) => {
                        errs.extend(es.into_iter().map(|e| e.under(&format!("criteria.{i}"))))
                    }
                }
            }
            let unit = input_id::<of::OrgUnit>(&input.launching_unit_id, "launchingUnitId")?;
            let programme_id = input
                .programme_id
                .as_ref()
                .map(|p| input_id::<of::Programme>(p, "programmeId"))
                .transpose()?;
            let fields = field_ids(&input.field_ids)?;
            let (Some(code), Some(title), Some(summary), Some(dates), true) =
                (code, title, summary, dates, errs.is_empty())
            else {
                return Err(errs.into());
            };
            let txn = begin(ctx).await?;
            let r = campaigns::create(
                &txn,
                a,
                NewCampaign {
                    code,
                    title,
                    summary,
                    kind: input.kind.into(),
                    programme_id,
                    launching_unit_id: unit,
                    dates,
                    field_ids: fields,
                    criteria,
                },
            )
            .await;
            finish(txn, r).await.map(Campaign)
        }
        .await;
        CampaignPayload::from_result(res)
    }

    /// Edits a draft campaign. `version` must be the one you read.
    async fn update_campaign(
        &self,
        ctx: &Context<'_>,
        input: UpdateCampaignInput,
    ) -> async_graphql::Result<CampaignPayload> {
        let a = actor(ctx)?;
        let res = async {
            let id = input_id::<of::Campaign>(&input.id, "id")?;
            let mut errs: Vec<FieldError> = vec![];
            let title = input
                .title
                .as_deref()
                .map(Title::parse)
                .transpose()
                .map_err(|e| errs.push(e.under("title")))
                .ok()
                .flatten();
            let summary = match input.summary.as_deref() {
                None => None,
                Some(s) => LongText::parse_optional(Some(s))
                    .map_err(|e| errs.push(e.under("summary")))
                    .ok(),
            };
            if !errs.is_empty() {
                return Err(errs.into());
            }
            let field_ids = input.field_ids.as_deref().map(field_ids).transpose()?;
            let patch = CampaignPatch {
                title,
                summary,
                kind: input.kind.map(Into::into),
                start_date: input.start_date.map(Into::into),
                end_date: input.end_date.map(Into::into),
                field_ids,
            };
            let checked_version = version(input.version)?;
            let txn = begin(ctx).await?;
            let r = campaigns::update(&txn, a, id, checked_version, patch).await;
            finish(txn, r).await.map(Campaign)
        }
        .await;
        CampaignPayload::from_result(res)
    }

    /// Adds a criterion to a draft campaign.
    async fn add_criterion(
        &self,
        ctx: &Context<'_>,
        input: AddCriterionInput,
    ) -> async_graphql::Result<CriterionPayload> {
        let a = actor(ctx)?;
        let res = async {
            let id = input_id::<of::Campaign>(&input.campaign_id, "campaignId")?;
            let c = parse_criterion(&input.criterion).map_err(|es| {
                Failure::from(
                    es.into_iter()
                        .map(|e| e.under("criterion"))
                        .collect::<Vec<_>>(),
                )
            })?;
            let checked_version = version(input.version)?;
            let txn = begin(ctx).await?;
            let r = campaigns::add_criterion(&txn, a, id, checked_version, c).await;
            finish(txn, r).await.map(Criterion)
        }
        .await;
        CriterionPayload::from_result(res)
    }

    /// Replaces a criterion of a draft campaign.
    async fn update_criterion(
        &self,
        ctx: &Context<'_>,
        input: UpdateCriterionInput,
    ) -> async_graphql::Result<CriterionPayload> {
        let a = actor(ctx)?;
        let res = async {
            let id = input_id::<of::Criterion>(&input.id, "id")?;
            let c = parse_criterion(&input.criterion).map_err(|es| {
                Failure::from(
                    es.into_iter()
                        .map(|e| e.under("criterion"))
                        .collect::<Vec<_>>(),
                )
            })?;
            let checked_version = version(input.version)?;
            let txn = begin(ctx).await?;
            let r = campaigns::update_criterion(&txn, a, id, checked_version, c).await;
            finish(txn, r).await.map(Criterion)
        }
        .await;
        CriterionPayload::from_result(res)
    }

    /// Removes a criterion from a draft campaign; returns the campaign.
    async fn remove_criterion(
        &self,
        ctx: &Context<'_>,
        input: RemoveCriterionInput,
    ) -> async_graphql::Result<CampaignPayload> {
        let a = actor(ctx)?;
        let res = async {
            let id = input_id::<of::Criterion>(&input.id, "id")?;
            let checked_version = version(input.version)?;
            let txn = begin(ctx).await?;
            let r = campaigns::remove_criterion(&txn, a, id, checked_version).await;
            finish(txn, r).await.map(Campaign)
        }
        .await;
        CampaignPayload::from_result(res)
    }

    /// Launches a draft: needs start ≤ end and at least one concrete criterion
    /// (NO_CONCRETE_CRITERION otherwise). Criteria are frozen from then on.
    async fn launch_campaign(
        &self,
        ctx: &Context<'_>,
        input: CampaignTransitionInput,
    ) -> async_graphql::Result<CampaignPayload> {
        let a = actor(ctx)?;
        let res = async {
            let id = input_id::<of::Campaign>(&input.id, "id")?;
            let checked_version = version(input.version)?;
            let txn = begin(ctx).await?;
            let r = campaigns::launch(&txn, a, id, checked_version).await;
            finish(txn, r).await.map(Campaign)
        }
        .await;
        CampaignPayload::from_result(res)
    }

    /// Closes a launched campaign.
    async fn close_campaign(
        &self,
        ctx: &Context<'_>,
        input: CampaignTransitionInput,
    ) -> async_graphql::Result<CampaignPayload> {
        transition(ctx, input, CampaignStatus::Closed).await
    }

    /// Cancels a draft or launched campaign.
    async fn cancel_campaign(
        &self,
        ctx: &Context<'_>,
        input: CampaignTransitionInput,
    ) -> async_graphql::Result<CampaignPayload> {
        transition(ctx, input, CampaignStatus::Cancelled).await
    }

    /// Registers a unit for a launched campaign, with its pledge (unit managers).
    async fn register_participation(
        &self,
        ctx: &Context<'_>,
        input: ParticipationInput,
    ) -> async_graphql::Result<ParticipationPayload> {
        let a = actor(ctx)?;
        let res = async {
            let campaign = input_id::<of::Campaign>(&input.campaign_id, "campaignId")?;
            let unit = input_id::<of::OrgUnit>(&input.unit_id, "unitId")?;
            let pledge =
                LongText::parse_optional(input.pledge.as_deref()).map_err(|e| e.under("pledge"))?;
            let txn = begin(ctx).await?;
            let r = participations::register(&txn, a, campaign, unit, pledge).await;
            finish(txn, r).await.map(Participation)
        }
        .await;
        ParticipationPayload::from_result(res)
    }

    /// Withdraws a unit from a launched campaign.
    async fn withdraw_participation(
        &self,
        ctx: &Context<'_>,
        input: ParticipationInput,
    ) -> async_graphql::Result<ParticipationPayload> {
        let a = actor(ctx)?;
        let res = async {
            let campaign = input_id::<of::Campaign>(&input.campaign_id, "campaignId")?;
            let unit = input_id::<of::OrgUnit>(&input.unit_id, "unitId")?;
            let txn = begin(ctx).await?;
            let r = participations::withdraw(&txn, a, campaign, unit).await;
            finish(txn, r).await.map(Participation)
        }
        .await;
        ParticipationPayload::from_result(res)
    }
}

async fn transition(
    ctx: &Context<'_>,
    input: CampaignTransitionInput,
    to: CampaignStatus,
) -> async_graphql::Result<CampaignPayload> {
    let a = actor(ctx)?;
    let res = async {
        let id = input_id::<of::Campaign>(&input.id, "id")?;
        let reason =
            LongText::parse_optional(input.reason.as_deref()).map_err(|e| e.under("reason"))?;
        let checked_version = version(input.version)?;
        let txn = begin(ctx).await?;
        let r = campaigns::transition(
            &txn,
            a,
            id,
            checked_version,
            to,
            reason.map(LongText::into_inner),
        )
        .await;
        finish(txn, r).await.map(Campaign)
    }
    .await;
    CampaignPayload::from_result(res)
}
