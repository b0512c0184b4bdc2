//! Introspection documents get their own bounds. graphql-js's `getIntrospectionQuery()`
//! (what GraphiQL, `gql`, graphql-inspector and code generators send) is 15 fields deep
//! because of its nine-level `ofType` chain, past the depth data queries are allowed; yet
//! a chain of `ofType` costs nothing, while lists inside lists (`types { fields { type {
//! fields … } } }`) multiply the answer. So a document whose operations select only
//! `__schema`, `__type` and `__typename` at the root runs on a second schema instance
//! with an introspection-sized depth, at most [`LIST_NESTING`] list fields nested, and
//! `__schema` selected once.

use std::collections::HashMap;
use thidua_domain::msg;

use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, FragmentSpread, OperationType, Selection, SelectionSet,
};
use async_graphql::{ServerError, ServerResult};
use thidua_domain::ErrorCode;

use crate::error::server_error;

/// What `getIntrospectionQuery()` needs: `__schema types fields args type`, nine
/// `ofType`, then `kind`.
pub const DEPTH: usize = 15;

/// Most list-valued introspection fields on one path: `__schema { types { fields { args
/// … } } }` is the standard query's deepest.
pub const LIST_NESTING: usize = 3;

/// Introspection fields that answer lists of objects.
const LIST_FIELDS: &[&str] = &[
    "types",
    "directives",
    "fields",
    "args",
    "inputFields",
    "interfaces",
    "possibleTypes",
    "enumValues",
];

fn is_meta_root(name: &str) -> bool {
    matches!(name, "__schema" | "__type" | "__typename")
}

/// True when every operation of the document is a query whose root selections (through
/// fragments) are only `__schema`, `__type` or `__typename`, and one asks for `__schema`
/// or `__type` (a bare `{ __typename }` stays with data queries).
pub fn is_introspection_only(doc: &ExecutableDocument) -> bool {
    /// (only meta fields, asks for `__schema`/`__type`); each fragment is entered once,
    /// so cycles and repeated spreads cost nothing.
    fn root<'a>(
        set: &'a SelectionSet,
        doc: &'a ExecutableDocument,
        seen: &mut Vec<&'a str>,
    ) -> (bool, bool) {
        let (mut only, mut any) = (true, false);
        for s in &set.items {
            let (o, a) = match &s.node {
                Selection::Field(f) => {
                    let name = f.node.name.node.as_str();
                    (
                        is_meta_root(name),
                        name != "__typename" && is_meta_root(name),
                    )
                }
                Selection::InlineFragment(fr) => root(&fr.node.selection_set.node, doc, seen),
                Selection::FragmentSpread(sp) => {
                    let name = sp.node.fragment_name.node.as_str();
                    if seen.contains(&name) {
                        (true, false)
                    } else {
                        seen.push(name);
                        match doc.fragments.get(&sp.node.fragment_name.node) {
                            Some(f) => root(&f.node.selection_set.node, doc, seen),
                            None => (false, false),
                        }
                    }
                }
            };
            only &= o;
            any |= a;
        }
        (only, any)
    }
    let mut ops: Vec<_> = match &doc.operations {
        DocumentOperations::Single(op) => vec![op],
        DocumentOperations::Multiple(map) => map.values().collect(),
    };
    !ops.is_empty()
        && ops.drain(..).all(|op| {
            let mut seen = Vec::new();
            op.node.ty == OperationType::Query && {
                let (only, any) = root(&op.node.selection_set.node, doc, &mut seen);
                only && any
            }
        })
}

/// Per fragment: `None` while it is being walked (a cycle), else what the walk gave.
type Memo<'a> = HashMap<&'a str, Option<usize>>;

/// What `walk` gives for the fragment `sp` spreads, walked once per document: a cycle
/// counts as unbounded, an unknown fragment as nothing.
fn spread<'a>(
    sp: &'a FragmentSpread,
    doc: &'a ExecutableDocument,
    memo: &mut Memo<'a>,
    walk: fn(&'a SelectionSet, &'a ExecutableDocument, &mut Memo<'a>) -> usize,
) -> usize {
    let name = sp.fragment_name.node.as_str();
    match memo.get(name) {
        Some(Some(n)) => *n,
        Some(None) => usize::MAX,
        None => {
            let Some(f) = doc.fragments.get(&sp.fragment_name.node) else {
                return 0;
            };
            memo.insert(name, None);
            let n = walk(&f.node.selection_set.node, doc, memo);
            memo.insert(name, Some(n));
            n
        }
    }
}

/// The most list-valued introspection fields nested on one path of the document
/// (fragments expanded; a fragment cycle counts as unbounded).
pub fn list_nesting(doc: &ExecutableDocument) -> usize {
    fn walk<'a>(set: &'a SelectionSet, doc: &'a ExecutableDocument, memo: &mut Memo<'a>) -> usize {
        set.items
            .iter()
            .map(|s| match &s.node {
                Selection::Field(f) => {
                    let here = usize::from(LIST_FIELDS.contains(&f.node.name.node.as_str()));
                    here.saturating_add(walk(&f.node.selection_set.node, doc, memo))
                }
                Selection::InlineFragment(fr) => walk(&fr.node.selection_set.node, doc, memo),
                Selection::FragmentSpread(sp) => spread(&sp.node, doc, memo, walk),
            })
            .max()
            .unwrap_or(0)
    }
    let mut memo = Memo::new();
    match &doc.operations {
        DocumentOperations::Single(op) => walk(&op.node.selection_set.node, doc, &mut memo),
        DocumentOperations::Multiple(map) => map
            .values()
            .map(|op| walk(&op.node.selection_set.node, doc, &mut memo))
            .max()
            .unwrap_or(0),
    }
}

