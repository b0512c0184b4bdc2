//! What the computed targets count, as pure functions over plain facts, and the
//! definition an administrator stores with a target (kind, goal, period, parameters).
//! Persistence computes the same numbers in SQL; the fixtures below are the reference
//! a reviewer can check on paper.

use crate::msg;
use std::collections::BTreeSet;

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::award::AwardLevel;
use crate::campaign::CampaignStatus;
use crate::commendation::CommendationStatus;
use crate::exemplar::ExemplarStage;
use crate::org_unit::{OrgUnitKind, is_within};
use crate::target::{Comparator, Progress, TargetComputation, TargetSource, TargetStatus, percent};
use crate::{FieldError, UserErrorCode as C};

string_enum!(
    /// What an administrator picks when defining a target: one of the computations, or a
    /// value entered by hand.
    TargetKind (stored_len = 60) {
        Manual => "MANUAL",
        ConcreteCriteriaShare => "CONCRETE_CRITERIA_SHARE",
        ExemplarUnitShare => "EXEMPLAR_UNIT_SHARE",
        CentralHonouredExemplars => "CENTRAL_HONOURED_EXEMPLARS",
    }
);

impl TargetKind {
    pub fn source(self) -> TargetSource {
        match self {
            Self::Manual => TargetSource::Manual,
            _ => TargetSource::Computed,
        }
    }

    pub fn computation(self) -> Option<TargetComputation> {
        match self {
            Self::Manual => None,
            Self::ConcreteCriteriaShare => Some(TargetComputation::ConcreteCriteriaShare),
            Self::ExemplarUnitShare => Some(TargetComputation::ExemplarUnitShare),
            Self::CentralHonouredExemplars => Some(TargetComputation::CentralHonouredExemplars),
        }
    }

    /// The kind a stored (source, computation) pair describes.
    pub fn of(source: TargetSource, computation: Option<TargetComputation>) -> Self {
        match (source, computation) {
            (TargetSource::Computed, Some(TargetComputation::ConcreteCriteriaShare)) => {
                Self::ConcreteCriteriaShare
            }
            (TargetSource::Computed, Some(TargetComputation::ExemplarUnitShare)) => {
                Self::ExemplarUnitShare
            }
            (TargetSource::Computed, Some(TargetComputation::CentralHonouredExemplars)) => {
                Self::CentralHonouredExemplars
            }
            _ => Self::Manual,
        }
    }

    /// Shares are percentages: their goal cannot exceed 100.
    fn is_share(self) -> bool {
        matches!(self, Self::ConcreteCriteriaShare | Self::ExemplarUnitShare)
    }
}

/// A target's period: both days included, within 2000–2100.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub start: NaiveDate,
    pub end: NaiveDate,
}

impl Period {
    pub fn parse(start: NaiveDate, end: NaiveDate) -> Result<Self, FieldError> {
        for (field, d) in [("periodStart", start), ("deadline", end)] {
            if !(2000..=2100).contains(&d.year()) {
                return Err(FieldError::new(
                    field,
                    C::OutOfRange,
                    msg!("target-rules-date-from"),
                ));
            }
        }
        if end < start {
            return Err(FieldError::new(
                "deadline",
                C::EndBeforeStart,
                msg!("target-rules-deadline-before-start-period"),
            ));
        }
        Ok(Self { start, end })
    }

    pub fn contains(self, d: NaiveDate) -> bool {
        self.start <= d && d <= self.end
    }

    pub fn overlaps(self, start: NaiveDate, end: NaiveDate) -> bool {
        start <= self.end && end >= self.start
    }

    /// The horizon label, e.g. "2022–2025" (an en dash, as the programme writes it).
    pub fn horizon(self) -> String {
        format!("{}–{}", self.start.year(), self.end.year())
    }
}

/// Reads a horizon as a client types it: "2022–2025", "2022-2025" or "2022 - 2025".
/// Returns the canonical en-dash form, or None when it is not two years.
pub fn normalise_horizon(raw: &str) -> Option<String> {
    let (a, b) = raw
        .split_once('–')
        .or_else(|| raw.split_once('-'))
        .or_else(|| raw.split_once('—'))?;
    let (a, b) = (a.trim(), b.trim());
    let valid = |s: &str| s.len() == 4 && s.bytes().all(|c| c.is_ascii_digit());
    (valid(a) && valid(b)).then(|| format!("{a}–{b}"))
}

