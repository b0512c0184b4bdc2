//! The award catalogue, council sessions, and the commendation workflow:
//! nominate → review → ballot (or reject) → confer → correct.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use thidua_domain::FieldError;
use thidua_domain::award::{Prerequisite, Threshold};
use thidua_domain::commendation::{DecisionNumber, RawTally};
use thidua_domain::id::of;
use thidua_domain::text::{Code, LongText, Title};
use thidua_persistence::awards::{self, AwardTypeInput};
use thidua_persistence::commendations::{self, Correction, Decision, Nomination, Recipient};
use thidua_persistence::council::{self, NewMember};

use super::{begin, finish, input_id, payload, version};
use crate::context::actor;
use crate::error::Failure;
use crate::types::commendation::{AwardType, Commendation, CouncilSession};
use crate::types::enums::{AwardCategory, AwardLevel, CommendationKind, RecipientKind};

#[derive(Default)]
pub struct CommendationMutation;

#[derive(InputObject)]
pub struct AwardTypeFields {
    /// 2–40 characters: A–Z, digits, '-', '_', '.'.
    pub code: String,
    pub name: String,
    pub category: AwardCategory,
    pub level: AwardLevel,
    pub recipient_kind: RecipientKind,
    /// Yes votes needed as a percentage of all council members, above 0 and at most 100.
    pub approval_threshold: crate::scalars::Dec,
    pub conferring_authority: String,
    pub legal_basis: String,
    pub effective_from: crate::scalars::Date,
    pub effective_to: Option<crate::scalars::Date>,
    /// A title the recipient must already hold…
    pub prerequisite_award_type_id: Option<ID>,
    /// …in this many consecutive years (1–10); required with `prerequisiteAwardTypeId`.
    pub prerequisite_years: Option<i32>,
}

#[derive(InputObject)]
pub struct UpdateAwardTypeInput {
    pub id: ID,
    /// The version read; a stale one is a CONFLICT.
    pub version: i32,
    pub fields: AwardTypeFields,
}

#[derive(InputObject)]
pub struct CouncilMemberInput {
    pub name: String,
    pub position: Option<String>,
}

#[derive(InputObject)]
pub struct CreateCouncilSessionInput {
    pub title: String,
    pub held_on: crate::scalars::Date,
    /// Every member of the council, present or not: thresholds are shares of all of them.
    pub members: Vec<CouncilMemberInput>,
}

/// Exactly one of `unitId`, `exemplarId` or `person`.
#[derive(InputObject)]
pub struct RecipientInput {
    /// A unit (collective).
    pub unit_id: Option<ID>,
    /// An exemplary model (collective or individual, as the model is).
    pub exemplar_id: Option<ID>,
    pub person: Option<PersonInput>,
}

#[derive(InputObject)]
pub struct PersonInput {
    pub name: String,
    pub position: Option<String>,
    pub unit_id: ID,
}

#[derive(InputObject)]
pub struct NominateInput {
    pub award_type_id: ID,
    pub kind: CommendationKind,
    pub recipient: RecipientInput,
    /// The unit putting the nomination forward; the recipient must be in the caller's subtree.
    pub nominating_unit_id: ID,
    /// Required for PHONG_TRAO_THI_DUA (CAMPAIGN_REQUIRED otherwise).
    pub campaign_id: Option<ID>,
    /// An exemplary model the honour is linked to, when the recipient is not the model.
    pub exemplar_id: Option<ID>,
    /// For an individual: a direct (front-line) worker. Models carry their own flag.
    #[graphql(default)]
    pub is_direct_worker: bool,
    /// The year the achievement is for.
    pub award_year: i32,
    pub citation: Option<String>,
}

#[derive(InputObject)]
pub struct SubmitForReviewInput {
    pub id: ID,
    pub session_id: ID,
}

/// A secret ballot: counts only. yes + no + abstain = present + inWriting ≤ all members.
#[derive(InputObject)]
pub struct RecordBallotInput {
    pub id: ID,
    pub present: i32,
    /// Absent members who voted in writing.
    pub in_writing: i32,
    pub yes: i32,
    pub no: i32,
    pub abstain: i32,
    pub note: Option<String>,
}