/// How many times the document's operations select `__schema` (aliases and repeated
/// fragment spreads each count; a fragment cycle counts as unbounded). Each one answers
/// the whole schema, so more than one only multiplies the answer.
pub fn schema_selections(doc: &ExecutableDocument) -> usize {
    fn root<'a>(set: &'a SelectionSet, doc: &'a ExecutableDocument, memo: &mut Memo<'a>) -> usize {
        set.items.iter().fold(0usize, |n, s| {
            n.saturating_add(match &s.node {
                Selection::Field(f) => usize::from(f.node.name.node.as_str() == "__schema"),
                Selection::InlineFragment(fr) => root(&fr.node.selection_set.node, doc, memo),
                Selection::FragmentSpread(sp) => spread(&sp.node, doc, memo, root),
            })
        })
    }
    let mut memo = Memo::new();
    match &doc.operations {
        DocumentOperations::Single(op) => root(&op.node.selection_set.node, doc, &mut memo),
        DocumentOperations::Multiple(map) => map.values().fold(0usize, |n, op| {
            n.saturating_add(root(&op.node.selection_set.node, doc, &mut memo))
        }),
    }
}

/// The bounds a parsed document must keep on the schema instance that runs it
/// (`introspection_only` on the introspection instance): there, only introspection at the
/// root (the server routes such documents there; this keeps it so), `__schema` selected
/// once, and lists nested at most [`LIST_NESTING`] deep. On the data schema it refuses a
/// second `__schema` only: there `fields`, `types` … may be data fields, and the data depth
/// limit holds anyway.
pub(crate) fn check_bounds(doc: &ExecutableDocument, introspection_only: bool) -> ServerResult<()> {
    if introspection_only && !is_introspection_only(doc) {
        return Err(too_complex(&msg!("introspection-mixed")));
    }
    if schema_selections(doc) > 1 {
        return Err(too_complex(&msg!("introspection-schema-once")));
    }
    if introspection_only && list_nesting(doc) > LIST_NESTING {
        return Err(too_complex(&msg!(
            "introspection-nesting",
            limit = LIST_NESTING
        )));
    }
    Ok(())
}

fn too_complex(message: &thidua_domain::Message) -> ServerError {
    server_error(ErrorCode::QueryTooComplex, message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_graphql::parser::parse_query;

    #[test]
    fn only_introspection_at_every_root_qualifies() {
        for yes in [
            "{ __schema { types { name } } }",
            "{ __type(name: \"Campaign\") { name } __typename }",
            "query A { ...F } fragment F on Query { __schema { queryType { name } } }",
            "query A { ... on Query { __type(name: \"X\") { name } } }",
        ] {
            assert!(is_introspection_only(&parse_query(yes).unwrap()), "{yes}");
        }
        for no in [
            "{ __typename }",
            "{ __schema { types { name } } fields { name } }",
            "query A { __schema { types { name } } } query B { fields { name } }",
            "mutation { __typename }",
            "query A { ...F } fragment F on Query { __schema { types { name } } fields { name } }",
            "query A { ...Missing }",
        ] {
            assert!(!is_introspection_only(&parse_query(no).unwrap()), "{no}");
        }
    }

    #[test]
    fn fragment_cycles_do_not_loop() {
        let doc = parse_query(
            "query { ...A } fragment A on Query { ...B __schema { types { name } } } fragment B on Query { ...A }",
        )
        .unwrap();
        assert!(is_introspection_only(&doc));
        assert_eq!(list_nesting(&doc), usize::MAX);
    }

    #[test]
    fn list_nesting_counts_lists_through_fragments_not_of_type() {
        let standard = parse_query(include_str!(
            "../../../tests/fixtures/introspection/graphql-js-16.15.0-all-options.graphql"
        ))
        .unwrap();
        assert_eq!(list_nesting(&standard), LIST_NESTING);
        let deep = parse_query(
            "{ __schema { types { ...T } } } fragment T on __Type { fields { type { ofType { fields { args { name } } } } } }",
        )
        .unwrap();
        assert_eq!(list_nesting(&deep), 4);
    }

    #[test]
    fn schema_selections_count_aliases_and_fragment_spreads() {
        let count = |q: &str| schema_selections(&parse_query(q).unwrap());
        assert_eq!(
            count(include_str!(
                "../../../tests/fixtures/introspection/graphql-js-16.15.0.graphql"
            )),
            1
        );
        assert_eq!(
            count("{ a: __schema { queryType { name } } b: __schema { queryType { name } } }"),
            2
        );
        assert_eq!(
            count("{ ...F ...F } fragment F on Query { __schema { queryType { name } } }"),
            2
        );
        assert_eq!(
            count("query A { ...F } fragment F on Query { ...F }"),
            usize::MAX
        );
        assert_eq!(count("{ __type(name: \"Query\") { name } }"), 0);
    }

    #[test]
    fn shared_fragments_are_walked_once() {
        // 60 fragments each spreading the next twice: 2^60 paths if walked naively.
        let mut q = String::from("{ __schema { ...F0 } }");
        for i in 0..60 {
            q.push_str(&format!(
                " fragment F{i} on __Schema {{ ...F{n} ...F{n} }}",
                n = i + 1
            ));
        }
        q.push_str(" fragment F60 on __Schema { types { name } }");
        let doc = parse_query(&q).unwrap();
        assert_eq!(list_nesting(&doc), 1);
        assert_eq!(schema_selections(&doc), 1);
        assert!(is_introspection_only(&doc));
    }
}
