//! A computed target split by the units directly under the province (issue 12, point 6:
//! "which wards hold T2 back"). Each row applies the target's own definition to what one
//! top-level unit holds, so the rows of the whole province add up exactly to the target's
//! figure. The SQL in `thidua_persistence::target_breakdown` counts the rows; the `*_by_top_level`
//! functions below are the reference it is held to, and [`assemble`] decides what a caller
//! sees of them.
//!
//! Where a row belongs:
//! - T1 (`CONCRETE_CRITERIA_SHARE`): the top-level unit holding the campaign's launching
//!   unit; campaigns the province itself launched make a row for the root unit.
//! - T2 (`EXEMPLAR_UNIT_SHARE`): the top-level unit holding the measured unit (the root
//!   itself only when the definition measures the root).
//! - T3 (`CENTRAL_HONOURED_EXEMPLARS`): the top-level unit holding the model's home unit
//!   (the root for a model of the province's own).
//! - `MANUAL` targets are a single entered figure: they do not split.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::access::{Action, Grant};
use crate::bounds::DateRange;
use crate::error::{FieldError, UserErrorCode as C};
use crate::msg;
use crate::org_unit::is_within;
use crate::target::percent;
use crate::target_rules::{
    CampaignFact, ExemplarFact, HonourFact, Period, TargetKind, TargetParameters, UnitFact,
    carried_homes, t1_counts, t2_model_counts, t2_units, t3_counts,
};

/// What a row's numbers are: parts of a share (T1, T2) or a plain count (T3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    /// `counted` of `total`, in percent.
    Share,
    /// `counted` itself.
    Count,
}

impl Measure {
    /// How a target of `kind` splits; None when it does not (a manual value).
    pub fn of(kind: TargetKind) -> Option<Self> {
        match kind {
            TargetKind::Manual => None,
            TargetKind::ConcreteCriteriaShare | TargetKind::ExemplarUnitShare => Some(Self::Share),
            TargetKind::CentralHonouredExemplars => Some(Self::Count),
        }
    }
}

/// One top-level unit's part of a target, as counted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitCount {
    /// The path of the unit directly under the root (or of the root itself).
    pub path: String,
    /// Its part of the numerator: T1 campaigns with only concrete criteria, T2 measured
    /// units that qualify, T3 models honoured.
    pub counted: i64,
    /// Its part of the denominator: T1 campaigns counted, T2 units measured; None for T3.
    pub total: Option<i64>,
    /// T2: the distinct models that make its measured units qualify; None otherwise.
    pub models: Option<i64>,
}

/// The path of the unit directly under the root that holds `path` (the root's own path
/// for the root): `/r/a/b/` → `/r/a/`, `/r/` → `/r/`.
pub fn top_level_path(path: &str) -> &str {
    match path.match_indices('/').nth(2) {
        Some((i, _)) => &path[..=i],
        None => path,
    }
}