/// Units one target may list explicitly.
pub const MAX_LISTED_UNITS: usize = 500;

/// The definition parameters stored with a target. T2 counts the active units of
/// `unit_kinds` or listed in `unit_ids`; T3 counts conferrals of awards at `award_levels`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TargetParameters {
    pub unit_kinds: Vec<OrgUnitKind>,
    pub unit_ids: Vec<Uuid>,
    pub award_levels: Vec<AwardLevel>,
}

impl TargetParameters {
    /// The "cơ quan, địa phương, đơn vị" of the 2021–2025 programme: departments and
    /// agencies, wards, communes and special zones (no enterprises, schools or groupings).
    pub fn default_unit_kinds() -> Vec<OrgUnitKind> {
        vec![
            OrgUnitKind::Department,
            OrgUnitKind::Agency,
            OrgUnitKind::Ward,
            OrgUnitKind::Commune,
            OrgUnitKind::SpecialZone,
        ]
    }

    /// "Trung ương": ministries and central bodies as well as the Prime Minister and President.
    pub fn default_award_levels() -> Vec<AwardLevel> {
        vec![AwardLevel::Ministerial, AwardLevel::Central]
    }

    /// What a new target of `kind` gets when the administrator gives no parameters.
    pub fn defaults_for(kind: TargetKind) -> Self {
        match kind {
            TargetKind::ExemplarUnitShare => Self {
                unit_kinds: Self::default_unit_kinds(),
                ..Self::default()
            },
            TargetKind::CentralHonouredExemplars => Self {
                award_levels: Self::default_award_levels(),
                ..Self::default()
            },
            _ => Self::default(),
        }
    }

    /// Checks the parameters against the kind of target they go with; duplicates collapse.
    pub fn parse(kind: TargetKind, raw: Self) -> Result<Self, FieldError> {
        let unit_kinds = dedup(raw.unit_kinds);
        let unit_ids = dedup(raw.unit_ids);
        let award_levels = dedup(raw.award_levels);
        let units_given = !unit_kinds.is_empty() || !unit_ids.is_empty();
        if kind != TargetKind::ExemplarUnitShare && units_given {
            return Err(FieldError::new(
                "parameters.unitKinds",
                C::NotApplicable,
                msg!("target-rules-only-exemplar-unit-share"),
            ));
        }
        if kind != TargetKind::CentralHonouredExemplars && !award_levels.is_empty() {
            return Err(FieldError::new(
                "parameters.awardLevels",
                C::NotApplicable,
                msg!("target-rules-only-central-honoured-exemplars"),
            ));
        }
        match kind {
            TargetKind::ExemplarUnitShare if !units_given => {
                return Err(FieldError::new(
                    "parameters.unitKinds",
                    C::Required,
                    msg!("target-rules-give-unit-kinds-units"),
                ));
            }
            TargetKind::CentralHonouredExemplars if award_levels.is_empty() => {
                return Err(FieldError::new(
                    "parameters.awardLevels",
                    C::Required,
                    msg!("target-rules-give-award-levels-count"),
                ));
            }
            _ => {}
        }
        if unit_ids.len() > MAX_LISTED_UNITS {
            return Err(FieldError::new(
                "parameters.unitIds",
                C::TooMany,
                msg!("target-rules-most-units", max = MAX_LISTED_UNITS),
            ));
        }
        if let Some(_low) = award_levels
            .iter()
            .find(|l| !matches!(l, AwardLevel::Ministerial | AwardLevel::Central))
        {
            return Err(FieldError::new(
                "parameters.awardLevels",
                C::OutOfRange,
                msg!("target-rules-only-ministerial-central-awards"),
            ));
        }
        Ok(Self {
            unit_kinds,
            unit_ids,
            award_levels,
        })
    }
}

fn dedup<T: Eq + std::hash::Hash + Clone>(v: Vec<T>) -> Vec<T> {
    let mut seen = std::collections::HashSet::new();
    v.into_iter().filter(|x| seen.insert(x.clone())).collect()
}

/// The goal of a target: checked against its comparator and kind.
#[derive(Debug, Clone, PartialEq)]
pub struct Goal {
    pub comparator: Comparator,
    pub value: Decimal,
    pub max: Option<Decimal>,
    pub baseline: Decimal,
}

/// The largest goal or baseline a count target may state.
pub const MAX_GOAL: i64 = 1_000_000_000;

