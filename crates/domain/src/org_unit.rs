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
}
