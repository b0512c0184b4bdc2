//! Commendations (khen thưởng): nomination, council review by secret ballot, decision and
//! conferral, following the shape of the Law on Emulation and Commendation 2022.

use crate::msg;
use rust_decimal::Decimal;

use crate::award::{AwardLevel, RecipientKind, Threshold};
use crate::error::{FieldError, UserErrorCode as C};
use crate::org_unit::OrgUnitKind;
use crate::text::nfc_trim;

string_enum!(
    /// Loại hình khen thưởng (Law 06/2022, art. 8), stored and shown under the law's names.
    CommendationKind (stored_len = 30) {
        /// Công trạng: for achievements.
        Merit => "CONG_TRANG",
        /// Đột xuất: for an unexpected feat.
        AdHoc => "DOT_XUAT",
        /// Phong trào thi đua: at the end of an emulation campaign; must name the campaign.
        Campaign => "PHONG_TRAO_THI_DUA",
        /// Quá trình cống hiến: for a career of service.
        LifetimeService => "QUA_TRINH_CONG_HIEN",
        /// Niên hạn: for years of service.
        LengthOfService => "NIEN_HAN",
        /// Đối ngoại: for foreigners and foreign organisations.
        ForeignRelations => "DOI_NGOAI",
    }
);

string_enum!(
    CommendationStatus {
        Nominated => "NOMINATED",
        UnderReview => "UNDER_REVIEW",
        /// The council voted yes. For an award the council's unit decides, conferral follows;
        /// for one decided higher up, the vote is only a proposal.
        Approved => "APPROVED",
        Rejected => "REJECTED",
        /// The dossier went to the higher authority that decides the award (Đ83: state
        /// awards go through the Prime Minister to the President).
        ProposedUpward => "PROPOSED_UPWARD",
        /// The higher authority declined the proposal; kept with its reason, counts for nothing.
        DeclinedUpward => "DECLINED_UPWARD",
        Conferred => "CONFERRED",
        /// Thu hồi: withdrawn after conferral (fraud, wrongful appraisal); no longer counts.
        Revoked => "REVOKED",
    }
);

impl CommendationStatus {
    /// Whether the nomination still stands: a rejected or declined one may be made again.
    pub fn is_live(self) -> bool {
        !matches!(self, Self::Rejected | Self::DeclinedUpward)
    }
}

/// The ladder of deciding authorities, lowest first: an authority may decide what its own
/// level or a lower one decides. Ministries and central bodies sit above the province.
fn rank(level: AwardLevel) -> u8 {
    match level {
        AwardLevel::Grassroots => 0,
        AwardLevel::District => 1,
        AwardLevel::Provincial => 2,
        AwardLevel::Ministerial => 3,
        AwardLevel::Central => 4,
    }
}

/// One row of the authority table: the highest award level the head of a unit of `kind`
/// decides, or none. Data with its legal basis, not code: Law 06/2022 art. 80 is read
/// into the seeded rows, and NĐ 152/2025/NĐ-CP may re-allocate powers (⚠), so an
/// administrator edits the row, not a release.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuthorityRow {
    pub kind: OrgUnitKind,
    pub highest: Option<AwardLevel>,
}

/// The row a unit's authority is read from: its kind's, except that the root of the tree
/// is the province whatever its kind.
pub fn authority_kind(kind: OrgUnitKind, is_root: bool) -> OrgUnitKind {
    if is_root { OrgUnitKind::Province } else { kind }
}

/// The authority level of a unit's head, read from the authority table: the row for its
/// kind ([`authority_kind`]); a kind without a row decides nothing.
pub fn unit_authority(
    kind: OrgUnitKind,
    is_root: bool,
    rows: &[AuthorityRow],
) -> Option<AwardLevel> {
    let kind = authority_kind(kind, is_root);
    rows.iter().find(|r| r.kind == kind).and_then(|r| r.highest)
}

/// Whether an authority at `authority` may decide an award decided at `deciding`.
pub fn may_decide(authority: Option<AwardLevel>, deciding: AwardLevel) -> bool {
    authority.is_some_and(|a| rank(deciding) <= rank(a))
}