impl Goal {
    pub fn parse(kind: TargetKind, raw: Self) -> Result<Self, FieldError> {
        let ceiling = if kind.is_share() {
            Decimal::ONE_HUNDRED
        } else {
            Decimal::from(MAX_GOAL)
        };
        let in_range = |d: Decimal| d >= Decimal::ZERO && d <= ceiling;
        if !in_range(raw.value) {
            return Err(FieldError::new(
                "targetValue",
                C::OutOfRange,
                msg!("target-rules-goal-from", ceiling = ceiling),
            ));
        }
        if !in_range(raw.baseline) {
            return Err(FieldError::new(
                "baseline",
                C::OutOfRange,
                msg!("target-rules-baseline-from", ceiling = ceiling),
            ));
        }
        match (raw.comparator, raw.max) {
            (Comparator::Range, None) => Err(FieldError::new(
                "targetMax",
                C::Required,
                msg!("target-rules-range-goal-needs-upper"),
            )),
            (Comparator::Range, Some(max)) if max < raw.value || !in_range(max) => {
                Err(FieldError::new(
                    "targetMax",
                    C::OutOfRange,
                    msg!("target-rules-upper-bound-from-goal"),
                ))
            }
            (Comparator::AtLeast | Comparator::AtMost, Some(_)) => Err(FieldError::new(
                "targetMax",
                C::NotApplicable,
                msg!("target-rules-only-range-goal-has"),
            )),
            _ => Ok(raw),
        }
    }
}

// ---------------------------------------------------------------------------------------
// T1: campaigns with concrete criteria, and the fields they cover.

/// A campaign as target 1 sees it.
#[derive(Debug, Clone)]
pub struct CampaignFact {
    pub status: CampaignStatus,
    pub start: NaiveDate,
    pub end: NaiveDate,
    /// Tagged programme; None for an untagged campaign.
    pub programme: Option<Uuid>,
    /// Every criterion concrete (target value, unit label, positive weight).
    pub all_concrete: bool,
    pub fields: Vec<Uuid>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct T1Outcome {
    pub counted: i64,
    pub concrete: i64,
    /// Catalogue fields (in catalogue order) with no counted campaign whose criteria are all concrete.
    pub uncovered_fields: Vec<Uuid>,
}

/// Whether target 1 counts a campaign: launched or closed, overlapping the period, tagged
/// with the programme (or untagged, when the programme is the default one).
pub fn t1_counts(
    period: Period,
    programme: Uuid,
    programme_is_default: bool,
    c: &CampaignFact,
) -> bool {
    matches!(c.status, CampaignStatus::Launched | CampaignStatus::Closed)
        && period.overlaps(c.start, c.end)
        && match c.programme {
            Some(p) => p == programme,
            None => programme_is_default,
        }
}

/// Target 1: of the LAUNCHED or CLOSED campaigns running in the period that are tagged with
/// the programme (or untagged, when it is the default programme), how many have only
/// concrete criteria; and which fields no such concrete campaign covers.
pub fn t1(
    period: Period,
    programme: Uuid,
    programme_is_default: bool,
    fields: &[Uuid],
    campaigns: &[CampaignFact],
) -> T1Outcome {
    let counted: Vec<&CampaignFact> = campaigns
        .iter()
        .filter(|c| t1_counts(period, programme, programme_is_default, c))
        .collect();
    let concrete: Vec<&&CampaignFact> = counted.iter().filter(|c| c.all_concrete).collect();
    let covered: BTreeSet<Uuid> = concrete
        .iter()
        .flat_map(|c| c.fields.iter().copied())
        .collect();
    T1Outcome {
        counted: counted.len() as i64,
        concrete: concrete.len() as i64,
        uncovered_fields: fields
            .iter()
            .copied()
            .filter(|f| !covered.contains(f))
            .collect(),
    }
}

/// How target 1 combines its two parts: the value is the share, but the target is only
/// ACHIEVED when the share reaches the goal AND no field is uncovered; a full share with
/// fields uncovered reads ON_TRACK before the deadline and OFF_TRACK after it.
pub fn with_field_coverage(
    progress: Progress,
    uncovered_fields: usize,
    today: NaiveDate,
    deadline: NaiveDate,
) -> Progress {
    if progress.status != TargetStatus::Achieved || uncovered_fields == 0 {
        return progress;
    }
    let status = if today > deadline {
        TargetStatus::OffTrack
    } else {
        TargetStatus::OnTrack
    };
    Progress { status, ..progress }
}

// ---------------------------------------------------------------------------------------
// T2: units that built, nurtured and replicated a model, within the period.

#[derive(Debug, Clone)]
pub struct UnitFact {
    pub id: Uuid,
    pub path: String,
    pub kind: OrgUnitKind,
    pub is_active: bool,
    /// The unit that continues this one after a reorganisation (then it is inactive).
    pub successor: Option<Uuid>,
}

#[derive(Debug, Clone)]
pub struct ExemplarFact {
    pub id: Uuid,
    pub home_path: String,
    /// Stages reached, with their dates (the stage history).
    pub stages: Vec<(ExemplarStage, NaiveDate)>,
    /// Replications: the taking unit's path and the date.
    pub replications: Vec<(String, NaiveDate)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct T2Outcome {
    /// The units measured (the denominator), in the order given.
    pub units: Vec<Uuid>,
    /// The measured units that do not meet it yet.
    pub behind: Vec<Uuid>,
}

impl T2Outcome {
    pub fn qualified(&self) -> i64 {
        (self.units.len() - self.behind.len()) as i64
    }

