//! Org units (cơ quan, địa phương, đơn vị) and their tree.
//!
//! Each unit stores a materialised path of ancestor ids (`/root/…/self/`), so "is X in
//! the subtree of Y" is a prefix test, both here and in SQL (`LIKE 'path%'`).

use crate::msg;
use uuid::Uuid;

use crate::error::{FieldError, UserErrorCode};

string_enum!(
    /// Since the 2025 reorganisation Quảng Ninh has no district level: departments and
    /// commune-level units sit directly under the province.
    OrgUnitKind (stored_len = 40) {
        Province => "PROVINCE",
        Department => "DEPARTMENT",
        Ward => "WARD",
        Commune => "COMMUNE",
        SpecialZone => "SPECIAL_ZONE",
        Agency => "AGENCY",
        Enterprise => "ENTERPRISE",
        School => "SCHOOL",
        Village => "VILLAGE",
        ResidentialGroup => "RESIDENTIAL_GROUP",
        Other => "OTHER",
    }
);

string_enum!(
    /// Cụm thi đua groups units by place; khối thi đua by sector.
    ClusterKind {
        Cluster => "CLUSTER",
        Bloc => "BLOC",
    }
);

/// How much longer a child's path is than its parent's: a hyphenated UUID and a slash.
/// A unit's ancestor one level below `p` is the prefix of its path this much longer than
/// `p`, which lets SQL find it by equality instead of a pattern.
pub const PATH_SEGMENT_LEN: usize = 37;

/// Path of a unit given its parent's path.
pub fn child_path(parent_path: Option<&str>, id: Uuid) -> String {
    match parent_path {
        Some(p) => format!("{p}{id}/"),
        None => format!("/{id}/"),
    }
}

/// True when `path` is `ancestor_path` itself or lies below it.
pub fn is_within(path: &str, ancestor_path: &str) -> bool {
    path.starts_with(ancestor_path)
}

/// Ids of the ancestors of a unit, root first, excluding the unit itself.
pub fn ancestor_ids(path: &str) -> Vec<Uuid> {
    let mut ids: Vec<Uuid> = path
        .split('/')
        .filter_map(|s| Uuid::parse_str(s).ok())
        .collect();
    ids.pop();
    ids
}

/// A unit cannot be moved under itself or one of its descendants.
pub fn check_move(unit_path: &str, new_parent_path: &str) -> Result<(), FieldError> {
    if is_within(new_parent_path, unit_path) {
        return Err(FieldError::new(
            "parentId",
            UserErrorCode::InvalidParent,
            msg!("unit-parent-cycle"),
        ));
    }
    Ok(())
}

/// The province is one tree: province-wide rights (audit log, award catalogue, grants on
/// the root) are held on its root, so a second root would be a unit no one could act on
/// and would lock every administrator out of province-wide work. Only an empty tree
/// may get a root (the seed makes it).
pub fn check_new_root(existing_roots: usize) -> Result<(), FieldError> {
    if existing_roots > 0 {
        return Err(FieldError::new(
            "parentId",
            UserErrorCode::SecondRoot,
            msg!("unit-second-root"),
        ));
    }
    Ok(())
}

/// The id of the unit a path belongs to (its last segment).
pub fn unit_id_of(path: &str) -> Option<Uuid> {
    path.split('/')
        .rfind(|s| !s.is_empty())
        .and_then(|s| Uuid::parse_str(s).ok())
}

/// What a rule needs to know about a unit it touches: its id, and its path, on which
/// authorisation is decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnitFacts<'a> {
    pub id: Uuid,
    pub path: &'a str,
}

/// What the succession rule needs to know about a unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SuccessionFacts<'a> {
    pub id: Uuid,
    pub path: &'a str,
    pub is_root: bool,
    pub is_active: bool,
    pub successor_id: Option<Uuid>,
}