/// What follows an approving ballot: the session's unit confers the award itself, or
/// proposes it to the higher authority that decides it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    Decide,
    ProposeUpward,
}

pub fn route(session_authority: Option<AwardLevel>, deciding: AwardLevel) -> Route {
    if may_decide(session_authority, deciding) {
        Route::Decide
    } else {
        Route::ProposeUpward
    }
}

/// A council may confer only what its unit's head decides; anything higher is proposed.
pub fn check_confer_authority(
    session_authority: Option<AwardLevel>,
    deciding: AwardLevel,
) -> Result<(), FieldError> {
    match route(session_authority, deciding) {
        Route::Decide => Ok(()),
        Route::ProposeUpward => Err(FieldError::new(
            "id",
            C::OutsideAuthority,
            msg!("commendation-award-decided-above-council"),
        )),
    }
}

/// Only an award decided above the council's unit is proposed upward.
pub fn check_proposal(
    session_authority: Option<AwardLevel>,
    deciding: AwardLevel,
) -> Result<(), FieldError> {
    match route(session_authority, deciding) {
        Route::ProposeUpward => Ok(()),
        Route::Decide => Err(FieldError::new(
            "id",
            C::InvalidTransition,
            msg!("commendation-council-s-unit-decides"),
        )),
    }
}

/// An honour recorded without the province's ballot must be one a ministry or a central
/// body decides on its own initiative; anything the province decides passes a council.
pub fn check_direct_record(deciding: AwardLevel) -> Result<(), FieldError> {
    if rank(deciding) > rank(AwardLevel::Provincial) {
        Ok(())
    } else {
        Err(FieldError::new(
            "awardTypeId",
            C::BallotRequired,
            msg!("commendation-award-decided-province-passes"),
        ))
    }
}

string_enum!(
    /// What a commendation is given to.
    RecipientType {
        /// An org unit (a collective).
        Unit => "UNIT",
        /// An exemplary model; collective or individual as the model is.
        Exemplar => "EXEMPLAR",
        /// A person's record (`Person`), with the position they held.
        Person => "PERSON",
        /// A household (hộ gia đình, e.g. for "Gia đình văn hóa"), named by its head and
        /// its unit; there is no household record, so the key is made of the two.
        Household => "HOUSEHOLD",
    }
);

/// A campaign commendation must say which campaign it closes.
pub fn check_campaign(kind: CommendationKind, has_campaign: bool) -> Result<(), FieldError> {
    if kind == CommendationKind::Campaign && !has_campaign {
        return Err(FieldError::new(
            "campaignId",
            C::CampaignRequired,
            msg!("commendation-campaign-required"),
        ));
    }
    Ok(())
}

/// The award type must be meant for this kind of recipient.
pub fn check_recipient_kind(award: RecipientKind, actual: RecipientKind) -> Result<(), FieldError> {
    if !award.accepts(actual) {
        return Err(FieldError::new(
            "recipient",
            C::RecipientKindMismatch,
            msg!(
                "recipient-kind-mismatch",
                award = crate::error::MessageArg::word("recipient-kind", award.as_str()),
                actual = crate::error::MessageArg::word("recipient-kind", actual.as_str())
            ),
        ));
    }
    Ok(())
}

/// The only moves a commendation makes; everything else is INVALID_TRANSITION.
pub fn check_transition(
    from: CommendationStatus,
    to: CommendationStatus,
) -> Result<(), FieldError> {
    use CommendationStatus::*;
    let ok = matches!(
        (from, to),
        (Nominated, UnderReview)
            | (Nominated, Rejected)
            | (UnderReview, Approved)
            | (UnderReview, Rejected)
            | (Approved, Conferred)
            | (Approved, ProposedUpward)
            | (ProposedUpward, Conferred)
            | (ProposedUpward, DeclinedUpward)
            | (Conferred, Revoked)
    );
    if ok {
        return Ok(());
    }
    let code = if matches!(from, Conferred | Revoked) {
        C::Locked
    } else {
        C::InvalidTransition
    };
    Err(FieldError::new(
        "id",
        code,
        msg!(
            "commendation-invalid-transition",
            from = crate::error::MessageArg::word("commendation-status", from.as_str()),
            to = crate::error::MessageArg::word("commendation-status", to.as_str())
        ),
    ))
}