#[derive(InputObject)]
pub struct RejectCommendationInput {
    pub id: ID,
    pub reason: String,
}

#[derive(InputObject)]
pub struct RevokeCommendationInput {
    pub id: ID,
    /// Why the honour is withdrawn (e.g. the dossier was falsified).
    pub reason: String,
}

#[derive(InputObject)]
pub struct ConferInput {
    pub id: ID,
    /// Unique per issuing authority (DUPLICATE_DECISION_NUMBER otherwise).
    pub decision_number: String,
    pub decision_date: crate::scalars::Date,
    /// Defaults to the award type's conferring authority.
    pub issuing_authority: Option<String>,
}

/// Fields left out stay as they are.
#[derive(InputObject)]
pub struct CorrectCommendationInput {
    pub id: ID,
    /// Why the conferred record is changed; kept with the correction.
    pub reason: String,
    pub decision_number: Option<String>,
    pub decision_date: Option<crate::scalars::Date>,
    pub issuing_authority: Option<String>,
    pub person_name: Option<String>,
    pub person_position: Option<String>,
    pub is_direct_worker: Option<bool>,
    pub citation: Option<String>,
}

payload!(AwardTypePayload, award_type: AwardType);
payload!(CouncilSessionPayload, session: CouncilSession);
payload!(CommendationPayload, commendation: Commendation);

#[derive(SimpleObject)]
pub struct SnapshotPayload {
    /// How many targets were snapshotted.
    pub taken: i32,
    pub taken_on: chrono::NaiveDate,
}

fn title(raw: &str, field: &str) -> Result<Title, FieldError> {
    Title::parse(raw).map_err(|e| e.under(field))
}

fn optional_title(raw: Option<&str>, field: &str) -> Result<Option<Title>, FieldError> {
    raw.filter(|s| !s.trim().is_empty())
        .map(|s| title(s, field))
        .transpose()
}

/// Parses every field, reporting all problems at once.
fn award_fields(f: AwardTypeFields) -> Result<AwardTypeInput, Failure> {
    let code = Code::parse(&f.code).map_err(|e| e.under("code"));
    let name = title(&f.name, "name");
    let threshold =
        Threshold::parse(f.approval_threshold.0).map_err(|e| e.under("approvalThreshold"));
    let authority = title(&f.conferring_authority, "conferringAuthority");
    let basis = title(&f.legal_basis, "legalBasis");
    let prerequisite = match (&f.prerequisite_award_type_id, f.prerequisite_years) {
        (None, None) => Ok(None),
        (Some(id), Some(years)) => {
            let id = input_id::<of::AwardType>(id, "prerequisiteAwardTypeId")?;
            Prerequisite::parse(years)
                .map(|p| Some((id, p)))
                .map_err(|e| e.under("prerequisiteYears"))
        }
        (Some(_), None) => Err(FieldError::new(
            "prerequisiteYears",
            thidua_domain::UserErrorCode::Required,
            thidua_domain::msg!("prerequisite-years-required"),
        )),
        (None, Some(_)) => Err(FieldError::new(
            "prerequisiteAwardTypeId",
            thidua_domain::UserErrorCode::Required,
            thidua_domain::msg!("prerequisite-award-required"),
        )),
    };
    match (code, name, threshold, authority, basis, prerequisite) {
        (Ok(code), Ok(name), Ok(threshold), Ok(authority), Ok(basis), Ok(prerequisite)) => {
            Ok(AwardTypeInput {
                code,
                name,
                category: f.category.into(),
                level: f.level.into(),
                recipient_kind: f.recipient_kind.into(),
                threshold,
                conferring_authority: authority,
                legal_basis: basis,
                effective_from: f.effective_from.0,
                effective_to: f.effective_to.map(Into::into),
                prerequisite,
            })
        }
        (code, name, threshold, authority, basis, prerequisite) => {
            let errors: Vec<FieldError> = [
                code.err(),
                name.err(),
                threshold.err(),
                authority.err(),
                basis.err(),
                prerequisite.err(),
            ]
            .into_iter()
            .flatten()
            .collect();
            Err(errors.into())
        }
    }
}

