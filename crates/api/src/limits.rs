//! Request limits, checked by the schema's extension ([`crate::guards`]) so every transport (HTTP, in-process, a future
//! WebSocket) gets the same rules: tokens (checked before parsing, so a huge document
//! costs little), aliases (the usual amplification trick), nesting and directives,
//! introspection when it is off, then depth and complexity once the document validated.
//! Each refusal carries its code; whatever async-graphql refuses without one is a
//! validation failure.

use thidua_domain::msg;

use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, Selection, SelectionSet,
};
use async_graphql::{Request, Response, ServerError, ServerResult, ValidationResult};
use thidua_domain::ErrorCode;

use crate::error::server_error;

/// Deepest nesting of selection sets and fragments a document may have (async-graphql
/// checks the same before its own recursive walks).
pub const RECURSIVE_DEPTH: usize = 64;

/// Most directives on one field.
pub const DIRECTIVES_PER_FIELD: usize = 10;

#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub depth: usize,
    pub complexity: usize,
    pub aliases: usize,
    pub tokens: usize,
    pub introspection: bool,
    /// Most reports in one `submitReports` call.
    pub report_batch: usize,
}

impl Default for Limits {
    /// graphql-armor's published defaults, except depth: our deepest useful query
    /// (me → campaigns → edges → node → criteria → campaign → launchingUnit) needs 10.
    fn default() -> Self {
        Self {
            depth: 10,
            complexity: 5000,
            aliases: 15,
            tokens: 1000,
            introspection: true,
            report_batch: 100,
        }
    }
}

/// The token limit, checked on the text before it is parsed.
pub fn check_tokens(query: &str, limit: usize) -> ServerResult<()> {
    if count_tokens(query, limit) > limit {
        return Err(server_error(
            ErrorCode::QueryTooComplex,
            &msg!("too-many-tokens", limit = limit),
        ));
    }
    Ok(())
}

/// The request's document, parsed once (it stays cached in the request) after the token
/// limit held: what the HTTP route reads before execution and what execution runs.
pub fn parse(request: &mut Request, tokens: usize) -> ServerResult<&ExecutableDocument> {
    check_tokens(&request.query, tokens)?;
    request.parsed_query().map_err(|e| {
        let mut e = e;
        e.extensions
            .get_or_insert_with(Default::default)
            .set("code", ErrorCode::GraphqlParseFailed.as_str());
        e
    })
}

/// The per-document rules that need no schema: introspection while it is off, aliases,
/// nesting, directives.
pub fn check_document(doc: &ExecutableDocument, limits: &Limits) -> ServerResult<()> {
    if !limits.introspection && selects_introspection(doc) {
        return Err(server_error(
            ErrorCode::GraphqlValidationFailed,
            &msg!("introspection-disabled"),
        ));
    }
    if count_aliases(doc) > limits.aliases {
        return Err(server_error(
            ErrorCode::QueryTooComplex,
            &msg!("too-many-aliases", limit = limits.aliases),
        ));
    }
    if !nesting_within(doc, RECURSIVE_DEPTH) {
        return Err(server_error(
            ErrorCode::QueryTooComplex,
            &msg!("recursion-too-deep", limit = RECURSIVE_DEPTH),
        ));
    }
    if !directives_within(doc, DIRECTIVES_PER_FIELD) {
        return Err(server_error(
            ErrorCode::QueryTooComplex,
            &msg!("too-many-directives", limit = DIRECTIVES_PER_FIELD),
        ));
    }
    Ok(())
}

/// True when no path nests selection sets (fields with selections, fragments) deeper
/// than `max`; the walk stops there, so a fragment cycle ends too. The same measure as
/// async-graphql's own check, which therefore never refuses after this one passed.
pub fn nesting_within(doc: &ExecutableDocument, max: usize) -> bool {
    fn walk(doc: &ExecutableDocument, set: &SelectionSet, depth: usize, max: usize) -> bool {
        depth <= max
            && set.items.iter().all(|s| match &s.node {
                Selection::Field(f) => {
                    let inner = &f.node.selection_set.node;
                    inner.items.is_empty() || walk(doc, inner, depth + 1, max)
                }
                Selection::FragmentSpread(sp) => doc
                    .fragments
                    .get(&sp.node.fragment_name.node)
                    .is_none_or(|f| walk(doc, &f.node.selection_set.node, depth + 1, max)),
                Selection::InlineFragment(i) => {
                    walk(doc, &i.node.selection_set.node, depth + 1, max)
                }
            })
    }
    doc.operations
        .iter()
        .all(|(_, op)| walk(doc, &op.node.selection_set.node, 0, max))
}