    pub fn value(&self) -> Option<Decimal> {
        percent(self.qualified(), self.units.len() as i64)
    }
}

/// The units target 2 measures: active units of the configured kinds or listed by id,
/// leaving out any that lies inside another such unit (a village ward inside a ward is
/// part of it, not a second "đơn vị").
pub fn t2_units<'a>(params: &TargetParameters, units: &'a [UnitFact]) -> Vec<&'a UnitFact> {
    let chosen: Vec<&UnitFact> = units
        .iter()
        .filter(|u| u.is_active)
        .filter(|u| params.unit_kinds.contains(&u.kind) || params.unit_ids.contains(&u.id))
        .collect();
    chosen
        .iter()
        .copied()
        .filter(|u| {
            !chosen
                .iter()
                .any(|o| o.id != u.id && is_within(&u.path, &o.path))
        })
        .collect()
}

/// Whether a model counts for target 2 in the period: it reached NURTURED or beyond on a
/// day in the period, and the same model was replicated on a day in the period by a unit
/// outside its home unit's subtree.
pub fn t2_model_counts(period: Period, m: &ExemplarFact) -> bool {
    let nurtured = m
        .stages
        .iter()
        .any(|(s, d)| s.is_nurtured_or_beyond() && period.contains(*d));
    let replicated = m
        .replications
        .iter()
        .any(|(path, d)| period.contains(*d) && !is_within(path, &m.home_path));
    nurtured && replicated
}

/// Links of a succession chain followed, at most (A → B → C is two). Successions cannot
/// loop (a successor is active, a succeeded unit is not); this only bounds the work.
pub const MAX_SUCCESSION_HOPS: usize = 5;

/// Where a model's home lies today: its home unit's path, then, while that path lies in a
/// reorganised unit (one with a successor: the unit itself or a unit above it, the nearest
/// such), the successor's path, and so on along the chain. A reorganisation carries the
/// model over to the successor, so the successor's subtree holds it.
pub fn carried_homes(home_path: &str, units: &[UnitFact]) -> Vec<String> {
    let mut out = vec![home_path.to_owned()];
    for _ in 0..MAX_SUCCESSION_HOPS {
        let Some(last) = out.last() else { break };
        let nearest = units
            .iter()
            .filter(|u| u.successor.is_some() && is_within(last, &u.path))
            .max_by_key(|u| u.path.len());
        let next = nearest
            .and_then(|u| u.successor)
            .and_then(|s| units.iter().find(|u| u.id == s));
        match next {
            Some(s) if !out.contains(&s.path) => out.push(s.path.clone()),
            _ => break,
        }
    }
    out
}

/// Target 2: the share of the measured units having, in their subtree, the home of a model
/// that counts ([`t2_model_counts`]), the home carried over any reorganisation
/// ([`carried_homes`]): a model of a merged commune counts for the ward that succeeded it.
pub fn t2(
    period: Period,
    params: &TargetParameters,
    units: &[UnitFact],
    exemplars: &[ExemplarFact],
) -> T2Outcome {
    let measured = t2_units(params, units);
    let homes: Vec<String> = exemplars
        .iter()
        .filter(|m| t2_model_counts(period, m))
        .flat_map(|m| carried_homes(&m.home_path, units))
        .collect();
    let behind = measured
        .iter()
        .filter(|u| !homes.iter().any(|h| is_within(h, &u.path)))
        .map(|u| u.id)
        .collect();
    T2Outcome {
        units: measured.iter().map(|u| u.id).collect(),
        behind,
    }
}