/// The days a breakdown counts: the target's period, or a part of it. `from` and `to` are
/// ordered and a closed range spans at most 10 years ([`DateRange`]); both lie in the
/// target's period (OUT_OF_RANGE), so the default window is the definition itself.
pub fn window(
    target: Period,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> Result<Period, FieldError> {
    DateRange::parse(from, to)?;
    let outside = |field: &str| {
        FieldError::new(
            field,
            C::OutOfRange,
            msg!(
                "target-breakdown-outside-period",
                from = target.start.to_string(),
                to = target.end.to_string()
            ),
        )
    };
    let start = from.unwrap_or(target.start);
    let end = to.unwrap_or(target.end);
    if !target.contains(start) {
        return Err(outside("from"));
    }
    if !target.contains(end) {
        return Err(outside("to"));
    }
    // Both in the period and, when both were given, ordered; one alone is ordered against
    // the period's other end.
    Ok(Period { start, end })
}

/// One row a caller sees.
#[derive(Debug, Clone, PartialEq)]
pub struct Row<T> {
    /// Whatever identifies the unit to the caller (an id).
    pub unit: T,
    pub count: UnitCount,
    /// The row's own share in percent (T1, T2; None without a denominator) or count (T3).
    pub value: Option<Decimal>,
    /// A share row below 100 %: something in this unit keeps the target from its goal (for
    /// T2, a measured unit without a qualifying model). A count (T3) has no per-unit
    /// shortfall: always false.
    pub holds_back: bool,
}

/// The rows a caller may see and their sums.
#[derive(Debug, Clone, PartialEq)]
pub struct Breakdown<T> {
    pub rows: Vec<Row<T>>,
    /// Every row is shown (the caller reads every top-level unit that has one): the sums
    /// are then the target's own figure.
    pub complete: bool,
    pub counted: i64,
    /// Sum of the shown rows' denominators (shares only).
    pub total: Option<i64>,
    /// The share (or count) over the shown rows.
    pub value: Option<Decimal>,
}

/// Keeps the rows whose unit the caller may read (a read grant on it or above it: a ward
/// manager sees their ward's row, a province-wide reader every row, a reader of a village
/// only no row, since a row is the whole top-level unit's figure), with their own values
/// and their sums.
pub fn assemble<T>(measure: Measure, rows: Vec<(T, UnitCount)>, grants: &[Grant]) -> Breakdown<T> {
    let all = rows.len();
    let readable = |path: &str| {
        grants
            .iter()
            .any(|g| g.role.permits(Action::Read) && is_within(path, &g.unit_path))
    };
    let rows: Vec<Row<T>> = rows
        .into_iter()
        .filter(|(_, c)| readable(&c.path))
        .map(|(unit, count)| Row {
            unit,
            value: value_of(measure, count.counted, count.total),
            holds_back: measure == Measure::Share && count.total.is_some_and(|t| count.counted < t),
            count,
        })
        .collect();
    let counted = rows.iter().map(|r| r.count.counted).sum();
    let total = (measure == Measure::Share)
        .then(|| rows.iter().map(|r| r.count.total.unwrap_or(0)).sum::<i64>());
    Breakdown {
        complete: rows.len() == all,
        value: value_of(measure, counted, total),
        counted,
        total,
        rows,
    }
}

fn value_of(measure: Measure, counted: i64, total: Option<i64>) -> Option<Decimal> {
    match measure {
        Measure::Share => total.and_then(|t| percent(counted, t)),
        Measure::Count => Some(Decimal::from(counted)),
    }
}

/// Target 1 per top-level unit of the launching unit: (launching unit's path, campaign).
/// The rows are in path order.
pub fn t1_by_top_level(
    period: Period,
    programme: Uuid,
    programme_is_default: bool,
    campaigns: &[(&str, CampaignFact)],
) -> Vec<UnitCount> {
    let mut rows: BTreeMap<&str, (i64, i64)> = BTreeMap::new();
    for (launcher, c) in campaigns {
        if t1_counts(period, programme, programme_is_default, c) {
            let r = rows.entry(top_level_path(launcher)).or_default();
            r.1 += 1;
            r.0 += i64::from(c.all_concrete);
        }
    }
    rows.into_iter()
        .map(|(path, (concrete, counted))| UnitCount {
            path: path.to_owned(),
            counted: concrete,
            total: Some(counted),
            models: None,
        })
        .collect()
}

/// Target 2 per top-level unit of the measured units: how many it measures, how many
/// qualify, and the distinct counting models (homes carried over reorganisations) that
/// make them qualify. Top-level units measuring nothing have no row. Path order.
pub fn t2_by_top_level(
    period: Period,
    params: &TargetParameters,
    units: &[UnitFact],
    exemplars: &[ExemplarFact],
) -> Vec<UnitCount> {
    let counting: Vec<(Uuid, Vec<String>)> = exemplars
        .iter()
        .filter(|m| t2_model_counts(period, m))
        .map(|m| (m.id, carried_homes(&m.home_path, units)))
        .collect();
    let mut rows: BTreeMap<&str, (i64, i64, BTreeSet<Uuid>)> = BTreeMap::new();
    for u in t2_units(params, units) {
        let makers: Vec<Uuid> = counting
            .iter()
            .filter(|(_, homes)| homes.iter().any(|h| is_within(h, &u.path)))
            .map(|(id, _)| *id)
            .collect();
        let r = rows.entry(top_level_path(&u.path)).or_default();
        r.1 += 1;
        r.0 += i64::from(!makers.is_empty());
        r.2.extend(makers);
    }
    rows.into_iter()
        .map(|(path, (qualified, measured, models))| UnitCount {
            path: path.to_owned(),
            counted: qualified,
            total: Some(measured),
            models: Some(models.len() as i64),
        })
        .collect()
}

/// Target 3 per top-level unit of the model's home unit: (home unit's path, honour).
/// A model honoured twice counts once, in the one row of its home. Path order.
pub fn t3_by_top_level(
    period: Period,
    params: &TargetParameters,
    honours: &[(&str, HonourFact)],
) -> Vec<UnitCount> {
    let mut rows: BTreeMap<&str, BTreeSet<Uuid>> = BTreeMap::new();
    for (home, h) in honours {
        if let (true, Some(m)) = (t3_counts(period, params, h), h.exemplar) {
            rows.entry(top_level_path(home)).or_default().insert(m);
        }
    }
    rows.into_iter()
        .map(|(path, models)| UnitCount {
            path: path.to_owned(),
            counted: models.len() as i64,
            total: None,
            models: None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::Role;
    use crate::award::AwardLevel;
    use crate::campaign::CampaignStatus;
    use crate::commendation::CommendationStatus;
    use crate::exemplar::ExemplarStage;
    use crate::org_unit::OrgUnitKind;
    use crate::target_rules::{t1, t2, t3};

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn u(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    fn p2025() -> Period {
        Period::parse(d(2022, 1, 1), d(2025, 12, 31)).unwrap()
    }

    fn sums(rows: &[UnitCount]) -> (i64, i64) {
        (
            rows.iter().map(|r| r.counted).sum(),
            rows.iter().map(|r| r.total.unwrap_or(0)).sum(),
        )
    }

    fn grant(role: Role, path: &str) -> Grant {
        Grant {
            role,
            unit_path: path.into(),
        }
    }

    #[test]
    fn the_top_level_unit_is_the_second_step_of_the_path() {
        assert_eq!(top_level_path("/r/a/b/c/"), "/r/a/");
        assert_eq!(top_level_path("/r/a/"), "/r/a/");
        assert_eq!(top_level_path("/r/"), "/r/");
    }

    #[test]
    fn only_computed_targets_split() {
        assert_eq!(Measure::of(TargetKind::Manual), None);
        assert_eq!(
            Measure::of(TargetKind::ExemplarUnitShare),
            Some(Measure::Share)
        );
        assert_eq!(
            Measure::of(TargetKind::CentralHonouredExemplars),
            Some(Measure::Count)
        );
    }

    /// The T2 hand-worked tree of `target_rules` (grouping node G holding wards W1 and W2,
    /// ward W3 with a nested "ward" V, enterprise E): G's row measures W1 and W2, neither
    /// qualifies (it holds T2 back); W3's row measures W3, which M1 (home V) makes qualify.
    /// 0 + 1 of 2 + 1 = 1 of 3 = 33.33 %, the target's own figure.
    #[test]
    fn t2_rows_add_up_to_the_target() {
        let unit = |n, path: &str, kind| UnitFact {
            id: u(n),
            path: path.into(),
            kind,
            is_active: true,
            successor: None,
        };
        use OrgUnitKind::*;
        let units = [
            unit(1, "/r/", Province),
            unit(2, "/r/g/", Other),
            unit(3, "/r/g/w1/", Ward),
            unit(4, "/r/g/w2/", Ward),
            unit(5, "/r/w3/", Ward),
            unit(6, "/r/w3/v/", Ward),
            unit(7, "/r/e/", Enterprise),
        ];
        let model = |n, home: &str, rep: (&str, NaiveDate)| ExemplarFact {
            id: u(n),
            home_path: home.into(),
            stages: vec![(ExemplarStage::Nurtured, d(2023, 5, 1))],
            replications: vec![(rep.0.into(), rep.1)],
        };
        let models = [
            model(21, "/r/w3/v/", ("/r/g/w1/", d(2024, 2, 1))),
            model(22, "/r/g/w1/", ("/r/g/w2/", d(2029, 2, 1))),
            model(23, "/r/g/w2/", ("/r/g/w2/x/", d(2024, 6, 1))),
            model(24, "/r/e/", ("/r/g/w1/", d(2024, 6, 1))),
            // A second model for W3: two models, still one unit.
            model(25, "/r/w3/", ("/r/e/", d(2024, 6, 1))),
        ];
        let params = TargetParameters::defaults_for(TargetKind::ExemplarUnitShare);
        let rows = t2_by_top_level(p2025(), &params, &units, &models);
        assert_eq!(
            rows,
            vec![
                UnitCount {
                    path: "/r/g/".into(),
                    counted: 0,
                    total: Some(2),
                    models: Some(0)
                },
                UnitCount {
                    path: "/r/w3/".into(),
                    counted: 1,
                    total: Some(1),
                    models: Some(2)
                },
            ]
        );
        let whole = t2(p2025(), &params, &units, &models);
        assert_eq!(sums(&rows), (whole.qualified(), whole.units.len() as i64));
        let b = assemble(
            Measure::Share,
            rows.into_iter().map(|r| (r.path.clone(), r)).collect(),
            &[grant(Role::Viewer, "/r/")],
        );
        assert!(b.complete);
        assert_eq!(b.value, whole.value());
        let held: Vec<(&str, bool)> = b
            .rows
            .iter()
            .map(|r| (r.unit.as_str(), r.holds_back))
            .collect();
        assert_eq!(held, [("/r/g/", true), ("/r/w3/", false)]);
        assert_eq!(b.rows[0].value, Some(Decimal::ZERO));
        assert_eq!(b.rows[1].value, Some(Decimal::ONE_HUNDRED));
    }

    /// The reorganised tree of `target_rules`: each model is carried to its successor's
    /// row (W, W2, W3 qualify; W4 holds T2 back): 3 of 4, the target's 75 %.
    #[test]
    fn t2_rows_follow_models_over_a_reorganisation() {
        let unit = |n, path: &str, kind, successor: Option<u128>| UnitFact {
            id: u(n),
            path: path.into(),
            kind,
            is_active: successor.is_none(),
            successor: successor.map(u),
        };
        use OrgUnitKind::*;
        let units = [
            unit(1, "/r/", Province, None),
            unit(2, "/r/d/", Other, Some(10)),
            UnitFact {
                is_active: false,
                ..unit(3, "/r/d/c/", Commune, None)
            },
            unit(5, "/r/k/", Commune, Some(6)),
            unit(6, "/r/k2/", Commune, Some(11)),
            unit(10, "/r/w/", Ward, None),
            unit(11, "/r/w2/", Ward, None),
            unit(13, "/r/w4/", Ward, None),
        ];
        let model = |n, home: &str| ExemplarFact {
            id: u(n),
            home_path: home.into(),
            stages: vec![(ExemplarStage::Nurtured, d(2023, 5, 1))],
            replications: vec![("/r/w4/".into(), d(2024, 2, 1))],
        };
        let models = [model(21, "/r/d/c/"), model(22, "/r/k/")];
        let params = TargetParameters::defaults_for(TargetKind::ExemplarUnitShare);
        let rows = t2_by_top_level(p2025(), &params, &units, &models);
        let got: Vec<(&str, i64, Option<i64>)> = rows
            .iter()
            .map(|r| (r.path.as_str(), r.counted, r.models))
            .collect();
        assert_eq!(
            got,
            [
                ("/r/w/", 1, Some(1)),
                ("/r/w2/", 1, Some(1)),
                ("/r/w4/", 0, Some(0))
            ]
        );
        let whole = t2(p2025(), &params, &units, &models);
        assert_eq!(sums(&rows), (whole.qualified(), whole.units.len() as i64));
    }

    /// The T1 hand-worked campaigns of `target_rules`, launched by: A the province, B and C
    /// ward X, the rest (not counted) ward Y. Rows: the province 1 of 1, X 1 of 2 (B is
    /// vague: X holds T1 back); together 2 of 3, the target's 66.67 %.
    #[test]
    fn t1_rows_follow_the_launching_unit() {
        let (p, q) = (u(1), u(2));
        let c = |status, programme, all_concrete, start, end| CampaignFact {
            status,
            start,
            end,
            programme,
            all_concrete,
            fields: vec![],
        };
        let y = (d(2024, 1, 1), d(2024, 12, 31));
        use CampaignStatus::*;
        let campaigns = [
            ("/r/", c(Launched, Some(p), true, y.0, y.1)),
            ("/r/x/", c(Closed, None, false, y.0, y.1)),
            ("/r/x/v/", c(Launched, None, true, y.0, y.1)),
            ("/r/y/", c(Draft, Some(p), true, y.0, y.1)),
            (
                "/r/y/",
                c(Launched, Some(p), true, d(2021, 1, 1), d(2021, 12, 31)),
            ),
            ("/r/y/", c(Launched, Some(q), true, y.0, y.1)),
        ];
        let rows = t1_by_top_level(p2025(), p, true, &campaigns);
        let got: Vec<(&str, i64, Option<i64>)> = rows
            .iter()
            .map(|r| (r.path.as_str(), r.counted, r.total))
            .collect();
        assert_eq!(got, [("/r/", 1, Some(1)), ("/r/x/", 1, Some(2))]);
        let facts: Vec<CampaignFact> = campaigns.iter().map(|(_, c)| c.clone()).collect();
        let whole = t1(p2025(), p, true, &[], &facts);
        assert_eq!(sums(&rows), (whole.concrete, whole.counted));
        let b = assemble(
            Measure::Share,
            rows.into_iter().map(|r| ((), r)).collect(),
            &[],
        );
        assert_eq!((b.rows.len(), b.complete), (0, false));
    }

    /// The T3 hand-worked honours of `target_rules`, M1 and M4 homed in ward A, M2 and M3 in
    /// ward B: A 1 (M1, honoured twice), B 1 (M2): the target's 2.
    #[test]
    fn t3_rows_count_each_model_once_in_its_home() {
        let h = |m, status, on: NaiveDate, level| HonourFact {
            exemplar: Some(u(m)),
            status,
            decision_date: Some(on),
            level,
        };
        use AwardLevel::*;
        use CommendationStatus::*;
        let honours = [
            ("/r/a/", h(1, Conferred, d(2027, 3, 1), Central)),
            ("/r/a/", h(1, Conferred, d(2028, 3, 1), Ministerial)),
            ("/r/b/c/", h(2, Conferred, d(2026, 3, 1), Ministerial)),
            ("/r/b/", h(3, Conferred, d(2027, 3, 1), Provincial)),
            ("/r/a/", h(4, Conferred, d(2025, 3, 1), Central)),
            ("/r/b/", h(5, Approved, d(2029, 3, 1), Central)),
        ];
        let period = Period::parse(d(2026, 1, 1), d(2030, 12, 31)).unwrap();
        let params = TargetParameters::defaults_for(TargetKind::CentralHonouredExemplars);
        let rows = t3_by_top_level(period, &params, &honours);
        let got: Vec<(&str, i64)> = rows.iter().map(|r| (r.path.as_str(), r.counted)).collect();
        assert_eq!(got, [("/r/a/", 1), ("/r/b/", 1)]);
        let facts: Vec<HonourFact> = honours.iter().map(|(_, h)| h.clone()).collect();
        assert_eq!(sums(&rows).0, t3(period, &params, &facts));
        let b = assemble(
            Measure::Count,
            rows.into_iter().map(|r| ((), r)).collect(),
            &[grant(Role::Admin, "/r/")],
        );
        assert_eq!((b.value, b.total), (Some(Decimal::from(2)), None));
        assert!(b.rows.iter().all(|r| !r.holds_back));
    }

    #[test]
    fn a_caller_sees_the_rows_of_the_units_they_read() {
        let row = |path: &str, counted, total| {
            (
                path.to_owned(),
                UnitCount {
                    path: path.into(),
                    counted,
                    total: Some(total),
                    models: Some(counted),
                },
            )
        };
        let rows = || vec![row("/r/a/", 1, 1), row("/r/b/", 0, 2), row("/r/c/", 1, 1)];
        // A ward viewer: its own row, the sums over it alone.
        let b = assemble(Measure::Share, rows(), &[grant(Role::Viewer, "/r/b/")]);
        assert_eq!(b.rows.len(), 1);
        assert!(!b.complete);
        assert_eq!(
            (b.counted, b.total, b.value),
            (0, Some(2), Some(Decimal::ZERO))
        );
        assert!(b.rows[0].holds_back);
        // Two wards.
        let b = assemble(
            Measure::Share,
            rows(),
            &[grant(Role::Viewer, "/r/a/"), grant(Role::Manager, "/r/c/")],
        );
        assert_eq!((b.counted, b.total), (2, Some(2)));
        // Below a top-level unit: no row (a row is the whole unit's figure).
        let b = assemble(Measure::Share, rows(), &[grant(Role::Admin, "/r/b/x/")]);
        assert!(b.rows.is_empty());
        assert_eq!((b.total, b.value), (Some(0), None));
        // The province: every row, the target's figure.
        let b = assemble(Measure::Share, rows(), &[grant(Role::Viewer, "/r/")]);
        assert!(b.complete);
        assert_eq!(b.value, Some(Decimal::new(5000, 2)));
    }

    #[test]
    fn the_window_lies_in_the_targets_period() {
        let p = p2025();
        assert_eq!(window(p, None, None).unwrap(), p);
        let w = window(p, Some(d(2024, 1, 1)), Some(d(2024, 12, 31))).unwrap();
        assert_eq!((w.start, w.end), (d(2024, 1, 1), d(2024, 12, 31)));
        assert_eq!(window(p, Some(d(2025, 1, 1)), None).unwrap().end, p.end);
        let e = window(p, Some(d(2021, 12, 31)), None).unwrap_err();
        assert_eq!((e.field.as_str(), e.code), ("from", C::OutOfRange));
        let e = window(p, None, Some(d(2026, 1, 1))).unwrap_err();
        assert_eq!((e.field.as_str(), e.code), ("to", C::OutOfRange));
        let e = window(p, None, Some(d(2021, 1, 1))).unwrap_err();
        assert_eq!((e.field.as_str(), e.code), ("to", C::OutOfRange));
        let e = window(p, Some(d(2025, 1, 2)), Some(d(2025, 1, 1))).unwrap_err();
        assert_eq!((e.field.as_str(), e.code), ("to", C::EndBeforeStart));
        let long = Period::parse(d(2000, 1, 1), d(2100, 12, 31)).unwrap();
        let e = window(long, Some(d(2000, 1, 1)), Some(d(2011, 1, 1))).unwrap_err();
        assert_eq!((e.field.as_str(), e.code), ("to", C::OutOfRange));
        // The definition's own period, however long, is the default.
        assert_eq!(window(long, None, None).unwrap(), long);
    }
}