/// True when no field carries more than `max` directives (each fragment checked once).
pub fn directives_within(doc: &ExecutableDocument, max: usize) -> bool {
    fn walk(set: &SelectionSet, max: usize) -> bool {
        set.items.iter().all(|s| match &s.node {
            Selection::Field(f) => {
                f.node.directives.len() <= max && walk(&f.node.selection_set.node, max)
            }
            Selection::FragmentSpread(_) => true,
            Selection::InlineFragment(i) => walk(&i.node.selection_set.node, max),
        })
    }
    doc.operations
        .iter()
        .all(|(_, op)| walk(&op.node.selection_set.node, max))
        && doc
            .fragments
            .values()
            .all(|f| walk(&f.node.selection_set.node, max))
}

/// `resp` with a code on every error: validation failures unless it has one.
pub(crate) fn with_codes(mut resp: Response) -> Response {
    for e in &mut resp.errors {
        let x = e.extensions.get_or_insert_with(Default::default);
        if x.get("code").is_none() {
            x.set("code", ErrorCode::GraphqlValidationFailed.as_str());
        }
    }
    resp
}

/// Depth and complexity of a valid document (`depth` is the schema's: the introspection
/// schema allows deeper documents).
pub(crate) fn check_validated(
    res: &ValidationResult,
    limits: &Limits,
    depth: usize,
) -> Result<(), Vec<ServerError>> {
    if res.complexity > limits.complexity {
        return Err(vec![server_error(
            ErrorCode::QueryTooComplex,
            &msg!("query-too-complex"),
        )]);
    }
    if res.depth > depth {
        return Err(vec![server_error(
            ErrorCode::QueryTooComplex,
            &msg!("query-too-deep"),
        )]);
    }
    Ok(())
}

/// Counts lexical tokens, stopping once past `limit`.
pub fn count_tokens(query: &str, limit: usize) -> usize {
    let b = query.as_bytes();
    let (mut i, mut n) = (0usize, 0usize);
    while i < b.len() && n <= limit {
        let c = b[i];
        match c {
            b' ' | b'\t' | b'\n' | b'\r' | b',' => i += 1,
            0xEF if b[i..].starts_with(&[0xEF, 0xBB, 0xBF]) => i += 3,
            b'#' => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'"' => {
                n += 1;
                if b[i..].starts_with(b"\"\"\"") {
                    i += 3;
                    while i < b.len() && !b[i..].starts_with(b"\"\"\"") {
                        i += if b[i] == b'\\' { 2 } else { 1 };
                    }
                    i += 3;
                } else {
                    i += 1;
                    while i < b.len() && b[i] != b'"' && b[i] != b'\n' {
                        i += if b[i] == b'\\' { 2 } else { 1 };
                    }
                    i += 1;
                }
            }
            b'.' if b[i..].starts_with(b"...") => {
                n += 1;
                i += 3;
            }
            c if c.is_ascii_alphanumeric() || c == b'_' || c == b'-' => {
                n += 1;
                while i < b.len()
                    && (b[i].is_ascii_alphanumeric() || matches!(b[i], b'_' | b'.' | b'+' | b'-'))
                {
                    i += 1;
                }
            }
            _ => {
                n += 1;
                i += 1;
            }
        }
    }
    n
}

/// Counts aliased fields across all operations and fragments of a document.
pub fn count_aliases(doc: &ExecutableDocument) -> usize {
    fn walk(set: &SelectionSet) -> usize {
        set.items
            .iter()
            .map(|s| match &s.node {
                Selection::Field(f) => {
                    usize::from(f.node.alias.is_some()) + walk(&f.node.selection_set.node)
                }
                Selection::FragmentSpread(_) => 0,
                Selection::InlineFragment(fr) => walk(&fr.node.selection_set.node),
            })
            .sum()
    }
    let ops = match &doc.operations {
        DocumentOperations::Single(op) => walk(&op.node.selection_set.node),
        DocumentOperations::Multiple(map) => map
            .values()
            .map(|op| walk(&op.node.selection_set.node))
            .sum(),
    };
    ops + doc
        .fragments
        .values()
        .map(|f| walk(&f.node.selection_set.node))
        .sum::<usize>()
}