fn recipient(r: RecipientInput) -> Result<Recipient, Failure> {
    match (r.unit_id, r.exemplar_id, r.person) {
        (Some(u), None, None) => Ok(Recipient::Unit(input_id::<of::OrgUnit>(
            &u,
            "recipient.unitId",
        )?)),
        (None, Some(e), None) => Ok(Recipient::Exemplar(input_id::<of::Exemplar>(
            &e,
            "recipient.exemplarId",
        )?)),
        (None, None, Some(p)) => Ok(Recipient::Person {
            name: title(&p.name, "recipient.person.name")?,
            position: optional_title(p.position.as_deref(), "recipient.person.position")?,
            unit_id: input_id::<of::OrgUnit>(&p.unit_id, "recipient.person.unitId")?,
        }),
        _ => Err(FieldError::new(
            "recipient",
            thidua_domain::UserErrorCode::InvalidFormat,
            thidua_domain::msg!("recipient-exactly-one"),
        )
        .into()),
    }
}

#[Object]
impl CommendationMutation {
    /// Adds a catalogue row (administrators).
    async fn create_award_type(
        &self,
        ctx: &Context<'_>,
        input: AwardTypeFields,
    ) -> async_graphql::Result<AwardTypePayload> {
        let a = actor(ctx)?;
        let res = async {
            let fields = award_fields(input)?;
            let txn = begin(ctx).await?;
            let r = awards::create(&txn, a, fields).await;
            finish(txn, r).await.map(AwardType)
        }
        .await;
        AwardTypePayload::from_result(res)
    }

    /// Edits a catalogue row, e.g. when a decree changes a threshold (administrators).
    /// Nominations already decided keep the outcome their ballot had.
    async fn update_award_type(
        &self,
        ctx: &Context<'_>,
        input: UpdateAwardTypeInput,
    ) -> async_graphql::Result<AwardTypePayload> {
        let a = actor(ctx)?;
        let res = async {
            let id = input_id::<of::AwardType>(&input.id, "id")?;
            let fields = award_fields(input.fields).map_err(|f| match f {
                Failure::User(errs) => Failure::User(
                    errs.into_iter()
                        .map(|mut e| {
                            e.field = e.field.map(|f| format!("fields.{f}"));
                            e
                        })
                        .collect(),
                ),
                other => other,
            })?;
            let checked_version = version(input.version)?;
            let txn = begin(ctx).await?;
            let r = awards::update(&txn, a, id, checked_version, fields).await;
            finish(txn, r).await.map(AwardType)
        }
        .await;
        AwardTypePayload::from_result(res)
    }

    /// Records a council session and all its members (council members or administrators).
    async fn create_council_session(
        &self,
        ctx: &Context<'_>,
        input: CreateCouncilSessionInput,
    ) -> async_graphql::Result<CouncilSessionPayload> {
        let a = actor(ctx)?;
        let res = async {
            let t = title(&input.title, "title");
            let mut members = Vec::with_capacity(input.members.len().min(council::MAX_MEMBERS + 1));
            let mut errors: Vec<FieldError> = t.as_ref().err().cloned().into_iter().collect();
            for (i, m) in input
                .members
                .iter()
                .enumerate()
                .take(council::MAX_MEMBERS + 1)
            {
                let prefix = format!("members.{i}");
                match (
                    title(&m.name, &format!("{prefix}.name")),
                    optional_title(m.position.as_deref(), &format!("{prefix}.position")),
                ) {
                    (Ok(name), Ok(position)) => members.push(NewMember { name, position }),
                    (n, p) => errors.extend([n.err(), p.err()].into_iter().flatten()),
                }
            }
            let t = match t {
                Ok(t) if errors.is_empty() => t,
                _ => return Err(errors.into()),
            };
            let txn = begin(ctx).await?;
            let r = council::create_session(&txn, a, t, input.held_on.0, members).await;
            finish(txn, r).await.map(CouncilSession)
        }
        .await;
        CouncilSessionPayload::from_result(res)
    }

