//! The award catalogue, council sessions, and the commendation workflow:
//! nominate → review → ballot (or reject) → confer → correct; for an award decided above
//! the council's unit, ballot → propose upward → the higher authority confers or declines.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use thidua_domain::FieldError;
use thidua_domain::award::{CashCoefficient, LegalBasis, Prerequisite, Threshold};
use thidua_domain::commendation::{DecisionNumber, RawTally};
use thidua_domain::id::of;
use thidua_domain::msg;
use thidua_domain::text::{Code, LongText, Title};
use thidua_persistence::awards::{self, AwardTypeInput};
use thidua_persistence::commendations::{self, Correction, Decision, Nomination, Recipient};
use thidua_persistence::council::{self, NewMember};

use super::{begin, finish, input_id, payload, version};
use crate::context::actor;
use crate::error::Failure;
use crate::types::commendation::{AwardType, Commendation, CouncilSession, UnitAuthority};
use crate::types::enums::{
    AwardCategory, AwardLevel, CommendationKind, PrerequisiteKind, RecipientKind,
};

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
    /// The law, decree and article, 1–2000 characters.
    pub legal_basis: String,
    /// Cash reward as a multiple of the base salary (NĐ 98/2023/NĐ-CP Đ54), 0–100 with at
    /// most 2 decimals; null where none is stated.
    pub cash_coefficient: Option<crate::scalars::Dec>,
    /// Conferred by a central body (state, ministry, central organisation).
    #[graphql(default)]
    pub central_body: bool,
    /// Null: not in effect (nominations are refused with AWARD_NOT_IN_EFFECT).
    pub effective_from: Option<crate::scalars::Date>,
    pub effective_to: Option<crate::scalars::Date>,
    /// A title the recipient must already hold…
    pub prerequisite_award_type_id: Option<ID>,
    /// …N times (1–10): N consecutive years, or N consecutive conferrals, as
    /// `prerequisiteKind` says; required with `prerequisiteAwardTypeId`.
    pub prerequisite_years: Option<i32>,
    /// The authority level that decides the award. A new row defaults to `level`; an
    /// update without it keeps the row's.
    pub deciding_level: Option<AwardLevel>,
    /// The legal basis of the threshold (at most 300 characters); left out on an update,
    /// the row's stays.
    pub threshold_basis: Option<String>,
    /// The legal basis of the deciding authority (at most 300 characters); left out on an
    /// update, the row's stays.
    pub authority_basis: Option<String>,
    /// How N counts; CONSECUTIVE_YEARS if left out.
    pub prerequisite_kind: Option<PrerequisiteKind>,
    /// For CONSECUTIVE_CONFERRALS: the most years between one conferral and the next
    /// (1–10; 3 for CSTĐ cấp tỉnh). Refused for CONSECUTIVE_YEARS.
    pub prerequisite_max_gap_years: Option<i32>,
    /// Nominations must record a recognised initiative (sáng kiến) in `initiativeReference`.
    #[graphql(default)]
    pub requires_initiative: bool,
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
    /// The unit whose council this is (the root when left out): the session reviews
    /// nominations in its subtree, and the caller needs the council right on it.
    pub unit_id: Option<ID>,
    pub title: String,
    pub held_on: crate::scalars::Date,
    /// Every member of the council, present or not: thresholds are shares of all of them.
    pub members: Vec<CouncilMemberInput>,
}

/// A household (hộ gia đình), for a HOUSEHOLD award such as "Gia đình văn hóa": its
/// head and its unit. The same head in the same unit is the same household from year to
/// year; the same name in another unit is another household.
#[derive(InputObject)]
pub struct HouseholdInput {
    /// The head of the household (chủ hộ), 1–300 characters.
    pub head_name: String,
    pub unit_id: ID,
}