/// A reorganisation (the 2025 merger) records that `old` is continued by `successor`:
/// `old` and its subtree become inactive and are never deleted. A unit has at most one
/// successor, the root has none, and the successor is an active unit outside `old`'s
/// subtree (which is about to be deactivated). Because a successor is active and a unit
/// with a successor is not, a chain of successions can never loop.
pub fn check_succession(
    old: SuccessionFacts<'_>,
    successor: SuccessionFacts<'_>,
) -> Result<(), FieldError> {
    let refuse = |field: &str, message: crate::error::Message| {
        Err(FieldError::new(
            field,
            UserErrorCode::InvalidSuccession,
            message,
        ))
    };
    if old.is_root {
        return refuse("id", crate::msg!("succession-root"));
    }
    if old.successor_id.is_some() {
        return refuse("id", crate::msg!("succession-already"));
    }
    if is_within(successor.path, old.path) {
        return refuse("successorId", crate::msg!("succession-own-subtree"));
    }
    if !successor.is_active {
        return Err(FieldError::new(
            "successorId",
            UserErrorCode::Inactive,
            msg!("org-unit-successor-unit-deactivated"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_nest_and_prefix_tests_find_subtrees() {
        let (a, b, c) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        let pa = child_path(None, a);
        let pb = child_path(Some(&pa), b);
        let pc = child_path(Some(&pa), c);
        assert!(is_within(&pb, &pa));
        assert!(!is_within(&pb, &pc));
        assert_eq!(ancestor_ids(&pb), vec![a]);
        let grandchild = child_path(Some(&pb), Uuid::now_v7());
        assert_eq!(pb.len(), pa.len() + PATH_SEGMENT_LEN);
        assert_eq!(&grandchild[..pa.len() + PATH_SEGMENT_LEN], pb);
        assert!(ancestor_ids(&pa).is_empty());
    }

    #[test]
    fn moving_a_unit_under_its_descendant_is_refused() {
        let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
        let pa = child_path(None, a);
        let pb = child_path(Some(&pa), b);
        assert_eq!(
            check_move(&pa, &pb).unwrap_err().code,
            UserErrorCode::InvalidParent
        );
        assert_eq!(
            check_move(&pa, &pa).unwrap_err().code,
            UserErrorCode::InvalidParent
        );
        assert!(check_move(&pb, &pa).is_ok());
    }

    #[test]
    fn only_an_empty_tree_gets_a_root() {
        assert!(check_new_root(0).is_ok());
        let e = check_new_root(1).unwrap_err();
        assert_eq!(
            (e.code, e.field.as_str()),
            (UserErrorCode::SecondRoot, "parentId")
        );
    }

    #[test]
    fn a_unit_is_succeeded_once_by_an_active_unit_outside_its_subtree() {
        let (r, a, b, c) = (
            Uuid::from_u128(1),
            Uuid::from_u128(2),
            Uuid::from_u128(3),
            Uuid::from_u128(4),
        );
        let pr = child_path(None, r);
        let pa = child_path(Some(&pr), a);
        let pb = child_path(Some(&pr), b);
        let pc = child_path(Some(&pa), c);
        let f = |id, path: &str, active, successor| SuccessionFacts {
            id,
            path: Box::leak(path.to_owned().into_boxed_str()),
            is_root: id == r,
            is_active: active,
            successor_id: successor,
        };
        let code = |old, new| check_succession(old, new).unwrap_err();
        let (ua, ub) = (f(a, &pa, true, None), f(b, &pb, true, None));
        assert!(check_succession(ua, ub).is_ok());
        // An already deactivated pre-merger unit may still be given its successor.
        assert!(check_succession(f(a, &pa, false, None), ub).is_ok());
        let e = code(f(r, &pr, true, None), ub);
        assert_eq!(
            (e.code, e.field.as_str()),
            (UserErrorCode::InvalidSuccession, "id")
        );
        let e = code(f(a, &pa, false, Some(b)), ub);
        assert_eq!(
            (e.code, e.field.as_str()),
            (UserErrorCode::InvalidSuccession, "id")
        );
        for inside in [ua, f(c, &pc, true, None)] {
            let e = code(ua, inside);
            assert_eq!(
                (e.code, e.field.as_str()),
                (UserErrorCode::InvalidSuccession, "successorId")
            );
        }
        let e = code(ua, f(b, &pb, false, None));
        assert_eq!(
            (e.code, e.field.as_str()),
            (UserErrorCode::Inactive, "successorId")
        );
    }
}