// ---------------------------------------------------------------------------------------
// T3: models honoured by the centre.

#[derive(Debug, Clone)]
pub struct HonourFact {
    pub exemplar: Option<Uuid>,
    pub status: CommendationStatus,
    pub decision_date: Option<NaiveDate>,
    pub level: AwardLevel,
}

/// Whether a commendation honours a model for target 3: CONFERRED, of a counted award
/// level, decided on a day in the period.
pub fn t3_counts(period: Period, params: &TargetParameters, h: &HonourFact) -> bool {
    h.status == CommendationStatus::Conferred
        && params.award_levels.contains(&h.level)
        && h.decision_date.is_some_and(|d| period.contains(d))
}

/// Target 3: distinct models with a CONFERRED commendation of a counted award level whose
/// decision date lies in the period.
pub fn t3(period: Period, params: &TargetParameters, honours: &[HonourFact]) -> i64 {
    honours
        .iter()
        .filter(|h| t3_counts(period, params, h))
        .filter_map(|h| h.exemplar)
        .collect::<BTreeSet<_>>()
        .len() as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn u(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    fn p2025() -> Period {
        Period::parse(d(2022, 1, 1), d(2025, 12, 31)).unwrap()
    }

    #[test]
    fn horizons_accept_a_hyphen_and_answer_with_an_en_dash() {
        assert_eq!(normalise_horizon("2022-2025").as_deref(), Some("2022–2025"));
        assert_eq!(normalise_horizon("2022–2025").as_deref(), Some("2022–2025"));
        assert_eq!(
            normalise_horizon(" 2026 - 2030 ").as_deref(),
            Some("2026–2030")
        );
        assert_eq!(normalise_horizon("2022"), None);
        assert_eq!(normalise_horizon("abcd-2025"), None);
        assert_eq!(p2025().horizon(), "2022–2025");
    }

    #[test]
    fn a_period_ending_before_it_starts_is_refused() {
        let e = Period::parse(d(2026, 1, 1), d(2025, 12, 31)).unwrap_err();
        assert_eq!((e.field.as_str(), e.code), ("deadline", C::EndBeforeStart));
        let e = Period::parse(d(1999, 1, 1), d(2025, 12, 31)).unwrap_err();
        assert_eq!(e.code, C::OutOfRange);
    }

    /// Hand-worked T1. Programme P is the default; fields F1, F2, F3.
    /// - A: P, launched, concrete, field F1 → counted, concrete, covers F1
    /// - B: untagged, closed, not all concrete, field F2 → counted, not concrete, covers nothing
    /// - C: untagged, launched, concrete, fields F1 and F2 → counted, concrete, covers F1, F2
    /// - D: P, draft, concrete, F3 → not counted (never launched)
    /// - E: P, launched, concrete, F3, ran in 2021 → not counted (before the period)
    /// - G: other programme Q, launched, concrete, F3 → not counted
    ///
    /// Counted 3 (A, B, C), concrete 2 (A, C): 66.67 %; F3 uncovered.
    #[test]
    fn t1_hand_worked_fixture() {
        let (p, q) = (u(1), u(2));
        let (f1, f2, f3) = (u(11), u(12), u(13));
        let c = |status, programme, all_concrete, fields: &[Uuid], start, end| CampaignFact {
            status,
            start,
            end,
            programme,
            all_concrete,
            fields: fields.to_vec(),
        };
        let y = (d(2024, 1, 1), d(2024, 12, 31));
        let campaigns = [
            c(CampaignStatus::Launched, Some(p), true, &[f1], y.0, y.1),
            c(CampaignStatus::Closed, None, false, &[f2], y.0, y.1),
            c(CampaignStatus::Launched, None, true, &[f1, f2], y.0, y.1),
            c(CampaignStatus::Draft, Some(p), true, &[f3], y.0, y.1),
            c(
                CampaignStatus::Launched,
                Some(p),
                true,
                &[f3],
                d(2021, 1, 1),
                d(2021, 12, 31),
            ),
            c(CampaignStatus::Launched, Some(q), true, &[f3], y.0, y.1),
        ];
        let out = t1(p2025(), p, true, &[f1, f2, f3], &campaigns);
        assert_eq!((out.counted, out.concrete), (3, 2));
        assert_eq!(
            percent(out.concrete, out.counted),
            Some(Decimal::new(6667, 2))
        );
        assert_eq!(out.uncovered_fields, vec![f3]);
        // Q is not the default: only its own campaign counts, and it covers F3 only.
        let out_q = t1(p2025(), q, false, &[f1, f2, f3], &campaigns);
        assert_eq!((out_q.counted, out_q.concrete), (1, 1));
        assert_eq!(out_q.uncovered_fields, vec![f1, f2]);
    }

    #[test]
    fn t1_is_achieved_only_with_every_field_covered() {
        let achieved = Progress {
            status: TargetStatus::Achieved,
            share_of_target: Some(Decimal::ONE),
            expected_value: Decimal::ONE_HUNDRED,
        };
        let deadline = d(2025, 12, 31);
        assert_eq!(
            with_field_coverage(achieved.clone(), 0, d(2024, 1, 1), deadline).status,
            TargetStatus::Achieved
        );
        assert_eq!(
            with_field_coverage(achieved.clone(), 1, d(2024, 1, 1), deadline).status,
            TargetStatus::OnTrack
        );
        assert_eq!(
            with_field_coverage(achieved, 1, d(2026, 1, 1), deadline).status,
            TargetStatus::OffTrack
        );
    }

    /// Hand-worked T2 tree (paths): root /r/; grouping node /r/g/ (OTHER) holding wards
    /// W1 /r/g/w1/ and W2 /r/g/w2/; ward W3 /r/w3/ with village V /r/w3/v/ (a WARD by
    /// mistake: nested, so not measured twice); enterprise E /r/e/ (not a counted kind).
    /// Measured: W1, W2, W3 → denominator 3.
    /// - M1 home V, nurtured 2023, replicated to W1 in 2024 → counts: W3 qualifies.
    /// - M2 home W1, nurtured 2023, replicated in 2029 → outside 2022–2025, does not count.
    /// - M3 home W2, nurtured 2024, replicated to /r/g/w2/x/ (inside its own subtree) → no.
    /// - M4 home E, nurtured and replicated in 2024 → counts, but E is not measured.
    ///
    /// Qualified 1 of 3 = 33.33 %; behind: W1, W2.
    #[test]
    fn t2_hand_worked_fixture() {
        let unit = |n, path: &str, kind| UnitFact {
            id: u(n),
            path: path.into(),
            kind,
            is_active: true,
            successor: None,
        };
        let units = [
            unit(1, "/r/", OrgUnitKind::Province),
            unit(2, "/r/g/", OrgUnitKind::Other),
            unit(3, "/r/g/w1/", OrgUnitKind::Ward),
            unit(4, "/r/g/w2/", OrgUnitKind::Ward),
            unit(5, "/r/w3/", OrgUnitKind::Ward),
            unit(6, "/r/w3/v/", OrgUnitKind::Ward),
            unit(7, "/r/e/", OrgUnitKind::Enterprise),
        ];
        let model = |n, home: &str, nurtured, rep: (&str, NaiveDate)| ExemplarFact {
            id: u(n),
            home_path: home.into(),
            stages: vec![
                (ExemplarStage::Identified, d(2022, 3, 1)),
                (ExemplarStage::Nurtured, nurtured),
            ],
            replications: vec![(rep.0.into(), rep.1)],
        };
        let models = [
            model(21, "/r/w3/v/", d(2023, 5, 1), ("/r/g/w1/", d(2024, 2, 1))),
            model(22, "/r/g/w1/", d(2023, 5, 1), ("/r/g/w2/", d(2029, 2, 1))),
            model(23, "/r/g/w2/", d(2024, 5, 1), ("/r/g/w2/x/", d(2024, 6, 1))),
            model(24, "/r/e/", d(2024, 5, 1), ("/r/g/w1/", d(2024, 6, 1))),
        ];
        let params = TargetParameters::defaults_for(TargetKind::ExemplarUnitShare);
        let out = t2(p2025(), &params, &units, &models);
        assert_eq!(out.units, vec![u(3), u(4), u(5)]);
        assert_eq!(out.behind, vec![u(3), u(4)]);
        assert_eq!(out.value(), Some(Decimal::new(3333, 2)));
        // Nor does M2 count for 2026–2030: replicated then, but nurtured in 2023.
        let p2030 = Period::parse(d(2026, 1, 1), d(2030, 12, 31)).unwrap();
        assert!(!t2_model_counts(p2030, &models[1]));
        // An explicit list measures exactly the units listed.
        let listed = TargetParameters {
            unit_ids: vec![u(7)],
            ..TargetParameters::default()
        };
        let out = t2(p2025(), &listed, &units, &models);
        assert_eq!(
            (out.units.clone(), out.behind.clone()),
            (vec![u(7)], vec![])
        );
        assert_eq!(out.value(), Some(Decimal::ONE_HUNDRED));
    }

    /// Hand-worked T2 over a reorganisation (paths). Root /r/. Old district D /r/d/ (OTHER,
    /// inactive, succeeded by ward W /r/w/) held commune C /r/d/c/ (inactive with it, no
    /// successor of its own) and village V /r/d/c/v/ (inactive, succeeded by ward W3
    /// /r/w3/). Commune K /r/k/ was succeeded by commune K2 /r/k2/, itself later succeeded
    /// by ward W2 /r/w2/ (a chain). Ward W4 /r/w4/. All models nurtured 2023 and
    /// replicated by W4 in 2024 (outside their homes):
    /// - M1 home C → carried by D's succession to W: W qualifies.
    /// - M2 home K → K2 → W2: W2 qualifies.
    /// - M3 home V → W3 (V's own succession is the nearest, not D's): W3 qualifies.
    ///
    /// Measured: the active wards W, W2, W3, W4 (never D, C, K, K2 or V, which are
    /// inactive). Qualified 3 of 4 = 75 %; behind: W4. Before the reorganisation (every
    /// unit active, no successor) the communes C, K and K2 are measured too (D is OTHER, V
    /// a village): 7 units; C qualifies (M1, and M3 from V inside it) and K (M2): 2 of 7
    /// = 28.57 %.
    #[test]
    fn t2_carries_models_over_a_reorganisation() {
        let unit = |n, path: &str, kind, successor: Option<u128>| UnitFact {
            id: u(n),
            path: path.into(),
            kind,
            is_active: successor.is_none(),
            successor: successor.map(u),
        };
        use OrgUnitKind::*;
        let after = [
            unit(1, "/r/", Province, None),
            unit(2, "/r/d/", Other, Some(10)),
            // Inactive with D, no successor of its own.
            UnitFact {
                is_active: false,
                ..unit(3, "/r/d/c/", Commune, None)
            },
            unit(4, "/r/d/c/v/", Village, Some(12)),
            unit(5, "/r/k/", Commune, Some(6)),
            unit(6, "/r/k2/", Commune, Some(11)),
            unit(10, "/r/w/", Ward, None),
            unit(11, "/r/w2/", Ward, None),
            unit(12, "/r/w3/", Ward, None),
            unit(13, "/r/w4/", Ward, None),
        ];
        let model = |n, home: &str| ExemplarFact {
            id: u(n),
            home_path: home.into(),
            stages: vec![(ExemplarStage::Nurtured, d(2023, 5, 1))],
            replications: vec![("/r/w4/".into(), d(2024, 2, 1))],
        };
        let models = [
            model(21, "/r/d/c/"),
            model(22, "/r/k/"),
            model(23, "/r/d/c/v/"),
        ];
        assert_eq!(carried_homes("/r/d/c/", &after), vec!["/r/d/c/", "/r/w/"]);
        assert_eq!(
            carried_homes("/r/k/", &after),
            vec!["/r/k/", "/r/k2/", "/r/w2/"]
        );
        assert_eq!(
            carried_homes("/r/d/c/v/", &after),
            vec!["/r/d/c/v/", "/r/w3/"]
        );
        assert_eq!(carried_homes("/r/w4/", &after), vec!["/r/w4/"]);
        let params = TargetParameters::defaults_for(TargetKind::ExemplarUnitShare);
        let out = t2(p2025(), &params, &after, &models);
        assert_eq!(out.units, vec![u(10), u(11), u(12), u(13)]);
        assert_eq!(out.behind, vec![u(13)]);
        assert_eq!(out.value(), Some(Decimal::from(75)));

        // The same tree before the reorganisation.
        let before: Vec<UnitFact> = after
            .iter()
            .map(|f| UnitFact {
                is_active: true,
                successor: None,
                ..f.clone()
            })
            .collect();
        let out = t2(p2025(), &params, &before, &models);
        assert_eq!(
            out.units,
            vec![u(3), u(5), u(6), u(10), u(11), u(12), u(13)]
        );
        assert_eq!(out.behind, vec![u(6), u(10), u(11), u(12), u(13)]);
        assert_eq!(out.value(), Some(Decimal::new(2857, 2)));
    }

    /// Hand-worked T3 for 2026–2030 counting MINISTERIAL and CENTRAL:
    /// - M1: Bằng khen Thủ tướng (CENTRAL) 2027 and Bằng khen bộ (MINISTERIAL) 2028 → 1
    /// - M2: Bằng khen bộ (MINISTERIAL) 2026 → 1
    /// - M3: Bằng khen tỉnh (PROVINCIAL) 2027 → not counted (level)
    /// - M4: CENTRAL, decided 2025 → not counted (before the period)
    /// - M5: CENTRAL 2029 but only APPROVED → not counted (not conferred)
    ///
    /// Total 2; with CENTRAL only, 1.
    #[test]
    fn t3_hand_worked_fixture() {
        let h = |m, status, on: NaiveDate, level| HonourFact {
            exemplar: Some(u(m)),
            status,
            decision_date: Some(on),
            level,
        };
        use AwardLevel::*;
        use CommendationStatus::*;
        let honours = [
            h(1, Conferred, d(2027, 3, 1), Central),
            h(1, Conferred, d(2028, 3, 1), Ministerial),
            h(2, Conferred, d(2026, 3, 1), Ministerial),
            h(3, Conferred, d(2027, 3, 1), Provincial),
            h(4, Conferred, d(2025, 3, 1), Central),
            h(5, Approved, d(2029, 3, 1), Central),
        ];
        let period = Period::parse(d(2026, 1, 1), d(2030, 12, 31)).unwrap();
        let params = TargetParameters::defaults_for(TargetKind::CentralHonouredExemplars);
        assert_eq!(t3(period, &params, &honours), 2);
        let central_only = TargetParameters {
            award_levels: vec![Central],
            ..TargetParameters::default()
        };
        assert_eq!(t3(period, &central_only, &honours), 1);
    }

    #[test]
    fn parameters_must_fit_the_kind_of_target() {
        let e = TargetParameters::parse(TargetKind::ExemplarUnitShare, TargetParameters::default())
            .unwrap_err();
        assert_eq!(e.code, C::Required);
        let e = TargetParameters::parse(
            TargetKind::Manual,
            TargetParameters {
                award_levels: vec![AwardLevel::Central],
                ..TargetParameters::default()
            },
        )
        .unwrap_err();
        assert_eq!(e.code, C::NotApplicable);
        let e = TargetParameters::parse(
            TargetKind::CentralHonouredExemplars,
            TargetParameters {
                award_levels: vec![AwardLevel::Provincial],
                ..TargetParameters::default()
            },
        )
        .unwrap_err();
        assert_eq!(e.code, C::OutOfRange);
        let ok = TargetParameters::parse(
            TargetKind::CentralHonouredExemplars,
            TargetParameters {
                award_levels: vec![AwardLevel::Central, AwardLevel::Central],
                ..TargetParameters::default()
            },
        )
        .unwrap();
        assert_eq!(ok.award_levels, vec![AwardLevel::Central]);
    }

    #[test]
    fn goals_are_bounded_by_their_kind() {
        let g = |comparator, value: i64, max: Option<i64>| Goal {
            comparator,
            value: Decimal::from(value),
            max: max.map(Decimal::from),
            baseline: Decimal::ZERO,
        };
        let e = Goal::parse(
            TargetKind::ConcreteCriteriaShare,
            g(Comparator::AtLeast, 101, None),
        )
        .unwrap_err();
        assert_eq!((e.field.as_str(), e.code), ("targetValue", C::OutOfRange));
        assert!(Goal::parse(TargetKind::Manual, g(Comparator::AtLeast, 101, None)).is_ok());
        let e = Goal::parse(TargetKind::Manual, g(Comparator::AtLeast, -1, None)).unwrap_err();
        assert_eq!(e.code, C::OutOfRange);
        let e = Goal::parse(TargetKind::Manual, g(Comparator::Range, 7, None)).unwrap_err();
        assert_eq!(e.code, C::Required);
        let e = Goal::parse(TargetKind::Manual, g(Comparator::Range, 7, Some(5))).unwrap_err();
        assert_eq!(e.code, C::OutOfRange);
        assert!(Goal::parse(TargetKind::Manual, g(Comparator::Range, 7, Some(10))).is_ok());
    }
}