    /// Puts someone or something forward for an award (managers, within their subtree).
    /// The recipient kind must match the award (RECIPIENT_KIND_MISMATCH).
    async fn nominate_commendation(
        &self,
        ctx: &Context<'_>,
        input: NominateInput,
    ) -> async_graphql::Result<CommendationPayload> {
        let a = actor(ctx)?;
        let res = async {
            let award = input_id::<of::AwardType>(&input.award_type_id, "awardTypeId")?;
            let nominating =
                input_id::<of::OrgUnit>(&input.nominating_unit_id, "nominatingUnitId")?;
            let campaign = input
                .campaign_id
                .as_ref()
                .map(|c| input_id::<of::Campaign>(c, "campaignId"))
                .transpose()?;
            let exemplar = input
                .exemplar_id
                .as_ref()
                .map(|e| input_id::<of::Exemplar>(e, "exemplarId"))
                .transpose()?;
            let citation = LongText::parse_optional(input.citation.as_deref())
                .map_err(|e| e.under("citation"))?;
            let who = recipient(input.recipient)?;
            let txn = begin(ctx).await?;
            let r = commendations::nominate(
                &txn,
                a,
                Nomination {
                    award_type_id: award,
                    kind: input.kind.into(),
                    recipient: who,
                    nominating_unit_id: nominating,
                    campaign_id: campaign,
                    exemplar_id: exemplar,
                    is_direct_worker: input.is_direct_worker,
                    award_year: input.award_year,
                    citation,
                },
            )
            .await;
            finish(txn, r).await.map(Commendation)
        }
        .await;
        CommendationPayload::from_result(res)
    }

    /// Puts a nomination before a council session (council members).
    async fn submit_commendation_for_review(
        &self,
        ctx: &Context<'_>,
        input: SubmitForReviewInput,
    ) -> async_graphql::Result<CommendationPayload> {
        let a = actor(ctx)?;
        let res = async {
            let id = input_id::<of::Commendation>(&input.id, "id")?;
            let session = input_id::<of::CouncilSession>(&input.session_id, "sessionId")?;
            let txn = begin(ctx).await?;
            let r = commendations::submit_for_review(&txn, a, id, session).await;
            finish(txn, r).await.map(Commendation)
        }
        .await;
        CommendationPayload::from_result(res)
    }

    /// Records the secret ballot's counts (council members). The award's threshold, a share
    /// of all the session's members, decides APPROVED or REJECTED.
    async fn record_council_ballot(
        &self,
        ctx: &Context<'_>,
        input: RecordBallotInput,
    ) -> async_graphql::Result<CommendationPayload> {
        let a = actor(ctx)?;
        let res = async {
            let id = input_id::<of::Commendation>(&input.id, "id")?;
            let note =
                LongText::parse_optional(input.note.as_deref()).map_err(|e| e.under("note"))?;
            let txn = begin(ctx).await?;
            let r = commendations::record_ballot(
                &txn,
                a,
                id,
                RawTally {
                    present: input.present,
                    in_writing: input.in_writing,
                    yes: input.yes,
                    no: input.no,
                    abstain: input.abstain,
                },
                note,
            )
            .await;
            finish(txn, r).await.map(Commendation)
        }
        .await;
        CommendationPayload::from_result(res)
    }

    /// Turns a nomination down with a reason, without a ballot (council members).
    async fn reject_commendation(
        &self,
        ctx: &Context<'_>,
        input: RejectCommendationInput,
    ) -> async_graphql::Result<CommendationPayload> {
        let a = actor(ctx)?;
        let res = async {
            let id = input_id::<of::Commendation>(&input.id, "id")?;
            let txn = begin(ctx).await?;
            let r = commendations::reject(&txn, a, id, &input.reason).await;
            finish(txn, r).await.map(Commendation)
        }
        .await;
        CommendationPayload::from_result(res)
    }