/// A secret ballot's result: counts only, never who voted how. Members present vote in
/// the room; absent members may vote in writing; everyone else did not vote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tally {
    pub members: u32,
    pub present: u32,
    pub in_writing: u32,
    pub yes: u32,
    pub no: u32,
    pub abstain: u32,
}

/// Raw counts as they arrive from a form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawTally {
    pub present: i32,
    pub in_writing: i32,
    pub yes: i32,
    pub no: i32,
    pub abstain: i32,
}

impl Tally {
    /// Checks the counts add up for a council of `members`; every error names its field.
    pub fn parse(members: u32, raw: RawTally) -> Result<Self, Vec<FieldError>> {
        let mut errors = vec![];
        let mut count = |field: &str, v: i32| match u32::try_from(v) {
            Ok(n) => n,
            Err(_) => {
                errors.push(FieldError::new(
                    field,
                    C::OutOfRange,
                    msg!("count-negative"),
                ));
                0
            }
        };
        let t = Tally {
            members,
            present: count("present", raw.present),
            in_writing: count("inWriting", raw.in_writing),
            yes: count("yes", raw.yes),
            no: count("no", raw.no),
            abstain: count("abstain", raw.abstain),
        };
        if !errors.is_empty() {
            return Err(errors);
        }
        let voters = u64::from(t.present) + u64::from(t.in_writing);
        if voters > u64::from(members) {
            errors.push(FieldError::new(
                "present",
                C::TallyExceedsMembers,
                msg!("tally-exceeds-members", voters = voters, members = members),
            ));
        }
        let ballots = u64::from(t.yes) + u64::from(t.no) + u64::from(t.abstain);
        if ballots != voters {
            errors.push(FieldError::new(
                "yes",
                C::TallyMismatch,
                msg!("tally-mismatch", ballots = ballots, voters = voters),
            ));
        }
        if errors.is_empty() {
            Ok(t)
        } else {
            Err(errors)
        }
    }

    /// Yes votes as a share of all members, in percent.
    pub fn yes_share(&self) -> Decimal {
        crate::target::percent(i64::from(self.yes), i64::from(self.members)).unwrap_or_default()
    }

    /// The threshold is a share of **all** members, not of ballots cast, so absences count
    /// against approval: 8 yes of 10 members is 80 %, short of 90 % however many were absent.
    pub fn passes(&self, threshold: Threshold) -> bool {
        Decimal::from(self.yes) * Decimal::ONE_HUNDRED
            >= threshold.percent() * Decimal::from(self.members)
    }

    /// Why the ballot decided as it did, in words a council secretary can file.
    pub fn explain(&self, threshold: Threshold) -> String {
        format!(
            "{} of {} members voted yes ({}%); the threshold is {}% of all members",
            self.yes,
            self.members,
            self.yes_share().normalize(),
            threshold.percent().normalize()
        )
    }
}

/// A decision's number as issued ("125/QĐ-UBND"): required, at most 100 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecisionNumber(String);