/// Exactly one of `unitId`, `exemplarId`, `personId`, `person` or `household`.
#[derive(InputObject)]
pub struct RecipientInput {
    /// A unit (collective).
    pub unit_id: Option<ID>,
    /// An exemplary model (collective or individual, as the model is).
    pub exemplar_id: Option<ID>,
    /// A person on record; their history and prerequisites are kept under this record.
    pub person_id: Option<ID>,
    /// A person recorded with the nomination (the same rules as `createPerson`; without a
    /// unit, a foreign recipient, for DOI_NGOAI only).
    pub person: Option<PersonInput>,
    /// With `personId`: the position held, if not the one on record.
    pub position: Option<String>,
    /// A household, for a HOUSEHOLD award (RECIPIENT_KIND_MISMATCH for any other award).
    pub household: Option<HouseholdInput>,
}

pub use super::person::PersonInput;

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
    /// The recognised initiative (sáng kiến) relied on, e.g. the decision recognising it;
    /// checked where the award requires one (`prerequisite.initiativeMet`).
    pub initiative_reference: Option<String>,
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

#[derive(InputObject)]
pub struct ProposeUpwardInput {
    pub id: ID,
    /// The day the dossier went to the higher authority.
    pub proposed_on: crate::scalars::Date,
}

#[derive(InputObject)]
pub struct DeclineUpwardInput {
    pub id: ID,
    /// Why the higher authority declined, as its answer says.
    pub reason: String,
}

