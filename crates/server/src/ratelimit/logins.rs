//! Counting the fields that cost a password hash (`login`, `changePassword`,
//! `resetPassword`) before anything runs: a request may hold at most one (aliases and
//! fragments included, across a batch).

use std::collections::HashMap;

use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, OperationType, Selection, SelectionSet,
};

/// Root mutation fields that each run argon2 at least once.
pub const HASHING_FIELDS: &[&str] = &["login", "changePassword", "resetPassword"];

/// Fragments already counted (each once, so a document cannot make this exponential);
/// a fragment still being counted is a cycle (validation refuses it later) and counts 0.
type Memo<'a> = HashMap<&'a str, Option<usize>>;

/// [`HASHING_FIELDS`] at the root of the document's mutations, counting every alias and
/// every fragment spread (however many times a fragment is spread).
pub fn count_logins(doc: &ExecutableDocument) -> usize {
    let ops: Vec<_> = match &doc.operations {
        DocumentOperations::Single(op) => vec![op],
        DocumentOperations::Multiple(m) => m.values().collect(),
    };
    let mut memo = Memo::new();
    ops.into_iter()
        .filter(|op| op.node.ty == OperationType::Mutation)
        .map(|op| in_set(doc, &op.node.selection_set.node, &mut memo))
        .fold(0usize, usize::saturating_add)
}

fn in_set<'a>(doc: &'a ExecutableDocument, set: &'a SelectionSet, memo: &mut Memo<'a>) -> usize {
    set.items
        .iter()
        .map(|s| match &s.node {
            Selection::Field(f) => usize::from(HASHING_FIELDS.contains(&f.node.name.node.as_str())),
            Selection::InlineFragment(i) => in_set(doc, &i.node.selection_set.node, memo),
            Selection::FragmentSpread(sp) => {
                let name = sp.node.fragment_name.node.as_str();
                match memo.get(name) {
                    Some(Some(n)) => *n,
                    Some(None) => 0,
                    None => {
                        memo.insert(name, None);
                        let n = doc
                            .fragments
                            .get(&sp.node.fragment_name.node)
                            .map_or(0, |f| in_set(doc, &f.node.selection_set.node, memo));
                        memo.insert(name, Some(n));
                        n
                    }
                }
            }
        })
        .fold(0usize, usize::saturating_add)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(q: &str) -> usize {
        count_logins(&async_graphql::parser::parse_query(q).unwrap())
    }

    #[test]
    fn aliases_fragments_and_operations_all_count() {
        assert_eq!(count("{ programme { id } }"), 0);
        assert_eq!(count("mutation { login(input: $i) { accessToken } }"), 1);
        assert_eq!(
            count(
                "mutation { a: login(input: $i) { accessToken } b: login(input: $j) { accessToken } }"
            ),
            2
        );
        assert_eq!(
            count(
                "mutation { ...F ... on Mutation { ...F } } fragment F on Mutation { login(input: $i) { accessToken } }"
            ),
            2
        );
        assert_eq!(
            count(
                "mutation A { login(input: $i) { accessToken } } mutation B { login(input: $i) { accessToken } }"
            ),
            2
        );
        assert_eq!(
            count("mutation { ...F } fragment F on Mutation { ...F }"),
            0
        );
        assert_eq!(
            count(
                "mutation { changePassword(input: $i) { user { id } } login(input: $j) { accessToken } }"
            ),
            2
        );
        assert_eq!(
            count(
                "mutation { a: resetPassword(input: $i) { temporaryPassword } b: resetPassword(input: $i) { temporaryPassword } }"
            ),
            2
        );
        assert_eq!(count("{ changePassword }"), 0, "only mutations count");
    }
}