impl DecisionNumber {
    pub const MAX_CHARS: usize = 100;

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        if raw.len() > Self::MAX_CHARS * 4 + 64 {
            return Err(FieldError::new(
                "",
                C::TooLong,
                msg!("too-long", max = Self::MAX_CHARS),
            ));
        }
        let s = crate::text::clean(raw)?;
        if s.is_empty() {
            return Err(FieldError::new(
                "",
                C::Required,
                msg!("decision-number-required"),
            ));
        }
        if s.chars().count() > Self::MAX_CHARS {
            return Err(FieldError::new(
                "",
                C::TooLong,
                msg!("too-long", max = Self::MAX_CHARS),
            ));
        }
        Ok(Self(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The form uniqueness is judged on.
    pub fn key(&self) -> String {
        decision_key(&self.0)
    }
}

/// Decisions are dated from 2000 to 2100: anything else is a typing slip.
pub fn check_decision_date(date: chrono::NaiveDate) -> Result<(), FieldError> {
    use chrono::Datelike as _;
    if !(2000..=2100).contains(&date.year()) {
        return Err(FieldError::new(
            "decisionDate",
            C::OutOfRange,
            msg!("decision-date-range"),
        ));
    }
    Ok(())
}

/// Decision numbers ("125/QĐ-UBND") and authorities are compared case-, space- and
/// normal-form-insensitively, so "125/qđ-ubnd " is the same number.
pub fn decision_key(raw: &str) -> String {
    nfc_trim(raw)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// The identity a recipient's award history is kept under: the unit, the model, or the
/// person's record (so namesakes stay apart and a move or merger keeps the history).
pub fn recipient_key(
    kind: RecipientType,
    unit_id: uuid::Uuid,
    exemplar_id: Option<uuid::Uuid>,
    person_id: Option<uuid::Uuid>,
) -> String {
    match (kind, exemplar_id, person_id) {
        (RecipientType::Exemplar, Some(e), _) => format!("EXEMPLAR:{e}"),
        (RecipientType::Person, _, Some(p)) => format!("PERSON:{p}"),
        _ => format!("UNIT:{unit_id}"),
    }
}

/// A household's key: its unit and its head's name compared loosely (case, spaces,
/// normal form), so the same household keeps one history across years while two
/// households whose heads share a name in different units stay apart.
pub fn household_key(unit_id: uuid::Uuid, head: &str) -> String {
    format!("HOUSEHOLD:{unit_id}:{}", decision_key(head))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(present: i32, in_writing: i32, yes: i32, no: i32, abstain: i32) -> RawTally {
        RawTally {
            present,
            in_writing,
            yes,
            no,
            abstain,
        }
    }

    fn ninety() -> Threshold {
        Threshold::parse(Decimal::from(90)).unwrap()
    }

    #[test]
    fn threshold_is_a_share_of_all_members_not_of_votes_cast() {
        // 10 members, 2 absent and silent, all 8 present vote yes: 80 % < 90 %.
        let t = Tally::parse(10, raw(8, 0, 8, 0, 0)).unwrap();
        assert!(!t.passes(ninety()));
        assert_eq!(
            t.explain(ninety()),
            "8 of 10 members voted yes (80%); the threshold is 90% of all members"
        );
        // The two absentees vote yes in writing: 100 %.
        let t = Tally::parse(10, raw(8, 2, 10, 0, 0)).unwrap();
        assert!(t.passes(ninety()));
        // Exactly on the threshold passes.
        let t = Tally::parse(10, raw(10, 0, 9, 1, 0)).unwrap();
        assert!(t.passes(ninety()));
    }

    #[test]
    fn tallies_must_add_up() {
        let e = Tally::parse(10, raw(9, 2, 11, 0, 0)).unwrap_err();
        assert_eq!(e[0].code, C::TallyExceedsMembers);
        let e = Tally::parse(10, raw(8, 0, 7, 0, 0)).unwrap_err();
        assert_eq!(e[0].code, C::TallyMismatch);
        let e = Tally::parse(10, raw(-1, 0, 0, 0, 0)).unwrap_err();
        assert_eq!((e[0].code, e[0].field.as_str()), (C::OutOfRange, "present"));
    }

    #[test]
    fn the_workflow_only_moves_forward_and_conferred_is_locked() {
        use CommendationStatus::*;
        assert!(check_transition(Nominated, UnderReview).is_ok());
        assert!(check_transition(UnderReview, Approved).is_ok());
        assert!(check_transition(Approved, Conferred).is_ok());
        assert_eq!(
            check_transition(Nominated, Conferred).unwrap_err().code,
            C::InvalidTransition
        );
        assert_eq!(
            check_transition(Rejected, UnderReview).unwrap_err().code,
            C::InvalidTransition
        );
        assert_eq!(
            check_transition(Conferred, Rejected).unwrap_err().code,
            C::Locked
        );
        assert!(check_transition(Conferred, Revoked).is_ok());
        assert_eq!(
            check_transition(Revoked, Conferred).unwrap_err().code,
            C::Locked
        );
    }

    #[test]
    fn a_proposal_upward_ends_conferred_or_declined_never_back_at_approved() {
        use CommendationStatus::*;
        assert!(check_transition(Approved, ProposedUpward).is_ok());
        assert!(check_transition(ProposedUpward, Conferred).is_ok());
        assert!(check_transition(ProposedUpward, DeclinedUpward).is_ok());
        for (from, to) in [
            (ProposedUpward, Approved),
            (DeclinedUpward, Conferred),
            (DeclinedUpward, ProposedUpward),
            (UnderReview, ProposedUpward),
            (Nominated, DeclinedUpward),
        ] {
            assert_eq!(
                check_transition(from, to).unwrap_err().code,
                C::InvalidTransition,
                "{from:?} -> {to:?}"
            );
        }
        assert!(!DeclinedUpward.is_live() && !Rejected.is_live());
        assert!(ProposedUpward.is_live() && Approved.is_live() && Revoked.is_live());
    }

    /// Today's table as seeded (Law 06/2022 art. 80), for the rules below.
    fn seeded() -> Vec<AuthorityRow> {
        use AwardLevel as L;
        use OrgUnitKind as K;
        let row = |kind, highest| AuthorityRow { kind, highest };
        vec![
            row(K::Province, Some(L::Provincial)),
            row(K::Department, Some(L::Grassroots)),
            row(K::Ward, Some(L::Grassroots)),
            row(K::Commune, Some(L::Grassroots)),
            row(K::SpecialZone, Some(L::Grassroots)),
            row(K::Agency, Some(L::Grassroots)),
            row(K::Enterprise, Some(L::Grassroots)),
            row(K::School, Some(L::Grassroots)),
            row(K::Village, None),
            row(K::ResidentialGroup, None),
            row(K::Other, None),
        ]
    }

    #[test]
    fn heads_of_units_decide_grassroots_awards_and_the_province_its_own() {
        use AwardLevel as L;
        let rows = seeded();
        let ward = unit_authority(OrgUnitKind::Ward, false, &rows);
        let province = unit_authority(OrgUnitKind::Province, false, &rows);
        assert_eq!(ward, Some(L::Grassroots));
        assert_eq!(province, Some(L::Provincial));
        assert_eq!(
            unit_authority(OrgUnitKind::Other, true, &rows),
            Some(L::Provincial),
            "the root reads the province's row"
        );
        assert_eq!(unit_authority(OrgUnitKind::Village, false, &rows), None);
        assert_eq!(
            unit_authority(OrgUnitKind::Enterprise, false, &rows),
            Some(L::Grassroots)
        );

        // A ward confers Giấy khen but only proposes Bằng khen of the province.
        assert_eq!(route(ward, L::Grassroots), Route::Decide);
        assert_eq!(route(ward, L::Provincial), Route::ProposeUpward);
        assert_eq!(
            check_confer_authority(ward, L::Provincial)
                .unwrap_err()
                .code,
            C::OutsideAuthority
        );
        // The province decides its own awards and those below, proposes ministerial and
        // central ones.
        assert!(check_confer_authority(province, L::Provincial).is_ok());
        assert!(check_confer_authority(province, L::Grassroots).is_ok());
        assert_eq!(
            check_confer_authority(province, L::Central)
                .unwrap_err()
                .code,
            C::OutsideAuthority
        );
        assert_eq!(
            check_confer_authority(province, L::Ministerial)
                .unwrap_err()
                .code,
            C::OutsideAuthority
        );
        assert!(check_proposal(province, L::Central).is_ok());
        assert_eq!(
            check_proposal(province, L::Provincial).unwrap_err().code,
            C::InvalidTransition
        );
        // A village decides nothing.
        assert_eq!(route(None, L::Grassroots), Route::ProposeUpward);
    }

    #[test]
    fn the_authority_follows_the_row_not_the_code() {
        use AwardLevel as L;
        let mut rows = seeded();
        // A decree gives wards the provincial level: a ward council now confers it.
        for r in &mut rows {
            if r.kind == OrgUnitKind::Ward {
                r.highest = Some(L::Provincial);
            }
        }
        let ward = unit_authority(OrgUnitKind::Ward, false, &rows);
        assert!(check_confer_authority(ward, L::Provincial).is_ok());
        assert_eq!(
            unit_authority(OrgUnitKind::Commune, false, &rows),
            Some(L::Grassroots),
            "other rows stay"
        );
        // A row set to no authority: the ward decides nothing, not even a Giấy khen.
        for r in &mut rows {
            if r.kind == OrgUnitKind::Ward {
                r.highest = None;
            }
        }
        let ward = unit_authority(OrgUnitKind::Ward, false, &rows);
        assert_eq!(ward, None);
        assert_eq!(
            check_confer_authority(ward, L::Grassroots)
                .unwrap_err()
                .code,
            C::OutsideAuthority
        );
        // A kind missing from the table decides nothing.
        assert_eq!(unit_authority(OrgUnitKind::School, false, &[]), None);
    }

    #[test]
    fn only_ministerial_and_central_honours_are_recorded_without_a_ballot() {
        assert!(check_direct_record(AwardLevel::Central).is_ok());
        assert!(check_direct_record(AwardLevel::Ministerial).is_ok());
        for l in [AwardLevel::Provincial, AwardLevel::Grassroots] {
            assert_eq!(check_direct_record(l).unwrap_err().code, C::BallotRequired);
        }
    }

    #[test]
    fn a_campaign_commendation_names_its_campaign() {
        assert_eq!(
            check_campaign(CommendationKind::Campaign, false)
                .unwrap_err()
                .code,
            C::CampaignRequired
        );
        assert!(check_campaign(CommendationKind::Campaign, true).is_ok());
        assert!(check_campaign(CommendationKind::Merit, false).is_ok());
    }

    #[test]
    fn recipient_kind_must_match_the_award() {
        assert_eq!(
            check_recipient_kind(RecipientKind::Individual, RecipientKind::Collective)
                .unwrap_err()
                .code,
            C::RecipientKindMismatch
        );
        assert!(check_recipient_kind(RecipientKind::Both, RecipientKind::Collective).is_ok());
    }

    #[test]
    fn a_person_is_keyed_by_their_record_not_their_name() {
        let u = uuid::Uuid::now_v7();
        let (p, q) = (uuid::Uuid::from_u128(7), uuid::Uuid::from_u128(8));
        let key = |id| recipient_key(RecipientType::Person, u, None, Some(id));
        assert_eq!(key(p), format!("PERSON:{p}"));
        assert_ne!(key(p), key(q), "namesakes have two records, two keys");
        assert_eq!(
            recipient_key(RecipientType::Unit, u, None, None),
            format!("UNIT:{u}")
        );
    }

    #[test]
    fn a_household_is_keyed_by_its_unit_and_its_heads_name() {
        let (u, v) = (uuid::Uuid::from_u128(1), uuid::Uuid::from_u128(2));
        assert_eq!(
            household_key(u, " Nguyễn  Văn An "),
            household_key(u, "nguyễn văn an"),
            "one household from one year to the next"
        );
        assert_ne!(
            household_key(u, "Nguyễn Văn An"),
            household_key(v, "Nguyễn Văn An"),
            "namesakes in two units are two households"
        );
        assert_ne!(
            household_key(u, "Nguyễn Văn An"),
            household_key(u, "Nguyễn Văn Ân"),
            "diacritics tell names apart"
        );
        assert!(household_key(u, "A").starts_with("HOUSEHOLD:"));
    }

    #[test]
    fn decision_numbers_are_required_and_bounded() {
        assert_eq!(DecisionNumber::parse("  ").unwrap_err().code, C::Required);
        assert_eq!(
            DecisionNumber::parse(&"9".repeat(101)).unwrap_err().code,
            C::TooLong
        );
        assert_eq!(
            DecisionNumber::parse(" 12/QĐ-UBND ").map(|d| d.key()),
            Ok("12/qđ-ubnd".to_owned())
        );
        let d = |y| chrono::NaiveDate::from_ymd_opt(y, 1, 1).unwrap();
        assert!(check_decision_date(d(1999)).is_err() && check_decision_date(d(2027)).is_ok());
    }

    #[test]
    fn decision_numbers_compare_loosely() {
        assert_eq!(decision_key(" 125/QĐ-UBND "), decision_key("125/qđ-ubnd"));
        assert_eq!(decision_key("Chủ tịch  UBND tỉnh"), "chủ tịch ubnd tỉnh");
    }
}
