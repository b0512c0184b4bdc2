//! Accent- and case-insensitive search, the same way for every list.
//!
//! A searchable table has a `search_text` column holding [`search_text`] of the fields a
//! user would type (names, codes), written on every insert and update (the entities'
//! `before_save` hooks, or the statement that changes a source field). A query is a
//! parsed [`SearchQuery`]; [`matches`] makes it a condition: every folded word appears
//! somewhere in `search_text`, in any order. On PostgreSQL a GIN trigram index
//! (`pg_trgm`, migration `m20261130_000006_search`) serves these `LIKE '%…%'` tests.
//!
//! To make another table searchable: add the column and its trigram index in a new
//! migration (filling existing rows), fill it in a `before_save` hook, put
//! `search: Option<SearchQuery>` in the store filter and add `matches(Column::SearchText, q)`.

use sea_orm::sea_query::LikeExpr;
use sea_orm::{ColumnTrait, Condition};
use thidua_domain::text::{SearchQuery, fold_for_search};

/// The folded form of `parts` (joined by spaces) a row stores in `search_text`.
pub fn search_text<'a>(parts: impl IntoIterator<Item = &'a str>) -> String {
    fold_for_search(&parts.into_iter().collect::<Vec<_>>().join(" "))
}

/// Every word of `q` occurs in `col`; `%`, `_` and `\` in a word match only themselves.
pub fn matches(col: impl ColumnTrait, q: &SearchQuery) -> Condition {
    q.words().iter().fold(Condition::all(), |c, word| {
        c.add(col.like(LikeExpr::new(contains_pattern(word)).escape('\\')))
    })
}

/// `%word%` with the LIKE wildcards and the escape character escaped.
fn contains_pattern(word: &str) -> String {
    let mut p = String::with_capacity(word.len() + 2);
    p.push('%');
    for ch in word.chars() {
        if matches!(ch, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(ch);
    }
    p.push('%');
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_in_a_word_are_escaped() {
        assert_eq!(contains_pattern("ha"), "%ha%");
        assert_eq!(contains_pattern(r"5%_\x"), r"%5\%\_\\x%");
    }

    #[test]
    fn stored_text_is_folded_and_joined() {
        assert_eq!(
            search_text(["HL-01", "Thành phố Hạ Long"]),
            "hl-01 thanh pho ha long"
        );
    }
}
