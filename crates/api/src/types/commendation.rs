//! The award catalogue, council sessions and commendations (khen thưởng).

use async_graphql::{Context, ID, Object, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use thidua_domain::id;
use thidua_persistence::entities::{
    award_type, commendation, commendation_correction, council_member, council_session,
    unit_authority,
};
use thidua_persistence::page::Page;

use super::campaign::Campaign;
use super::enums::{
    AwardCategory, AwardLevel, CommendationKind, CommendationStatus, OrgUnitKind, PrerequisiteKind,
    RecipientKind, RecipientType,
};
use super::exemplar::Exemplar;
use super::org_unit::OrgUnit;
use super::user::User;
use super::{load_many, load_one};
use crate::cursor;
use crate::ids;
use crate::loaders::{CorrectionsOf, PrerequisiteOf, SessionMembers};
use thidua_domain::id::{
    AwardTypeId, CampaignId, CommendationId, CouncilSessionId, ExemplarId, UnitId, UserId,
};

#[derive(Clone)]
pub struct AwardType(pub award_type::Model);

/// A form or title of the catalogue under the Law on Emulation and Commendation 2022. Rows
/// are data: a new decree changes rows, not code.
#[Object]
impl AwardType {
    pub async fn id(&self) -> ID {
        ids::encode(id::AwardTypeId::from_uuid(self.0.id))
    }

    async fn code(&self) -> &str {
        &self.0.code
    }

    async fn name(&self) -> &str {
        &self.0.name
    }

    async fn category(&self) -> AwardCategory {
        self.0.category.into()
    }

    async fn level(&self) -> AwardLevel {
        self.0.level.into()
    }

    /// Who the award can go to; a nomination for another kind of recipient is refused
    /// with RECIPIENT_KIND_MISMATCH.
    async fn recipient_kind(&self) -> RecipientKind {
        self.0.recipient_kind.into()
    }

    /// Yes votes needed, as a percentage of **all** council members (not of votes cast).
    async fn approval_threshold(&self) -> Decimal {
        self.0.approval_threshold.normalize()
    }

    async fn conferring_authority(&self) -> &str {
        &self.0.conferring_authority
    }

    /// The law, decree and article the row rests on; "⚠" marks what is not yet verified.
    async fn legal_basis(&self) -> &str {
        &self.0.legal_basis
    }

    /// The authority level that decides the award. A council whose unit's head holds this
    /// level (or a higher one) confers it; a lower council only proposes it upward.
    async fn deciding_level(&self) -> AwardLevel {
        self.0.deciding_level.into()
    }

    /// The legal basis of `approvalThreshold`; "⚠" marks a rule not yet checked against
    /// the decree in force.
    async fn threshold_basis(&self) -> &str {
        &self.0.threshold_basis
    }

    /// The legal basis of `decidingLevel` and `conferringAuthority` ("⚠" as above).
    async fn authority_basis(&self) -> &str {
        &self.0.authority_basis
    }

    /// Cash reward as a multiple of the base salary (NĐ 98/2023/NĐ-CP Đ54); null where the
    /// decree gives none or it is not yet verified.
    async fn cash_coefficient(&self) -> Option<Decimal> {
        self.0.cash_coefficient.map(|c| c.normalize())
    }

    /// Conferred by a central body (the state, a ministry or a central organisation such as
    /// Tổng LĐLĐ Việt Nam, Trung ương Đoàn, UBTW MTTQ Việt Nam).
    async fn central_body(&self) -> bool {
        self.0.central_body
    }

    /// Null: not in effect until an administrator sets the date (nominating it gives
    /// AWARD_NOT_IN_EFFECT).
    async fn effective_from(&self) -> Option<NaiveDate> {
        self.0.effective_from
    }

    /// Null while in force.
    async fn effective_to(&self) -> Option<NaiveDate> {
        self.0.effective_to
    }

    /// The title a recipient must already hold, in `prerequisiteYears` consecutive years.
    async fn prerequisite(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<AwardType>> {
        match self.0.prerequisite_award_type_id {
            Some(p) => Ok(load_one(ctx, AwardTypeId::from_uuid(p))
                .await?
                .map(AwardType)),
            None => Ok(None),
        }
    }

    async fn prerequisite_years(&self) -> Option<i32> {
        self.0.prerequisite_years
    }

    /// How `prerequisiteYears` counts: consecutive years, or consecutive conferrals.
    async fn prerequisite_kind(&self) -> Option<PrerequisiteKind> {
        self.0
            .prerequisite_award_type_id
            .map(|_| self.0.prerequisite_kind.into())
    }

    /// For consecutive conferrals: the most years between one conferral and the next.
    async fn prerequisite_max_gap_years(&self) -> Option<i32> {
        self.0.prerequisite_max_gap_years
    }

    /// Nominations must record a recognised initiative (sáng kiến).
    async fn requires_initiative(&self) -> bool {
        self.0.requires_initiative
    }

    /// Optimistic-lock version for `updateAwardType`.
    async fn version(&self) -> i32 {
        self.0.version
    }
}

#[derive(Clone)]
pub struct UnitAuthority(pub unit_authority::Model);

/// A row of the authority table: the highest award level the head of a unit of this kind
/// decides (Law 06/2022, art. 80). A council of such a unit confers awards decided at
/// that level or below and proposes the rest upward; without a level it holds no council.
/// The root of the tree reads the PROVINCE row whatever its kind. Data, not code:
/// administrators edit it with `updateUnitAuthority` (NĐ 152/2025/NĐ-CP may re-allocate
/// powers ⚠).
#[Object]
impl UnitAuthority {
    async fn id(&self) -> ID {
        ids::encode(id::UnitAuthorityId::from_uuid(self.0.id))
    }

    async fn unit_kind(&self) -> OrgUnitKind {
        self.0.unit_kind.into()
    }

    /// Null: the head of such a unit decides no award.
    async fn highest_level(&self) -> Option<AwardLevel> {
        self.0.highest_level.map(Into::into)
    }

    /// The law, decree and article the row rests on; "⚠" marks what is not yet verified.
    async fn legal_basis(&self) -> &str {
        &self.0.legal_basis
    }

    /// Optimistic-lock version for `updateUnitAuthority`.
    async fn version(&self) -> i32 {
        self.0.version
    }

    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}

#[derive(Clone)]
pub struct CouncilSession(pub council_session::Model);

pub type CouncilSessionConnection = crate::cursor::CountedConnection<CouncilSession>;

pub fn session_connection(page: Page<council_session::Model>) -> CouncilSessionConnection {
    cursor::connection(page, |m| cursor::id_only(m.id), CouncilSession)
}

/// A sitting of the Emulation and Commendation Council with its members.
#[Object]
impl CouncilSession {
    pub async fn id(&self) -> ID {
        ids::encode(id::CouncilSessionId::from_uuid(self.0.id))
    }

    async fn title(&self) -> &str {
        &self.0.title
    }

    async fn held_on(&self) -> NaiveDate {
        self.0.held_on
    }

    /// The unit whose council sat: the session reviews nominations in its subtree and
    /// confers the awards its head decides.
    async fn unit(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<OrgUnit>> {
        Ok(load_one(ctx, UnitId::from_uuid(self.0.unit_id))
            .await?
            .map(OrgUnit))
    }

    /// All members: the base every approval threshold is a share of.
    async fn member_count(&self) -> i32 {
        self.0.member_count
    }

    async fn members(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<CouncilMember>> {
        Ok(
            load_many(ctx, SessionMembers(CouncilSessionId::from_uuid(self.0.id)))
                .await?
                .into_iter()
                .map(CouncilMember)
                .collect(),
        )
    }
}

#[derive(Clone)]
pub struct CouncilMember(pub council_member::Model);

#[Object]
impl CouncilMember {
    async fn name(&self) -> &str {
        &self.0.name
    }

    async fn position(&self) -> Option<&str> {
        self.0.position.as_deref()
    }
}

#[derive(Clone)]
pub struct Commendation(pub commendation::Model);

pub type CommendationConnection = crate::cursor::CountedConnection<Commendation>;

pub fn commendation_connection(page: Page<commendation::Model>) -> CommendationConnection {
    cursor::connection(page, |m| cursor::id_only(m.id), Commendation)
}

/// A secret ballot's counts: never who voted how.
#[derive(SimpleObject)]
pub struct Ballot {
    pub members: i32,
    pub present: i32,
    /// Absent members who voted in writing.
    pub in_writing: i32,
    pub yes: i32,
    pub no: i32,
    pub abstain: i32,
    /// Yes votes as a percentage of all members.
    pub yes_share: Decimal,
}

/// Whether the recipient's recorded history holds what the award needs first: an earlier
/// title (counted as the award row says) and, where required, a recognised initiative.
#[derive(SimpleObject)]
pub struct PrerequisiteCheck {
    /// The earlier title; null when the award needs only an initiative.
    pub required: Option<AwardType>,
    /// How `consecutiveYears` counts; null when no earlier title is needed.
    pub kind: Option<PrerequisiteKind>,
    /// N: consecutive years, or consecutive conferrals (see `kind`); 0 when none.
    pub consecutive_years: i32,
    /// For consecutive conferrals, the most years between one and the next.
    pub max_gap_years: Option<i32>,
    /// Every requirement is met: `titleMet` and `initiativeMet`.
    pub met: bool,
    /// The earlier title is held as required.
    pub title_met: bool,
    /// The longest run found (years, or conferrals within the gap), up to the award year.
    pub longest_run: i32,
    /// The years the recipient holds the required title (conferred), up to the award year.
    pub years: Vec<i32>,
    /// The award requires a recognised initiative (sáng kiến).
    pub initiative_required: bool,
    /// The nomination records one (`initiativeReference`); true when none is required.
    pub initiative_met: bool,
}

/// An Admin's recorded change to a conferred commendation.
#[derive(Clone)]
pub struct CommendationCorrection(pub commendation_correction::Model);

#[Object]
impl CommendationCorrection {
    async fn reason(&self) -> &str {
        &self.0.reason
    }

    /// `{ field: { from, to } }` for each corrected field.
    async fn changes(&self) -> async_graphql::Json<serde_json::Value> {
        async_graphql::Json(serde_json::from_str(&self.0.changes).unwrap_or_default())
    }

    async fn at(&self) -> DateTime<Utc> {
        self.0.at
    }

    async fn by(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        match self.0.by_user {
            Some(u) => Ok(load_one(ctx, UserId::from_uuid(u)).await?.map(User)),
            None => Ok(None),
        }
    }
}

/// A commendation (khen thưởng) from nomination to conferral.
#[Object]
impl Commendation {
    pub async fn id(&self) -> ID {
        ids::encode(id::CommendationId::from_uuid(self.0.id))
    }

    async fn award_type(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<AwardType>> {
        Ok(load_one(ctx, AwardTypeId::from_uuid(self.0.award_type_id))
            .await?
            .map(AwardType))
    }

    async fn kind(&self) -> CommendationKind {
        self.0.kind.into()
    }

    async fn status(&self) -> CommendationStatus {
        self.0.status.into()
    }

    async fn recipient_type(&self) -> RecipientType {
        self.0.recipient_type.into()
    }

    /// The unit the honour belongs to: the recipient unit, the model's home unit, or the
    /// person's unit.
    async fn unit(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<OrgUnit>> {
        Ok(load_one(ctx, UnitId::from_uuid(self.0.unit_id))
            .await?
            .map(OrgUnit))
    }

    /// The exemplary model honoured, or linked to the honour.
    async fn exemplar(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Exemplar>> {
        match self.0.exemplar_id {
            Some(e) => Ok(load_one(ctx, ExemplarId::from_uuid(e)).await?.map(Exemplar)),
            None => Ok(None),
        }
    }

    /// The person's name; for a HOUSEHOLD recipient, its head's (as `householdHead`).
    async fn person_name(&self) -> Option<&str> {
        self.0.person_name.as_deref()
    }

    /// The head of the household honoured, for a HOUSEHOLD recipient (its unit is `unit`).
    async fn household_head(&self) -> Option<&str> {
        match self.0.recipient_type {
            thidua_domain::commendation::RecipientType::Household => self.0.person_name.as_deref(),
            _ => None,
        }
    }

    async fn person_position(&self) -> Option<&str> {
        self.0.person_position.as_deref()
    }

    /// The recipient is a person (or an individual model).
    async fn is_individual(&self) -> bool {
        self.0.is_individual
    }

    /// An individual who works directly in production or service (người lao động trực tiếp).
    async fn is_direct_worker(&self) -> bool {
        self.0.is_direct_worker
    }

    async fn nominating_unit(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<OrgUnit>> {
        Ok(load_one(ctx, UnitId::from_uuid(self.0.nominating_unit_id))
            .await?
            .map(OrgUnit))
    }

    async fn campaign(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Campaign>> {
        match self.0.campaign_id {
            Some(c) => Ok(load_one(ctx, CampaignId::from_uuid(c)).await?.map(Campaign)),
            None => Ok(None),
        }
    }

    /// The year the achievement is for; consecutive-year prerequisites count these.
    async fn award_year(&self) -> i32 {
        self.0.award_year
    }

    async fn citation(&self) -> Option<&str> {
        self.0.citation.as_deref()
    }

    async fn session(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<CouncilSession>> {
        match self.0.session_id {
            Some(s) => Ok(load_one(ctx, CouncilSessionId::from_uuid(s))
                .await?
                .map(CouncilSession)),
            None => Ok(None),
        }
    }

    /// The council's tallies once the ballot is recorded.
    async fn ballot(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Ballot>> {
        let c = &self.0;
        let (Some(present), Some(in_writing), Some(yes), Some(no), Some(abstain), Some(s)) = (
            c.votes_present,
            c.votes_in_writing,
            c.votes_yes,
            c.votes_no,
            c.votes_abstain,
            c.session_id,
        ) else {
            return Ok(None);
        };
        let members = load_one(ctx, CouncilSessionId::from_uuid(s))
            .await?
            .map_or(0, |s| s.member_count);
        let yes_share = thidua_domain::target::percent(yes.into(), members.into())
            .unwrap_or_default()
            .normalize();
        Ok(Some(Ballot {
            members,
            present,
            in_writing,
            yes,
            no,
            abstain,
            yes_share,
        }))
    }

    /// Why it was approved or rejected: the ballot against the threshold, or the reason given.
    async fn decision_note(&self) -> Option<&str> {
        self.0.decision_note.as_deref()
    }

    /// The recognised initiative (sáng kiến) the nomination relies on.
    async fn initiative_reference(&self) -> Option<&str> {
        self.0.initiative_reference.as_deref()
    }

    /// The person honoured, for a PERSON recipient.
    async fn person(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<super::person::Person>> {
        match self.0.person_id {
            Some(p) => Ok(load_one(ctx, thidua_domain::id::PersonId::from_uuid(p))
                .await?
                .map(super::person::Person)),
            None => Ok(None),
        }
    }

    /// Null when the award needs no earlier title and no initiative.
    async fn prerequisite(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<PrerequisiteCheck>> {
        let Some(s) = load_one(ctx, PrerequisiteOf((&self.0).into())).await? else {
            return Ok(None);
        };
        let required = match s.required_award_type_id {
            Some(t) => load_one(ctx, AwardTypeId::from_uuid(t))
                .await?
                .map(AwardType),
            None => None,
        };
        let to_i32 = |v: u32| i32::try_from(v).unwrap_or(i32::MAX);
        let met = s.met();
        Ok(Some(PrerequisiteCheck {
            required,
            kind: s.prerequisite.map(|p| p.kind.into()),
            consecutive_years: s.prerequisite.map_or(0, |p| to_i32(p.count)),
            max_gap_years: s
                .prerequisite
                .filter(|p| p.kind == thidua_domain::award::PrerequisiteKind::ConsecutiveConferrals)
                .map(|p| to_i32(p.max_gap_years)),
            met,
            title_met: s.check.met,
            longest_run: to_i32(s.check.longest_run),
            years: s.check.years,
            initiative_required: s.initiative_required,
            initiative_met: s.initiative_met,
        }))
    }

    /// The day the dossier went to the higher authority (PROPOSED_UPWARD onwards).
    async fn proposed_on(&self) -> Option<NaiveDate> {
        self.0.proposed_on
    }

    /// Why the higher authority declined (DECLINED_UPWARD).
    async fn declined_reason(&self) -> Option<&str> {
        self.0.declined_reason.as_deref()
    }

    /// Conferred by a ministry or central body on its own initiative and recorded
    /// without a council ballot.
    async fn recorded_directly(&self) -> bool {
        self.0.recorded_directly
    }

    async fn decision_number(&self) -> Option<&str> {
        self.0.decision_number.as_deref()
    }

    async fn decision_date(&self) -> Option<NaiveDate> {
        self.0.decision_date
    }

    async fn issuing_authority(&self) -> Option<&str> {
        self.0.issuing_authority.as_deref()
    }

    async fn conferred_at(&self) -> Option<DateTime<Utc>> {
        self.0.conferred_at
    }

    async fn conferred_by(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        match self.0.conferred_by {
            Some(u) => Ok(load_one(ctx, UserId::from_uuid(u)).await?.map(User)),
            None => Ok(None),
        }
    }

    /// Recorded corrections of the conferred record, oldest first.
    async fn corrections(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<CommendationCorrection>> {
        Ok(
            load_many(ctx, CorrectionsOf(CommendationId::from_uuid(self.0.id)))
                .await?
                .into_iter()
                .map(CommendationCorrection)
                .collect(),
        )
    }

    async fn version(&self) -> i32 {
        self.0.version
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}