/// True when the document's selected operation (or any, if ambiguous) is a mutation.
pub fn has_mutation(doc: &ExecutableDocument, operation_name: Option<&str>) -> bool {
    use async_graphql::parser::types::OperationType;
    match &doc.operations {
        DocumentOperations::Single(op) => op.node.ty == OperationType::Mutation,
        DocumentOperations::Multiple(map) => map
            .iter()
            .filter(|(name, _)| operation_name.is_none_or(|n| n == name.as_str()))
            .any(|(_, op)| op.node.ty == OperationType::Mutation),
    }
}

/// True when a root selection asks for `__schema` or `__type` (used to refuse
/// introspection with an explicit error when it is switched off). Runs before
/// validation, so each fragment is entered once: a fragment cycle must not recurse.
pub fn selects_introspection(doc: &ExecutableDocument) -> bool {
    fn root<'a>(
        set: &'a SelectionSet,
        doc: &'a ExecutableDocument,
        seen: &mut Vec<&'a str>,
    ) -> bool {
        set.items.iter().any(|s| match &s.node {
            Selection::Field(f) => matches!(f.node.name.node.as_str(), "__schema" | "__type"),
            Selection::InlineFragment(fr) => root(&fr.node.selection_set.node, doc, seen),
            Selection::FragmentSpread(sp) => {
                let name = sp.node.fragment_name.node.as_str();
                if seen.contains(&name) {
                    return false;
                }
                seen.push(name);
                doc.fragments
                    .get(&sp.node.fragment_name.node)
                    .is_some_and(|f| root(&f.node.selection_set.node, doc, seen))
            }
        })
    }
    let mut seen = Vec::new();
    match &doc.operations {
        DocumentOperations::Single(op) => root(&op.node.selection_set.node, doc, &mut seen),
        DocumentOperations::Multiple(map) => map
            .values()
            .any(|op| root(&op.node.selection_set.node, doc, &mut seen)),
    }
}

/// The name of the document's only operation, when it has one (for metrics and logs
/// when the client did not send `operationName`).
pub fn sole_operation_name(doc: &ExecutableDocument) -> Option<String> {
    match &doc.operations {
        DocumentOperations::Multiple(map) if map.len() == 1 => {
            map.keys().next().map(|k| k.to_string())
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_counted_like_a_lexer_would() {
        assert_eq!(count_tokens("{ a b }", 100), 4);
        assert_eq!(
            count_tokens("query Q($x: Int = 3) { f(x: $x) @skip(if: false) }", 100),
            26
        );
        assert_eq!(count_tokens("{ a(s: \"x y z\") # comment\n }", 100), 8);
        assert!(count_tokens(&"{ a ".repeat(5000), 1000) > 1000);
    }

    #[test]
    fn introspection_is_found_at_the_root_and_through_fragments() {
        let yes = async_graphql::parser::parse_query(
            "query { ...F } fragment F on Query { __schema { types { name } } }",
        )
        .unwrap();
        assert!(selects_introspection(&yes));
        let no = async_graphql::parser::parse_query("{ fields { name __typename } }").unwrap();
        assert!(!selects_introspection(&no));
    }

    #[test]
    fn fragment_cycles_end_the_introspection_search() {
        // Before, this recursed until the stack overflowed and the process aborted.
        let doc = async_graphql::parser::parse_query(
            "query { ...F } fragment F on Query { ...G } fragment G on Query { ...F }",
        )
        .unwrap();
        assert!(!selects_introspection(&doc));
        let doc = async_graphql::parser::parse_query(
            "query { ...F } fragment F on Query { ...F __type(name: \"X\") { name } }",
        )
        .unwrap();
        assert!(selects_introspection(&doc));
    }

    #[test]
    fn aliases_are_counted_in_nested_selections() {
        let doc =
            async_graphql::parser::parse_query("{ a: f { b: g h } ... on Q { c: f } }").unwrap();
        assert_eq!(count_aliases(&doc), 3);
    }
}
