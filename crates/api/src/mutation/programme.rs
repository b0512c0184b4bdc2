//! Programmes and target definitions (administrators), milestones (of campaigns and
//! programmes) and manual target values.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object};
use chrono::Datelike;
use thidua_domain::id::of;
use thidua_domain::msg;
use thidua_domain::target_rules::{Goal, MAX_LISTED_UNITS, Period, TargetParameters};
use thidua_domain::text::{Code, LongText, Title};
use thidua_domain::{FieldError, UserErrorCode};
use thidua_persistence::milestones::{self, Owner};
use thidua_persistence::programme::{self, NewProgramme, TargetDefinition};

use super::{begin, finish, input_id, payload, version};
use crate::context::actor;
use crate::error::Failure;
use crate::types::enums::{AwardLevel, Comparator, MilestoneKind, OrgUnitKind, TargetKind};
use crate::types::milestone::Milestone;
use crate::types::programme::{Programme, Target};

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

/// A programme (đề án) as an administrator defines it.
#[derive(InputObject)]
pub struct CreateProgrammeInput {
    pub code: String,
    pub title: String,
    pub summary: Option<String>,
    /// The unit that owns it; the root of the tree when not given.
    pub owner_unit_id: Option<ID>,
    pub start_date: crate::scalars::Date,
    pub end_date: crate::scalars::Date,
}

/// What a target's definition counts; give only what its kind uses. Omitted: the kind's
/// defaults (target 2: DEPARTMENT, AGENCY, WARD, COMMUNE, SPECIAL_ZONE; target 3:
/// MINISTERIAL and CENTRAL).
#[derive(InputObject, Default)]
pub struct TargetParametersInput {
    /// EXEMPLAR_UNIT_SHARE: kinds of unit measured.
    #[graphql(default)]
    pub unit_kinds: Vec<OrgUnitKind>,
    /// EXEMPLAR_UNIT_SHARE: units measured whatever their kind (at most 500).
    #[graphql(default)]
    pub unit_ids: Vec<ID>,
    /// CENTRAL_HONOURED_EXEMPLARS: award levels whose conferrals count.
    #[graphql(default)]
    pub award_levels: Vec<AwardLevel>,
}

/// A target's definition (shared by `createTarget` and `updateTarget`).
#[derive(InputObject)]
pub struct TargetFields {
    pub code: String,
    /// In Vietnamese, the default language.
    pub title: String,
    /// In English (optional; English readers get `title` without it). On `updateTarget`,
    /// left out keeps the stored text and null or blank clears it, as for the other `…En`.
    pub title_en: MaybeUndefined<String>,
    /// The exact definition of the value, stated for readers of the figure, in Vietnamese.
    pub description: String,
    /// The same definition in English (optional).
    pub description_en: MaybeUndefined<String>,
    /// The programme's or the law's own words the target comes from.
    pub legal_text: Option<String>,
    /// A computation, or MANUAL (values entered with their source).
    pub kind: TargetKind,
    pub period_start: crate::scalars::Date,
    pub deadline: crate::scalars::Date,
    pub comparator: Comparator,
    /// The goal; 0–100 for the share computations.
    pub target_value: crate::scalars::Dec,
    /// The upper (stretch) bound of a RANGE goal.
    pub target_max: Option<crate::scalars::Dec>,
    /// What the value counts, e.g. "%" or "điển hình".
    pub unit_label: String,
    /// The same in English, e.g. "models" (optional).
    pub unit_label_en: MaybeUndefined<String>,
    /// Default 0.
    pub baseline: Option<crate::scalars::Dec>,
    /// Default: the start of the period.
    pub baseline_date: Option<crate::scalars::Date>,
    pub parameters: Option<TargetParametersInput>,
}

#[derive(InputObject)]
pub struct CreateTargetInput {
    pub programme_id: ID,
    #[graphql(flatten)]
    pub fields: TargetFields,
}