    /// Confers an approved commendation by its decision (administrators). Locks the record.
    async fn confer_commendation(
        &self,
        ctx: &Context<'_>,
        input: ConferInput,
    ) -> async_graphql::Result<CommendationPayload> {
        let a = actor(ctx)?;
        let res = async {
            let id = input_id::<of::Commendation>(&input.id, "id")?;
            let number = DecisionNumber::parse(&input.decision_number)
                .map_err(|e| e.under("decisionNumber"))?;
            let authority = optional_title(input.issuing_authority.as_deref(), "issuingAuthority")?;
            let txn = begin(ctx).await?;
            let r = commendations::confer(
                &txn,
                a,
                id,
                Decision {
                    number,
                    date: input.decision_date.0,
                    authority,
                },
            )
            .await;
            finish(txn, r).await.map(Commendation)
        }
        .await;
        CommendationPayload::from_result(res)
    }

    /// Corrects a conferred record (administrators); the change and its reason are kept.
    async fn correct_commendation(
        &self,
        ctx: &Context<'_>,
        input: CorrectCommendationInput,
    ) -> async_graphql::Result<CommendationPayload> {
        let a = actor(ctx)?;
        let res = async {
            let id = input_id::<of::Commendation>(&input.id, "id")?;
            let fix = Correction {
                decision_number: input
                    .decision_number
                    .as_deref()
                    .filter(|n| !n.trim().is_empty())
                    .map(DecisionNumber::parse)
                    .transpose()
                    .map_err(|e| e.under("decisionNumber"))?,
                decision_date: input.decision_date.map(Into::into),
                issuing_authority: optional_title(
                    input.issuing_authority.as_deref(),
                    "issuingAuthority",
                )?,
                person_name: optional_title(input.person_name.as_deref(), "personName")?,
                person_position: optional_title(
                    input.person_position.as_deref(),
                    "personPosition",
                )?,
                is_direct_worker: input.is_direct_worker,
                citation: LongText::parse_optional(input.citation.as_deref())
                    .map_err(|e| e.under("citation"))?,
            };
            let txn = begin(ctx).await?;
            let r = commendations::correct(&txn, a, id, &input.reason, fix).await;
            finish(txn, r).await.map(Commendation)
        }
        .await;
        CommendationPayload::from_result(res)
    }

    /// Revokes a conferred honour (thu hồi) with its reason (administrators). It stays on
    /// record, with the reason in `corrections`, but counts for nothing any more.
    async fn revoke_commendation(
        &self,
        ctx: &Context<'_>,
        input: RevokeCommendationInput,
    ) -> async_graphql::Result<CommendationPayload> {
        let a = actor(ctx)?;
        let res = async {
            let id = input_id::<of::Commendation>(&input.id, "id")?;
            let txn = begin(ctx).await?;
            let r = commendations::revoke(&txn, a, id, &input.reason).await;
            finish(txn, r).await.map(Commendation)
        }
        .await;
        CommendationPayload::from_result(res)
    }

    /// Stores today's value of every target for the history line (administrators). The
    /// server also does this on its own every day.
    async fn take_target_snapshots(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<SnapshotPayload> {
        let a = actor(ctx)?;
        let today = chrono::Utc::now().date_naive();
        let txn = begin(ctx).await.map_err(Failure::into_error)?;
        let r = thidua_persistence::snapshots::take_for(&txn, a, today, &|m| {
            // Stored notes are the record: in Vietnamese, whoever reads them later.
            crate::i18n::render(crate::i18n::Locale::Vi, m)
        })
        .await;
        let n = finish(txn, r).await.map_err(Failure::into_error)?;
        Ok(SnapshotPayload {
            taken: i32::try_from(n).unwrap_or(i32::MAX),
            taken_on: today,
        })
    }
}