/// An honour a ministry or central body conferred on its own initiative: the recipient as
/// in a nomination, and the decision.
#[derive(InputObject)]
pub struct RecordConferredHonourInput {
    pub award_type_id: ID,
    pub kind: CommendationKind,
    pub recipient: RecipientInput,
    /// The unit the record is filed under; the recipient must be in the caller's subtree.
    pub nominating_unit_id: ID,
    pub campaign_id: Option<ID>,
    pub exemplar_id: Option<ID>,
    #[graphql(default)]
    pub is_direct_worker: bool,
    pub award_year: i32,
    pub citation: Option<String>,
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

/// A row of the authority table, set whole.
#[derive(InputObject)]
pub struct UpdateUnitAuthorityInput {
    pub unit_kind: crate::types::enums::OrgUnitKind,
    /// The highest award level the head of such a unit decides; null: none (such a unit
    /// holds no council).
    pub highest_level: Option<AwardLevel>,
    /// The law, decree and article, 1–2000 characters.
    pub legal_basis: String,
    /// The version read; a stale one is a CONFLICT.
    pub version: i32,
}

payload!(AwardTypePayload, award_type: AwardType);
payload!(UnitAuthorityPayload, unit_authority: UnitAuthority);
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
    let threshold_basis = optional_title(f.threshold_basis.as_deref(), "thresholdBasis");
    let authority_basis = optional_title(f.authority_basis.as_deref(), "authorityBasis");
    let basis = LegalBasis::parse(&f.legal_basis).map_err(|e| e.under("legalBasis"));
    let cash = f
        .cash_coefficient
        .map(|c| CashCoefficient::parse(c.0))
        .transpose()
        .map_err(|e| e.under("cashCoefficient"));
    let prerequisite = match (&f.prerequisite_award_type_id, f.prerequisite_years) {
        (None, None) if f.prerequisite_max_gap_years.is_some() => Err(FieldError::new(
            "prerequisiteAwardTypeId",
            thidua_domain::UserErrorCode::Required,
            msg!("commendation-say-which-title-prerequisite"),
        )),
        (None, None) => Ok(None),
        (Some(id), Some(years)) => {
            let id = input_id::<of::AwardType>(id, "prerequisiteAwardTypeId")?;
            let kind = f.prerequisite_kind.map_or(
                thidua_domain::award::PrerequisiteKind::ConsecutiveYears,
                Into::into,
            );
            Prerequisite::parse_kind(kind, years, f.prerequisite_max_gap_years)
                .map(|p| Some((id, p)))
                .map_err(|e| {
                    if e.field == "maxGapYears" {
                        FieldError {
                            field: "prerequisiteMaxGapYears".into(),
                            ..e
                        }
                    } else {
                        e.under("prerequisiteYears")
                    }
                })
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
    match (
        code,
        name,
        threshold,
        authority,
        basis,
        cash,
        prerequisite,
        threshold_basis,
        authority_basis,
    ) {
        (
            Ok(code),
            Ok(name),
            Ok(threshold),
            Ok(authority),
            Ok(basis),
            Ok(cash),
            Ok(prerequisite),
            Ok(threshold_basis),
            Ok(authority_basis),
        ) => Ok(AwardTypeInput {
            code,
            name,
            category: f.category.into(),
            level: f.level.into(),
            recipient_kind: f.recipient_kind.into(),
            threshold,
            conferring_authority: authority,
            legal_basis: basis,
            cash_coefficient: cash,
            central_body: f.central_body,
            effective_from: f.effective_from.map(Into::into),
            effective_to: f.effective_to.map(Into::into),
            prerequisite,
            requires_initiative: f.requires_initiative,
            deciding_level: f.deciding_level.map(Into::into),
            threshold_basis,
            authority_basis,
        }),
        (
            code,
            name,
            threshold,
            authority,
            basis,
            cash,
            prerequisite,
            threshold_basis,
            authority_basis,
        ) => {
            let errors: Vec<FieldError> = [
                code.err(),
                name.err(),
                threshold.err(),
                authority.err(),
                basis.err(),
                cash.err(),
                prerequisite.err(),
                threshold_basis.err(),
                authority_basis.err(),
            ]
            .into_iter()
            .flatten()
            .collect();
            Err(errors.into())
        }
    }
}

fn recipient(r: RecipientInput) -> Result<Recipient, Failure> {
    if r.position.is_some() && r.person_id.is_none() {
        return Err(FieldError::new(
            "recipient.position",
            thidua_domain::UserErrorCode::InvalidFormat,
            msg!("commendation-position-goes-personid-new"),
        )
        .into());
    }
    if let Some(h) = r.household {
        if r.unit_id.is_some()
            || r.exemplar_id.is_some()
            || r.person_id.is_some()
            || r.person.is_some()
        {
            return Err(one_recipient());
        }
        let head = title(&h.head_name, "recipient.household.headName");
        let unit = crate::ids::parse::<of::OrgUnit>(h.unit_id.as_str()).ok_or_else(|| {
            FieldError::new(
                "recipient.household.unitId",
                thidua_domain::UserErrorCode::InvalidFormat,
                thidua_domain::msg!("global-id-invalid"),
            )
        });
        return match (head, unit) {
            (Ok(head), Ok(unit)) => Ok(Recipient::Household { head, unit }),
            (head, unit) => Err([head.err(), unit.err()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .into()),
        };
    }
    match (r.unit_id, r.exemplar_id, r.person_id, r.person) {
        (Some(u), None, None, None) => Ok(Recipient::Unit(input_id::<of::OrgUnit>(
            &u,
            "recipient.unitId",
        )?)),
        (None, Some(e), None, None) => Ok(Recipient::Exemplar(input_id::<of::Exemplar>(
            &e,
            "recipient.exemplarId",
        )?)),
        (None, None, Some(p), None) => Ok(Recipient::Person {
            id: input_id::<of::Person>(&p, "recipient.personId")?,
            position: optional_title(r.position.as_deref(), "recipient.position")?,
        }),
        (None, None, None, Some(p)) => Ok(Recipient::NewPerson(super::person::new_person(
            p,
            "recipient.person.",
        )?)),
        _ => Err(one_recipient()),
    }
}

fn one_recipient() -> Failure {
    FieldError::new(
        "recipient",
        thidua_domain::UserErrorCode::InvalidFormat,
        thidua_domain::msg!("recipient-exactly-one"),
    )
    .into()
}

/// What a nomination and a directly recorded honour share.
struct NominationFields {
    award_type_id: ID,
    kind: CommendationKind,
    recipient: RecipientInput,
    nominating_unit_id: ID,
    campaign_id: Option<ID>,
    exemplar_id: Option<ID>,
    is_direct_worker: bool,
    award_year: i32,
    citation: Option<String>,
    initiative_reference: Option<String>,
}

fn nomination(f: NominationFields) -> Result<Nomination, Failure> {
    let award = input_id::<of::AwardType>(&f.award_type_id, "awardTypeId")?;
    let nominating = input_id::<of::OrgUnit>(&f.nominating_unit_id, "nominatingUnitId")?;
    let campaign = f
        .campaign_id
        .as_ref()
        .map(|c| input_id::<of::Campaign>(c, "campaignId"))
        .transpose()?;
    let exemplar = f
        .exemplar_id
        .as_ref()
        .map(|e| input_id::<of::Exemplar>(e, "exemplarId"))
        .transpose()?;
    let citation =
        LongText::parse_optional(f.citation.as_deref()).map_err(|e| e.under("citation"))?;
    let initiative_reference =
        optional_title(f.initiative_reference.as_deref(), "initiativeReference")?;
    let who = recipient(f.recipient)?;
    Ok(Nomination {
        award_type_id: award,
        kind: f.kind.into(),
        recipient: who,
        nominating_unit_id: nominating,
        campaign_id: campaign,
        exemplar_id: exemplar,
        is_direct_worker: f.is_direct_worker,
        award_year: f.award_year,
        citation,
        initiative_reference,
    })
}

fn decision(
    number: &str,
    date: crate::scalars::Date,
    authority: Option<&str>,
) -> Result<Decision, Failure> {
    let number = DecisionNumber::parse(number).map_err(|e| e.under("decisionNumber"))?;
    let authority = optional_title(authority, "issuingAuthority")?;
    Ok(Decision {
        number,
        date: date.0,
        authority,
    })
}

/// Who decided a conferral: the council's unit (from APPROVED) or the higher authority
/// the dossier was proposed to (from PROPOSED_UPWARD).
enum Decider {
    Council,
    HigherAuthority,
}

async fn decide(
    ctx: &Context<'_>,
    input: ConferInput,
    by: Decider,
) -> async_graphql::Result<CommendationPayload> {
    let a = actor(ctx)?;
    let res = async {
        let id = input_id::<of::Commendation>(&input.id, "id")?;
        let d = decision(
            &input.decision_number,
            input.decision_date,
            input.issuing_authority.as_deref(),
        )?;
        let txn = begin(ctx).await?;
        let r = match by {
            Decider::Council => commendations::confer(&txn, a, id, d).await,
            Decider::HigherAuthority => commendations::record_upward_decision(&txn, a, id, d).await,
        };
        finish(txn, r).await.map(Commendation)
    }
    .await;
    CommendationPayload::from_result(res)
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

    /// Sets a row of the authority table: which award level the head of a unit kind
    /// decides, and the legal basis (administrators; audited). Councils created, conferring
    /// or proposing from then on follow it; decisions already taken stay.
    async fn update_unit_authority(
        &self,
        ctx: &Context<'_>,
        input: UpdateUnitAuthorityInput,
    ) -> async_graphql::Result<UnitAuthorityPayload> {
        let a = actor(ctx)?;
        let res = async {
            let basis = LegalBasis::parse(&input.legal_basis).map_err(|e| e.under("legalBasis"));
            let (basis, checked_version) = match (basis, version(input.version)) {
                (Ok(b), Ok(v)) => (b, v),
                (b, v) => {
                    return Err([b.err(), v.err()]
                        .into_iter()
                        .flatten()
                        .collect::<Vec<_>>()
                        .into());
                }
            };
            let txn = begin(ctx).await?;
            let r = thidua_persistence::authorities::update(
                &txn,
                a,
                input.unit_kind.into(),
                input.highest_level.map(Into::into),
                basis,
                checked_version,
            )
            .await;
            finish(txn, r).await.map(UnitAuthority)
        }
        .await;
        UnitAuthorityPayload::from_result(res)
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
            let unit = input
                .unit_id
                .as_ref()
                .map(|u| input_id::<of::OrgUnit>(u, "unitId"))
                .transpose()?;
            let txn = begin(ctx).await?;
            let r = council::create_session(&txn, a, unit, t, input.held_on.0, members).await;
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
            let n = nomination(NominationFields {
                award_type_id: input.award_type_id,
                kind: input.kind,
                recipient: input.recipient,
                nominating_unit_id: input.nominating_unit_id,
                campaign_id: input.campaign_id,
                exemplar_id: input.exemplar_id,
                is_direct_worker: input.is_direct_worker,
                award_year: input.award_year,
                citation: input.citation,
                initiative_reference: input.initiative_reference,
            })?;
            let txn = begin(ctx).await?;
            let r = commendations::nominate(&txn, a, n).await;
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
    /// An award decided above the council's unit is refused with OUTSIDE_AUTHORITY: propose
    /// it upward with `proposeCommendationUpward`.
    async fn confer_commendation(
        &self,
        ctx: &Context<'_>,
        input: ConferInput,
    ) -> async_graphql::Result<CommendationPayload> {
        decide(ctx, input, Decider::Council).await
    }

    /// Sends an approved commendation's dossier to the higher authority that decides the
    /// award (administrators). Only for an award decided above the council's unit
    /// (INVALID_TRANSITION otherwise: confer it).
    async fn propose_commendation_upward(
        &self,
        ctx: &Context<'_>,
        input: ProposeUpwardInput,
    ) -> async_graphql::Result<CommendationPayload> {
        let a = actor(ctx)?;
        let res = async {
            let id = input_id::<of::Commendation>(&input.id, "id")?;
            let txn = begin(ctx).await?;
            let r = commendations::propose_upward(&txn, a, id, input.proposed_on.0).await;
            finish(txn, r).await.map(Commendation)
        }
        .await;
        CommendationPayload::from_result(res)
    }

    /// Records the higher authority's decision conferring a commendation proposed to it
    /// (administrators). Locks the record as `conferCommendation` does.
    async fn record_upward_decision(
        &self,
        ctx: &Context<'_>,
        input: ConferInput,
    ) -> async_graphql::Result<CommendationPayload> {
        decide(ctx, input, Decider::HigherAuthority).await
    }

    /// Records that the higher authority declined a proposal, with its reason
    /// (administrators). The commendation stops standing; the recipient may be nominated
    /// again.
    async fn decline_commendation_upward(
        &self,
        ctx: &Context<'_>,
        input: DeclineUpwardInput,
    ) -> async_graphql::Result<CommendationPayload> {
        let a = actor(ctx)?;
        let res = async {
            let id = input_id::<of::Commendation>(&input.id, "id")?;
            let txn = begin(ctx).await?;
            let r = commendations::decline_upward(&txn, a, id, &input.reason).await;
            finish(txn, r).await.map(Commendation)
        }
        .await;
        CommendationPayload::from_result(res)
    }

    /// Records an honour a ministry or central body conferred on its own initiative,
    /// CONFERRED at once without a ballot (administrators). An award the province
    /// decides is refused with BALLOT_REQUIRED.
    async fn record_conferred_honour(
        &self,
        ctx: &Context<'_>,
        input: RecordConferredHonourInput,
    ) -> async_graphql::Result<CommendationPayload> {
        let a = actor(ctx)?;
        let res = async {
            let d = decision(
                &input.decision_number,
                input.decision_date,
                input.issuing_authority.as_deref(),
            )?;
            let n = nomination(NominationFields {
                award_type_id: input.award_type_id,
                kind: input.kind,
                recipient: input.recipient,
                nominating_unit_id: input.nominating_unit_id,
                campaign_id: input.campaign_id,
                exemplar_id: input.exemplar_id,
                is_direct_worker: input.is_direct_worker,
                award_year: input.award_year,
                citation: input.citation,
                initiative_reference: None,
            })?;
            let txn = begin(ctx).await?;
            let r = commendations::record_conferred(&txn, a, n, d).await;
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
        let today = thidua_domain::calendar::today();
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
