//! Dashboard counts of commendations and exemplary models: the dimensions a count may be
//! grouped by, the bounds on a request, and which subtrees a caller's figures cover.
//! The counting itself is SQL (`thidua_persistence::stats`); this module decides what may
//! be asked.

use crate::access::{Action, Grant};
use crate::bounds::YearRange;
use crate::error::{FieldError, UserErrorCode as C};
use crate::msg;
use crate::org_unit::is_within;

/// What commendations can be counted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CommendationDimension {
    /// The award's level (cơ sở, huyện, tỉnh, bộ, trung ương).
    Level,
    /// The award's category (danh hiệu, huân chương, bằng khen…).
    Category,
    /// Loại hình khen thưởng.
    Kind,
    /// Unit, exemplary model, person or household.
    RecipientType,
    /// The year the achievement is for (`awardYear`).
    Year,
    /// The unit directly under the province root that holds the recipient's unit.
    TopLevelUnit,
    /// The field of the exemplary model the commendation is linked to.
    Field,
    /// Collective or individual.
    Individual,
}

impl CommendationDimension {
    pub const ALL: [Self; 8] = [
        Self::Level,
        Self::Category,
        Self::Kind,
        Self::RecipientType,
        Self::Year,
        Self::TopLevelUnit,
        Self::Field,
        Self::Individual,
    ];
}

/// What exemplary models can be counted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExemplarDimension {
    Stage,
    Field,
    /// The model's own (home) unit.
    HomeUnit,
    /// The unit directly under the province root that holds the home unit.
    TopLevelUnit,
    /// Collective or individual.
    Kind,
}

impl ExemplarDimension {
    pub const ALL: [Self; 5] = [
        Self::Stage,
        Self::Field,
        Self::HomeUnit,
        Self::TopLevelUnit,
        Self::Kind,
    ];
}

/// A `groupBy` list checked: no dimension twice (DUPLICATE), so never longer than the
/// dimensions there are (OUT_OF_RANGE guards a list longer than that before it is scanned).
/// An empty list is allowed: it asks for the total only.
pub fn group_by<D: Copy + Eq>(dims: &[D], max: usize) -> Result<Vec<D>, FieldError> {
    if dims.len() > max {
        return Err(FieldError::new(
            "groupBy",
            C::OutOfRange,
            msg!("stats-group-by-too-long", max = max),
        ));
    }
    let mut out: Vec<D> = Vec::with_capacity(dims.len());
    for d in dims {
        if out.contains(d) {
            return Err(FieldError::new(
                "groupBy",
                C::Duplicate,
                msg!("stats-group-by-duplicate"),
            ));
        }
        out.push(*d);
    }
    Ok(out)
}

/// The years a dashboard count covers: `from` no later than `to`, at most
/// [`MAX_YEARS`](Self::MAX_YEARS) years, so a query never scans an unbounded history.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatsYears(YearRange);

impl StatsYears {
    pub const MAX_YEARS: i32 = 10;

    pub fn parse(from: i32, to: i32) -> Result<Self, FieldError> {
        YearRange::parse_within(from, to, Self::MAX_YEARS).map(Self)
    }

    pub const fn from(self) -> i32 {
        self.0.from().get()
    }

    pub const fn to(self) -> i32 {
        self.0.to().get()
    }

    /// Every year of the range, in order (at most `MAX_YEARS`).
    pub fn years(self) -> impl Iterator<Item = i32> {
        self.from()..=self.to()
    }
}

/// Why a caller gets no figures for the subtree asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutOfReach;

/// The subtrees (materialised paths) a caller's counts cover. With `requested` (the
/// path of the unit asked for), that subtree, if some read grant holds it; without, every
/// subtree the caller may read, nested ones dropped (a ward inside a province-wide grant
/// is already counted), so no record is counted twice.
pub fn scope(grants: &[Grant], requested: Option<&str>) -> Result<Vec<String>, OutOfReach> {
    let readable: Vec<&str> = grants
        .iter()
        .filter(|g| g.role.permits(Action::Read))
        .map(|g| g.unit_path.as_str())
        .collect();
    match requested {
        Some(path) => {
            if readable.iter().any(|g| is_within(path, g)) {
                Ok(vec![path.to_owned()])
            } else {
                Err(OutOfReach)
            }
        }
        None => {
            let mut roots: Vec<String> = Vec::new();
            for p in &readable {
                let covered = readable
                    .iter()
                    .any(|q| q != p && is_within(p, q) && q.len() < p.len());
                if !covered && !roots.iter().any(|r| r == p) {
                    roots.push((*p).to_owned());
                }
            }
            if roots.is_empty() {
                Err(OutOfReach)
            } else {
                Ok(roots)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::Role;

    fn g(role: Role, path: &str) -> Grant {
        Grant {
            role,
            unit_path: path.into(),
        }
    }

    #[test]
    fn group_by_refuses_duplicates_and_overlong_lists() {
        use CommendationDimension as D;
        assert_eq!(group_by::<D>(&[], 8).unwrap(), vec![]);
        assert_eq!(
            group_by(&[D::Year, D::Level], 8).unwrap(),
            vec![D::Year, D::Level]
        );
        let dup = group_by(&[D::Year, D::Level, D::Year], 8).unwrap_err();
        assert_eq!((dup.code, dup.field.as_str()), (C::Duplicate, "groupBy"));
        let long = group_by(&[D::Year; 9], 8).unwrap_err();
        assert_eq!(long.code, C::OutOfRange);
        // Every dimension once is the longest list allowed.
        assert_eq!(group_by(&D::ALL, D::ALL.len()).unwrap().len(), 8);
    }

    #[test]
    fn years_are_ordered_and_at_most_ten() {
        assert_eq!(StatsYears::parse(2020, 2029).unwrap().years().count(), 10);
        assert_eq!(StatsYears::parse(2025, 2025).unwrap().years().count(), 1);
        let wide = StatsYears::parse(2020, 2030).unwrap_err();
        assert_eq!((wide.code, wide.field.as_str()), (C::OutOfRange, "toYear"));
        let inverted = StatsYears::parse(2026, 2025).unwrap_err();
        assert_eq!(inverted.code, C::EndBeforeStart);
        assert_eq!(
            StatsYears::parse(i32::MIN, 2025).unwrap_err().field,
            "fromYear"
        );
        assert_eq!(
            StatsYears::parse(2025, i32::MAX).unwrap_err().field,
            "toYear"
        );
    }

    #[test]
    fn scope_is_the_readable_subtrees_without_nesting() {
        let ward = g(Role::Viewer, "/r/a/");
        let other = g(Role::Reporter, "/r/b/");
        let province = g(Role::Manager, "/r/");
        assert_eq!(
            scope(std::slice::from_ref(&ward), None).unwrap(),
            vec!["/r/a/"]
        );
        assert_eq!(
            scope(&[ward.clone(), other.clone()], None).unwrap(),
            vec!["/r/a/", "/r/b/"]
        );
        assert_eq!(
            scope(&[ward.clone(), province.clone(), ward.clone()], None).unwrap(),
            vec!["/r/"]
        );
        assert_eq!(
            scope(std::slice::from_ref(&ward), Some("/r/a/x/")).unwrap(),
            vec!["/r/a/x/"]
        );
        assert_eq!(
            scope(std::slice::from_ref(&ward), Some("/r/b/")),
            Err(OutOfReach)
        );
        assert_eq!(scope(&[ward], Some("/r/")), Err(OutOfReach));
        assert_eq!(scope(&[province], Some("/r/b/")).unwrap(), vec!["/r/b/"]);
        assert_eq!(scope(&[], None), Err(OutOfReach));
    }
}
