//! Keyset pagination: a page is "the next `first` rows after this (sort key, id)".

use uuid::Uuid;

/// Position after which the next page starts: the last row's sort value (as text) and id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyCursor {
    pub value: String,
    pub id: Uuid,
}

#[derive(Debug, Clone)]
pub struct PageRequest {
    pub first: u64,
    pub after: Option<KeyCursor>,
}

#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub has_next: bool,
}

impl<T> Page<T> {
    /// Builds a page from `first + 1` fetched rows: the extra row only says there is more.
    pub fn from_overfetch(mut rows: Vec<T>, first: u64) -> Self {
        let limit = usize::try_from(first).unwrap_or(usize::MAX);
        let has_next = rows.len() > limit;
        rows.truncate(limit);
        Self {
            items: rows,
            has_next,
        }
    }
}

/// `LIKE` pattern for "this path and everything below it"; paths hold only uuids and '/'.
pub fn subtree_pattern(path: &str) -> String {
    format!("{path}%")
}