#[derive(InputObject)]
pub struct UpdateTargetInput {
    pub id: ID,
    /// The version read; a stale one is a CONFLICT.
    pub version: i32,
    #[graphql(flatten)]
    pub fields: TargetFields,
}

payload!(MilestonePayload, milestone: Milestone);
payload!(TargetPayload, target: Target);
payload!(ProgrammePayload, programme: Programme);

/// Longest unit label (the column's width).
const MAX_UNIT_LABEL: usize = 40;

/// A unit label: required, at most [`MAX_UNIT_LABEL`] characters.
fn parse_unit_label(raw: &str, field: &str) -> Result<String, Failure> {
    if raw.len() > MAX_UNIT_LABEL * 4 + 64 {
        return Err(FieldError::new(
            field,
            UserErrorCode::TooLong,
            msg!("programme-most-characters", max = MAX_UNIT_LABEL),
        )
        .into());
    }
    let label = thidua_domain::text::clean(raw).map_err(|e| e.under(field))?;
    if label.is_empty() {
        return Err(FieldError::new(
            field,
            UserErrorCode::Required,
            msg!("programme-say-what-value-counts"),
        )
        .into());
    }
    if label.chars().count() > MAX_UNIT_LABEL {
        return Err(FieldError::new(
            field,
            UserErrorCode::TooLong,
            msg!("programme-most-characters", max = MAX_UNIT_LABEL),
        )
        .into());
    }
    Ok(label)
}

/// An English text: left out, kept as stored; null or blank, cleared; else parsed.
fn english<T>(
    raw: MaybeUndefined<String>,
    parse: impl FnOnce(&str) -> Result<T, Failure>,
) -> Result<Option<Option<T>>, Failure> {
    match raw {
        MaybeUndefined::Undefined => Ok(None),
        MaybeUndefined::Null => Ok(Some(None)),
        MaybeUndefined::Value(v) if v.trim().is_empty() => Ok(Some(None)),
        MaybeUndefined::Value(v) => parse(&v).map(|t| Some(Some(t))),
    }
}

/// Parses a target's definition: every part bounded, checked against its kind.
fn definition(f: TargetFields) -> Result<TargetDefinition, Failure> {
    let kind: thidua_domain::target_rules::TargetKind = f.kind.into();
    let code = Code::parse(&f.code).map_err(|e| e.under("code"))?;
    let title = Title::parse(&f.title).map_err(|e| e.under("title"))?;
    let description =
        LongText::parse_required(&f.description, msg!("programme-state-what-value-counts"))
            .map_err(|e| e.under("description"))?;
    let legal_text =
        LongText::parse_optional(f.legal_text.as_deref()).map_err(|e| e.under("legalText"))?;
    let period = Period::parse(f.period_start.0, f.deadline.0)?;
    let goal = Goal::parse(
        kind,
        Goal {
            comparator: f.comparator.into(),
            value: f.target_value.0,
            max: f.target_max.map(|m| m.0),
            baseline: f.baseline.map_or(rust_decimal::Decimal::ZERO, |b| b.0),
        },
    )?;
    let unit_label = parse_unit_label(&f.unit_label, "unitLabel")?;
    let title_en = english(f.title_en, |t| {
        Title::parse(t).map_err(|e| e.under("titleEn").into())
    })?;
    let description_en = english(f.description_en, |t| {
        LongText::parse_required(t, msg!("required")).map_err(|e| e.under("descriptionEn").into())
    })?;
    let unit_label_en = english(f.unit_label_en, |l| parse_unit_label(l, "unitLabelEn"))?;
    let baseline_date = f.baseline_date.map_or(period.start, |d| d.0);
    if baseline_date > period.end || baseline_date.year() < 2000 {
        return Err(FieldError::new(
            "baselineDate",
            UserErrorCode::OutOfRange,
            msg!("programme-baseline-date-from-deadline"),
        )
        .into());
    }
    let parameters = match f.parameters {
        None => TargetParameters::defaults_for(kind),
        Some(p) => {
            if p.unit_ids.len() > MAX_LISTED_UNITS {
                return Err(FieldError::new(
                    "parameters.unitIds",
                    UserErrorCode::TooMany,
                    msg!("programme-most-units", max = MAX_LISTED_UNITS),
                )
                .into());
            }
            let unit_ids = p
                .unit_ids
                .iter()
                .map(|id| input_id::<of::OrgUnit>(id, "parameters.unitIds").map(|u| u.uuid()))
                .collect::<Result<Vec<_>, _>>()?;
            TargetParameters::parse(
                kind,
                TargetParameters {
                    unit_kinds: p.unit_kinds.into_iter().map(Into::into).collect(),
                    unit_ids,
                    award_levels: p.award_levels.into_iter().map(Into::into).collect(),
                },
            )?
        }
    };
    Ok(TargetDefinition {
        code,
        title,
        description,
        title_en,
        description_en,
        unit_label_en,
        legal_text,
        kind,
        period,
        goal,
        unit_label,
        baseline_date,
        parameters,
    })
}

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

    /// Adds a programme (administrators of the whole province; audited).
    async fn create_programme(
        &self,
        ctx: &Context<'_>,
        input: CreateProgrammeInput,
    ) -> async_graphql::Result<ProgrammePayload> {
        let a = actor(ctx)?;
        let res = async {
            let code = Code::parse(&input.code).map_err(|e| e.under("code"))?;
            let title = Title::parse(&input.title).map_err(|e| e.under("title"))?;
            let summary = LongText::parse_optional(input.summary.as_deref())
                .map_err(|e| e.under("summary"))?;
            let owner_unit = input
                .owner_unit_id
                .as_ref()
                .map(|u| input_id::<of::OrgUnit>(u, "ownerUnitId"))
                .transpose()?;
            let period = Period::parse(input.start_date.0, input.end_date.0).map_err(|mut e| {
                e.field = if e.field == "periodStart" {
                    "startDate"
                } else {
                    "endDate"
                }
                .into();
                e
            })?;
            let txn = begin(ctx).await?;
            let r = programme::create_programme(
                &txn,
                a,
                NewProgramme {
                    code,
                    title,
                    summary,
                    owner_unit,
                    period,
                },
            )
            .await;
            finish(txn, r).await.map(Programme)
        }
        .await;
        ProgrammePayload::from_result(res)
    }

    /// Adds a target to a programme (administrators of the whole province; audited). A
    /// MANUAL target takes its values from `recordTargetValue`.
    async fn create_target(
        &self,
        ctx: &Context<'_>,
        input: CreateTargetInput,
    ) -> async_graphql::Result<TargetPayload> {
        let a = actor(ctx)?;
        let res = async {
            let programme_id = input_id::<of::Programme>(&input.programme_id, "programmeId")?;
            let d = definition(input.fields)?;
            let txn = begin(ctx).await?;
            let r = programme::create_target(&txn, a, programme_id, d).await;
            finish(txn, r).await.map(Target)
        }
        .await;
        TargetPayload::from_result(res)
    }

    /// Replaces a target's definition (administrators of the whole province; audited;
    /// `version` must be the one read).
    async fn update_target(
        &self,
        ctx: &Context<'_>,
        input: UpdateTargetInput,
    ) -> async_graphql::Result<TargetPayload> {
        let a = actor(ctx)?;
        let res = async {
            let id = input_id::<of::Target>(&input.id, "id")?;
            let checked_version = version(input.version)?;
            let d = definition(input.fields)?;
            let txn = begin(ctx).await?;
            let r = programme::update_target(&txn, a, id, checked_version, d).await;
            finish(txn, r).await.map(Target)
        }
        .await;
        TargetPayload::from_result(res)
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
